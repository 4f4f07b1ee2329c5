import { describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { NodeStorageFs, type StorageFs } from '../../../src/storage/fs.ts';
import { batchesIn } from '../../../src/storage/batch-scan.ts';
import { BatchHeader, TIMESTAMP_TYPE_LOG_APPEND } from '../../../src/protocol/records/batch.ts';
import { ManualClock } from '../../../src/base/clock.ts';
import { batch, concat, crc32c, openLog, prng, readAllBatches } from './helpers.ts';

const DIR = '/data/kafka/t/0';

// The same behaviour on the simulated and the real filesystem.
for (const kind of ['sim', 'real'] as const) {
  describe(`PartitionLog on ${kind} fs`, () => {
    let tmp = '';
    const setup = (): { fs: StorageFs; dir: string } => {
      if (kind === 'sim') return { fs: new SimStorageFs(), dir: DIR };
      tmp = mkdtempSync(join(tmpdir(), 'freshet-log-'));
      return { fs: new NodeStorageFs(), dir: join(tmp, 't-0') };
    };
    const cleanup = () => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    };

    test('append and read back across segment rolls, then reopen', async () => {
      const { fs, dir } = setup();
      const log = openLog(fs, dir, { segmentBytes: 1000, indexIntervalBytes: 200, tailCacheBytesMax: 0 });
      const rnd = prng(7);
      const expected: number[] = [];
      for (let i = 0; i < 200; i++) {
        const n = 1 + Math.floor(rnd() * 5);
        const r = log.append(batch(n), 3);
        expect(r.baseOffset).toBe(log.logEndOffset - n);
        expected.push(r.baseOffset);
      }
      expect(log.segmentCount).toBeGreaterThan(10);
      const read = readAllBatches(log);
      expect(read.map((b) => b.baseOffset)).toEqual(expected);
      expect(read.every((b) => b.epoch === 3)).toBe(true);
      // Offsets are consecutive.
      for (let i = 1; i < read.length; i++) expect(read[i].baseOffset).toBe(read[i - 1].lastOffset + 1);
      await log.close();
      const again = openLog(fs, dir, { segmentBytes: 1000, indexIntervalBytes: 200, tailCacheBytesMax: 0 });
      expect(again.logEndOffset).toBe(log.logEndOffset);
      expect(again.recoveredTruncatedBytes).toBe(0);
      expect(readAllBatches(again).map((b) => b.baseOffset)).toEqual(expected);
      await again.close();
      cleanup();
    });

    test('reading from every offset finds the batch holding it (index vs linear scan)', async () => {
      const { fs, dir } = setup();
      const log = openLog(fs, dir, { segmentBytes: 4000, indexIntervalBytes: 300, tailCacheBytesMax: 0 });
      for (let i = 0; i < 150; i++) log.append(batch(1 + (i % 4), { valueBytes: 5 + (i % 40) }), 1);
      const linear = readAllBatches(log, 1 << 20);
      for (let off = 0; off < log.logEndOffset; off++) {
        const holder = linear.find((b) => b.baseOffset <= off && off <= b.lastOffset)!;
        const r = log.read(off, 1, { minOneBatch: true });
        expect(batchesIn(r.bytes).map((b) => b.baseOffset)).toEqual([holder.baseOffset]);
      }
      // Reopened: sealed segments load their index files; same answers.
      await log.close();
      const again = openLog(fs, dir, { segmentBytes: 4000, indexIntervalBytes: 300, tailCacheBytesMax: 0 });
      for (let off = 0; off < again.logEndOffset; off += 7) {
        const holder = linear.find((b) => b.baseOffset <= off && off <= b.lastOffset)!;
        expect(batchesIn(again.read(off, 1, { minOneBatch: true }).bytes)[0].baseOffset).toBe(holder.baseOffset);
      }
      await again.close();
      cleanup();
    });

    test('deleteRecordsBefore persists across reopen and drops whole segments', async () => {
      const { fs, dir } = setup();
      const log = openLog(fs, dir, { segmentBytes: 600 });
      for (let i = 0; i < 60; i++) log.append(batch(2), 1);
      const segmentsBefore = log.segmentCount;
      log.deleteRecordsBefore(51);
      expect(log.logStartOffset).toBe(51);
      expect(log.segmentCount).toBeLessThan(segmentsBefore);
      expect(log.read(50, 100, { minOneBatch: true }).outOfRange).toBe(true);
      expect(batchesIn(log.read(51, 100, { minOneBatch: true }).bytes)[0].baseOffset).toBe(50);
      await log.close();
      const again = openLog(fs, dir, { segmentBytes: 600 });
      expect(again.logStartOffset).toBe(51);
      expect(again.logEndOffset).toBe(120);
      expect(again.termAt(51)).toBe(1);
      expect(again.termAt(50)).toBe(-1);
      await again.close();
      cleanup();
    });

    test('delete removes the directory', () => {
      const { fs, dir } = setup();
      const log = openLog(fs, dir);
      log.append(batch(1), 1);
      log.delete();
      expect(fs.exists(dir)).toBe(false);
      cleanup();
    });
  });
}

