// Outgoing bytes of one connection. A socket's write() takes what the network accepts now and
// keeps nothing (BUN-NOTES: a partial write is normal, 0 = full, -1 = ended), so the unsent
// tail is kept here, in order, and written again on drain.
//
// Bytes handed in are either the caller's to keep using (a scratch encoding buffer: whatever
// the socket does not take at once is copied) or given to the queue for good.

import type { NetSocket } from '../base/network.ts';

export class SendQueue {
  private pieces: Uint8Array[] = [];
  private bytes = 0;
  private ended = false;
  /** Bytes the network has taken since the queue was made (progress, for the stall check). */
  written = 0;

  constructor(private readonly socket: Pick<NetSocket, 'write'>) {}

  /** Bytes waiting for the network. */
  get queuedBytes(): number {
    return this.bytes;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Writes `bytes` behind what is queued, as much as the network takes now; the rest is kept
   * (copied when `borrowed`: the caller reuses that buffer). False once the socket has ended.
   */
  write(bytes: Uint8Array, borrowed: boolean): boolean {
    if (this.ended) return false;
    if (this.pieces.length === 0) {
      const n = this.socket.write(bytes);
      if (n < 0) return this.end();
      this.written += n;
      if (n === bytes.length) return true;
      bytes = bytes.subarray(n);
    }
    this.pieces.push(borrowed ? bytes.slice() : bytes);
    this.bytes += bytes.length;
    return true;
  }

  /** Writes queued bytes until the network stops taking them; call it on drain. */
  flush(): boolean {
    while (this.pieces.length > 0 && !this.ended) {
      const head = this.pieces[0];
      const n = this.socket.write(head);
      if (n < 0) return this.end();
      this.written += n;
      this.bytes -= n;
      if (n < head.length) {
        this.pieces[0] = head.subarray(n);
        return true;
      }
      this.pieces.shift();
    }
    return !this.ended;
  }

  private end(): false {
    this.ended = true;
    this.pieces = [];
    this.bytes = 0;
    return false;
  }
}
