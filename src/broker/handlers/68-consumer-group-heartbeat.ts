// ConsumerGroupHeartbeat (68) v0-1: the KIP-848 consumer group protocol's one request (join,
// heartbeat, leave; assignments computed by the broker). v0: the broker generates the member id
// on a join; v1 (KIP-1082) requires the client's own and adds SubscribedTopicRegex. Kafka marks
// v1 unstable until 4.0; we advertise both. Topic partition counts and ids come from the topic
// table, which the coordinator compares against the group's subscription metadata on each call.

import { ConsumerGroupHeartbeat } from '../../protocol/messages/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(ConsumerGroupHeartbeat, async (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, errorMessage: null, memberId: req.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  const res = await ctx.broker.groups.consumer.heartbeat(
    {
      apiVersion: ctx.apiVersion,
      groupId: req.groupId,
      memberId: req.memberId,
      memberEpoch: req.memberEpoch,
      instanceId: req.instanceId,
      rackId: req.rackId,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      subscribedTopicNames: req.subscribedTopicNames,
      subscribedTopicRegex: ctx.apiVersion >= 1 ? req.subscribedTopicRegex : null,
      serverAssignor: req.serverAssignor,
      topicPartitions: req.topicPartitions,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.clientHost,
    },
    ctx.broker.topics,
  );
  return { throttleTimeMs: 0, ...res };
});
