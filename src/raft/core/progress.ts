// A leader's view of one follower (etcd's Progress, tracker/progress.go): what it holds
// (matchIndex), what to send next (nextIndex, paper Figure 2), and how to send it:
// - probe: one AppendEntries at a time until one is accepted (after election, after a reject);
// - replicate: pipelined, nextIndex moves as messages go out, bounded by the inflight window;
// - snapshot: an InstallSnapshot is out; nothing else is sent until it is answered (or times out);
// - stream: the follower pulls committed batches from the segment files (src/raft/stream): no
//   appends go, so the same bytes do not travel twice; its acknowledgements still move match.
//   Left when the shell says the stream ended, or after STREAM_IDLE_TICKS without a request.
// nextIndex is always the first index of a batch, matchIndex always the last index of one.

import { assert } from '../../base/assert.ts';
import { Inflights } from './inflights.ts';
import type { Index } from './types.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot' | 'stream';

/** A follower in `stream` that has asked for nothing for this many ticks is probed again. */
export const STREAM_IDLE_TICKS = 3;

export class Progress {
  match: Index = -1;
  next: Index;
  state: ProgressState = 'probe';
  /** In probe: an append is out and unanswered. Cleared by any answer or a heartbeat response. */
  probeSent = false;
  /** In snapshot: the index of the snapshot sent, and ticks since. */
  pendingSnapshot: Index = -1;
  snapshotElapsedTicks = 0;
  /** In stream: ticks since the follower last asked for a range. */
  streamIdleTicks = 0;
  /** Heard from since the last CheckQuorum round (dissertation 6.2). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(next: Index, inflightMessagesMax: number, inflightBytesMax: number) {
    this.next = next;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  /** Nothing more may be sent now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
      case 'stream':
        return true;
    }
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it; otherwise from what is known held.
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.state = 'probe';
    this.next = from + 1;
    this.probeSent = false;
    this.pendingSnapshot = -1;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.pendingSnapshot = -1;
    this.inflights.reset();
  }

  becomeSnapshot(index: Index): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotElapsedTicks = 0;
    this.inflights.reset();
  }

  /** The follower streams (or still does): nothing is appended to it meanwhile. */
  becomeStream(): void {
    if (this.state !== 'stream') this.inflights.reset();
    this.state = 'stream';
    this.probeSent = false;
    this.streamIdleTicks = 0;
  }

  /** An acceptance of `index`. False when it says nothing new (a duplicate or a late answer). */
  maybeUpdate(index: Index): boolean {
    this.probeSent = false;
    if (index <= this.match) return false;
    this.match = index;
    if (this.next <= index) this.next = index + 1;
    return true;
  }

  /**
   * A rejection of the append whose prevIndex was `rejected`; `next` is where the leader would
   * probe from (a batch start, below rejected + 1). False for a stale rejection.
   */
  maybeDecrTo(rejected: Index, next: Index): boolean {
    if (this.state === 'replicate') {
      // Pipelined: any rejection above the match means a message was lost or refused.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    assert(next <= rejected, `probe next ${next} does not move back from ${rejected}`);
    this.next = Math.max(next, this.match + 1);
    this.probeSent = false;
    return true;
  }
}
