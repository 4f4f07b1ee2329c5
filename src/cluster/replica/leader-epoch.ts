// Leader epochs on a replicated partition: the epoch is the Raft term (a batch's
// partitionLeaderEpoch is the term of the leader that wrote it, core/README.md "The log model").
// Pure rules, so the broker's Fetch, ListOffsets and OffsetForLeaderEpoch handlers and the
// replica answer alike.

import { ErrorCode } from '../../protocol/errors.ts';

/** Kafka's RecordBatch.NO_PARTITION_LEADER_EPOCH: the client does not check the epoch. */
export const NO_LEADER_EPOCH = -1;

/**
 * The currentLeaderEpoch check of Fetch, ListOffsets and OffsetForLeaderEpoch (KIP-320),
 * as apache/kafka's Partition.checkCurrentLeaderEpoch: an older epoch than the replica's is
 * FENCED_LEADER_EPOCH (the client's metadata is stale: refresh it); a newer one is
 * UNKNOWN_LEADER_EPOCH (this replica has not learned of the new leader yet: retry).
 */
export function checkCurrentLeaderEpoch(requested: number, local: number): number | null {
  if (requested === NO_LEADER_EPOCH) return null;
  if (requested < local) return ErrorCode.FENCED_LEADER_EPOCH;
  if (requested > local) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return null;
}

/** What the lookup reads from the log: its epoch cache (LeaderEpochFileCache.endOffsetFor). */
export interface EpochLog {
  readonly logEndOffset: number;
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number };
}

/**
 * OffsetForLeaderEpoch's answer on a leader: the end offset (exclusive) of the largest epoch
 * <= `requested`, with that epoch. The leader's current term ends at its log end even before
 * its first entry of the term is in the log (Kafka's leader assigns its epoch in the cache when
 * it becomes leader: LeaderEpochFileCache.endOffsetFor's "latest epoch" case); every other
 * epoch is answered from the batches in the log.
 */
export function epochEndOffset(requested: number, currentTerm: number, log: EpochLog): { epoch: number; endOffset: number } {
  if (requested === currentTerm) return { epoch: currentTerm, endOffset: log.logEndOffset };
  return log.endOffsetForEpoch(requested);
}
