// Records out of a Fetch answer's records field: a run of v2 batches, the last of which may be
// cut short by the broker's size limit (a partial batch at the end is normal and skipped).
// Control batches (transaction markers, Raft's own entries) are skipped as consumers do.

import { decompress } from '../compression/index.ts';
import { BATCH_LENGTH_PREFIX_BYTES, BATCH_HEADER_BYTES, BatchHeader, Compression, CURRENT_MAGIC, TIMESTAMP_TYPE_LOG_APPEND } from '../protocol/records/batch.ts';
import { batchRecordsRange, decodeRecords, type RecordHeader } from '../protocol/records/records.ts';
import { DecodeError } from '../protocol/primitives.ts';
import { DECOMPRESSED_BATCH_MAX_BYTES } from './limits.ts';

export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

/** Decodes every whole batch in `bytes`, keeping records at or after `fromOffset`. */
export function recordsFromFetch(bytes: Uint8Array | null, fromOffset: number): FetchedRecord[] {
  const out: FetchedRecord[] = [];
  if (bytes === null) return out;
  let pos = 0;
  while (bytes.length - pos >= BATCH_HEADER_BYTES) {
    const h = new BatchHeader(bytes, pos);
    if (h.batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) throw new DecodeError(`batch at ${pos}: length ${h.batchLength}`);
    if (pos + h.sizeBytes > bytes.length) break; // partial batch at the end
    if (h.magic !== CURRENT_MAGIC) throw new DecodeError(`batch at ${pos}: magic ${h.magic} (only v2 is read)`);
    if (!h.isControl) appendRecords(out, h, fromOffset);
    pos += h.sizeBytes;
  }
  return out;
}

/**
 * Where the next fetch starts after this answer: one past the last offset of the last whole
 * batch (control batches and compacted-away records included), or `fromOffset` when no whole
 * batch came. Kafka's consumer moves its position the same way (past a batch, not a record),
 * so it never asks again for a batch that held nothing for it.
 */
export function nextFetchOffset(bytes: Uint8Array | null, fromOffset: number): number {
  let next = fromOffset;
  if (bytes === null) return next;
  let pos = 0;
  while (bytes.length - pos >= BATCH_HEADER_BYTES) {
    const h = new BatchHeader(bytes, pos);
    if (h.batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES || pos + h.sizeBytes > bytes.length) break;
    next = Math.max(next, h.lastOffset + 1);
    pos += h.sizeBytes;
  }
  return next;
}

function appendRecords(out: FetchedRecord[], h: BatchHeader, fromOffset: number): void {
  const range = batchRecordsRange(h.buf, h.pos);
  let section = h.buf;
  let start = range.start;
  let end = range.end;
  if (h.compression !== Compression.None) {
    section = decompress(h.compression, h.buf.subarray(range.start, range.end), DECOMPRESSED_BATCH_MAX_BYTES);
    start = 0;
    end = section.length;
  }
  const logAppendTime = (h.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const baseOffset = h.baseOffset;
  const baseTimestamp = h.baseTimestamp;
  for (const r of decodeRecords(section, start, end, h.recordCount)) {
    const offset = baseOffset + r.offsetDelta;
    if (offset < fromOffset) continue;
    out.push({
      offset,
      timestamp: logAppendTime ? h.maxTimestamp : baseTimestamp + r.timestampDelta,
      key: r.key,
      value: r.value,
      headers: r.headers,
    });
  }
}
