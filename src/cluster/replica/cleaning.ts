// Log compaction of a replicated partition (README.md, "Compaction"): each replica's cleaner
// (storage/cleaner.ts) cleans its own log, as Kafka's followers do, under the replicated rules
// of storage/compaction.ts. This file says where this replica's safe range ends. Pure.

import type { ReplicatedCleaning } from '../../storage/compaction.ts';

/**
 * The cleaning rules of a replica whose log is applied up to `highWatermark` (the Raft commit
 * index + 1, as applied here) and flushed up to `flushedOffset`: cleanable only below both.
 * Committed entries are never truncated (Leader Completeness, paper 5.4; a follower's
 * uncommitted suffix may be), Kafka's cleaner stops at the high watermark
 * (LogCleanerManager.cleanableOffsets), and bytes above the flushed offset are not yet what a
 * crash leaves.
 */
export function replicaCleaning(highWatermark: number, flushedOffset: number): ReplicatedCleaning {
  return { cleanableEndOffset: Math.min(highWatermark, flushedOffset) };
}
