// Walks the record batches of a segment file forward from a position, reading in chunks so a
// scan costs one pread per chunk rather than one per batch.

import type { Fd, StorageFs } from './fs.ts';
import {
  BASE_OFFSET,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH,
  BATCH_LENGTH_PREFIX_BYTES,
  LAST_OFFSET_DELTA,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
} from '../protocol/records/batch.ts';
import { readInt64 } from '../protocol/primitives.ts';

/** Bytes read per pread while scanning headers (index lookups, timestamp searches). */
export const SCAN_CHUNK_BYTES = 64 * 1024;
/** Bytes read per pread while recovering (whole batches are needed for the CRC). */
export const RECOVERY_CHUNK_BYTES = 1024 * 1024;

export interface BatchInfo {
  /** File position of the batch's first byte. */
  position: number;
  /** Total bytes of the batch, header included. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  epoch: number;
  maxTimestamp: number;
}

export type ScanStop = 'end' | 'torn' | 'malformed';

/**
 * What a scan reads from: a segment's LogFile, which takes its descriptor at each read (the
 * descriptor may be closed and reopened between reads when a scan spans awaits), or a raw fd.
 */
export interface Preadable {
  pread(buf: Uint8Array, bufOffset: number, len: number, pos: number): number;
}

/** A raw descriptor as a Preadable (for files outside the open-files cache). */
export function preadableFd(fs: StorageFs, fd: Fd): Preadable {
  return { pread: (buf, bufOffset, len, pos) => fs.pread(fd, buf, bufOffset, len, pos) };
}

export class BatchScanner {
  private buf: Uint8Array;
  private view: DataView;
  /** File position of buf[0], and how many bytes of buf are valid. */
  private bufPos = 0;
  private bufLen = 0;
  /** Why next() returned null. */
  stop: ScanStop = 'end';
  /** After next(true): the batch's bytes are bytes[bytesAt, bytesAt + size). */
  bytes: Uint8Array;
  bytesAt = 0;

  constructor(
    private readonly file: Preadable,
    public position: number,
    private readonly end: number,
    chunkBytes = SCAN_CHUNK_BYTES,
  ) {
    this.buf = new Uint8Array(chunkBytes);
    this.view = new DataView(this.buf.buffer);
    this.bytes = this.buf;
  }

  /** The next batch's header fields (and its bytes when wantBytes), or null at the end. */
  next(wantBytes = false): BatchInfo | null {
    const p = this.position;
    if (p >= this.end) return this.halt('end');
    if (this.end - p < BATCH_HEADER_BYTES) return this.halt('torn');
    if (!this.covers(p, BATCH_HEADER_BYTES)) this.fill(p);
    const at = p - this.bufPos;
    const batchLength = this.view.getInt32(at + BATCH_LENGTH);
    const size = BATCH_LENGTH_PREFIX_BYTES + batchLength;
    if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) return this.halt('malformed');
    if (p + size > this.end) return this.halt('torn');
    const info: BatchInfo = {
      position: p,
      size,
      baseOffset: readInt64(this.view, at + BASE_OFFSET),
      lastOffset: readInt64(this.view, at + BASE_OFFSET) + this.view.getInt32(at + LAST_OFFSET_DELTA),
      epoch: this.view.getInt32(at + PARTITION_LEADER_EPOCH),
      maxTimestamp: readInt64(this.view, at + MAX_TIMESTAMP),
    };
    if (wantBytes) this.loadBytes(p, size);
    this.position = p + size;
    return info;
  }

  private loadBytes(p: number, size: number): void {
    if (this.covers(p, size)) {
      this.bytes = this.buf;
      this.bytesAt = p - this.bufPos;
    } else if (size <= this.buf.length) {
      this.fill(p);
      this.bytes = this.buf;
      this.bytesAt = 0;
    } else {
      // A batch larger than the chunk: read it alone.
      const big = new Uint8Array(size);
      this.file.pread(big, 0, size, p);
      this.bytes = big;
      this.bytesAt = 0;
    }
  }

  private covers(p: number, n: number): boolean {
    return p >= this.bufPos && p + n <= this.bufPos + this.bufLen;
  }

  private fill(p: number): void {
    const want = Math.min(this.buf.length, this.end - p);
    this.bufPos = p;
    this.bufLen = this.file.pread(this.buf, 0, want, p);
  }

  private halt(why: ScanStop): null {
    this.stop = why;
    return null;
  }
}

/** Header fields of the concatenated, already validated batches in `buf` (positions in buf). */
export function batchesIn(buf: Uint8Array): BatchInfo[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const infos: BatchInfo[] = [];
  for (let p = 0; p < buf.length; ) {
    const size = BATCH_LENGTH_PREFIX_BYTES + view.getInt32(p + BATCH_LENGTH);
    if (size < BATCH_HEADER_BYTES || p + size > buf.length) {
      throw new Error(`malformed batch at ${p} of ${buf.length}`); // validation is the caller's job
    }
    const baseOffset = readInt64(view, p + BASE_OFFSET);
    infos.push({
      position: p,
      size,
      baseOffset,
      lastOffset: baseOffset + view.getInt32(p + LAST_OFFSET_DELTA),
      epoch: view.getInt32(p + PARTITION_LEADER_EPOCH),
      maxTimestamp: readInt64(view, p + MAX_TIMESTAMP),
    });
    p += size;
  }
  return infos;
}

/** The longest prefix of `buf` made of whole batches whose last offset is < maxOffset. */
export function wholeBatchesBelow(buf: Uint8Array, maxOffset: number): Uint8Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  while (p + BATCH_HEADER_BYTES <= buf.length) {
    const size = BATCH_LENGTH_PREFIX_BYTES + view.getInt32(p + BATCH_LENGTH);
    const lastOffset = readInt64(view, p + BASE_OFFSET) + view.getInt32(p + LAST_OFFSET_DELTA);
    if (p + size > buf.length || lastOffset >= maxOffset) break;
    p += size;
  }
  return buf.subarray(0, p);
}
