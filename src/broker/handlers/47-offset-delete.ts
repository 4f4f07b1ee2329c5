// OffsetDelete (47) v0 (KIP-496): removes committed offsets of partitions the group does not
// consume: GROUP_SUBSCRIBED_TO_TOPIC for topics its members subscribe to, GROUP_ID_NOT_FOUND
// for unknown groups, NON_EMPTY_GROUP for active groups of a protocol whose subscriptions the
// broker cannot read. Unknown topics or partitions are UNKNOWN_TOPIC_OR_PARTITION.

import { ErrorCode } from '../../protocol/errors.ts';
import { OffsetDelete } from '../../protocol/messages/index.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(OffsetDelete, async (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) return { errorCode: notHere, throttleTimeMs: 0, topics: [] };
  const topics = ctx.broker.topics;
  const known = req.topics.map((t) => {
    const topic = topics.get(t.name);
    return { name: t.name, partitions: t.partitions.map((p) => p.partitionIndex).filter((p) => topic !== undefined && p >= 0 && p < topic.partitions) };
  });
  const r = await ctx.broker.groups.deleteOffsets(req.groupId, known);
  if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
  return {
    errorCode: ErrorCode.NONE,
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: r.topics[i].partitions.find((x) => x.partitionIndex === p.partitionIndex)?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    })),
  };
});
