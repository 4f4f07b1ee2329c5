// The batches appended above the flushed offset, kept in memory so that a log whose fsync failed
// can write them again after truncating to its last durable position (PartitionLog.repair).
// After a failed fsync the kernel may have dropped those pages or marked them clean
// (fsyncgate): neither the file nor the page cache can be trusted to hold them, and a second
// fsync would report success without writing them. Our own copy can.
//
// The copies are views of the appended request buffers (the tail cache keeps the same views), so
// in the steady state of durable mode (a flush after every turn) they cost little: bytes
// appended during about one fsync. Bounded by `bytesMax`: past it the oldest are dropped and the
// set is incomplete until everything up to the log end has been flushed again; a repair then
// needs a restart (recovery scans what reached the files).

export interface UnflushedBatch {
  baseOffset: number;
  lastOffset: number;
  bytes: Uint8Array;
}

export class UnflushedBatches {
  private batches: UnflushedBatch[] = [];
  private bytes = 0;
  /** Every batch above the flushed offset is here. */
  private complete = true;

  constructor(public bytesMax: number) {}

  add(batch: UnflushedBatch): void {
    if (!this.complete) return;
    if (this.bytes + batch.bytes.length > this.bytesMax) {
      this.batches = [];
      this.bytes = 0;
      this.complete = false;
      return;
    }
    this.batches.push(batch);
    this.bytes += batch.bytes.length;
  }

  /** Forgets batches below `flushedOffset`; everything flushed up to `logEndOffset` makes the set complete again. */
  release(flushedOffset: number, logEndOffset: number): void {
    if (flushedOffset >= logEndOffset) {
      this.batches = [];
      this.bytes = 0;
      this.complete = true;
      return;
    }
    let n = 0;
    while (n < this.batches.length && this.batches[n].lastOffset < flushedOffset) this.bytes -= this.batches[n++].bytes.length;
    if (n > 0) this.batches = this.batches.slice(n);
  }

  /** Every batch in [from, to), in order, or null when some of them are not held. */
  range(from: number, to: number): UnflushedBatch[] | null {
    if (!this.complete) return null;
    const out = this.batches.filter((b) => b.baseOffset >= from && b.baseOffset < to);
    let next = from;
    for (const b of out) {
      if (b.baseOffset !== next) return null;
      next = b.lastOffset + 1;
    }
    return next === to ? out : null;
  }

  /** Forgets batches at or above `offset` (the log was truncated there). */
  truncate(offset: number): void {
    const kept = this.batches.filter((b) => b.baseOffset < offset);
    for (let i = kept.length; i < this.batches.length; i++) this.bytes -= this.batches[i].bytes.length;
    this.batches = kept;
  }

  get retainedBytes(): number {
    return this.bytes;
  }
}
