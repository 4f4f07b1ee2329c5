// Cuts Kafka response frames (int32 size, then that many bytes) out of a TCP byte stream that
// arrives in arbitrary chunks. Pure: chunks in, frames out.
//
// The size prefix is checked against the response size limit as soon as its four bytes are
// here, before any of the body is kept: a broker (or anything else on that port) announcing a
// huge frame costs us at most the bytes it actually sent in that chunk.

import { ClientError } from './errors.ts';

export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Size of the frame being assembled; -1 while its prefix is still incomplete. */
  private frameSize = -1;

  constructor(readonly maxFrameBytes: number) {}

  /** Bytes held that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Takes one chunk and returns every frame it completes (body only, without the prefix).
   * Throws ClientError 'too_large' or 'protocol'; after that the stream cannot be trusted and
   * the caller closes the connection.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.frameSize < 0) {
        if (this.buffered < 4) break;
        const prefix = this.take(4);
        const size = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0);
        this.checkSize(size);
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      frames.push(this.take(this.frameSize));
      this.frameSize = -1;
    }
    return frames;
  }

  private checkSize(size: number): void {
    if (size < 0) throw new ClientError('protocol', `response frame size ${size} is negative`);
    if (size > this.maxFrameBytes) {
      throw new ClientError('too_large', `response frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`);
    }
  }

  /** Removes n buffered bytes: a view when they lie in one chunk, else a copy. */
  private take(n: number): Uint8Array {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      // A view, not a copy: Bun hands each data callback a fresh buffer, so it is never
      // overwritten under us.
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
