// Many partition logs sharing one small open-files cache, as a node's partitions do: every
// operation stays correct while segment files are closed and reopened under it, and the
// descriptors held stay within the cache's bound (maxOpen, plus one per fsync running).
// Also: new and untouched logs open without a single fsync, and reopening a log whose
// checkpoints did not change rewrites none of them.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { OpenFiles } from '../../../src/storage/open-files.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { compactLog } from '../../../src/storage/compaction.ts';
import { batch, crc32c, openLog, prng, readAllBatches } from './helpers.ts';
import { codec, keyed, latestByKey, NO_LAG, records } from './compaction-helpers.ts';

const MAX_OPEN = 4;
const SYNCS_MAX = 2;
const CONFIG = { segmentBytes: 400, indexIntervalBytes: 100, tailCacheBytesMax: 0 };
const dirOf = (i: number) => `/data/kafka/t/${i}`;

function openShared(fs: SimStorageFs, files: OpenFiles, i: number, clock = new ManualClock()): PartitionLog {
  return PartitionLog.open(dirOf(i), CONFIG, { files, clock, crc32c });
}

describe('partition logs sharing a small open-files cache', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`random appends, reads, flushes, truncations and reopens stay correct; seed ${seed}`, async () => {
      const rnd = prng(seed);
      const fs = new SimStorageFs();
      const files = new OpenFiles(fs, MAX_OPEN, SYNCS_MAX);
      const logs = Array.from({ length: 12 }, (_, i) => openShared(fs, files, i));
      /** Per log: bytes of each batch by base offset. */
      const model = logs.map(() => new Map<number, string>());
      const flushes: Promise<void>[] = [];
      for (let op = 0; op < 600; op++) {
        const i = Math.floor(rnd() * logs.length);
        const log = logs[i];
        const r = rnd();
        if (r < 0.5) {
          const b = batch(1 + Math.floor(rnd() * 3), { valueBytes: Math.floor(rnd() * 80) });
          const res = log.append(b, 1);
          model[i].set(res.baseOffset, b.toString());
        } else if (r < 0.75 && log.logEndOffset > log.logStartOffset) {
          const offset = log.logStartOffset + Math.floor(rnd() * (log.logEndOffset - log.logStartOffset));
          const got = log.read(offset, 1, { minOneBatch: true });
          const first = readAllBatches(log, 1 << 20).find((x) => x.lastOffset >= offset)!;
          expect(got.nextOffset).toBe(first.lastOffset + 1);
        } else if (r < 0.9) {
          flushes.push(log.flush());
        } else if (r < 0.95) {
          await Promise.all(flushes.splice(0));
        } else {
          const to = log.logStartOffset + Math.floor(rnd() * (log.logEndOffset - log.logStartOffset + 1));
          log.truncateSuffix(to);
          for (const base of [...model[i].keys()]) if (base >= log.logEndOffset) model[i].delete(base);
        }
        expect(fs.openFdCount).toBeLessThanOrEqual(MAX_OPEN + SYNCS_MAX);
      }
      await Promise.all(flushes);
      for (const log of logs) await log.close();
      expect(fs.openFdCount).toBe(0);
      // Reopened through the same small cache: every log reads back exactly what the model holds.
      const reopened = logs.map((_, i) => openShared(fs, files, i));
      for (const [i, log] of reopened.entries()) {
        const read = readAllBatches(log, 1 << 20);
        expect(read.map((b) => b.baseOffset)).toEqual([...model[i].keys()].sort((a, b) => a - b));
        for (const b of read) expect(log.read(b.baseOffset, 1, { minOneBatch: true }).bytes.toString()).toBe(model[i].get(b.baseOffset)!);
        expect(fs.openFdCount).toBeLessThanOrEqual(MAX_OPEN);
      }
    });
  }

  test('a compaction pass whose segments are closed between its slices reads them back by path', async () => {
    const fs = new SimStorageFs();
    const files = new OpenFiles(fs, 2, 1);
    const clock = new ManualClock();
    const log = openShared(fs, files, 0, clock);
    for (let i = 0; i < 120; i++) log.append(keyed([[`k${i % 5}`, `v${i}`]]), 1);
    const others = [1, 2, 3].map((i) => openShared(fs, files, i, clock));
    for (const o of others) o.append(batch(2), 1);
    const before = records(log);
    let evicted = 0;
    const r = await compactLog(log, NO_LAG, {
      codec,
      nowMs: clock.nowMs(),
      limits: { sliceBytes: 200 },
      // Between slices, other partitions are read: the cache closes the segments the pass is scanning.
      yieldNow: async () => {
        const before = files.evictions;
        for (const o of others) o.read(0, 1000, { minOneBatch: true });
        evicted += files.evictions - before;
      },
    });
    expect(r.outcome).toBe('cleaned');
    expect(evicted).toBeGreaterThan(0);
    const after = records(log);
    expect(latestByKey(after)).toEqual(latestByKey(before));
    expect(after.length).toBeLessThan(before.length);
    expect(fs.openFdCount).toBeLessThanOrEqual(2 + 1);
    await log.close();
    const again = openShared(fs, files, 0, clock);
    expect(records(again)).toEqual(after);
  });
});

