// The AppendEntries a leader has in flight to one follower while pipelining, bounded by count
// and bytes (etcd's Inflights, tracker/inflights.go): a follower that falls behind stops the
// leader from queueing more for it instead of letting its send queue grow.

import { assert } from '../../base/assert.ts';
import type { Index } from './types.ts';

export class Inflights {
  /** Last index of each message in flight, oldest first, and its entry bytes. */
  private lastIndexes: Index[] = [];
  private sizes: number[] = [];
  private bytes = 0;

  constructor(
    readonly messagesMax: number,
    readonly bytesMax: number,
  ) {}

  get count(): number {
    return this.lastIndexes.length;
  }

  get inflightBytes(): number {
    return this.bytes;
  }

  full(): boolean {
    return this.lastIndexes.length >= this.messagesMax || this.bytes >= this.bytesMax;
  }

  add(lastIndex: Index, bytes: number): void {
    assert(!this.full(), 'send while the inflight window is full');
    const n = this.lastIndexes.length;
    assert(n === 0 || lastIndex > this.lastIndexes[n - 1], 'inflight messages out of order');
    this.lastIndexes.push(lastIndex);
    this.sizes.push(bytes);
    this.bytes += bytes;
  }

  /** The follower holds everything up to `index`: those messages have landed. */
  freeTo(index: Index): void {
    let n = 0;
    while (n < this.lastIndexes.length && this.lastIndexes[n] <= index) this.bytes -= this.sizes[n++];
    if (n > 0) {
      this.lastIndexes.splice(0, n);
      this.sizes.splice(0, n);
    }
  }

  /** A heartbeat answered while full: one message is presumed lost, so one more may go. */
  freeFirstOne(): void {
    if (this.lastIndexes.length === 0) return;
    this.bytes -= this.sizes[0];
    this.lastIndexes.shift();
    this.sizes.shift();
  }

  reset(): void {
    this.lastIndexes = [];
    this.sizes = [];
    this.bytes = 0;
  }
}
