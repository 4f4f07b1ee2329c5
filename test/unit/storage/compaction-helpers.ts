// Helpers for the compaction tests: keyed batches, reading a log back as records, the codec.

import { buildBatch, decodeRecords } from '../../../src/protocol/records/records.ts';
import { BatchHeader, Compression, CONTROL, TRANSACTIONAL } from '../../../src/protocol/records/batch.ts';
import { compress, decompress } from '../../../src/compression/index.ts';
import type { Codec } from '../../../src/storage/compaction-records.ts';
import type { PartitionLog } from '../../../src/storage/partition-log.ts';
import type { CompactionConfig } from '../../../src/storage/compaction.ts';
import { BATCH_HEADER_BYTES } from '../../../src/protocol/records/batch.ts';
import { batchesIn } from '../../../src/storage/batch-scan.ts';

export const codec: Codec = {
  compress,
  decompress: (type, bytes) => decompress(type, bytes, 64 * 1024 * 1024),
};

export const NO_LAG: CompactionConfig = { deleteRetentionMs: 1_000, minCompactionLagMs: 0, minCleanableDirtyRatio: 0 };

/** One batch of [key, value] records (value null = tombstone), all at timestamp ts. */
export function keyed(pairs: Array<[string, string | null]>, opts: { ts?: number; compression?: Compression; control?: boolean; transactional?: boolean } = {}): Uint8Array {
  return buildBatch(
    {
      records: pairs.map(([key, value]) => ({ key, value, timestamp: opts.ts ?? 1_000 })),
      compression: opts.compression,
      control: opts.control,
      transactional: opts.transactional,
      producerId: opts.transactional ? 7 : undefined,
      producerEpoch: opts.transactional ? 0 : undefined,
    },
    compress,
  );
}

export interface ReadRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
}

export interface ReadBatch {
  baseOffset: number;
  lastOffset: number;
  attributes: number;
  baseTimestamp: number;
  records: ReadRecord[];
}

const utf8 = new TextDecoder();

/** Every batch of the log read back through read(), with its records decoded. */
export function readBack(log: PartitionLog): ReadBatch[] {
  const out: ReadBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, 1_000_000, { minOneBatch: true });
    if (r.bytes.length === 0) throw new Error(`no progress at ${offset}`);
    for (const info of batchesIn(r.bytes)) {
      const batch = r.bytes.subarray(info.position, info.position + info.size);
      const h = new BatchHeader(batch, 0);
      let section = batch.subarray(BATCH_HEADER_BYTES);
      if (h.compression !== Compression.None) section = codec.decompress(h.compression, section);
      const records = decodeRecords(section, 0, section.length, h.recordCount).map((rec) => ({
        offset: h.baseOffset + rec.offsetDelta,
        key: rec.key === null ? null : utf8.decode(rec.key),
        value: rec.value === null ? null : utf8.decode(rec.value),
        timestamp: h.baseTimestamp + rec.timestampDelta,
      }));
      out.push({ baseOffset: h.baseOffset, lastOffset: h.lastOffset, attributes: h.attributes, baseTimestamp: h.baseTimestamp, records });
    }
    offset = r.nextOffset;
  }
  return out;
}

export function records(log: PartitionLog): ReadRecord[] {
  return readBack(log).flatMap((b) => b.records);
}

/** key -> latest value by offset, over records (the answer compaction must keep). */
export function latestByKey(recs: ReadRecord[]): Map<string, { offset: number; value: string | null }> {
  const m = new Map<string, { offset: number; value: string | null }>();
  for (const r of recs) if (r.key !== null) m.set(r.key, { offset: r.offset, value: r.value });
  return m;
}

export const isDataBatch = (b: ReadBatch) => (b.attributes & (CONTROL | TRANSACTIONAL)) === 0;
