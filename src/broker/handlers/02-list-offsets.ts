// ListOffsets (2) v1-11.
// Special timestamps: -1 latest (the high watermark: consumers see nothing above it), -2
// earliest (log start), -3 max timestamp (v7+, KIP-734), -4 earliest local (v8+, KIP-405: the
// log start while nothing is tiered), -5 latest tiered (v9+: -1 while nothing is tiered).
// A real timestamp finds the first offset whose record timestamp is >= it, below the high
// watermark, or -1 when there is none. currentLeaderEpoch (v4+) fences stale callers.
// replicaId -2 (ListOffsetsRequest.DEBUGGING_REPLICA_ID) reads this node's own replica, leader or
// follower, and -1 is its log end offset (Kafka's ReplicaManager.fetchOffsetForTimestamp: not
// only from the leader, no isolation level): how an operator or a test sees a follower's log end.

import { ErrorCode } from '../../protocol/errors.ts';
import { ListOffsets } from '../../protocol/messages/index.ts';
import type { ReadablePartition } from '../broker.ts';
import { handler } from '../handler.ts';

export const LATEST = -1;
export const EARLIEST = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL = -4;
export const LATEST_TIERED = -5;
/** ListOffsetsRequest.DEBUGGING_REPLICA_ID. */
export const DEBUGGING_REPLICA_ID = -2;

export default handler(ListOffsets, (ctx, req) => ({
  throttleTimeMs: 0,
  topics: req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((q) => {
      const fail = (errorCode: number) => ({ partitionIndex: q.partitionIndex, errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 });
      const debugging = req.replicaId === DEBUGGING_REPLICA_ID;
      const p = debugging ? (ctx.broker.partition(t.name, q.partitionIndex) ?? ctx.broker.replica(t.name, q.partitionIndex)) : ctx.broker.readable(t.name, q.partitionIndex);
      if (!p) return fail(ctx.broker.partitionErrorCode(t.name, q.partitionIndex));
      if (q.currentLeaderEpoch >= 0 && q.currentLeaderEpoch !== p.leaderEpoch) {
        return fail(q.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
      }
      const found = debugging && q.timestamp === LATEST ? { offset: p.logEndOffset, timestamp: -1 } : lookup(p, q.timestamp);
      return {
        partitionIndex: q.partitionIndex,
        errorCode: ErrorCode.NONE,
        timestamp: found.timestamp,
        offset: found.offset,
        leaderEpoch: found.offset >= 0 ? epochAt(p, found.offset) : -1,
      };
    }),
  })),
}));

function epochAt(p: ReadablePartition, offset: number): number {
  if (offset >= p.logEndOffset) return p.leaderEpoch;
  return p.log.termAt(offset) ?? p.leaderEpoch;
}

function lookup(p: ReadablePartition, ts: number): { offset: number; timestamp: number } {
  const hw = p.highWatermark;
  switch (ts) {
    case LATEST:
      return { offset: hw, timestamp: -1 };
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: p.logStartOffset, timestamp: -1 };
    case LATEST_TIERED:
      return { offset: -1, timestamp: -1 };
    case MAX_TIMESTAMP: {
      const m = p.log.maxTimestampOffset();
      return m && m.offset < hw ? m : { offset: -1, timestamp: -1 };
    }
    default: {
      if (ts < 0) return { offset: -1, timestamp: -1 };
      const r = p.log.offsetForTimestamp(ts);
      return r && r.offset < hw ? r : { offset: -1, timestamp: -1 };
    }
  }
}
