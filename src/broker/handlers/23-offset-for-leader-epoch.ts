// OffsetForLeaderEpoch (23) v2-4 (KIP-101, KIP-279, KIP-320).
// For each partition: the largest epoch <= the one asked for, and the offset where it ended
// (the log end offset for the current epoch). Consumers use it after a leader change to detect
// log truncation; followers will use it for Raft log matching. currentLeaderEpoch fences stale
// callers: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH. A replicated partition
// answers on its leader (ReplicatedPartition.endOffsetForEpoch), NOT_LEADER_OR_FOLLOWER elsewhere.

import { ErrorCode } from '../../protocol/errors.ts';
import { OffsetForLeaderEpoch } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(OffsetForLeaderEpoch, (ctx, req) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    topic: t.topic,
    partitions: t.partitions.map((q) => {
      const fail = (errorCode: number) => ({ errorCode, partition: q.partition, leaderEpoch: -1, endOffset: -1 });
      const replica = ctx.broker.replica(t.topic, q.partition);
      if (replica !== undefined) {
        const r = replica.endOffsetForEpoch(q.leaderEpoch, q.currentLeaderEpoch);
        return r.ok ? { errorCode: ErrorCode.NONE, partition: q.partition, leaderEpoch: r.epoch, endOffset: r.endOffset } : fail(r.error.code);
      }
      const p = ctx.broker.partition(t.topic, q.partition);
      if (!p) return fail(ctx.broker.partitionErrorCode(t.topic, q.partition));
      if (q.currentLeaderEpoch >= 0 && q.currentLeaderEpoch !== p.leaderEpoch) {
        return fail(q.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
      }
      const r = p.log.endOffsetForEpoch(q.leaderEpoch);
      return { errorCode: ErrorCode.NONE, partition: q.partition, leaderEpoch: r.epoch, endOffset: r.endOffset };
    }),
  })),
}));
