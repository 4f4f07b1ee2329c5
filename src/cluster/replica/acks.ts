// The acks decisions of a replicated partition's leader (pure), and the appends waiting for
// their commit.
//
// Kafka's semantics (apache/kafka Partition.appendRecordsToLeader and
// checkEnoughReplicasReachOffset, ReplicaManager.appendRecords / DelayedProduce):
// - acks=0 and acks=1 are answered once the leader has the batch (here: proposed, written
//   through to its log in the same turn; acks=0 gets no answer on the wire, the broker's part);
// - acks=all with fewer in-sync replicas than min.insync.replicas is refused before anything
//   is appended: NOT_ENOUGH_REPLICAS;
// - acks=all is answered once the high watermark passes the batch (here: the Raft commit
//   index, applied on the leader: a majority has it on disk); if by then the ISR has shrunk
//   below min.insync.replicas the answer is NOT_ENOUGH_REPLICAS_AFTER_APPEND (the batch IS
//   in the log; the client retries and idempotence turns the retry into a duplicate);
// - a duplicate of an idempotent producer's batch waits the same way, for the original's
//   offsets (ReplicaManager waits for `lastOffset + 1` of the append info, duplicates included).

import { assert } from '../../base/assert.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { Entry, Index, Term } from '../../raft/core/index.ts';

/** Produce's acks: 0 (no answer), 1 (the leader has it), -1 (all: committed). */
export type Acks = 0 | 1 | -1;

/** Appends one leader keeps waiting for their commit; past it acks=all appends are refused (REQUEST_TIMED_OUT, retriable). */
export const COMMIT_WAITERS_MAX = 65_536;

/** acks=all needs min.insync.replicas in sync before the leader appends (NotEnoughReplicasException). */
export function checkBeforeAppend(acks: Acks, inSyncCount: number, minInsyncReplicas: number): KafkaError | null {
  if (acks !== -1 || inSyncCount >= minInsyncReplicas) return null;
  return kafkaError(
    ErrorCode.NOT_ENOUGH_REPLICAS,
    `${inSyncCount} in-sync replicas, below min.insync.replicas ${minInsyncReplicas}`,
  );
}

/** Once committed: did the ISR stay at min.insync.replicas? (NotEnoughReplicasAfterAppend) */
export function checkAfterCommit(inSyncCount: number, minInsyncReplicas: number): KafkaError | null {
  if (inSyncCount >= minInsyncReplicas) return null;
  return kafkaError(
    ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    `committed, but the in-sync replicas fell to ${inSyncCount}, below min.insync.replicas ${minInsyncReplicas}`,
  );
}

interface Waiter {
  readonly lastOffset: Index;
  readonly term: Term;
  readonly resolve: (error: KafkaError | null) => void;
}

/**
 * acks=all appends waiting for the batch ending at `lastOffset`, written in `term`, to be
 * applied (committed). Each settles once with null (committed: the caller then checks the ISR)
 * or an error; a promise here never rejects.
 */
export class CommitWaiters {
  private readonly byLastOffset = new Map<Index, Waiter[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= COMMIT_WAITERS_MAX;
  }

  wait(lastOffset: Index, term: Term): Promise<KafkaError | null> {
    assert(!this.full, 'commit waiters full');
    return new Promise((resolve) => {
      const list = this.byLastOffset.get(lastOffset) ?? [];
      list.push({ lastOffset, term, resolve });
      this.byLastOffset.set(lastOffset, list);
      this.count++;
    });
  }

  /**
   * Entries applied in order, the last one's end now below the high watermark. A waiter whose
   * batch ends at an applied entry of its term is committed; a waiter whose offset the high
   * watermark passed with anything else there lost its batch (a new leader's log won there).
   */
  applied(entries: readonly Entry[], onCommitted: (resolve: (e: KafkaError | null) => void) => void): void {
    if (this.count === 0 || entries.length === 0) return;
    for (const e of entries) {
      const list = this.byLastOffset.get(e.lastIndex);
      if (list === undefined) continue;
      for (const w of list) {
        if (w.term === e.term) onCommitted(w.resolve);
        else w.resolve(notLeader(`the batch at ${w.lastOffset} of term ${w.term} was replaced by term ${e.term}`));
      }
      this.count -= list.length;
      this.byLastOffset.delete(e.lastIndex);
    }
    const highWatermark = entries[entries.length - 1].lastIndex + 1;
    for (const [lastOffset, list] of this.byLastOffset) {
      if (lastOffset >= highWatermark) continue;
      for (const w of list) w.resolve(notLeader(`the batch ending at ${lastOffset} is not in the committed log`));
      this.count -= list.length;
      this.byLastOffset.delete(lastOffset);
    }
  }

  /** Every waiter fails with `error` (leadership lost, the group stopped, the replica closed). */
  failAll(error: KafkaError): void {
    for (const list of this.byLastOffset.values()) for (const w of list) w.resolve(error);
    this.byLastOffset.clear();
    this.count = 0;
  }
}

export function notLeader(message: string): KafkaError {
  return kafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, message);
}
