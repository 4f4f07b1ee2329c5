// Outgoing bytes for one socket. Bun's socket.write() returns how many bytes the kernel took and
// keeps nothing itself (BUN-NOTES: partial writes are normal, 0 = buffer full, -1 = ended), so
// the unsent tail stays here, in order, and is written again when the socket reports `drain`.

/** What the queue needs from a socket: Bun's Socket satisfies it, and so do test fakes. */
export interface Writable {
  /** Returns the number of bytes taken (possibly fewer than given), or -1 once ended. */
  write(bytes: Uint8Array): number;
}

export class OutputQueue {
  /** Unsent pieces in order; the first may be the unsent tail of a partly written one. */
  private pieces: Uint8Array[] = [];
  private bytes = 0;
  private ended = false;

  constructor(private readonly socket: Writable) {}

  get unsentBytes(): number {
    return this.bytes;
  }

  /** Queues bytes and writes as much as the socket takes now. False once the socket has ended. */
  write(bytes: Uint8Array): boolean {
    if (this.ended) return false;
    this.pieces.push(bytes);
    this.bytes += bytes.length;
    return this.flush();
  }

  /** Writes queued bytes until the socket stops taking them; call it again from `drain`. */
  flush(): boolean {
    while (this.pieces.length > 0) {
      const head = this.pieces[0];
      const n = this.socket.write(head);
      if (n < 0) {
        this.ended = true;
        this.pieces = [];
        this.bytes = 0;
        return false;
      }
      this.bytes -= n;
      if (n < head.length) {
        // The kernel took part (or nothing): keep the rest at the front, wait for drain.
        this.pieces[0] = head.subarray(n);
        return true;
      }
      this.pieces.shift();
    }
    return true;
  }
}
