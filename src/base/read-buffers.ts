// Reusable buffers for log reads that leave the process (Fetch answers).
//
// The pool sits in base, owned by neither side that uses it: storage takes buffers for its reads
// (segment.ts) and the connection that sends the bytes gives them back (broker/connection.ts),
// so neither reaches into the other.
//
// A fresh 1 MiB buffer per Fetch costs page faults and zeroing on every read (about 0.2
// CPU-s per GiB fetched here). Reads take a buffer from this pool; whoever sends the bytes
// gives the buffer back with `releaseReadBuffer` once the kernel has them. A buffer that is
// never given back is simply garbage-collected, so forgetting a release is safe; giving back
// a buffer that is still in use is not, so only the one owner of a read (the connection that
// wrote it) may release it.

/** Buffers from this size up are pooled; smaller reads allocate (cheap, and merged on send). */
export const POOLED_MIN_BYTES = 64 * 1024;
/** The largest pooled size class; bigger reads allocate. */
export const POOLED_MAX_BYTES = 16 * 1024 * 1024;
/** Bytes kept in free lists across all size classes. */
export const POOL_FREE_BYTES_MAX = 64 * 1024 * 1024;

const free = new Map<number, ArrayBuffer[]>();
const pooled = new WeakSet<ArrayBuffer>();
const inPool = new WeakSet<ArrayBuffer>();
let freeBytes = 0;

function sizeClass(n: number): number {
  let c = POOLED_MIN_BYTES;
  while (c < n) c *= 2;
  return c;
}

/** A buffer of at least `n` bytes (a view of exactly n). */
export function takeReadBuffer(n: number): Uint8Array {
  if (n < POOLED_MIN_BYTES || n > POOLED_MAX_BYTES) return new Uint8Array(n);
  const c = sizeClass(n);
  const list = free.get(c);
  const reused = list?.pop();
  if (reused) {
    freeBytes -= c;
    inPool.delete(reused);
    return new Uint8Array(reused, 0, n);
  }
  // Reads overwrite what they return, and views never reach past it: no zero fill needed.
  const fresh = Buffer.allocUnsafeSlow(c).buffer as ArrayBuffer;
  pooled.add(fresh);
  return new Uint8Array(fresh, 0, n);
}

/** Gives back the buffer under `view` if it came from the pool; anything else is ignored. */
export function releaseReadBuffer(view: Uint8Array): void {
  const b = view.buffer as ArrayBuffer;
  if (!pooled.has(b) || inPool.has(b)) return;
  const c = b.byteLength;
  if (freeBytes + c > POOL_FREE_BYTES_MAX) return;
  let list = free.get(c);
  if (!list) {
    list = [];
    free.set(c, list);
  }
  list.push(b);
  inPool.add(b);
  freeBytes += c;
}
