// Broker-side recompression: a topic whose compression.type names a codec stores every batch
// with that codec, as Kafka's LogValidator does when the target codec differs from the
// producer's (validateMessagesAndAssignOffsetsCompressed). Called once, from produce-append.ts,
// on batches validateRecords has already accepted, before they are appended.
//
// What changes and what is kept (Kafka's rules):
// - the payload: decompressed (bounded by DEFAULT_MAX_DECOMPRESSED_BYTES, the same rule as
//   validation) and re-encoded with the topic's codec; `uncompressed` stores the raw records;
// - the attributes' codec bits; batchLength; the CRC, recomputed over the new bytes;
// - kept: every record byte (offset deltas, timestamp deltas, keys, values, headers), so offsets
//   and record count are unchanged; baseTimestamp, maxTimestamp and the timestamp type (already
//   set by validation); producer id, epoch and base sequence and the transactional bit, so
//   idempotent producers' sequence checks see the batch as sent. Kafka rebuilds one new batch
//   from the records; with Produce v3+ carrying one batch per partition that is the same layout.
// - a batch that grows past max.message.bytes is MESSAGE_TOO_LARGE, as Kafka re-checks sizes
//   after recompression (UnifiedLog.append, "messageSizeMaybeChanged").
// Cost: the payload is decompressed twice (validation walks it, then this re-encodes it) and
// compressed once; bench/ measures it (`--only recompress`).

import { compress as defaultCompress, decompress as defaultDecompress } from '../compression/index.ts';
import type { CompressionType } from '../config/properties.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ATTRIBUTES, BATCH_HEADER_BYTES, BATCH_LENGTH, BATCH_LENGTH_PREFIX_BYTES, COMPRESSION_MASK, CRC, Compression } from '../protocol/records/batch.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, type ValidatedBatch } from '../protocol/records/validate.ts';
import { concatBytes } from '../base/bytes.ts';

/** Kafka's compression.type names and the batch codec ids they store; `producer` keeps any. */
export const CODEC_OF_COMPRESSION_TYPE: Readonly<Record<CompressionType, Compression | null>> = {
  producer: null,
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

export interface Codecs {
  compress(type: Compression, bytes: Uint8Array): Uint8Array;
  decompress(type: Compression, bytes: Uint8Array, maxOutputBytes: number): Uint8Array;
}

const DEFAULT_CODECS: Codecs = { compress: defaultCompress, decompress: defaultDecompress };

export type RecompressResult = { ok: true; bytes: Uint8Array; recompressed: number } | { ok: false; code: number; message: string };

/** The bytes to store: `records` itself when every batch already has the topic's codec. */
export function recompressForTopic(
  records: Uint8Array,
  batches: readonly ValidatedBatch[],
  compressionType: CompressionType,
  maxMessageBytes: number,
  codecs: Codecs = DEFAULT_CODECS,
): RecompressResult {
  const target = CODEC_OF_COMPRESSION_TYPE[compressionType];
  if (target === null || batches.every((b) => b.compression === target)) return { ok: true, bytes: records, recompressed: 0 };
  const parts: Uint8Array[] = [];
  let recompressed = 0;
  for (const b of batches) {
    const batch = records.subarray(b.pos, b.pos + b.sizeBytes);
    if (b.compression === target) {
      parts.push(batch);
      continue;
    }
    const r = reencode(batch, b.compression, target, codecs);
    if (!r.ok) return r;
    if (r.bytes.length > maxMessageBytes) {
      return {
        ok: false,
        code: ErrorCode.MESSAGE_TOO_LARGE,
        message: `Message batch size is ${r.bytes.length} bytes in append to partition which exceeds the maximum configured size of ${maxMessageBytes}.`,
      };
    }
    parts.push(r.bytes);
    recompressed++;
  }
  return { ok: true, bytes: concatBytes(parts), recompressed };
}

/** One batch with its payload in `to`; header fields other than length, codec and CRC kept. */
function reencode(batch: Uint8Array, from: Compression, to: Compression, codecs: Codecs): { ok: true; bytes: Uint8Array } | { ok: false; code: number; message: string } {
  const payload = batch.subarray(BATCH_HEADER_BYTES);
  let records: Uint8Array;
  try {
    records = from === Compression.None ? payload : codecs.decompress(from, payload, DEFAULT_MAX_DECOMPRESSED_BYTES);
  } catch (e) {
    // Validation decompressed the same bytes under the same bound, so this is not expected.
    return { ok: false, code: ErrorCode.CORRUPT_MESSAGE, message: `cannot decompress batch: ${e instanceof Error ? e.message : String(e)}` };
  }
  const encoded = to === Compression.None ? records : codecs.compress(to, records);
  const out = new Uint8Array(BATCH_HEADER_BYTES + encoded.length);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES), 0);
  out.set(encoded, BATCH_HEADER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(BATCH_LENGTH, out.length - BATCH_LENGTH_PREFIX_BYTES);
  view.setInt16(ATTRIBUTES, (view.getInt16(ATTRIBUTES) & ~COMPRESSION_MASK) | to);
  view.setUint32(CRC, crc32c(out, ATTRIBUTES, out.length));
  return { ok: true, bytes: out };
}

