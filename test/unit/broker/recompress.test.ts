// Broker-side recompression (compression.type other than producer): batches built by kafkajs
// (code we did not write), validated as Produce validates them, then re-encoded.

import { describe, expect, test } from 'bun:test';
import { recompressForTopic } from '../../../src/broker/recompress.ts';
import { decompress } from '../../../src/compression/index.ts';
import type { CompressionType } from '../../../src/config/properties.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { BatchHeader, BATCH_HEADER_BYTES, Compression } from '../../../src/protocol/records/batch.ts';
import { validateRecords } from '../../../src/protocol/records/validate.ts';
import { decodeRecords } from '../../../src/protocol/records/records.ts';
import { kafkajsBatch } from '../records/helpers.ts';

const NOW = 1_700_000_000_500;
const CONFIG = { maxMessageBytes: 1 << 20, timestampType: 'CreateTime' as const };

async function producedBatch(compression: number) {
  const records = Array.from({ length: 50 }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(`value-${i}-${'x'.repeat(i)}`),
    headers: { h: `hv${i}` },
    timestamp: 1_700_000_000_000 + i,
  }));
  const bytes = await kafkajsBatch({ compression, records, producerId: 7, firstSequence: 40 });
  const v = validateRecords(bytes, CONFIG, NOW, decompress, { produceVersion: 9 });
  if (!v.ok) throw new Error(String(v.error.message));
  return { bytes, batches: v.batches };
}

function payloadRecords(bytes: Uint8Array) {
  const h = new BatchHeader(bytes, 0);
  const raw = decompress(h.compression, bytes.subarray(BATCH_HEADER_BYTES, h.sizeBytes), 1 << 24);
  return decodeRecords(raw, 0, raw.length, h.recordCount);
}

describe('recompressForTopic', () => {
  const targets: Array<[CompressionType, Compression]> = [
    ['zstd', Compression.Zstd],
    ['lz4', Compression.Lz4],
    ['snappy', Compression.Snappy],
    ['gzip', Compression.Gzip],
  ];
  for (const [type, id] of targets) {
    test(`uncompressed -> ${type}: codec bits, CRC, header fields and every record kept`, async () => {
      const { bytes, batches } = await producedBatch(0);
      const r = recompressForTopic(bytes, batches, type, CONFIG.maxMessageBytes);
      if (!r.ok) throw new Error(r.message);
      expect(r.recompressed).toBe(1);
      const before = new BatchHeader(bytes, 0);
      const after = new BatchHeader(r.bytes, 0);
      expect(after.compression).toBe(id);
      for (const f of ['lastOffsetDelta', 'baseTimestamp', 'maxTimestamp', 'producerId', 'producerEpoch', 'baseSequence', 'recordCount'] as const) {
        expect(after[f]).toBe(before[f]);
      }
      // The stored batch is one Produce would accept again: CRC and records check out.
      const again = validateRecords(r.bytes.slice(), CONFIG, NOW, decompress);
      expect(again.ok).toBe(true);
      expect(payloadRecords(r.bytes)).toEqual(payloadRecords(bytes));
    });
  }

  test('gzip -> uncompressed stores the raw records', async () => {
    const { bytes, batches } = await producedBatch(1);
    const r = recompressForTopic(bytes, batches, 'uncompressed', CONFIG.maxMessageBytes);
    if (!r.ok) throw new Error(r.message);
    expect(new BatchHeader(r.bytes, 0).compression).toBe(Compression.None);
    expect(payloadRecords(r.bytes)).toEqual(payloadRecords(bytes));
  });

  test('producer, or a batch already in the codec, is stored as sent (same bytes, no copy)', async () => {
    const { bytes, batches } = await producedBatch(1);
    for (const type of ['producer', 'gzip'] as const) {
      const r = recompressForTopic(bytes, batches, type, CONFIG.maxMessageBytes);
      expect(r).toEqual({ ok: true, bytes, recompressed: 0 });
      if (r.ok) expect(r.bytes).toBe(bytes);
    }
  });

  test('a batch that grows past max.message.bytes is MESSAGE_TOO_LARGE', async () => {
    const { bytes, batches } = await producedBatch(1);
    const r = recompressForTopic(bytes, batches, 'uncompressed', bytes.length + 10);
    expect(r).toMatchObject({ ok: false, code: ErrorCode.MESSAGE_TOO_LARGE });
  });
});