describe('opening logs without fsyncs where nothing needs them', () => {
  const DIR = dirOf(0);

  test('a new log opens without any fsync; its first flush makes its file and directory durable', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR);
    expect([fs.fsyncCalls, fs.fsyncDirCalls]).toEqual([0, 0]);
    log.append(batch(3), 1);
    await log.flush();
    expect(fs.fsyncDirCalls).toBeGreaterThan(0);
    fs.crash();
    expect(openLog(fs, DIR).logEndOffset).toBe(3);
  });

  test('a log never written to creates nothing on disk, and closes and reopens without any fsync', async () => {
    const fs = new SimStorageFs();
    await openLog(fs, DIR).close();
    expect(fs.exists(DIR)).toBe(false);
    const again = openLog(fs, DIR);
    expect([fs.fsyncCalls, fs.fsyncDirCalls]).toEqual([0, 0]);
    fs.crash();
    const afterCrash = openLog(fs, DIR);
    expect([afterCrash.logStartOffset, afterCrash.logEndOffset]).toEqual([0, 0]);
    afterCrash.append(batch(1), 1);
    expect(readAllBatches(afterCrash).length).toBe(1);
    await again.close();
  });

  test('a directory holding one empty segment and no checkpoint opens without any fsync', () => {
    const fs = new SimStorageFs();
    fs.mkdirp(DIR);
    fs.close(fs.openAppend(`${DIR}/00000000000000000000.log`));
    const log = openLog(fs, DIR);
    expect([fs.fsyncCalls, fs.fsyncDirCalls]).toEqual([0, 0]);
    log.append(batch(2), 1);
    expect(readAllBatches(log).map((b) => b.baseOffset)).toEqual([0]);
  });

  test('checkpoints without any segment file (all lost): the log reopens empty at its recovery point, handing out no offset twice', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { segmentBytes: 300 });
    for (let i = 0; i < 20; i++) log.append(batch(2), 1);
    log.deleteRecordsBefore(10);
    await log.close();
    for (const name of fs.readdir(DIR)) if (name.endsWith('.log')) fs.unlink(`${DIR}/${name}`);
    const again = openLog(fs, DIR, { segmentBytes: 300 });
    // Offsets up to 40 were flushed and acknowledged once: they are gone, not given out again.
    expect([again.logStartOffset, again.logEndOffset]).toEqual([40, 40]);
    again.append(batch(1), 1);
    expect(readAllBatches(again).map((b) => b.baseOffset)).toEqual([40]);
  });

  test('a clean close records the recovery point only when it moved; a log unchanged since writes none', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { segmentBytes: 1000 });
    while (log.segmentCount < 2) log.append(batch(2), 1);
    await log.flush(); // the seal was flushed: the recovery checkpoint was written then
    const end = log.logEndOffset;
    log.append(batch(3), 2);
    expect(log.segmentCount).toBe(2); // no roll since
    await log.flush();
    let calls = fs.fsyncCalls;
    await log.close();
    // The flushed offset moved past the last recovery point: the close records it, so that
    // damage found there later is corruption (set aside), never a torn tail to cut.
    expect(fs.fsyncCalls).toBeGreaterThan(calls);
    fs.crash();
    const again = openLog(fs, DIR, { segmentBytes: 1000 });
    expect([again.logEndOffset, again.lastTerm, again.termAt(end)]).toEqual([end + 3, 2, 2]);
    expect(readAllBatches(again).at(-1)!.baseOffset).toBe(end);
    calls = fs.fsyncCalls;
    await again.close();
    expect(fs.fsyncCalls).toBe(calls);
  });

  test('reopening a log whose checkpoints did not change rewrites none of them', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, { segmentBytes: 300 });
    for (let i = 0; i < 20; i++) log.append(batch(2), 1);
    await log.close();
    openLog(fs, DIR, { segmentBytes: 300 }); // the first reopen writes the recovery checkpoints
    const calls = fs.fsyncCalls;
    const again = openLog(fs, DIR, { segmentBytes: 300 });
    // Only the scanned active segment is fsynced: no checkpoint file was written (each costs one).
    expect(fs.fsyncCalls - calls).toBe(1);
    expect(again.logEndOffset).toBe(40);
  });
});
