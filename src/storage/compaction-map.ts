// The cleaner's offset map: key -> offset of its latest record in the dirty section (Kafka's
// SkimpyOffsetMap). Kafka stores MD5 hashes of keys in a fixed buffer and accepts the collision
// risk; this map stores the keys themselves (exact), and bounds its memory by counting bytes:
// the key plus an estimate of a Map entry's overhead. When full, the cleaner stops mapping at
// the batch it is in and cleans what it mapped; the rest waits for the next pass.

/** Default memory bound of one offset map (Kafka's log.cleaner.dedupe.buffer.size is 128 MiB for all threads). */
export const OFFSET_MAP_BYTES_MAX = 16 * 1024 * 1024;
/** Estimated bytes a Map<string, number> entry costs besides the key's characters. */
export const OFFSET_MAP_ENTRY_OVERHEAD_BYTES = 64;

export class OffsetMap {
  private readonly map = new Map<string, number>();
  /** Estimated bytes in use. */
  bytes = 0;

  constructor(readonly bytesMax = OFFSET_MAP_BYTES_MAX) {}

  get full(): boolean {
    return this.bytes >= this.bytesMax;
  }

  get size(): number {
    return this.map.size;
  }

  /** Records that `key`'s latest record is at `offset` (offsets arrive in increasing order). */
  put(key: Uint8Array, offset: number): void {
    const k = keyString(key);
    if (!this.map.has(k)) this.bytes += k.length + OFFSET_MAP_ENTRY_OVERHEAD_BYTES;
    this.map.set(k, offset);
  }

  /** Offset of `key`'s latest mapped record, or -1 when the key was not mapped. */
  get(key: Uint8Array): number {
    return this.map.get(keyString(key)) ?? -1;
  }
}

/** Keys are arbitrary bytes: latin1 maps each byte to one char, so distinct keys stay distinct. */
function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}
