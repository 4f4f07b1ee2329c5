import { describe, expect, test } from 'bun:test';
import { compress, decompress } from '../../../src/compression/index.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  BatchHeader,
  CRC,
  Compression,
  LAST_OFFSET_DELTA,
  MAGIC,
  RECORD_COUNT,
  TIMESTAMP_TYPE_LOG_APPEND,
} from '../../../src/protocol/records/batch.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { type BatchInput, buildBatch, writeBatchCrc } from '../../../src/protocol/records/records.ts';
import { type RecordsValidationConfig, type ValidationResult, validateRecords } from '../../../src/protocol/records/validate.ts';
import { RECORD_ERRORS_MAX } from '../../../src/protocol/records/record-errors.ts';
import { kafkajsBatch } from './helpers.ts';

const NOW = 1_700_000_100_000;
const T0 = 1_700_000_000_000;
const CONFIG: RecordsValidationConfig = { maxMessageBytes: 1 << 20, timestampType: 'CreateTime' };

function batch(over: Partial<BatchInput> = {}): Uint8Array {
  return buildBatch(
    {
      producerId: 42,
      producerEpoch: 1,
      baseSequence: 0,
      records: [
        { key: 'a', value: 'one', timestamp: T0 },
        { key: 'b', value: 'two', timestamp: T0 + 5, headers: [{ key: 'h', value: 'x' }] },
        { key: null, value: null, timestamp: T0 + 2 },
      ],
      ...over,
    },
    compress,
  );
}

function validate(bytes: Uint8Array, config: Partial<RecordsValidationConfig> = {}, produceVersion?: number): ValidationResult {
  return validateRecords(bytes, { ...CONFIG, ...config }, NOW, decompress, produceVersion === undefined ? {} : { produceVersion });
}

function expectError(r: ValidationResult, code: number): void {
  if (r.ok) throw new Error(`expected error ${code}, got ok`);
  expect(r.error.code).toBe(code);
  expect(r.error.message).toBeTruthy();
}

function crcOk(b: Uint8Array, pos = 0): boolean {
  const h = new BatchHeader(b, pos);
  return crc32c(b, pos + ATTRIBUTES, pos + h.sizeBytes) === h.crc;
}

/** Patches a field covered by the CRC and fixes the CRC, to reach checks after it. */
function patch(b: Uint8Array, f: (v: DataView) => void): Uint8Array {
  const out = b.slice();
  f(new DataView(out.buffer));
  writeBatchCrc(out, 0);
  return out;
}

describe('valid batches', () => {
  for (const c of [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    test(`compression ${c}: header info reported, bytes unchanged`, () => {
      const b = batch({ compression: c });
      const before = b.slice();
      const r = validate(b);
      if (!r.ok) throw new Error(r.error.message ?? '');
      expect(r.batches).toHaveLength(1);
      const info = r.batches[0];
      expect(info).toMatchObject({
        pos: 0,
        sizeBytes: b.length,
        recordCount: 3,
        lastOffsetDelta: 2,
        baseTimestamp: T0,
        maxTimestamp: T0 + 5,
        producerId: 42,
        producerEpoch: 1,
        baseSequence: 0,
        isTransactional: false,
        isControl: false,
        compression: c,
      });
      expect(b).toEqual(before);
    });
  }

  test('several batches back to back (no produce version: replication/internal use)', () => {
    const a = batch();
    const b = batch({ compression: Compression.Lz4, baseSequence: 3 });
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const r = validate(both);
    expect(r.ok && r.batches.map((x) => x.pos)).toEqual([0, a.length]);
    expectError(validate(both, {}, 9), ErrorCode.INVALID_RECORD);
  });

  test('batches encoded by kafkajs validate (none and gzip)', async () => {
    for (const compression of [0, 1]) {
      const b = await kafkajsBatch({
        compression,
        firstTimestamp: T0,
        records: [
          { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T0 + 1, headers: { a: 'b' } },
          { value: Buffer.from('w'), timestamp: T0 + 9 },
        ],
      });
      const r = validate(b, {}, 9);
      expect(r.ok && r.batches[0].maxTimestamp).toBe(T0 + 9);
    }
  });

  test('CreateTime: a wrong maxTimestamp from the producer is corrected, CRC still valid', () => {
    const b = batch({ maxTimestamp: T0 + 1000 });
    const r = validate(b);
    expect(r.ok && r.batches[0].maxTimestamp).toBe(T0 + 5);
    expect(new BatchHeader(b).maxTimestamp).toBe(T0 + 5);
    expect(crcOk(b)).toBe(true);
  });
});

describe('LogAppendTime', () => {
  for (const c of [Compression.None, Compression.Zstd]) {
    test(`compression ${c}: maxTimestamp = now, type bit set, baseTimestamp kept, CRC valid`, () => {
      const b = batch({ compression: c });
      const r = validate(b, { timestampType: 'LogAppendTime' });
      expect(r.ok && r.batches[0].maxTimestamp).toBe(NOW);
      const h = new BatchHeader(b);
      expect(h.maxTimestamp).toBe(NOW);
      expect(h.baseTimestamp).toBe(T0);
      expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).toBe(TIMESTAMP_TYPE_LOG_APPEND);
      expect(h.compression).toBe(c);
      expect(crcOk(b)).toBe(true);
      // Validating again is a no-op (idempotent) and still passes.
      expect(validate(b, { timestampType: 'LogAppendTime' }).ok).toBe(true);
    });
  }
  test('old timestamps are not refused under LogAppendTime', () => {
    const b = batch();
    expect(validate(b, { timestampType: 'LogAppendTime', messageTimestampBeforeMaxMs: 1 }).ok).toBe(true);
  });
});

