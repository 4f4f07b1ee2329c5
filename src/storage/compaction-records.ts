// Log compaction, one batch at a time: walking the records of a batch for the offset map, and
// rewriting a batch with only the records the cleaner keeps (Kafka's MemoryRecords.filterTo
// with the LogCleaner's retention rule). Pure: the codec is injected.
//
// A rewritten batch keeps its baseOffset, lastOffsetDelta (v2 keeps the last offset even when
// its last record is gone), partitionLeaderEpoch and producer fields; it gets the kept records,
// a new recordCount, maxTimestamp and CRC, and is re-compressed with its own codec. Records are
// copied byte for byte except when the batch's baseTimestamp changes to carry a delete horizon
// (KIP-534: attribute bit 0x40, baseTimestamp = horizon), when each record's timestampDelta is
// re-encoded against the new base so that every record keeps its timestamp.

import { Writer } from '../protocol/primitives.ts';
import {
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_PREFIX_BYTES,
  BatchHeader,
  Compression,
  COMPRESSION_MASK,
  CURRENT_MAGIC,
  DELETE_HORIZON,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../protocol/records/batch.ts';
import { VarCursor, writeBatchCrc } from '../protocol/records/records.ts';
import { DecodeError } from '../protocol/primitives.ts';

/** Compression in both directions; decompress must bound its output (the caller's limit). */
export interface Codec {
  compress(type: Compression, bytes: Uint8Array): Uint8Array;
  decompress(type: Compression, bytes: Uint8Array): Uint8Array;
}

/** One record of a records section, as the cleaner sees it. Reused between records. */
export interface RecordView {
  /** The record's bytes, length prefix included: section[start, end). */
  start: number;
  end: number;
  /** Where the timestampDelta varlong ends (the rest of the record follows unchanged). */
  afterTimestampDelta: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Uint8Array | null;
  isTombstone: boolean;
}

/** The batch's records section, decompressed when the batch is compressed. */
export function recordsSection(batch: Uint8Array, codec: Codec): Uint8Array {
  const h = new BatchHeader(batch, 0);
  const raw = batch.subarray(BATCH_HEADER_BYTES, h.sizeBytes);
  return h.compression === Compression.None ? raw : codec.decompress(h.compression, raw);
}

/** Calls visit for each of the `count` records of `section`; throws DecodeError on bad bytes. */
export function walkRecords(section: Uint8Array, count: number, visit: (r: RecordView) => void): void {
  const c = new VarCursor(section, 0, section.length);
  const r: RecordView = { start: 0, end: 0, afterTimestampDelta: 0, timestampDelta: 0, offsetDelta: 0, key: null, isTombstone: false };
  for (let i = 0; i < count; i++) {
    r.start = c.pos;
    const length = c.varint();
    if (length < 1 || length > section.length - c.pos) throw new DecodeError(`invalid record length ${length}`);
    r.end = c.pos + length;
    c.end = r.end;
    c.pos++; // attributes (unused)
    r.timestampDelta = c.varlong();
    r.afterTimestampDelta = c.pos;
    r.offsetDelta = c.varint();
    r.key = c.bytes('key');
    const valueLength = c.varint();
    if (valueLength < -1) throw new DecodeError(`invalid value length ${valueLength}`);
    r.isTombstone = valueLength === -1;
    visit(r);
    c.pos = r.end;
    c.end = section.length;
  }
  if (c.pos !== section.length) throw new DecodeError(`${section.length - c.pos} bytes after the last of ${count} records`);
}

export interface CleanBatchContext {
  /** Whether the record at `offset` with this key is the latest for its key (the offset map). */
  isLatest(key: Uint8Array, offset: number): boolean;
  nowMs: number;
  /** delete.retention.ms: the horizon given to batches whose tombstones are kept for the first time. */
  deleteRetentionMs: number;
  codec: Codec;
}

export interface CleanedBatch {
  /** The batch to write (the input itself when unchanged), or null to drop it. */
  bytes: Uint8Array | null;
  /** Set when this rewrite gave the batch a delete horizon. */
  horizonMs: number | null;
  recordsRemoved: number;
}

/**
 * Applies the cleaner's rule to one data batch (not control, not transactional: the caller
 * keeps those whole). A record stays when it has a key, is the latest for that key, and is not
 * a tombstone past its batch's delete horizon. `keepEmpty`: the batch is the last of its
 * segment and stays as an empty batch (header only) if no record does.
 */
export function cleanBatch(batch: Uint8Array, ctx: CleanBatchContext, keepEmpty: boolean): CleanedBatch {
  const h = new BatchHeader(batch, 0);
  const hasHorizon = (h.attributes & DELETE_HORIZON) !== 0;
  const retainTombstones = !hasHorizon || ctx.nowMs < h.baseTimestamp;
  const section = recordsSection(batch, ctx.codec);
  const kept: Array<{ start: number; end: number; afterTs: number; timestamp: number }> = [];
  let tombstonesKept = 0;
  walkRecords(section, h.recordCount, (r) => {
    const offset = h.baseOffset + r.offsetDelta;
    if (r.key === null || !ctx.isLatest(r.key, offset)) return;
    if (r.isTombstone && !retainTombstones) return;
    if (r.isTombstone) tombstonesKept++;
    kept.push({ start: r.start, end: r.end, afterTs: r.afterTimestampDelta, timestamp: h.baseTimestamp + r.timestampDelta });
  });
  const needHorizon = !hasHorizon && tombstonesKept > 0;
  const recordsRemoved = h.recordCount - kept.length;
  if (kept.length === 0) {
    const empty = h.recordCount === 0 ? batch : emptyBatch(h);
    return { bytes: keepEmpty ? empty : null, horizonMs: null, recordsRemoved };
  }
  if (recordsRemoved === 0 && !needHorizon) return { bytes: batch, horizonMs: null, recordsRemoved };

  const horizonMs = needHorizon ? ctx.nowMs + ctx.deleteRetentionMs : null;
  const baseTimestamp = horizonMs ?? h.baseTimestamp;
  const out = new Writer(section.length + 64);
  for (const k of kept) {
    if (baseTimestamp === h.baseTimestamp) {
      out.raw(section.subarray(k.start, k.end));
      continue;
    }
    // attributes, the new timestampDelta, then the record's remaining bytes unchanged.
    const rest = section.subarray(k.afterTs, k.end);
    const body = new Writer(rest.length + 16);
    body.int8(0);
    body.varlong(k.timestamp - baseTimestamp);
    body.raw(rest);
    const b = body.bytes();
    out.varint(b.length);
    out.raw(b);
  }
  let records = out.bytes();
  if (h.compression !== Compression.None) records = ctx.codec.compress(h.compression, records);
  const logAppendTime = (h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  // CreateTime: the newest kept record (Kafka's builder recomputes it); LogAppendTime: unchanged.
  const maxTimestamp = logAppendTime ? h.maxTimestamp : Math.max(...kept.map((k) => k.timestamp));
  const attributes = h.attributes | (horizonMs !== null ? DELETE_HORIZON : 0);
  return { bytes: header(h, attributes, baseTimestamp, maxTimestamp, kept.length, records), horizonMs, recordsRemoved };
}

/** A batch with no records that keeps the offsets and producer fields (Kafka's writeEmptyHeader). */
function emptyBatch(h: BatchHeader): Uint8Array {
  const attributes = h.attributes & ~COMPRESSION_MASK & ~DELETE_HORIZON;
  return header(h, attributes, h.maxTimestamp, h.maxTimestamp, 0, new Uint8Array(0));
}

function header(h: BatchHeader, attributes: number, baseTimestamp: number, maxTimestamp: number, count: number, records: Uint8Array): Uint8Array {
  const w = new Writer(BATCH_HEADER_BYTES + records.length);
  w.int64(h.baseOffset);
  w.int32(BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES + records.length);
  w.int32(h.partitionLeaderEpoch);
  w.int8(CURRENT_MAGIC);
  w.uint32(0); // CRC, below
  w.int16(attributes);
  w.int32(h.lastOffsetDelta);
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(h.producerId);
  w.int16(h.producerEpoch);
  w.int32(h.baseSequence);
  w.int32(count);
  w.raw(records);
  const out = w.bytes().slice();
  writeBatchCrc(out, 0);
  return out;
}
