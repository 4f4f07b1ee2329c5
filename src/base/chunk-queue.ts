// The bytes of a stream as they arrived (one chunk per socket read), for cutting frames out of
// it: length-prefixed protocols (the Kafka client's responses, the internal RPC) read a prefix,
// then wait until the whole body is here before taking it.

export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  /** Bytes held. */
  get length(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Removes the first n bytes (the caller checked n <= length): a view when they lie in one
   * chunk, which callers may keep (each socket read is a fresh buffer, never overwritten under
   * us), else a copy.
   */
  take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    return out;
  }
}
