// OffsetCommit (8) v2-10: commits offsets into __consumer_offsets (src/groups/offset-ops.ts),
// answered once durable. Group members commit with their generation (v9+: the member epoch of
// KIP-848 groups); a generation of -1 with an empty member id commits outside group management
// (standalone consumers). v10 names topics by id (KIP-848). Unknown topics or partitions are
// UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id), as KafkaApis checks before the coordinator.

import { ErrorCode } from '../../protocol/errors.ts';
import { OffsetCommit } from '../../protocol/messages/index.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(OffsetCommit, async (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) {
    return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: notHere })) })) };
  }
  const byId = ctx.apiVersion >= 10;
  const topics = ctx.broker.topics;
  // Per request partition: its error, or the index of its offset in the commit.
  const slots: Array<Array<{ partitionIndex: number; errorCode: number; at: number }>> = [];
  const offsets: Parameters<typeof ctx.broker.groups.commitOffsets>[0]['offsets'] = [];
  for (const t of req.topics) {
    const topic = byId ? topics.getById(t.topicId) : topics.get(t.name);
    const unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    slots.push(
      t.partitions.map((p) => {
        if (!topic) return { partitionIndex: p.partitionIndex, errorCode: unknown, at: -1 };
        if (p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, at: -1 };
        }
        offsets.push({ topic: topic.name, topicId: topic.id, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, at: offsets.length - 1 };
      }),
    );
  }
  const codes = await ctx.broker.groups.commitOffsets({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    generationIdOrMemberEpoch: req.generationIdOrMemberEpoch,
    apiVersion: ctx.apiVersion,
    offsets,
  });
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: slots[i].map((s) => ({ partitionIndex: s.partitionIndex, errorCode: s.at >= 0 ? codes[s.at] : s.errorCode })),
    })),
  };
});
