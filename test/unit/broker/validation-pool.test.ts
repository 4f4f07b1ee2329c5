// Produce validation on threads (src/broker/validation-pool.ts) with the real thread module
// (src/broker/validation-worker.ts on a Bun Worker): a thread's answer is validateProduced's,
// bytes move to the thread and back, and a thread that cannot run fails its requests with a
// retriable error and sends everything after inline.

import { afterEach, describe, expect, test } from 'bun:test';
import { bunThreads } from '../../../src/cli/bun-threads.ts';
import { compress } from '../../../src/compression/index.ts';
import { type ValidationConfig, validateProduced } from '../../../src/broker/produce-append.ts';
import { VALIDATION_THREAD_MIN_BYTES, ValidationPool, ValidationThreadError } from '../../../src/broker/validation-pool.ts';
import { BatchHeader, Compression, TIMESTAMP_TYPE_LOG_APPEND } from '../../../src/protocol/records/batch.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';

const CONFIG: ValidationConfig = {
  maxMessageBytes: 4 << 20,
  messageTimestampType: 'CreateTime',
  cleanupPolicy: 'delete',
  messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
  messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
  compressionType: 'producer',
};
const NOW = 1_765_000_000_000;

/** A batch of `count` 1 KiB records lz4 cannot shrink: at 80 it is past VALIDATION_THREAD_MIN_BYTES, compressed or not. */
function batch(count: number, compression: Compression = Compression.None, seed = 0): Uint8Array {
  let x = seed + 1;
  const records = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: new Uint8Array(1024).map(() => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24),
    timestamp: NOW - 1000 + i,
  }));
  return buildBatch({ records, compression }, compress);
}

/** Parts laid out in one buffer, as a request frame holds them. */
function frameOf(parts: Uint8Array[]): { frame: ArrayBuffer; views: Uint8Array[] } {
  const total = parts.reduce((n, p) => n + p.length, 0) + 16;
  const frame = new ArrayBuffer(total);
  const views: Uint8Array[] = [];
  let at = 16; // a header before the records, as in a real frame
  for (const p of parts) {
    const v = new Uint8Array(frame, at, p.length);
    v.set(p);
    views.push(v);
    at += p.length;
  }
  return { frame, views };
}

const pools: ValidationPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});
function pool(count = 1, entry?: URL): ValidationPool {
  const p = new ValidationPool(bunThreads, count, entry);
  pools.push(p);
  return p;
}

