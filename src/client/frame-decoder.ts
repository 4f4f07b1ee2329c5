// Cuts Kafka response frames (int32 size, then that many bytes) out of a TCP byte stream that
// arrives in arbitrary chunks. Pure: chunks in, frames out.
//
// The size prefix is checked against the response size limit as soon as its four bytes are
// here, before any of the body is kept: a broker (or anything else on that port) announcing a
// huge frame costs us at most the bytes it actually sent in that chunk.

import { ClientError } from './errors.ts';
import { ChunkQueue } from '../base/chunk-queue.ts';

export class FrameDecoder {
  private readonly input = new ChunkQueue();
  /** Size of the frame being assembled; -1 while its prefix is still incomplete. */
  private frameSize = -1;

  constructor(readonly maxFrameBytes: number) {}

  /** Bytes held that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.input.length;
  }

  /**
   * Takes one chunk and returns every frame it completes (body only, without the prefix).
   * Throws ClientError 'too_large' or 'protocol'; after that the stream cannot be trusted and
   * the caller closes the connection.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    this.input.push(chunk);
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.frameSize < 0) {
        if (this.input.length < 4) break;
        const prefix = this.input.take(4);
        const size = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0);
        this.checkSize(size);
        this.frameSize = size;
      }
      if (this.input.length < this.frameSize) break;
      frames.push(this.input.take(this.frameSize));
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
}
