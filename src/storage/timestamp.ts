// Record-level timestamp search inside one batch, for ListOffsets by timestamp (KIP-79) and
// MAX_TIMESTAMP (KIP-734): Kafka answers with the first *record* whose timestamp is >= the
// target, so the batch found through the time index is opened and its records walked.
// https://kafka.apache.org/documentation/#record

import {
  ATTRIBUTES,
  BATCH_HEADER_BYTES,
  BatchHeader,
  Compression,
  CRC,
  MAX_TIMESTAMP,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../protocol/records/batch.ts';
import { Reader, writeInt64 } from '../protocol/primitives.ts';
import type { Segment } from './segment.ts';

/** Decompresses the records section of a batch (codec from the batch attributes). */
export type Decompress = (compression: Compression, data: Uint8Array) => Uint8Array;

export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

/**
 * The first record of the batch at batch[0..] with timestamp >= ts. Without a decompressor a
 * compressed batch answers with its base offset and max timestamp.
 */
export function firstRecordAtOrAfter(batch: Uint8Array, ts: number, decompress?: Decompress): OffsetAndTimestamp {
  const h = new BatchHeader(batch, 0);
  const whole = { offset: h.baseOffset, timestamp: h.maxTimestamp };
  // With LogAppendTime every record's timestamp is the batch's max timestamp.
  if ((h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0) return whole;
  let records = batch.subarray(BATCH_HEADER_BYTES, h.sizeBytes);
  if (h.compression !== Compression.None) {
    if (!decompress) return whole;
    records = decompress(h.compression, records);
  }
  const r = new Reader(records);
  const count = h.recordCount;
  for (let i = 0; i < count && r.remaining > 0; i++) {
    const length = r.varint();
    const next = r.pos + length;
    r.int8(); // attributes
    const timestamp = h.baseTimestamp + r.varlong();
    const offsetDelta = r.varint();
    if (timestamp >= ts) return { offset: h.baseOffset + offsetDelta, timestamp };
    r.pos = next;
  }
  return { offset: h.lastOffset, timestamp: h.maxTimestamp };
}

/**
 * KIP-32 LogAppendTime: the broker's clock becomes the batch's max timestamp and the timestamp
 * type bit is set; both are covered by the CRC, which is recomputed (as Kafka's
 * DefaultRecordBatch.setMaxTimestamp does). Returns the stamped time.
 */
export function stampLogAppendTime(h: BatchHeader, nowMs: number, crc32c: (b: Uint8Array, start: number, end: number) => number): number {
  h.view.setInt16(h.pos + ATTRIBUTES, h.attributes | TIMESTAMP_TYPE_LOG_APPEND);
  writeInt64(h.view, h.pos + MAX_TIMESTAMP, nowMs);
  h.view.setUint32(h.pos + CRC, crc32c(h.buf, h.pos + ATTRIBUTES, h.pos + h.sizeBytes) >>> 0);
  return nowMs;
}

/** The first record with timestamp >= ts at or above logStartOffset and below maxOffset. */
export function findOffsetForTimestamp(
  segments: readonly Segment[],
  ts: number,
  logStartOffset: number,
  maxOffset: number,
  decompress?: Decompress,
): OffsetAndTimestamp | null {
  for (const seg of segments) {
    if (seg.nextOffset <= logStartOffset) continue;
    const b = seg.findBatchByTimestamp(ts);
    if (b === null) continue;
    const r = firstRecordAtOrAfter(seg.read(b.position, b.size), ts, decompress);
    const offset = Math.max(r.offset, logStartOffset);
    return offset < maxOffset ? { offset, timestamp: r.timestamp } : null;
  }
  return null;
}

/** The first record carrying the log's greatest timestamp; (-1, -1) when there is none. */
export function findMaxTimestampOffset(segments: readonly Segment[], logStartOffset: number, decompress?: Decompress): OffsetAndTimestamp {
  let best: Segment | null = null;
  for (const seg of segments) {
    if (seg.nextOffset <= logStartOffset) continue;
    if (seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp)) best = seg;
  }
  if (best === null) return { offset: -1, timestamp: -1 };
  const b = best.findBatch(best.offsetOfMaxTimestamp);
  if (b === null) return { offset: -1, timestamp: -1 };
  const r = firstRecordAtOrAfter(best.read(b.position, b.size), best.maxTimestamp, decompress);
  return { offset: Math.max(r.offset, logStartOffset), timestamp: r.timestamp };
}
