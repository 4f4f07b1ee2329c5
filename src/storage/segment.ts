// One segment: a .log file of whole record batches starting at `baseOffset`, with its sparse
// offset and time indexes held in memory. The active (last) segment is appended to; a sealed
// one has its index files written and is only read, deleted, or truncated (Raft truncation may
// reopen it as the active segment). The .log is a LogFile of the node's OpenFiles cache: it
// holds a descriptor only while used (open-files.ts); index files are written and closed at
// seal, and fsynced by path at the next flush.

import { join } from 'node:path';
import type { StorageFs } from './fs.ts';
import type { LogFile, OpenFiles } from './open-files.ts';
import { OffsetIndex, TimeIndex } from './indexes.ts';
import { BatchScanner, type BatchInfo } from './batch-scan.ts';
import { assert } from '../base/assert.ts';
import { takeReadBuffer } from '../base/read-buffers.ts';

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

/** Index of the segment whose range holds `offset`: the last with baseOffset <= offset (0 if none). */
export function segmentHolding(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid].baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Removes the index files of these segments (recovery rebuilds them from the log). */
export function unlinkIndexFiles(fs: StorageFs, segments: readonly Segment[]): void {
  for (const seg of segments) {
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const path = seg.path(suffix);
      if (fs.exists(path)) fs.unlink(path);
    }
  }
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
  private unsyncedIndexPaths: string[] = [];
  private readonly fs: StorageFs;

  constructor(
    private readonly files: OpenFiles,
    readonly dir: string,
    readonly baseOffset: number,
    /** The .log file (read, appended to, truncated, fsynced through it). */
    readonly file: LogFile,
    /** segment.ms counts from here. */
    readonly createdMs: number,
  ) {
    this.fs = files.fs;
    this.sizeBytes = file.size();
    this.nextOffset = baseOffset;
  }

  /** An existing segment file, by its base offset. */
  static open(files: OpenFiles, dir: string, baseOffset: number, nowMs: number): Segment {
    return new Segment(files, dir, baseOffset, files.file(join(dir, segmentName(baseOffset, LOG_SUFFIX))), nowMs);
  }

  /** A new empty segment whose file (and directory) the first append creates. */
  static createOnFirstWrite(files: OpenFiles, dir: string, baseOffset: number, nowMs: number): Segment {
    return new Segment(files, dir, baseOffset, files.createOnFirstWrite(join(dir, segmentName(baseOffset, LOG_SUFFIX))), nowMs);
  }

  static create(files: OpenFiles, dir: string, baseOffset: number, nowMs: number): Segment {
    const file = files.create(join(dir, segmentName(baseOffset, LOG_SUFFIX)));
    assert(file.size() === 0, `segment ${baseOffset} already exists`);
    return new Segment(files, dir, baseOffset, file, nowMs);
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
    this.file.append(bytes);
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
      const n = this.file.pread(out, done, out.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  }

  /** The first batch holding an offset >= `offset`, or null if there is none here. */
  findBatch(offset: number): BatchInfo | null {
    const start = this.index.lookup(Math.max(0, offset - this.baseOffset));
    const scan = new BatchScanner(this.file, start, this.sizeBytes);
    for (let b = scan.next(); b !== null; b = scan.next()) if (b.lastOffset >= offset) return b;
    return null;
  }

  /** The first batch whose maxTimestamp >= ts, or null. */
  findBatchByTimestamp(ts: number): BatchInfo | null {
    if (this.maxTimestamp < ts) return null;
    const rel = this.timeIndex.lastBelow(ts);
    const start = rel < 0 ? 0 : this.index.lookup(rel);
    const scan = new BatchScanner(this.file, start, this.sizeBytes);
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
    this.file.truncate(first.position);
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
    this.file.truncate(position);
    this.sizeBytes = position;
  }

  /** Writes the index files of a segment that will take no more appends. */
  seal(): void {
    assert(!this.sealed, 'sealed twice');
    // A final time index entry makes the file's last entry the segment's exact maximum.
    if (this.maxTimestamp !== NO_TIMESTAMP) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    }
    this.writeIndexFile(INDEX_SUFFIX, this.index.toBytes());
    this.writeIndexFile(TIME_INDEX_SUFFIX, this.timeIndex.toBytes());
    this.sealed = true;
  }

  /** fsyncs the log (and index files written at seal), off the event loop. */
  async fsync(): Promise<void> {
    const indexPaths = this.unsyncedIndexPaths;
    this.unsyncedIndexPaths = [];
    await Promise.all([this.file.fsync(), ...indexPaths.map((p) => this.files.fsyncPath(p))]);
  }

  fsyncSync(): void {
    this.file.fsyncSync();
    for (const p of this.unsyncedIndexPaths) this.files.fsyncPathSync(p);
    this.unsyncedIndexPaths = [];
  }

  /** Closes the file, once no fsync asked for before is using it. */
  close(): void {
    this.unsyncedIndexPaths = [];
    this.file.close();
  }

  /** Unlinks the segment's files (the caller fsyncs the directory) and closes it. */
  deleteFiles(): void {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      if (this.fs.exists(this.path(suffix))) this.fs.unlink(this.path(suffix));
    }
    this.close();
  }

  /**
   * Writes an index file and closes it at once: a descriptor kept until the next flush would
   * pile up with every roll (in --dev mode no flush comes). The flush fsyncs it by path.
   */
  private writeIndexFile(suffix: string, bytes: Uint8Array): void {
    const path = this.path(suffix);
    writeWholeFile(this.fs, path, bytes);
    this.unsyncedIndexPaths.push(path);
  }

  /** A truncated sealed segment is active again; its index files no longer describe it. */
  private unseal(): void {
    this.unsyncedIndexPaths = [];
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
    const scan = new BatchScanner(this.file, from, this.sizeBytes);
    for (let b = scan.next(); b !== null; b = scan.next()) {
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.baseOffset;
      }
    }
    this.bytesSinceIndexEntry = this.sizeBytes - this.index.lastPosition();
  }
}

/** Replaces a small file's content (created if missing) and closes it; not fsynced. */
export function writeWholeFile(fs: StorageFs, path: string, bytes: Uint8Array): void {
  const fd = fs.openAppend(path);
  try {
    fs.truncate(fd, 0);
    fs.append(fd, bytes);
  } finally {
    fs.close(fd);
  }
}
