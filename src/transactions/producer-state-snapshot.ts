// Producer-state snapshot bytes: a small versioned format with a CRC32C, like Kafka's
// `<offset>.snapshot` (ProducerStateManager.writeSnapshot), but keeping all 5 cached batches per
// producer (Kafka keeps only the newest, so after a restart it recognises fewer duplicates).
//
//   version: int16 (1)          @0
//   crc: uint32                 @2   CRC32C of every byte after this field
//   endOffset: int64            @6   the snapshot covers batches below this offset
//   producerCount: int32        @14
//   producers, sorted by id     @18
//     producerId: int64
//     producerEpoch: int16
//     lastTimestamp: int64
//     batchCount: int8          0..5, oldest first
//     batches
//       lastSeq: int32
//       lastOffset: int64
//       offsetDelta: int32
//       maxTimestamp: int64
//
// Decoding never throws on bad bytes: every count is checked against the bytes remaining
// before anything is allocated, and every field against its range.

import { readInt64, writeInt64 } from '../protocol/primitives.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { BATCHES_RETAINED_MAX, ProducerEntry, type BatchMetadata } from './producer-entry.ts';

export const SNAPSHOT_VERSION = 1;
const HEADER_BYTES = 18;
const CRC_START = 6;
const PRODUCER_FIXED_BYTES = 8 + 2 + 8 + 1;
const BATCH_BYTES = 4 + 8 + 4 + 8;

export interface SnapshotError {
  readonly kind: 'corrupt_snapshot';
  readonly reason: string;
}

export type SnapshotDecode =
  | { readonly ok: true; readonly endOffset: number; readonly entries: ProducerEntry[] }
  | { readonly ok: false; readonly error: SnapshotError };

export function encodeSnapshot(endOffset: number, producers: Iterable<ProducerEntry>): Uint8Array {
  const sorted = [...producers].sort((a, b) => a.producerId - b.producerId);
  let size = HEADER_BYTES;
  for (const p of sorted) size += PRODUCER_FIXED_BYTES + p.batchMetadata.length * BATCH_BYTES;
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setInt16(0, SNAPSHOT_VERSION);
  writeInt64(view, 6, endOffset);
  view.setInt32(14, sorted.length);
  let pos = HEADER_BYTES;
  for (const p of sorted) {
    writeInt64(view, pos, p.producerId);
    view.setInt16(pos + 8, p.producerEpoch);
    writeInt64(view, pos + 10, p.lastTimestamp);
    view.setInt8(pos + 18, p.batchMetadata.length);
    pos += PRODUCER_FIXED_BYTES;
    for (const b of p.batchMetadata) {
      view.setInt32(pos, b.lastSeq);
      writeInt64(view, pos + 4, b.lastOffset);
      view.setInt32(pos + 12, b.offsetDelta);
      writeInt64(view, pos + 16, b.maxTimestamp);
      pos += BATCH_BYTES;
    }
  }
  view.setUint32(2, crc32c(buf, CRC_START, size));
  return buf;
}

export function decodeSnapshot(buf: Uint8Array): SnapshotDecode {
  if (buf.length < HEADER_BYTES) return corrupt(`${buf.length} bytes is shorter than the header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const version = view.getInt16(0);
  if (version !== SNAPSHOT_VERSION) return corrupt(`unknown version ${version}`);
  const storedCrc = view.getUint32(2);
  const computedCrc = crc32c(buf, CRC_START, buf.length);
  if (storedCrc !== computedCrc) return corrupt(`crc ${storedCrc} != computed ${computedCrc}`);
  const endOffset = readInt64(view, 6);
  if (endOffset < 0) return corrupt(`negative end offset ${endOffset}`);
  const count = view.getInt32(14);
  if (count < 0 || count > (buf.length - HEADER_BYTES) / PRODUCER_FIXED_BYTES) {
    return corrupt(`producer count ${count} does not fit in ${buf.length} bytes`);
  }
  const entries: ProducerEntry[] = [];
  let pos = HEADER_BYTES;
  let prevId = -1;
  for (let i = 0; i < count; i++) {
    if (pos + PRODUCER_FIXED_BYTES > buf.length) return corrupt(`producer ${i} is truncated`);
    const lastTimestamp = readInt64(view, pos + 10);
    const entry = new ProducerEntry(readInt64(view, pos), view.getInt16(pos + 8), lastTimestamp);
    const batchCount = view.getInt8(pos + 18);
    pos += PRODUCER_FIXED_BYTES;
    if (entry.producerId <= prevId) return corrupt(`producer id ${entry.producerId} out of order`);
    prevId = entry.producerId;
    if (batchCount < 0 || batchCount > BATCHES_RETAINED_MAX) return corrupt(`batch count ${batchCount}`);
    if (pos + batchCount * BATCH_BYTES > buf.length) return corrupt(`batches of producer ${i} are truncated`);
    for (let j = 0; j < batchCount; j++) {
      const b = readBatch(view, pos);
      pos += BATCH_BYTES;
      const bad = checkBatch(b, entry, endOffset);
      if (bad !== null) return corrupt(`producer ${entry.producerId}: ${bad}`);
      entry.addBatch(entry.producerEpoch, b);
    }
    // addBatch set lastTimestamp from the newest batch; the stored value wins (a marker may be newer).
    entry.lastTimestamp = lastTimestamp;
    entries.push(entry);
  }
  if (pos !== buf.length) return corrupt(`${buf.length - pos} trailing bytes`);
  return { ok: true, endOffset, entries };
}

function readBatch(view: DataView, pos: number): BatchMetadata {
  return {
    lastSeq: view.getInt32(pos),
    lastOffset: readInt64(view, pos + 4),
    offsetDelta: view.getInt32(pos + 12),
    maxTimestamp: readInt64(view, pos + 16),
  };
}

/** Range checks so that a decoded entry satisfies the invariants a live one does. */
function checkBatch(b: BatchMetadata, entry: ProducerEntry, endOffset: number): string | null {
  if (b.lastSeq < 0) return `negative sequence ${b.lastSeq}`;
  if (b.offsetDelta < 0) return `negative offset delta ${b.offsetDelta}`;
  if (b.lastOffset - b.offsetDelta < 0 || b.lastOffset >= endOffset) {
    return `batch offset ${b.lastOffset} outside [0, ${endOffset})`;
  }
  if (b.lastOffset <= entry.lastDataOffset) return `batch offset ${b.lastOffset} out of order`;
  return null;
}

function corrupt(reason: string): { ok: false; error: SnapshotError } {
  return { ok: false, error: { kind: 'corrupt_snapshot', reason } };
}
