// The newest batches of a partition, kept in memory so that consumers and followers reading at
// the head are served without a syscall. Holds whole batches contiguous up to the log end:
// every append is added, and a truncation clears it. Bounded by a byte limit; oldest first out.
//
// Returned bytes are views of cached memory: callers must not modify them.

import type { BatchInfo } from './batch-scan.ts';

interface Entry {
  baseOffset: number;
  lastOffset: number;
  chunk: Uint8Array;
  start: number;
  end: number;
}

const EVICTED: Entry = { baseOffset: -1, lastOffset: -1, chunk: new Uint8Array(0), start: 0, end: 0 };

/** Entries consumed from the front before the array is compacted. */
const COMPACT_AFTER_ENTRIES = 1024;

export class TailCache {
  private entries: Entry[] = [];
  private head = 0;
  bytes = 0;

  constructor(public bytesMax: number) {}

  /** Offset of the oldest cached batch, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.entries.length ? this.entries[this.head].baseOffset : Infinity;
  }

  /** Adds appended batches; `chunk` is kept, so nobody may modify it afterwards. */
  add(chunk: Uint8Array, infos: readonly BatchInfo[]): void {
    if (chunk.length > this.bytesMax) {
      this.clear(); // the cache must stay contiguous up to the log end
      return;
    }
    for (const b of infos) {
      this.entries.push({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, chunk, start: b.position, end: b.position + b.size });
      this.bytes += b.size;
    }
    while (this.bytes > this.bytesMax) {
      const e = this.entries[this.head];
      this.bytes -= e.end - e.start;
      // Drop the reference now: evicted entries wait in the array until the next compaction,
      // and each can pin a whole request frame (1 MiB batches: up to a GiB before compaction).
      this.entries[this.head++] = EVICTED;
    }
    if (this.head > COMPACT_AFTER_ENTRIES && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  /**
   * Whole batches from the one holding `fetchOffset`, or null when the cache does not reach
   * back that far. Stops before maxBytes (but returns one batch regardless when minOneBatch)
   * and before any batch whose last offset is >= maxOffset.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number): Uint8Array | null {
    if (fetchOffset < this.firstOffset) return null;
    let i = this.firstHolding(fetchOffset);
    const picked: Entry[] = [];
    let total = 0;
    for (; i < this.entries.length; i++) {
      const e = this.entries[i];
      const size = e.end - e.start;
      if (e.lastOffset >= maxOffset) break;
      if (total + size > maxBytes && !(minOneBatch && picked.length === 0)) break;
      picked.push(e);
      total += size;
    }
    return concat(picked, total);
  }

  /** Index of the first entry with lastOffset >= offset (entries.length if none). */
  private firstHolding(offset: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid].lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function concat(picked: Entry[], total: number): Uint8Array {
  if (picked.length === 0) return new Uint8Array(0);
  const first = picked[0];
  const last = picked[picked.length - 1];
  // The common case: batches of one append, adjacent in one chunk, need no copy.
  if (first.chunk === last.chunk && last.end - first.start === total) return first.chunk.subarray(first.start, last.end);
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of picked) {
    out.set(e.chunk.subarray(e.start, e.end), at);
    at += e.end - e.start;
  }
  return out;
}

/**
 * The bytes to keep in the tail cache. Appended batches come from request frames that nothing
 * else keeps or modifies after the append, so a view is enough when it covers most of its buffer
 * (keeping it pins no large unrelated memory); a small view into a large buffer is copied.
 */
export function privateCopy(batches: Uint8Array): Uint8Array {
  return batches.byteLength * 2 >= batches.buffer.byteLength ? batches : batches.slice();
}
