// Searching and slicing runs of entries (contiguous batches in index order), shared by the
// unstable tail and the in-memory storage.

import { entryBytes, type Entry, type Index } from './types.ts';

/** Position of the entry holding `index` in a contiguous run, or -1 if outside it. */
export function positionHolding(entries: readonly Entry[], index: Index): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid];
    if (index < e.firstIndex) hi = mid - 1;
    else if (index > e.lastIndex) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Entries from position `start`: at least one, then more while the total stays <= bytesMax. */
export function takeBytes(entries: readonly Entry[], start: number, bytesMax: number): Entry[] {
  const out: Entry[] = [];
  let bytes = 0;
  for (let i = start; i < entries.length; i++) {
    bytes += entryBytes(entries[i]);
    if (out.length > 0 && bytes > bytesMax) break;
    out.push(entries[i]);
  }
  return out;
}

/** Sum of entryBytes. */
export function totalBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += entryBytes(e);
  return n;
}

/** The last index of a non-empty run. */
export function lastOf(entries: readonly Entry[]): Index {
  return entries[entries.length - 1].lastIndex;
}
