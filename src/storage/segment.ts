// One segment: a .log file of whole record batches starting at `baseOffset`, with its sparse
// offset and time indexes held in memory. The active (last) segment is appended to; a sealed
// one has its index files written and is only read, deleted, or truncated (Raft truncation may
// reopen it as the active segment).

import { join } from 'node:path';
import type { Fd, StorageFs } from './fs.ts';
import { OffsetIndex, TimeIndex } from './indexes.ts';
import { BatchScanner, type BatchInfo } from './batch-scan.ts';
import { assert } from '../base/assert.ts';
import { takeReadBuffer } from './read-buffers.ts';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Digits of a segment file's name: the base offset, zero-padded as Kafka does. */
const NAME_DIGITS = 20;
/** Kafka's NO_TIMESTAMP. */
export const NO_TIMESTAMP = -1;

export function segmentName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(NAME_DIGITS, '0') + suffix;
}

/** Base offset named by a segment .log file, or null if the name is not one. */
export function parseSegmentName(name: string): number | null {
  const m = /^(\d{20})\.log$/.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

export class Segment {
  sizeBytes: number;
  /** One past the last offset stored here; baseOffset when empty. */
  nextOffset: number;
  index = new OffsetIndex();
  timeIndex = new TimeIndex();
  maxTimestamp = NO_TIMESTAMP;
  /** Base offset of the first batch carrying maxTimestamp. */
  offsetOfMaxTimestamp = -1;
  sealed = false;
  private bytesSinceIndexEntry = 0;
  /** Index files written at seal, waiting for the next flush to fsync them. */
  private unsyncedIndexFds: Fd[] = [];
  private fsyncsInFlight = 0;
  private closeWhenIdle = false;

  constructor(
    private readonly fs: StorageFs,
    readonly dir: string,
    readonly baseOffset: number,
    readonly fd: Fd,
    /** segment.ms counts from here. */
    readonly createdMs: number,
  ) {
    this.sizeBytes = fs.size(fd);
    this.nextOffset = baseOffset;
  }

  static create(fs: StorageFs, dir: string, baseOffset: number, nowMs: number): Segment {
    const fd = fs.openAppend(join(dir, segmentName(baseOffset, LOG_SUFFIX)));
    assert(fs.size(fd) === 0, `segment ${baseOffset} already exists`);
    return new Segment(fs, dir, baseOffset, fd, nowMs);
  }

  path(suffix: string): string {
    return join(this.dir, segmentName(this.baseOffset, suffix));
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  /** Appends batches whose headers are described by `infos` (positions relative to `bytes`). */
  append(bytes: Uint8Array, infos: readonly BatchInfo[], indexIntervalBytes: number): void {
    assert(!this.sealed, 'append to a sealed segment');
    const start = this.sizeBytes;
    this.fs.append(this.fd, bytes);
    this.sizeBytes += bytes.length;
    for (const b of infos) this.track({ ...b, position: start + b.position }, indexIntervalBytes);
  }

  /** Index bookkeeping for one batch now in the file (appended or found by recovery). */
  track(b: BatchInfo, indexIntervalBytes: number): void {
    assert(b.baseOffset >= this.nextOffset, 'batches out of order');
    if (b.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = b.maxTimestamp;
      this.offsetOfMaxTimestamp = b.baseOffset;
    }
    if (this.bytesSinceIndexEntry >= indexIntervalBytes) {
      this.index.append(b.baseOffset - this.baseOffset, b.position);
      if (this.maxTimestamp !== NO_TIMESTAMP) {
        this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      }
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += b.size;
    this.nextOffset = b.lastOffset + 1;
  }

  /**
   * Reads `len` bytes at `position` (fewer at the end of the file) into a buffer of its own,
   * taken from the read-buffer pool (read-buffers.ts): the caller owns it.
   */
  read(position: number, len: number): Uint8Array {
    const out = takeReadBuffer(Math.max(0, Math.min(len, this.sizeBytes - position)));
    let done = 0;
    while (done < out.length) {
      const n = this.fs.pread(this.fd, out, done, out.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  }

  /** The first batch holding an offset >= `offset`, or null if there is none here. */
  findBatch(offset: number): BatchInfo | null {
    const start = this.index.lookup(Math.max(0, offset - this.baseOffset));
    const scan = new BatchScanner(this.fs, this.fd, start, this.sizeBytes);
    for (let b = scan.next(); b !== null; b = scan.next()) if (b.lastOffset >= offset) return b;
    return null;
  }

  /** The first batch whose maxTimestamp >= ts, or null. */
  findBatchByTimestamp(ts: number): BatchInfo | null {
    if (this.maxTimestamp < ts) return null;
    const rel = this.timeIndex.lastBelow(ts);
    const start = rel < 0 ? 0 : this.index.lookup(rel);
    const scan = new BatchScanner(this.fs, this.fd, start, this.sizeBytes);
    for (let b = scan.next(); b !== null; b = scan.next()) if (b.maxTimestamp >= ts) return b;
    return null;
  }

  /**
   * Removes every batch holding an offset >= `offset` (a batch straddling it goes whole, as in
   * Kafka's LogSegment.truncateTo). Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    const first = this.findBatch(offset);
    if (this.sealed) this.unseal(); // it is the active segment again
    if (first === null) return 0;
    const removed = this.sizeBytes - first.position;
    this.fs.truncate(this.fd, first.position);
    this.sizeBytes = first.position;
    this.nextOffset = first.baseOffset;
    const rel = first.baseOffset - this.baseOffset;
    this.index.truncateTo(rel);
    this.timeIndex.truncateTo(rel);
    this.recomputeTail();
    return removed;
  }

  /** Recovery: cuts a torn or corrupt tail; batches before `position` were tracked already. */
  truncateAtPosition(position: number): void {
    this.fs.truncate(this.fd, position);
    this.sizeBytes = position;
  }

  /** Writes the index files of a segment that will take no more appends. */
  seal(): void {
    assert(!this.sealed, 'sealed twice');
    // A final time index entry makes the file's last entry the segment's exact maximum.
    if (this.maxTimestamp !== NO_TIMESTAMP) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    }
    this.unsyncedIndexFds.push(this.writeFile(INDEX_SUFFIX, this.index.toBytes()));
    this.unsyncedIndexFds.push(this.writeFile(TIME_INDEX_SUFFIX, this.timeIndex.toBytes()));
    this.sealed = true;
  }

  /** fsyncs the log (and index files written at seal), off the event loop. */
  async fsync(): Promise<void> {
    const indexFds = this.unsyncedIndexFds;
    this.unsyncedIndexFds = [];
    this.fsyncsInFlight++;
    try {
      await Promise.all([this.fs.fsync(this.fd), ...indexFds.map((fd) => this.fs.fsync(fd))]);
    } finally {
      for (const fd of indexFds) this.fs.close(fd);
      this.fsyncsInFlight--;
      if (this.closeWhenIdle && this.fsyncsInFlight === 0) this.closeNow();
    }
  }

  fsyncSync(): void {
    this.fs.fsyncSync(this.fd);
    for (const fd of this.unsyncedIndexFds) {
      this.fs.fsyncSync(fd);
      this.fs.close(fd);
    }
    this.unsyncedIndexFds = [];
  }

  /** Closes the file descriptors, once no fsync is using them. */
  close(): void {
    this.closeWhenIdle = true;
    if (this.fsyncsInFlight === 0) this.closeNow();
  }

  /** Unlinks the segment's files (the caller fsyncs the directory) and closes it. */
  deleteFiles(): void {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      if (this.fs.exists(this.path(suffix))) this.fs.unlink(this.path(suffix));
    }
    this.close();
  }

  private closeNow(): void {
    for (const fd of this.unsyncedIndexFds) this.fs.close(fd);
    this.unsyncedIndexFds = [];
    this.fs.close(this.fd);
    this.closeWhenIdle = false;
  }

  private writeFile(suffix: string, bytes: Uint8Array): Fd {
    const fd = this.fs.openAppend(this.path(suffix));
    try {
      this.fs.truncate(fd, 0);
      this.fs.append(fd, bytes);
    } catch (e) {
      this.fs.close(fd); // a full disk: seal() fails and is retried at the next roll
      throw e;
    }
    return fd;
  }

  /** A truncated sealed segment is active again; its index files no longer describe it. */
  private unseal(): void {
    for (const fd of this.unsyncedIndexFds) this.fs.close(fd);
    this.unsyncedIndexFds = [];
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      if (this.fs.exists(this.path(suffix))) this.fs.unlink(this.path(suffix));
    }
    this.sealed = false;
  }

  /** After truncation: recomputes maxTimestamp and the index interval counter. */
  private recomputeTail(): void {
    const lastTime = this.timeIndex.last();
    this.maxTimestamp = lastTime ? lastTime.timestamp : NO_TIMESTAMP;
    this.offsetOfMaxTimestamp = lastTime ? this.baseOffset + lastTime.relOffset : -1;
    const from = lastTime ? this.index.lookup(lastTime.relOffset) : 0;
    const scan = new BatchScanner(this.fs, this.fd, from, this.sizeBytes);
    for (let b = scan.next(); b !== null; b = scan.next()) {
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.baseOffset;
      }
    }
    this.bytesSinceIndexEntry = this.sizeBytes - this.index.lastPosition();
  }
}
