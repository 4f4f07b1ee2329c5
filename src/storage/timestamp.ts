// Record-level timestamp search inside one batch, for ListOffsets by timestamp (KIP-79) and
// MAX_TIMESTAMP (KIP-734): Kafka answers with the first *record* whose timestamp is >= the
// target, so the batch found through the time index is opened and its records walked.
// https://kafka.apache.org/documentation/#record

import {
  BATCH_HEADER_BYTES,
  BatchHeader,
  Compression,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../protocol/records/batch.ts';
import { Reader } from '../protocol/primitives.ts';

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