describe('refusals', () => {
  test('magic 0/1 (formats removed in Kafka 4) -> INVALID_RECORD', () => {
    for (const magic of [0, 1]) {
      const b = batch();
      b[MAGIC] = magic;
      expectError(validate(b, {}, 9), ErrorCode.INVALID_RECORD);
    }
  });
  test('empty records -> INVALID_RECORD', () => {
    expectError(validate(new Uint8Array(0), {}, 9), ErrorCode.INVALID_RECORD);
  });
  test('batchLength inconsistent with the bytes -> CORRUPT_MESSAGE', () => {
    const b = batch();
    const long = b.slice();
    new DataView(long.buffer).setInt32(BATCH_LENGTH, b.length);
    expectError(validate(long), ErrorCode.CORRUPT_MESSAGE);
    const tiny = b.slice();
    new DataView(tiny.buffer).setInt32(BATCH_LENGTH, 10);
    expectError(validate(tiny), ErrorCode.CORRUPT_MESSAGE);
    expectError(validate(b.subarray(0, 12)), ErrorCode.CORRUPT_MESSAGE);
    expectError(validate(b.subarray(0, b.length - 1)), ErrorCode.CORRUPT_MESSAGE);
    const trailing = new Uint8Array(b.length + 5);
    trailing.set(b);
    expectError(validate(trailing), ErrorCode.CORRUPT_MESSAGE);
  });
  test('CRC mismatch -> CORRUPT_MESSAGE', () => {
    const b = batch();
    b[b.length - 1] ^= 0x10;
    expectError(validate(b), ErrorCode.CORRUPT_MESSAGE);
    const c = batch();
    c[CRC] ^= 1;
    expectError(validate(c), ErrorCode.CORRUPT_MESSAGE);
  });
  test('batch larger than max.message.bytes -> MESSAGE_TOO_LARGE', () => {
    const b = batch();
    expectError(validate(b, { maxMessageBytes: b.length - 1 }), ErrorCode.MESSAGE_TOO_LARGE);
    expect(validate(b, { maxMessageBytes: b.length }).ok).toBe(true);
  });
  test('compressed batch inflating past the decompressed limit -> MESSAGE_TOO_LARGE', () => {
    const b = batch({ compression: Compression.Zstd, records: [{ key: 'k', value: new Uint8Array(1 << 20) }] });
    expect(b.length).toBeLessThan(1000);
    expectError(validate(b, { maxDecompressedBytes: 64 * 1024 }), ErrorCode.MESSAGE_TOO_LARGE);
  });
  test('undecodable compressed payload -> CORRUPT_MESSAGE', () => {
    const b = batch({ compression: Compression.Gzip });
    b[b.length - 6] ^= 0xff; // inside the gzip CRC32 trailer
    writeBatchCrc(b, 0);
    expectError(validate(b), ErrorCode.CORRUPT_MESSAGE);
  });
  test('unknown compression id -> UNSUPPORTED_COMPRESSION_TYPE; zstd before Produce v7 too', () => {
    const b = patch(batch(), (v) => v.setInt16(ATTRIBUTES, 5));
    expectError(validate(b), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const z = batch({ compression: Compression.Zstd });
    expectError(validate(z, {}, 6), ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    expect(validate(z, {}, 7).ok).toBe(true);
  });
  test('control batch from a client -> INVALID_RECORD', () => {
    expectError(validate(batch({ control: true })), ErrorCode.INVALID_RECORD);
  });
  test('producer id without a sequence, transactional without producer id -> INVALID_RECORD', () => {
    expectError(validate(batch({ baseSequence: -1 })), ErrorCode.INVALID_RECORD);
    expectError(validate(batch({ producerId: -1, transactional: true })), ErrorCode.INVALID_RECORD);
    const r = validate(batch({ transactional: true }));
    expect(r.ok && r.batches[0].isTransactional).toBe(true);
    expect(validate(batch({ producerId: -1, baseSequence: -1, producerEpoch: -1 })).ok).toBe(true);
  });
  test('recordCount / lastOffsetDelta inconsistent -> INVALID_RECORD', () => {
    expectError(validate(patch(batch(), (v) => v.setInt32(RECORD_COUNT, 4))), ErrorCode.INVALID_RECORD);
    expectError(validate(patch(batch(), (v) => v.setInt32(RECORD_COUNT, 0))), ErrorCode.INVALID_RECORD);
    expectError(validate(patch(batch(), (v) => v.setInt32(LAST_OFFSET_DELTA, 3))), ErrorCode.INVALID_RECORD);
    // Both agree but the records section holds 3 records: trailing / missing records.
    const more = patch(batch(), (v) => {
      v.setInt32(RECORD_COUNT, 2);
      v.setInt32(LAST_OFFSET_DELTA, 1);
    });
    expectError(validate(more), ErrorCode.INVALID_RECORD);
    const fewer = patch(batch(), (v) => {
      v.setInt32(RECORD_COUNT, 4);
      v.setInt32(LAST_OFFSET_DELTA, 3);
    });
    expectError(validate(fewer), ErrorCode.INVALID_RECORD);
  });
  for (const c of [Compression.None, Compression.Snappy]) {
    test(`compression ${c}: inner offsetDeltas not consecutive from 0 -> INVALID_RECORD`, () => {
      const b = batch({
        compression: c,
        lastOffsetDelta: 1,
        records: [
          { value: 'a', offsetDelta: 0 },
          { value: 'b', offsetDelta: 2 },
        ],
      });
      expectError(validate(b), ErrorCode.INVALID_RECORD);
    });
    test(`compression ${c}: compressed records count differs from recordCount -> INVALID_RECORD`, () => {
      const b = batch({ compression: c });
      const r = patch(b, (v) => {
        v.setInt32(RECORD_COUNT, 2);
        v.setInt32(LAST_OFFSET_DELTA, 1);
      });
      expectError(validate(r), ErrorCode.INVALID_RECORD);
    });
  }
  test('malformed record lengths -> INVALID_RECORD', () => {
    const b = batch({ records: [{ key: 'k', value: 'value' }] });
    // Record starts at 61: [len][attr][tsDelta][offsetDelta][keyLen]...; break the key length.
    const keyLenAt = 61 + 1 + 1 + 1 + 1;
    // 63 runs past the record; -1 (null) leaves the record's declared length unused; -2 is invalid.
    for (const bad of [0x7e, 0x01, 0x03]) {
      const x = b.slice();
      x[keyLenAt] = bad;
      writeBatchCrc(x, 0);
      expectError(validate(x), ErrorCode.INVALID_RECORD);
    }
    const len = b.slice();
    len[61] = 0x7e; // record length 63 > bytes left
    writeBatchCrc(len, 0);
    expectError(validate(len), ErrorCode.INVALID_RECORD);
  });
  test('compacted topic: record without key -> INVALID_RECORD', () => {
    expectError(validate(batch(), { compacted: true }), ErrorCode.INVALID_RECORD);
    expect(validate(batch({ records: [{ key: 'k', value: null }] }), { compacted: true }).ok).toBe(true);
  });
  test('CreateTime outside message.timestamp.before/after.max.ms -> INVALID_TIMESTAMP', () => {
    expectError(validate(batch(), { messageTimestampBeforeMaxMs: 1000 }), ErrorCode.INVALID_TIMESTAMP);
    expect(validate(batch(), { messageTimestampBeforeMaxMs: 100_000 }).ok).toBe(true);
    const future = batch({ records: [{ value: 'x', timestamp: NOW + 10_000 }] });
    expectError(validate(future, { messageTimestampAfterMaxMs: 5000 }), ErrorCode.INVALID_TIMESTAMP);
    expect(validate(future, { messageTimestampAfterMaxMs: 10_000 }).ok).toBe(true);
  });
  test('KIP-467: every keyless record of a compacted batch is named by index, as LogValidator words it', () => {
    const records = [
      { key: 'a', value: '0', timestamp: T0 },
      { key: null, value: '1', timestamp: T0 },
      { key: 'c', value: '2', timestamp: T0 },
      { key: null, value: '3', timestamp: T0 },
    ];
    for (const compression of [Compression.None, Compression.Zstd]) {
      const r = validateRecords(batch({ records, compression }), { ...CONFIG, compacted: true }, NOW, decompress, { produceVersion: 9, topicPartition: 'logs-2' });
      if (r.ok) throw new Error('expected a rejection');
      const message = 'Compacted topic cannot accept message without key in topic partition logs-2';
      expect(r.error.code).toBe(ErrorCode.INVALID_RECORD);
      expect(r.recordErrors).toEqual([
        { batchIndex: 1, message },
        { batchIndex: 3, message },
      ]);
      expect(r.error.message).toBe(
        `One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='${message}'), RecordError(batchIndex=3, message='${message}')]`,
      );
    }
  });
  test('KIP-467: timestamps out of range are per-record INVALID_TIMESTAMP; a missing key wins for the same record', () => {
    const records = [
      { key: 'a', value: '0', timestamp: NOW - 60_000 },
      { key: 'b', value: '1', timestamp: NOW },
      { key: null, value: '2', timestamp: NOW - 60_000 },
    ];
    const r = validate(batch({ records }), { compacted: true, messageTimestampBeforeMaxMs: 1000 });
    if (r.ok) throw new Error('expected a rejection');
    expect(r.error.code).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(r.error.message).toBe('One or more records have been rejected due to invalid timestamp');
    expect(r.recordErrors?.map((e) => e.batchIndex)).toEqual([0, 2]);
    expect(r.recordErrors?.[0].message).toBe(`Timestamp ${NOW - 60_000} of message with offset 0 is out of range. The timestamp should be within [${NOW - 1000}, inf]`);
    expect(r.recordErrors?.[1].message).toStartWith('Compacted topic cannot accept message without key');
  });
  test('KIP-467: structural errors name no record', () => {
    const r = validate(patch(batch(), (v) => v.setInt32(RECORD_COUNT, 2)), { compacted: true });
    if (r.ok) throw new Error('expected a rejection');
    expect(r.recordErrors).toBeUndefined();
  });
  test(`KIP-467: at most ${RECORD_ERRORS_MAX} record errors are kept, the summary counts them all`, () => {
    const n = RECORD_ERRORS_MAX + 5;
    const records = Array.from({ length: n }, () => ({ key: null, value: 'v', timestamp: T0 }));
    const r = validate(batch({ records }), { compacted: true });
    if (r.ok) throw new Error('expected a rejection');
    expect(r.recordErrors).toHaveLength(RECORD_ERRORS_MAX);
    expect(r.recordErrors?.at(-1)?.batchIndex).toBe(RECORD_ERRORS_MAX - 1);
    expect(r.error.message).toContain(`due to ${n} record errors in total`);
  });
  test('random mutations never throw', () => {
    const base = batch({ compression: Compression.Lz4 });
    for (let i = 0; i < 500; i++) {
      const b = base.slice();
      b[(i * 104729) % b.length] ^= 1 + (i % 255);
      const length = new DataView(b.buffer).getInt32(BATCH_LENGTH);
      if (i % 2 === 0 && length >= 49 && length <= b.length - 12) writeBatchCrc(b, 0);
      const r = validate(b);
      expect(typeof r.ok).toBe('boolean');
    }
  });
});
