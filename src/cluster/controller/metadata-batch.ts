// Metadata records in record batches: the entries of the controller group's log, a PartitionLog
// of `__cluster_metadata` partition 0 whose offsets are Raft indexes (DESIGN.md section 5).
//
// One controller operation is one batch, hence one Raft entry: Raft commits an entry whole or
// not at all, so a topic is never half created after a leader change (KRaft makes a user
// operation's records one atomic batch for the same reason). A batch holds uncompressed v2
// records with null keys and a record-codec.ts value each, as KRaft writes them; the Raft shell
// sets the base offset and the term (partitionLeaderEpoch) when it appends the batch.
//
// Control batches (Raft's LeaderChange and Voters entries, src/raft/control-batch.ts) are in
// the same log; decodeMetadataBatch answers null for them, since they change no metadata.

import { assert } from '../../base/assert.ts';
import { DecodeError } from '../../protocol/primitives.ts';
import { ATTRIBUTES, BATCH_HEADER_BYTES, BatchHeader, Compression, CURRENT_MAGIC } from '../../protocol/records/batch.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';
import { buildBatch, decodeRecords } from '../../protocol/records/records.ts';
import { decodeRecord, encodeRecord } from './record-codec.ts';
import type { MetadataRecord } from './records.ts';

/** The topic whose partition 0 is the controller group's log (KRaft's name). */
export const METADATA_TOPIC = '__cluster_metadata';

/**
 * Records in one batch at most: a topic of PARTITIONS_PER_TOPIC_MAX partitions with its topic
 * and config records fits twice; with three replicas such a batch is about 1 MiB, one Raft
 * append (raft/core appendBytesMax). KRaft's MAX_RECORDS_PER_BATCH is 10,000.
 */
export const RECORDS_PER_BATCH_MAX = 20_000;

export interface MetadataBatch {
  readonly baseOffset: number;
  /** The Raft term the batch was written in (its partitionLeaderEpoch). */
  readonly term: number;
  readonly records: MetadataRecord[];
}

/**
 * One batch of `records` (1 to RECORDS_PER_BATCH_MAX), at offset 0 and term -1 until the Raft
 * shell places it. `timestampMs` is the proposing leader's clock, carried in the batch header
 * only: nothing the image holds depends on it, so replaying the log needs no clock.
 */
export function encodeMetadataBatch(records: readonly MetadataRecord[], timestampMs: number): Uint8Array {
  assert(records.length >= 1 && records.length <= RECORDS_PER_BATCH_MAX, `a metadata batch of ${records.length} records`);
  return buildBatch({
    baseOffset: 0,
    partitionLeaderEpoch: -1,
    baseTimestamp: timestampMs,
    maxTimestamp: timestampMs,
    records: records.map((r) => ({ key: null, value: encodeRecord(r) })),
  });
}

/** A snapshot's records (or any long list) cut into batches of at most RECORDS_PER_BATCH_MAX. */
export function encodeMetadataBatches(records: readonly MetadataRecord[], timestampMs: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < records.length; i += RECORDS_PER_BATCH_MAX) {
    out.push(encodeMetadataBatch(records.slice(i, i + RECORDS_PER_BATCH_MAX), timestampMs));
  }
  return out;
}

/**
 * The records of the whole batch at `pos` of `buf`, or null for a control batch (Raft's own).
 * Every length, the CRC, the offsets and each record are checked; anything wrong throws
 * DecodeError and nothing else.
 */
export function decodeMetadataBatch(buf: Uint8Array, pos = 0): MetadataBatch | null {
  if (buf.length - pos < BATCH_HEADER_BYTES) throw new DecodeError(`${buf.length - pos} bytes, less than a batch header`);
  const h = new BatchHeader(buf, pos);
  if (h.magic !== CURRENT_MAGIC) throw new DecodeError(`batch magic ${h.magic}`);
  const end = pos + h.sizeBytes;
  if (h.sizeBytes < BATCH_HEADER_BYTES || end > buf.length) throw new DecodeError(`batch of ${h.sizeBytes} bytes in ${buf.length - pos}`);
  if (crc32c(buf, pos + ATTRIBUTES, end) !== h.crc) throw new DecodeError('batch CRC mismatch');
  if (h.isControl) return null;
  if (h.compression !== Compression.None) throw new DecodeError(`a metadata batch compressed with codec ${h.compression}`);
  const count = h.recordCount;
  if (count < 1 || count > RECORDS_PER_BATCH_MAX) throw new DecodeError(`a metadata batch of ${count} records`);
  if (h.lastOffsetDelta !== count - 1) throw new DecodeError(`lastOffsetDelta ${h.lastOffsetDelta} for ${count} records`);
  const raw = decodeRecords(buf, pos + BATCH_HEADER_BYTES, end, count);
  const records = raw.map((r, i) => {
    if (r.offsetDelta !== i) throw new DecodeError(`record ${i} has offset delta ${r.offsetDelta}`);
    if (r.key !== null || r.value === null || r.headers.length > 0) throw new DecodeError(`record ${i} is not a metadata record (key, value, headers)`);
    return decodeRecord(r.value);
  });
  return { baseOffset: h.baseOffset, term: h.partitionLeaderEpoch, records };
}
