import { expect, test } from 'bun:test';
import { ROUNDS_IN_FLIGHT_MAX } from '../../../src/storage/group-commit.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { batch, openLog } from './helpers.ts';

const DIR = '/data/kafka/t/0';

test('N concurrent flush() calls cost at most ROUNDS_IN_FLIGHT_MAX + 1 fsyncs and all resolve', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(1), 1);
  const before = fs.fsyncCalls;
  const waits = [];
  for (let i = 0; i < 50; i++) {
    log.append(batch(1), 1);
    waits.push(log.flush());
  }
  expect(log.flushedOffset).toBe(0); // nothing is promised before the fsync completes
  await Promise.all(waits);
  expect(fs.fsyncCalls - before).toBeLessThanOrEqual(ROUNDS_IN_FLIGHT_MAX + 1);
  expect(log.flushedOffset).toBe(51);
});

test('a flush requested during an fsync starts its own round; past the limit callers share one', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(1), 1);
  const first = log.flush();
  log.append(batch(1), 1); // after the first fsync started
  const second = log.flush(); // a second round at once: it does not wait for the first
  const third = log.flush();
  const fourth = log.flush();
  expect(second).not.toBe(first);
  expect(third).toBe(fourth); // the limit is reached: both wait for the round queued behind
  await second;
  expect(log.flushedOffset).toBe(2);
  await Promise.all([first, third]);
  expect(log.flushedOffset).toBe(2);
  const before = fs.fsyncCalls;
  await log.flush(); // nothing new: no fsync
  expect(fs.fsyncCalls).toBe(before);
});

test('waitFlushed resolves once the offset is durable, false after a truncation below it', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(5), 1);
  expect(await log.waitFlushed(5)).toBe(true);
  log.append(batch(5), 1);
  const w = log.waitFlushed(10);
  log.truncateSuffix(7);
  expect(await w).toBe(false);
});

test('a truncation during an fsync caps what that fsync can claim', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(10), 1);
  const f = log.flush();
  log.truncateSuffix(0);
  log.append(batch(3), 2);
  await f;
  expect(log.flushedOffset).toBe(0);
  await log.flush();
  expect(log.flushedOffset).toBe(3);
});

test('a failed fsync fails the log: flush rejects, appends throw', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(1), 1);
  fs.failFsyncs = 1;
  await expect(log.flush()).rejects.toThrow('EIO');
  expect(log.flushedOffset).toBe(0);
  expect(() => log.append(batch(1), 1)).toThrow('EIO');
  await expect(log.flush()).rejects.toThrow('EIO');
});

test('a rolled segment is fsynced by the next flush along with the directory', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR, { segmentBytes: 200 });
  for (let i = 0; i < 10; i++) log.append(batch(2), 1);
  const dirSyncs = fs.fsyncDirCalls;
  await log.flush();
  expect(fs.fsyncDirCalls).toBeGreaterThan(dirSyncs);
  fs.crash();
  expect(openLog(fs, DIR, { segmentBytes: 200 }).logEndOffset).toBe(20);
});

test('a later round that ends first also syncs what earlier rounds are still syncing', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR, { segmentBytes: 400 });
  log.append(batch(3, { valueBytes: 40 }), 1);
  log.append(batch(3, { valueBytes: 40 }), 1); // rolls: the first segment is sealed
  expect(log.segmentCount).toBe(2);
  fs.fsyncDelaysMs = [200]; // the first round syncs both segments; the sealed one is slow
  const slow = log.flush();
  log.append(batch(1), 1); // only the active segment is dirty now
  await log.flush(); // ends long before the slow round
  expect(log.flushedOffset).toBe(7);
  // A crash now keeps everything flushedOffset promised, the slow round's segment included.
  fs.crash();
  const reopened = openLog(fs, DIR, { segmentBytes: 400 });
  expect(reopened.logEndOffset).toBe(7);
  await slow.catch(() => {});
});

test('a round ending after another round failed promises nothing (fsyncgate)', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(1), 1);
  fs.failFsyncs = 1;
  fs.fsyncDelaysMs = [10, 50]; // the failing round ends first, the other after it
  const failing = log.flush();
  log.append(batch(1), 1);
  const later = log.flush();
  await expect(failing).rejects.toThrow();
  await expect(later).rejects.toThrow();
  expect(log.flushedOffset).toBe(0);
});
