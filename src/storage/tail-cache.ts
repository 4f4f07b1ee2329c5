// The newest batches of a partition, kept in memory so that consumers and followers reading at
// the head are served without a syscall. Holds whole batches contiguous up to the log end:
// every append is added, and a truncation clears it. Bounded by a byte limit; oldest first out.
//
// Returned bytes are views of cached memory: callers must not modify them.
//
// What is kept are views of the request frames the batches arrived in, not copies, as long as
// the node's TailPins budget allows: a produce request of one partition's batches is kept whole
// at no cost, and one spread over 16 partitions is kept by 16 views of the same frame instead
// of 16 copies (a copy of every byte produced, and the allocations behind it: about 0.1-0.3
// CPU-s and 80k page faults per GiB produced over 16 partitions, measured with the librdkafka
// driver of bench/). A small view pins its whole frame, so the memory the views keep alive is
// counted per frame, once, across all partitions; past the budget a small view is copied.

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

/** The node-wide bound on frame memory kept alive by views in tail caches (see above). */
export const TAIL_PINNED_BYTES_MAX = 128 * 1024 * 1024;

/**
 * The request frames a node's tail caches keep alive through views, counted once each. One per
 * node, shared by its partition logs; a log opened on its own gets one with no budget (small
 * views are then always copied).
 */
export class TailPins {
  private readonly views = new Map<ArrayBufferLike, number>();
  /** Bytes of the distinct buffers held. */
  pinnedBytes = 0;

  constructor(readonly bytesMax: number) {}

  /** Holds one more view of `buffer`; `force` holds it even past the budget. False: not held. */
  pin(buffer: ArrayBufferLike, force: boolean): boolean {
    const n = this.views.get(buffer);
    if (n !== undefined) {
      this.views.set(buffer, n + 1);
      return true;
    }
    if (!force && this.pinnedBytes + buffer.byteLength > this.bytesMax) return false;
    this.views.set(buffer, 1);
    this.pinnedBytes += buffer.byteLength;
    return true;
  }

  unpin(buffer: ArrayBufferLike): void {
    const n = this.views.get(buffer);
    if (n === undefined) return;
    if (n > 1) {
      this.views.set(buffer, n - 1);
      return;
    }
    this.views.delete(buffer);
    this.pinnedBytes -= buffer.byteLength;
  }

  /** Distinct buffers held (for tests). */
  get buffers(): number {
    return this.views.size;
  }
}

export class TailCache {
  private entries: Entry[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    public bytesMax: number,
    private readonly pins: TailPins = new TailPins(0),
  ) {}

  /** Offset of the oldest cached batch, or Infinity when empty. */
  get firstOffset(): number {
    return this.head < this.entries.length ? this.entries[this.head].baseOffset : Infinity;
  }

  /**
   * Adds appended batches and returns the bytes kept: `batches` itself (a view of its frame) or
   * a copy (privateCopy's rule, when the pins budget is spent), or null when they are too big to
   * cache. Nobody may modify `batches` afterwards.
   */
  add(batches: Uint8Array, infos: readonly BatchInfo[]): Uint8Array | null {
    if (batches.length > this.bytesMax) {
      this.clear(); // the cache must stay contiguous up to the log end
      return null;
    }
    const mostOfFrame = batches.byteLength * 2 >= batches.buffer.byteLength;
    const chunk = this.pins.pin(batches.buffer, mostOfFrame) ? batches : batches.slice();
    for (let i = 0; i < infos.length; i++) {
      const b = infos[i];
      // One pin per entry: each entry unpins when it leaves. The first is taken above.
      if (i > 0 && chunk === batches) this.pins.pin(chunk.buffer, true);
      this.entries.push({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, chunk, start: b.position, end: b.position + b.size });
      this.bytes += b.size;
    }
    while (this.bytes > this.bytesMax) {
      const e = this.entries[this.head];
      this.bytes -= e.end - e.start;
      this.pins.unpin(e.chunk.buffer);
      // Drop the reference now: evicted entries wait in the array until the next compaction,
      // and each can pin a whole request frame (1 MiB batches: up to a GiB before compaction).
      this.entries[this.head++] = EVICTED;
    }
    if (this.head > COMPACT_AFTER_ENTRIES && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }

  clear(): void {
    for (let i = this.head; i < this.entries.length; i++) this.pins.unpin(this.entries[i].chunk.buffer);
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
