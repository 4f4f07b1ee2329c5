// Leader epoch cache: for each term (Kafka's leader epoch), the first offset written in it.
// Kafka's LeaderEpochFileCache; it answers OffsetForLeaderEpoch (KIP-101, KIP-279) and termAt().
// Both epochs and start offsets strictly increase.

import { assert } from '../base/assert.ts';

/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET. */
export const NO_EPOCH = -1;
export const NO_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class EpochCache {
  private entries: EpochEntry[] = [];

  constructor(entries: EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  get latestEpoch(): number {
    return this.entries.length === 0 ? NO_EPOCH : this.entries[this.entries.length - 1].epoch;
  }

  all(): readonly EpochEntry[] {
    return this.entries;
  }

  /**
   * Records that `epoch` starts at `startOffset`; a no-op for the current epoch. An entry at or
   * beyond startOffset can only be the start-offset marker of an empty log (after DeleteRecords
   * moved the start to the end): it is replaced, as Kafka's assign() does.
   */
  assign(epoch: number, startOffset: number): void {
    let last = this.entries[this.entries.length - 1];
    if (last && last.epoch === epoch) return;
    while (last && last.startOffset >= startOffset && epoch > last.epoch) {
      this.entries.pop();
      last = this.entries[this.entries.length - 1];
    }
    assert(!last || (epoch > last.epoch && startOffset > last.startOffset),
      `epoch ${epoch}@${startOffset} does not follow ${last?.epoch}@${last?.startOffset}`);
    this.entries.push({ epoch, startOffset });
  }

  /** Epoch of `offset`: that of the last entry starting at or before it, or NO_EPOCH. */
  epochAt(offset: number): number {
    const i = this.floor((e) => e.startOffset <= offset);
    return i < 0 ? NO_EPOCH : this.entries[i].epoch;
  }

  /**
   * OffsetForLeaderEpoch: the end offset (exclusive) of the greatest epoch <= requested, and
   * that epoch. Follows LeaderEpochFileCache.endOffsetFor in Apache Kafka.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requestedEpoch === NO_EPOCH) return { epoch: NO_EPOCH, endOffset: NO_OFFSET };
    if (requestedEpoch === this.latestEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((e) => e.epoch > requestedEpoch);
    // Requested epoch is newer than all we know: nothing to say.
    if (higher < 0) return { epoch: NO_EPOCH, endOffset: NO_OFFSET };
    const higherStart = this.entries[higher].startOffset;
    // Older than all we know: its end is the start of the first epoch we have.
    if (higher === 0) return { epoch: requestedEpoch, endOffset: higherStart };
    return { epoch: this.entries[higher - 1].epoch, endOffset: higherStart };
  }

  /** Removes entries starting at or after `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: number): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1].startOffset >= endOffset) {
      this.entries.pop();
    }
  }

  /** Drops entries wholly below `startOffset`; the epoch in force there now starts at it. */
  truncateFromStart(startOffset: number): void {
    const i = this.floor((e) => e.startOffset <= startOffset);
    if (i < 0) return;
    this.entries = this.entries.slice(i);
    this.entries[0] = { epoch: this.entries[0].epoch, startOffset };
  }

  /** Index of the last entry satisfying a predicate that is monotone (true..true false..false). */
  private floor(pred: (e: EpochEntry) => boolean): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(this.entries[mid])) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
