import { describe, expect, test } from 'bun:test';
import { compress, decompress } from '../../../src/compression/index.ts';
import { DecodeError } from '../../../src/protocol/primitives.ts';
import { BatchHeader, Compression } from '../../../src/protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../../src/protocol/records/records.ts';
import { kafkajsBatch } from './helpers.ts';

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

describe('buildBatch + decodeRecords', () => {
  for (const c of [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    test(`round trip, compression ${c}`, () => {
      const b = buildBatch(
        {
          baseOffset: 100,
          partitionLeaderEpoch: 7,
          producerId: 5,
          producerEpoch: 2,
          baseSequence: 9,
          compression: c,
          transactional: true,
          records: [
            { key: 'k0', value: 'v0', timestamp: 1000, headers: [{ key: 'h', value: 'hv' }, { key: 'n', value: null }] },
            { key: null, value: null, timestamp: 990 },
            { key: new Uint8Array([1, 2]), value: 'x'.repeat(300), timestamp: 1010 },
          ],
        },
        compress,
      );
      const h = new BatchHeader(b);
      expect(h.sizeBytes).toBe(b.length);
      expect(h).toMatchObject({ baseOffset: 100, partitionLeaderEpoch: 7, magic: 2, compression: c, isTransactional: true });
      expect([h.baseTimestamp, h.maxTimestamp, h.lastOffsetDelta, h.recordCount]).toEqual([990, 1010, 2, 3]);
      const { start, end } = batchRecordsRange(b);
      const section = c === Compression.None ? b.subarray(start, end) : decompress(c, b.subarray(start, end), 1 << 20);
      const recs = decodeRecords(section, 0, section.length, h.recordCount);
      expect(recs.map((r) => [r.offsetDelta, r.timestampDelta + h.baseTimestamp, text(r.key), text(r.value)])).toEqual([
        [0, 1000, 'k0', 'v0'],
        [1, 990, null, null],
        [2, 1010, '\u0001\u0002', 'x'.repeat(300)],
      ]);
      expect(recs[0].headers.map((x) => [x.key, text(x.value)])).toEqual([
        ['h', 'hv'],
        ['n', null],
      ]);
    });
  }

  test('same bytes as kafkajs for the same records (uncompressed)', async () => {
    const ours = buildBatch({
      baseTimestamp: 1_700_000_000_000,
      producerId: -1,
      producerEpoch: 0,
      baseSequence: 0,
      partitionLeaderEpoch: 0,
      records: [
        { key: 'k', value: 'v', timestamp: 1_700_000_000_001, headers: [{ key: 'a', value: 'b' }] },
        { key: null, value: 'w', timestamp: 1_700_000_000_009 },
      ],
    });
    const theirs = await kafkajsBatch({
      firstTimestamp: 1_700_000_000_000,
      records: [
        { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1_700_000_000_001, headers: { a: 'b' } },
        { value: Buffer.from('w'), timestamp: 1_700_000_000_009 },
      ],
    });
    expect(ours).toEqual(theirs);
  });

  test('decodeRecords refuses bad counts and trailing bytes', () => {
    const b = buildBatch({ records: [{ value: 'a' }, { value: 'b' }] });
    const { start, end } = batchRecordsRange(b);
    expect(() => decodeRecords(b, start, end, 1)).toThrow(DecodeError);
    expect(() => decodeRecords(b, start, end, 3)).toThrow(DecodeError);
    expect(() => decodeRecords(b, start, end, 1e9)).toThrow(DecodeError);
    expect(decodeRecords(b, start, end, 2)).toHaveLength(2);
  });

  test('a header count larger than the record is refused before allocating', () => {
    const b = buildBatch({ records: [{ value: 'a' }] });
    const { start, end } = batchRecordsRange(b);
    const x = b.slice();
    x[end - 1] = 0x7e; // headers count varint (last byte of the only record) = 63
    expect(() => decodeRecords(x, start, end, 1)).toThrow(DecodeError);
  });
});
