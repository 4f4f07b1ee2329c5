// Sparse per-segment indexes, kept in memory and written to disk when a segment is sealed.
//
// Offset index (.index): entries (relativeOffset int32, position int32), both strictly
// increasing. An entry points at the start of the batch whose *base* offset it names. Lookup
// returns the position of the greatest entry <= target, from which a forward scan finds the
// batch holding the target (Kafka indexes the batch's last offset; base offsets make the scan
// rule simpler and cost nothing).
//
// Time index (.timeindex): entries (timestamp int64, relativeOffset int32) where timestamp is
// the segment's running maximum and relativeOffset the base offset of the batch holding it
// (Kafka's maxTimestampSoFar / offsetOfMaxTimestampSoFar). Timestamps strictly increase. If an
// entry's timestamp is < ts, no batch up to that offset has maxTimestamp >= ts.

import { OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES } from './config.ts';
import { readInt64, writeInt64 } from '../protocol/primitives.ts';

const INITIAL_ENTRIES = 64;

export class OffsetIndex {
  private rel = new Int32Array(INITIAL_ENTRIES);
  private pos = new Int32Array(INITIAL_ENTRIES);
  count = 0;

  append(relOffset: number, position: number): void {
    if (this.count > 0 && (relOffset <= this.rel[this.count - 1] || position <= this.pos[this.count - 1])) {
      return; // not monotonic: a duplicate of the last entry, nothing to add
    }
    if (this.count === this.rel.length) {
      this.rel = grow(this.rel);
      this.pos = grow(this.pos);
    }
    this.rel[this.count] = relOffset;
    this.pos[this.count] = position;
    this.count++;
  }

  /** Position of the greatest entry with relative offset <= relOffset, or 0. */
  lookup(relOffset: number): number {
    const i = floorIndex(this.rel, this.count, relOffset);
    return i < 0 ? 0 : this.pos[i];
  }

  /** Position of the last entry, or 0. */
  lastPosition(): number {
    return this.count === 0 ? 0 : this.pos[this.count - 1];
  }

  /** Drops entries for relative offsets >= relOffset. */
  truncateTo(relOffset: number): void {
    this.count = floorIndex(this.rel, this.count, relOffset - 1) + 1;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.count * OFFSET_INDEX_ENTRY_BYTES);
    const v = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) {
      v.setInt32(i * 8, this.rel[i]);
      v.setInt32(i * 8 + 4, this.pos[i]);
    }
    return out;
  }

  /**
   * Parses and sanity-checks an index file against its segment: null when it cannot be
   * trusted (then the caller rebuilds it from the log).
   */
  static fromBytes(b: Uint8Array, logBytes: number, relOffsetEnd: number, maxEntries: number): OffsetIndex | null {
    if (b.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return null;
    const n = b.length / OFFSET_INDEX_ENTRY_BYTES;
    if (n > maxEntries) return null;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const idx = new OffsetIndex();
    for (let i = 0; i < n; i++) {
      const rel = v.getInt32(i * 8);
      const pos = v.getInt32(i * 8 + 4);
      if (rel < 0 || rel >= relOffsetEnd || pos < 0 || pos >= logBytes) return null;
      if (i > 0 && (rel <= idx.rel[i - 1] || pos <= idx.pos[i - 1])) return null;
      idx.append(rel, pos);
    }
    return idx;
  }
}

export class TimeIndex {
  private ts = new Float64Array(INITIAL_ENTRIES);
  private rel = new Int32Array(INITIAL_ENTRIES);
  count = 0;

  /** Appends when `timestamp` exceeds the last entry's: entries hold a running maximum. */
  maybeAppend(timestamp: number, relOffset: number): void {
    if (this.count > 0 && (timestamp <= this.ts[this.count - 1] || relOffset < this.rel[this.count - 1])) return;
    if (this.count === this.ts.length) {
      this.ts = grow(this.ts);
      this.rel = grow(this.rel);
    }
    this.ts[this.count] = timestamp;
    this.rel[this.count] = relOffset;
    this.count++;
  }

  /** Relative offset of the last entry with timestamp < ts, or -1 when there is none. */
  lastBelow(timestamp: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? -1 : this.rel[found];
  }

  last(): { timestamp: number; relOffset: number } | null {
    if (this.count === 0) return null;
    return { timestamp: this.ts[this.count - 1], relOffset: this.rel[this.count - 1] };
  }

  /** Drops entries naming relative offsets >= relOffset (their batches are gone). */
  truncateTo(relOffset: number): void {
    this.count = floorIndex(this.rel, this.count, relOffset - 1) + 1;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.count * TIME_INDEX_ENTRY_BYTES);
    const v = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) {
      writeInt64(v, i * 12, this.ts[i]);
      v.setInt32(i * 12 + 8, this.rel[i]);
    }
    return out;
  }

  static fromBytes(b: Uint8Array, relOffsetEnd: number): TimeIndex | null {
    if (b.length % TIME_INDEX_ENTRY_BYTES !== 0) return null;
    const n = b.length / TIME_INDEX_ENTRY_BYTES;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const idx = new TimeIndex();
    for (let i = 0; i < n; i++) {
      const ts = readInt64(v, i * 12);
      const rel = v.getInt32(i * 12 + 8);
      if (rel < 0 || rel >= relOffsetEnd) return null;
      if (i > 0 && (ts <= idx.ts[i - 1] || rel < idx.rel[i - 1])) return null;
      idx.maybeAppend(ts, rel);
    }
    return idx;
  }
}

/** Index of the greatest element <= key among a[0..n), or -1. */
function floorIndex(a: Int32Array, n: number, key: number): number {
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= key) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as { new (n: number): T })(a.length * 2);
  b.set(a);
  return b;
}
