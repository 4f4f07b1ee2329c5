// Idempotent-producer state from the replicated log.
//
// The rule (the simplest correct one we found):
// - Every replica keeps the COMMITTED producer state: the batches of the committed log, fed in
//   as they are applied. The committed log is never truncated, so this state never has to be
//   rolled back, whatever a follower's uncommitted suffix does.
// - A leader answers producers from its LEADER VIEW: the committed state plus every batch of its
//   own log past it (uncommitted entries it holds, which it will commit: Leader Completeness,
//   paper 5.4, and a leader never truncates its own log, Leader Append-Only, Figure 3), plus what
//   it appends while it leads. It is built when the replica first acts as leader in a term,
//   from the core's log (persisted or not), and dropped when the leadership ends.
// So a retry that reaches a new leader after a failover finds its batch (committed, or in the
// new leader's suffix that it is about to commit) and is answered as a duplicate.
//
// The state restarts empty at the log start: batches before it (compacted, or before a
// snapshot point installed from the leader) are not seen. Kafka keeps producer snapshots for
// this (ProducerStateManager.takeSnapshot); writing and shipping them is the next step. Until
// then a producer whose last batches were compacted away is unknown, and its next batch is
// accepted at any sequence (KIP-360), as Kafka does once retention removed its data.

import { assert } from '../../base/assert.ts';
import { BatchHeader } from '../../protocol/records/batch.ts';
import type { Entry, Index } from '../../raft/core/index.ts';
import { ProducerState, type ProducerStateOptions } from '../../transactions/producer-state.ts';

/** Feeds one replicated entry to `state`. Raft's own control entries (leader changes, memberships) carry no producer. */
export function replayEntry(state: ProducerState, e: Entry): void {
  if (e.kind !== 'data') return;
  const h = new BatchHeader(e.payload);
  state.replay({
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    lastOffsetDelta: e.lastIndex - e.firstIndex,
    maxTimestamp: h.maxTimestamp,
    baseOffset: e.firstIndex,
    isControl: h.isControl,
  });
}

/** What the leader view reads of the core's log (RaftNode). */
export interface CoreLog {
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  entryHolding(index: Index): Entry | null;
}

/**
 * The leader view: a copy of `committed` (which covers the log below `committed.endOffset`)
 * with every entry of the leader's log after it replayed.
 */
export function leaderView(committed: ProducerState, log: CoreLog, options: ProducerStateOptions): ProducerState {
  const loaded = ProducerState.fromSnapshot(committed.snapshot(), options);
  assert(loaded.ok, 'the committed producer state does not copy'); // our own bytes: a bug
  const view = loaded.state;
  for (let i = Math.max(committed.endOffset, log.firstIndex); i <= log.lastIndex; ) {
    const e = log.entryHolding(i);
    assert(e !== null, `the leader's log holds no entry at ${i}`);
    replayEntry(view, e);
    i = e.lastIndex + 1;
  }
  return view;
}
