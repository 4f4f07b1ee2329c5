// ConsumerGroupHeartbeat (68), versions 0-1; flexible always. The new consumer group protocol's
// single request (KIP-848): join, heartbeat, and receive assignments computed by the broker.
// v1 adds a subscription regex, evaluated by the broker; the spec still flags v1 as unstable.
// Nullable fields are null when unchanged since the last heartbeat.

import { api, array, int16, int32, string, struct, structField, uuid } from '../schema.ts';

const TopicPartitions = struct({
  topicId: uuid(),
  partitions: array(int32()),
});

export const ConsumerGroupHeartbeat = api({
  apiKey: 68,
  name: 'ConsumerGroupHeartbeat',
  versions: '0-1',
  flexible: '0+',
  request: struct({
    groupId: string(),
    memberId: string(),
    memberEpoch: int32(),
    instanceId: string('0+', { nullable: '0+', default: null }),
    rackId: string('0+', { nullable: '0+', default: null }),
    rebalanceTimeoutMs: int32('0+', { default: -1 }),
    subscribedTopicNames: array(string(), '0+', { nullable: '0+', default: null }),
    subscribedTopicRegex: string('1+', { nullable: '1+', default: null }),
    serverAssignor: string('0+', { nullable: '0+', default: null }),
    topicPartitions: array(struct({
      topicId: uuid(),
      partitions: array(int32()),
    }), '0+', { nullable: '0+', default: null }),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+', default: null }),
    memberId: string('0+', { nullable: '0+', default: null }),
    memberEpoch: int32(),
    heartbeatIntervalMs: int32(),
    assignment: structField(struct({
      topicPartitions: array(TopicPartitions),
    }), '0+', { nullable: '0+', default: null }),
  }),
});