describe('PartitionLog behaviour', () => {
  test('read honours maxBytes, minOneBatch (KIP-74) and maxOffset', () => {
    for (const cache of [0, 1 << 20]) {
      const log = openLog(new SimStorageFs(), DIR, { tailCacheBytesMax: cache });
      const big = batch(1, { valueBytes: 500 });
      log.append(big, 1); // offset 0
      log.append(batch(2), 1); // 1-2
      log.append(batch(2), 1); // 3-4
      expect(log.read(0, 100, { minOneBatch: true }).bytes.length).toBe(big.length);
      expect(log.read(0, 100, { minOneBatch: false }).bytes.length).toBe(0);
      const all = log.read(0, 1 << 20, { minOneBatch: true });
      expect(all.nextOffset).toBe(5);
      // High watermark 3: batches ending at or beyond it are not returned.
      const hw = log.read(1, 1 << 20, { minOneBatch: true, maxOffset: 3 });
      expect(batchesIn(hw.bytes).map((b) => b.baseOffset)).toEqual([1]);
      expect(log.read(3, 1 << 20, { minOneBatch: true, maxOffset: 3 }).bytes.length).toBe(0);
      expect(log.read(5, 100, { minOneBatch: true }).bytes.length).toBe(0);
      expect(log.read(6, 100, { minOneBatch: true }).outOfRange).toBe(true);
    }
  });

  test('the tail cache serves reads at the head from memory, bounded by its byte limit', () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { tailCacheBytesMax: 1000 });
    for (let i = 0; i < 50; i++) log.append(batch(1), 1);
    const preads = (): number => {
      let n = 0;
      const orig = fs.pread.bind(fs);
      fs.pread = (...a) => (n++, orig(...a));
      log.read(49, 1000, { minOneBatch: true });
      fs.pread = orig;
      return n;
    };
    expect(preads()).toBe(0);
    const old = log.read(0, 1000, { minOneBatch: true });
    expect(batchesIn(old.bytes)[0].baseOffset).toBe(0);
  });

  test('append patches baseOffset and term in place; the appended batch keeps a valid CRC', () => {
    const log = openLog(new SimStorageFs(), DIR);
    log.append(batch(3), 1);
    const b = batch(2);
    const r = log.append(b, 4);
    expect(r).toEqual({ baseOffset: 3, lastOffset: 4 });
    const h = new BatchHeader(b);
    expect(h.baseOffset).toBe(3);
    expect(h.partitionLeaderEpoch).toBe(4);
    expect(crc32c(b, 21, b.length) >>> 0).toBe(h.crc);
    expect(log.lastTerm).toBe(4);
    expect(log.termAt(2)).toBe(1);
    expect(log.termAt(3)).toBe(4);
    expect(() => log.append(batch(1), 3)).toThrow();
  });

  test('LogAppendTime stamps the batch and recomputes its CRC', () => {
    const clock = new ManualClock(5_000_000);
    const log = openLog(new SimStorageFs(), DIR, { timestampType: 'LogAppendTime' }, clock);
    const b = batch(2, { ts: 10 });
    const r = log.append(b, 1);
    expect(r.logAppendTimeMs).toBe(5_000_000);
    const h = new BatchHeader(b);
    expect(h.maxTimestamp).toBe(5_000_000);
    expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).toBe(TIMESTAMP_TYPE_LOG_APPEND);
    expect(crc32c(b, 21, b.length) >>> 0).toBe(h.crc);
    expect(log.offsetForTimestamp(4_000_000)).toEqual({ offset: 0, timestamp: 5_000_000 });
  });

  test('appendAt takes batches with offsets and terms; rejects gaps', () => {
    const leader = openLog(new SimStorageFs(), DIR);
    const follower = openLog(new SimStorageFs(), DIR);
    for (let term = 1; term <= 3; term++) {
      const b = batch(term);
      leader.append(b, term);
      follower.appendAt(follower.logEndOffset, b);
    }
    expect(follower.logEndOffset).toBe(6);
    expect(follower.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 3 });
    const late = batch(1);
    leader.append(late, 3);
    expect(() => follower.appendAt(7, late)).toThrow();
  });

  test('truncateSuffix removes offsets >= the point across segments, indexes and epochs', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { segmentBytes: 500, indexIntervalBytes: 100 });
    for (let i = 0; i < 40; i++) log.append(batch(2), i < 20 ? 1 : 2); // offsets 0-79, term 2 from 40
    const segs = log.segmentCount;
    await log.flush();
    log.truncateSuffix(30);
    expect(log.logEndOffset).toBe(30);
    expect(log.segmentCount).toBeLessThan(segs);
    expect(log.flushedOffset).toBe(30);
    expect(log.lastTerm).toBe(1);
    expect(log.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 30 });
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: -1, endOffset: -1 });
    expect(readAllBatches(log).map((b) => b.baseOffset).at(-1)).toBe(28);
    // A batch straddling the point goes whole.
    log.truncateSuffix(27);
    expect(log.logEndOffset).toBe(26);
    // Appending continues from there, in a new term.
    expect(log.append(batch(2), 5).baseOffset).toBe(26);
    await log.close();
    const again = openLog(fs, DIR, { segmentBytes: 500, indexIntervalBytes: 100 });
    expect(again.logEndOffset).toBe(28);
    expect(again.termAt(26)).toBe(5);
    expect(again.endOffsetForEpoch(1)).toEqual({ epoch: 1, endOffset: 26 });
  });

  test('offsetForTimestamp finds the first record with timestamp >= target', () => {
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 400, indexIntervalBytes: 100 });
    // Batch i holds 4 records with timestamps 100*i + 0..3; one out-of-order batch in the middle.
    for (let i = 0; i < 30; i++) log.append(batch(4, { ts: i === 15 ? 50 : 100 * i }), 1);
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 0 });
    expect(log.offsetForTimestamp(702)).toEqual({ offset: 30, timestamp: 702 });
    expect(log.offsetForTimestamp(704)).toEqual({ offset: 32, timestamp: 800 });
    expect(log.offsetForTimestamp(2903)).toEqual({ offset: 119, timestamp: 2903 });
    expect(log.offsetForTimestamp(2904)).toBeNull();
    expect(log.offsetForTimestamp(702, 30)).toBeNull();
    expect(log.maxTimestampOffset()).toEqual({ offset: 119, timestamp: 2903 });
  });

  test('maxTimestampOffset is the first record with the greatest timestamp (KIP-734)', () => {
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 300 });
    expect(log.maxTimestampOffset()).toEqual({ offset: -1, timestamp: -1 });
    for (let i = 0; i < 20; i++) log.append(batch(3, { ts: i === 7 ? 10_000 : i * 10 }), 1);
    expect(log.maxTimestampOffset()).toEqual({ offset: 23, timestamp: 10_002 });
  });

  test('retention by time never deletes the active segment and moves the log start', () => {
    const clock = new ManualClock(1_000_000);
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 400, retentionMs: 60_000 }, clock);
    for (let i = 0; i < 30; i++) log.append(batch(2, { ts: 1_000_000 + i * 1000 }), 1);
    const n = log.segmentCount;
    expect(log.enforceRetention(1_000_000 + 30_000)).toEqual([]);
    const reasons = log.enforceRetention(1_000_000 + 75_000);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r === 'time')).toBe(true);
    expect(log.segmentCount).toBe(n - reasons.length);
    expect(log.logStartOffset).toBeGreaterThan(0);
    log.enforceRetention(1e12);
    expect(log.segmentCount).toBe(1);
    expect(log.read(log.logStartOffset, 100, { minOneBatch: true }).bytes.length).toBeGreaterThan(0);
  });

  test('retention by bytes keeps the log under retention.bytes, oldest first', () => {
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 400, retentionBytes: 1000 });
    for (let i = 0; i < 40; i++) log.append(batch(2), 1);
    log.enforceRetention(0);
    expect(log.sizeBytes).toBeLessThanOrEqual(1000 + 400);
    expect(log.sizeBytes).toBeGreaterThan(1000 - 400);
    expect(log.logEndOffset).toBe(80);
  });

  test('a batch larger than segment.bytes gets a segment of its own', () => {
    const log = openLog(new SimStorageFs(), DIR, { segmentBytes: 200 });
    log.append(batch(1), 1);
    log.append(batch(1, { valueBytes: 1000 }), 1);
    log.append(batch(1), 1);
    expect(log.segmentCount).toBe(3);
    expect(readAllBatches(log, 10).length).toBe(3);
  });

  test('segment.ms rolls the active segment by age', () => {
    const clock = new ManualClock();
    const log = openLog(new SimStorageFs(), DIR, { segmentMs: 1000 }, clock);
    log.append(batch(1), 1);
    clock.advance(500);
    log.append(batch(1), 1);
    expect(log.segmentCount).toBe(1);
    clock.advance(600);
    log.append(batch(1), 1);
    expect(log.segmentCount).toBe(2);
  });

  test('several batches in one append', () => {
    const log = openLog(new SimStorageFs(), DIR);
    const r = log.append(concat(batch(2), batch(3), batch(1)), 2);
    expect(r).toEqual({ baseOffset: 0, lastOffset: 5 });
    expect(readAllBatches(log).map((b) => b.baseOffset)).toEqual([0, 2, 5]);
  });
});