describe('ValidationPool', () => {
  test('takes large requests that need a codec, and none without threads or with 0 of them', () => {
    const part = (records: Uint8Array, config = CONFIG) => [{ config, topicPartition: 't-0', records }];
    const lz4 = batch(80, Compression.Lz4, 9);
    expect(lz4.length).toBeGreaterThanOrEqual(VALIDATION_THREAD_MIN_BYTES);
    expect(pool().takes(part(lz4))).toBe(true);
    // Uncompressed, as large: its checks are cheaper here than a thread's round trip.
    expect(pool().takes(part(batch(80)))).toBe(false);
    // ...unless the topic re-encodes it (compression.type).
    expect(pool().takes(part(batch(80), { ...CONFIG, compressionType: 'zstd' }))).toBe(true);
    expect(pool().takes(part(batch(80), { ...CONFIG, compressionType: 'uncompressed' }))).toBe(false);
    // Compressed but small.
    expect(pool().takes(part(batch(3, Compression.Lz4, 9)))).toBe(false);
    // Two parts together past the size.
    expect(pool().takes([...part(batch(40, Compression.Lz4, 1)), ...part(batch(40, Compression.None, 2))])).toBe(true);
    expect(new ValidationPool(bunThreads, 0).takes(part(lz4))).toBe(false);
    expect(new ValidationPool(undefined, 2).takes(part(lz4))).toBe(false);
    // Threads start on first use, not with the pool.
    expect(pool(2).running).toBe(0);
  });

  test("a thread's answers are validateProduced's: valid parts, a corrupt one, per-record errors", async () => {
    const good = batch(80);
    const corrupt = batch(80, Compression.None, 1);
    corrupt[corrupt.length - 1] ^= 0xff; // the CRC covers the records
    const zstd = batch(80, Compression.Zstd, 2);
    const { frame, views } = frameOf([good, corrupt, zstd]);
    const compacted: ValidationConfig = { ...CONFIG, cleanupPolicy: 'compact' };
    const noKeys = buildBatch({ records: [{ value: 'a', timestamp: NOW }, { value: 'b', timestamp: NOW }] });
    const expected = [
      validateProduced(CONFIG, 't-0', good.slice(), NOW, 9),
      validateProduced(CONFIG, 't-1', corrupt.slice(), NOW, 9),
      validateProduced(CONFIG, 't-2', zstd.slice(), NOW, 9),
      validateProduced(compacted, 't-3', noKeys.slice(), NOW, 9),
    ];
    const p = pool();
    const got = await p.validate(
      [
        { config: CONFIG, topicPartition: 't-0', records: views[0] },
        { config: CONFIG, topicPartition: 't-1', records: views[1] },
        { config: CONFIG, topicPartition: 't-2', records: views[2] },
        { config: compacted, topicPartition: 't-3', records: noKeys },
      ],
      NOW,
      9,
      frame,
    );
    expect(p.running).toBe(1);
    expect(got.map((v) => v.kind)).toEqual(['valid', 'error', 'valid', 'error']);
    expect(got[1]).toEqual(expected[1]);
    expect(got[3]).toEqual(expected[3]);
    expect((got[3] as { recordErrors?: unknown[] }).recordErrors?.length).toBe(2);
    for (const i of [0, 2]) {
      const g = got[i] as Extract<(typeof got)[number], { kind: 'valid' }>;
      const e = expected[i] as typeof g;
      expect(g.batches).toEqual(e.batches);
      expect(Array.from(g.stored)).toEqual(Array.from(e.stored));
    }
    // noKeys was not in the frame: the parts were copied, and the frame stayed here.
    expect(frame.byteLength).toBeGreaterThan(0);
  });

  test('an owned frame moves to the thread and back; the bytes to append carry the LogAppendTime rewrite', async () => {
    const logAppend: ValidationConfig = { ...CONFIG, messageTimestampType: 'LogAppendTime' };
    const { frame, views } = frameOf([batch(40, Compression.None, 3), batch(40, Compression.Lz4, 4)]);
    const p = pool();
    const answer = p.validate(
      views.map((records, i) => ({ config: logAppend, topicPartition: `t-${i}`, records })),
      NOW,
      9,
      frame,
    );
    // Moved, not copied: nothing of it is left here while the thread has it.
    expect(frame.byteLength).toBe(0);
    const got = await answer;
    for (const v of got) {
      expect(v.kind).toBe('valid');
      if (v.kind !== 'valid') continue;
      expect(v.logAppendTime).toBe(true);
      const h = new BatchHeader(v.stored);
      expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).toBe(TIMESTAMP_TYPE_LOG_APPEND);
      expect(h.maxTimestamp).toBe(NOW);
      // The rewritten batch is whole: it validates again with its new CRC.
      expect(validateProduced(CONFIG, 'again', v.stored.slice(), NOW, 9).kind).toBe('valid');
    }
  });

  test('a part that is a view of a shared read buffer is copied, never moved: the read stays whole', async () => {
    // As a frame that lies in one socket read: a Buffer view, with other bytes around it.
    const lz4 = batch(80, Compression.Lz4, 12);
    const read = Buffer.alloc(lz4.length + 100, 0x5a);
    read.set(lz4, 50);
    const part = read.subarray(50, 50 + lz4.length);
    const before = Buffer.from(read);
    const [v] = await pool().validate([{ config: CONFIG, topicPartition: 't-0', records: part }], NOW, 9);
    expect(v.kind).toBe('valid');
    expect(read.byteLength).toBe(before.length);
    expect(read.equals(before)).toBe(true);
  });

  test('recompression (compression.type) comes back in a buffer of its own', async () => {
    const zstdTopic: ValidationConfig = { ...CONFIG, compressionType: 'zstd' };
    const { frame, views } = frameOf([batch(80, Compression.None, 5)]);
    const [v] = await pool().validate([{ config: zstdTopic, topicPartition: 't-0', records: views[0] }], NOW, 9, frame);
    expect(v.kind).toBe('valid');
    if (v.kind !== 'valid') return;
    expect(new BatchHeader(v.stored).compression).toBe(Compression.Zstd);
    expect(v.stored.byteOffset).toBe(0);
    expect(v.stored.byteLength).toBe(v.stored.buffer.byteLength);
    expect(v.stored.buffer).not.toBe(frame);
  });

  test('jobs spread over the threads and all come back', async () => {
    const p = pool(2);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => p.validate([{ config: CONFIG, topicPartition: `t-${i}`, records: batch(70, Compression.None, i) }], NOW, 9)),
    );
    expect(p.running).toBe(2);
    expect(answers.map(([v]) => v.kind)).toEqual(Array(8).fill('valid'));
  });

  test('a thread that cannot load fails its request with ValidationThreadError, and the pool takes nothing more', async () => {
    const p = pool(1, new URL('./no-such-validation-worker.ts', import.meta.url));
    const answer = p.validate([{ config: CONFIG, topicPartition: 't-0', records: batch(80) }], NOW, 9);
    await expect(answer).rejects.toBeInstanceOf(ValidationThreadError);
    expect(p.takes([{ config: CONFIG, topicPartition: 't-0', records: batch(80, Compression.Lz4) }])).toBe(false);
  });

  test('closing fails what is still on a thread', async () => {
    const p = pool();
    const answer = p.validate([{ config: CONFIG, topicPartition: 't-0', records: batch(80) }], NOW, 9);
    p.close();
    await expect(answer).rejects.toBeInstanceOf(ValidationThreadError);
    expect(p.takes([{ config: CONFIG, topicPartition: 't-0', records: batch(80, Compression.Lz4) }])).toBe(false);
  });
});
