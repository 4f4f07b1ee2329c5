// Records inside a RecordBatch v2, and a builder for whole batches.
// https://kafka.apache.org/documentation/#record
//
//   length: varint            bytes after this field
//   attributes: int8          unused (0)
//   timestampDelta: varlong   from the batch's baseTimestamp
//   offsetDelta: varint       from the batch's baseOffset
//   keyLength: varint, key    -1 = null
//   valueLength: varint, value -1 = null
//   headersCount: varint, then per header:
//     headerKeyLength: varint, headerKey (UTF-8, never null)
//     headerValueLength: varint, value (-1 = null)
//
// Pure. Decoding checks every length against the bytes of the record and of the section before
// using it; malformed input throws DecodeError. The builder serves tests, benchmarks and the
// internal client; the broker's hot path uses walkRecords (validate.ts), which allocates nothing.

import { DecodeError, Writer, uvarintSize } from '../primitives.ts';
import {
  ATTRIBUTES,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH,
  BATCH_LENGTH_PREFIX_BYTES,
  COMPRESSION_MASK,
  CONTROL,
  CRC,
  CURRENT_MAGIC,
  Compression,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  TIMESTAMP_TYPE_LOG_APPEND,
  TRANSACTIONAL,
} from './batch.ts';
import { crc32c } from './crc32c.ts';

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface Record {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

// ------------------------------------------------------------------------ varint cursor

/**
 * A tiny allocation-free cursor over buf[pos..end): the hot path's varint reader. Throws
 * DecodeError on overrun. Zig-zag decoding as in primitives.ts (Reader.varint / varlong).
 */
export class VarCursor {
  constructor(
    public buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  varint(): number {
    const buf = this.buf;
    let p = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (p >= this.end) throw new DecodeError('varint runs past the record');
      const b = buf[p++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = p;
        if (result > 0xffffffff) throw new DecodeError('varint overflows 32 bits');
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      mul *= 128;
    }
    throw new DecodeError('varint longer than 5 bytes');
  }

  varlong(): number {
    const buf = this.buf;
    let p = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw new DecodeError('varlong runs past the record');
      const b = buf[p++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = p;
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      mul *= 128;
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  /** Skips n bytes (n >= 0 checked by caller), refusing to pass `end`. */
  skip(n: number): void {
    if (n > this.end - this.pos) throw new DecodeError(`length ${n} runs past the record`);
    this.pos += n;
  }

  /** A nullable byte field: varint length (-1 = null) then bytes; returns a view, no copy. */
  bytes(what: string): Uint8Array | null {
    const n = this.varint();
    if (n < -1) throw new DecodeError(`invalid ${what} length ${n}`);
    if (n === -1) return null;
    const start = this.pos;
    this.skip(n);
    return this.buf.subarray(start, start + n);
  }
}

// ------------------------------------------------------------------------ decode

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes one record at c.pos (c.end = end of the records section). */
export function readRecord(c: VarCursor): Record {
  const length = c.varint();
  if (length < 0 || length > c.end - c.pos) throw new DecodeError(`invalid record length ${length}`);
  const sectionEnd = c.end;
  const recordEnd = c.pos + length;
  c.end = recordEnd;
  try {
    if (length < 1) throw new DecodeError('record too short');
    const attributes = c.buf[c.pos++];
    const timestampDelta = c.varlong();
    const offsetDelta = c.varint();
    const key = c.bytes('key');
    const value = c.bytes('value');
    const count = c.varint();
    // Every header takes at least two bytes, so a count above that is malformed: refuse it
    // before allocating from it.
    if (count < 0 || count * 2 > recordEnd - c.pos) throw new DecodeError(`invalid header count ${count}`);
    const headers: RecordHeader[] = [];
    for (let i = 0; i < count; i++) {
      const kn = c.varint();
      if (kn < 0) throw new DecodeError(`invalid header key length ${kn}`);
      const ks = c.pos;
      c.skip(kn);
      headers.push({ key: utf8.decode(c.buf.subarray(ks, ks + kn)), value: c.bytes('header value') });
    }
    if (c.pos !== recordEnd) throw new DecodeError(`record declares ${length} bytes but holds ${c.pos - (recordEnd - length)}`);
    return { attributes, timestampDelta, offsetDelta, key, value, headers };
  } finally {
    c.end = sectionEnd;
  }
}

/**
 * Decodes the records of an uncompressed records section buf[start..end). `expectedCount`
 * bounds the work (the batch's recordCount); more or fewer records than that, or trailing
 * bytes, throw DecodeError.
 */
export function decodeRecords(buf: Uint8Array, start: number, end: number, expectedCount: number): Record[] {
  if (expectedCount < 0 || expectedCount > end - start) throw new DecodeError(`invalid record count ${expectedCount}`);
  const c = new VarCursor(buf, start, end);
  const out: Record[] = [];
  for (let i = 0; i < expectedCount; i++) out.push(readRecord(c));
  if (c.pos !== end) throw new DecodeError(`${end - c.pos} bytes after the last of ${expectedCount} records`);
  return out;
}

/** The records section of a whole batch at `pos` (decompressed by the caller if needed). */
export function batchRecordsRange(buf: Uint8Array, pos = 0): { start: number; end: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return { start: pos + BATCH_HEADER_BYTES, end: pos + BATCH_LENGTH_PREFIX_BYTES + view.getInt32(pos + BATCH_LENGTH) };
}

// ------------------------------------------------------------------------ build

export interface RecordInput {
  key?: Uint8Array | string | null;
  value?: Uint8Array | string | null;
  headers?: Array<{ key: string; value: Uint8Array | string | null }>;
  /** Absolute timestamp (ms); defaults to the batch's baseTimestamp. */
  timestamp?: number;
  /** Defaults to the record's index; set only to build deliberately malformed batches. */
  offsetDelta?: number;
}

export interface BatchInput {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Defaults to the smallest record timestamp, else 0. */
  baseTimestamp?: number;
  /** Defaults to the largest record timestamp (LogAppendTime: set it to the append time). */
  maxTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  compression?: Compression;
  transactional?: boolean;
  control?: boolean;
  logAppendTime?: boolean;
  /** Defaults to records.length - 1 (or the last offsetDelta given). */
  lastOffsetDelta?: number;
  records: RecordInput[];
}

/** Compresses a records section; injected because compression is not pure. */
export type CompressFn = (type: Compression, bytes: Uint8Array) => Uint8Array;

const utf8Encoder = new TextEncoder();

function toBytes(v: Uint8Array | string | null | undefined): Uint8Array | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? utf8Encoder.encode(v) : v;
}

function writeNullableBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.varint(-1);
    return;
  }
  w.varint(b.length);
  w.raw(b);
}

/** Encodes one record (length prefix included) onto w. */
export function writeRecord(w: Writer, r: RecordInput, index: number, baseTimestamp: number): void {
  const body = new Writer(64);
  body.int8(0);
  body.varlong((r.timestamp ?? baseTimestamp) - baseTimestamp);
  body.varint(r.offsetDelta ?? index);
  writeNullableBytes(body, toBytes(r.key));
  writeNullableBytes(body, toBytes(r.value));
  const headers = r.headers ?? [];
  body.varint(headers.length);
  for (const h of headers) {
    const k = utf8Encoder.encode(h.key);
    body.varint(k.length);
    body.raw(k);
    writeNullableBytes(body, toBytes(h.value));
  }
  const bytes = body.bytes();
  w.varint(bytes.length);
  w.raw(bytes);
}

/**
 * Builds a complete v2 batch: header, records (compressed with `compress` when a compression
 * is set), batchLength and CRC32C.
 */
export function buildBatch(input: BatchInput, compress?: CompressFn): Uint8Array {
  const records = input.records;
  const stamps = records.map((r) => r.timestamp).filter((t): t is number => t !== undefined);
  const baseTimestamp = input.baseTimestamp ?? (stamps.length > 0 ? Math.min(...stamps) : 0);
  const maxTimestamp = input.maxTimestamp ?? (stamps.length > 0 ? Math.max(...stamps) : baseTimestamp);
  const section = new Writer(256);
  records.forEach((r, i) => writeRecord(section, r, i, baseTimestamp));
  const compression = input.compression ?? Compression.None;
  let payload = section.bytes();
  if (compression !== Compression.None) {
    if (!compress) throw new Error('buildBatch: a compressed batch needs a compress function');
    payload = compress(compression, payload);
  }
  const lastDelta = records.length > 0 ? (records[records.length - 1].offsetDelta ?? records.length - 1) : 0;
  let attributes = compression & COMPRESSION_MASK;
  if (input.logAppendTime) attributes |= TIMESTAMP_TYPE_LOG_APPEND;
  if (input.transactional) attributes |= TRANSACTIONAL;
  if (input.control) attributes |= CONTROL;

  const w = new Writer(BATCH_HEADER_BYTES + payload.length);
  w.int64(input.baseOffset ?? 0);
  w.int32(BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES + payload.length);
  w.int32(input.partitionLeaderEpoch ?? -1);
  w.int8(CURRENT_MAGIC);
  w.uint32(0); // CRC, filled below
  w.int16(attributes);
  w.int32(input.lastOffsetDelta ?? lastDelta);
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(input.producerId ?? NO_PRODUCER_ID);
  w.int16(input.producerEpoch ?? -1);
  w.int32(input.baseSequence ?? NO_SEQUENCE);
  w.int32(records.length);
  w.raw(payload);
  const out = w.bytes();
  writeBatchCrc(out, 0);
  return out;
}

/** Recomputes and stores the CRC32C of the batch at `pos` (after patching covered fields). */
export function writeBatchCrc(buf: Uint8Array, pos: number): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = pos + BATCH_LENGTH_PREFIX_BYTES + view.getInt32(pos + BATCH_LENGTH);
  view.setUint32(pos + CRC, crc32c(buf, pos + ATTRIBUTES, end));
}

/** Size of a record on the wire, length prefix included; for capacity planning in clients. */
export function recordSizeBytes(bodyBytes: number): number {
  return uvarintSize(bodyBytes * 2) + bodyBytes;
}
