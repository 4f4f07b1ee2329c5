// PartitionLog.truncateFullyAndStartAt (Kafka's UnifiedLog.truncateFullyAndStartAt): the log
// restarts, empty, at an offset above or below its old end, survives a reopen and a crash, and
// a crash at any step of it leaves the old log whole or an empty log at the old start or the new
// one: never
// old batches after the new start, never a recovery point above the new end.

import { describe, expect, test } from 'bun:test';
import { NO_EPOCH } from '../../../src/storage/epoch-cache.ts';
import type { StorageFs } from '../../../src/storage/fs.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { batch, openLog, readAllBatches } from './helpers.ts';

const DIR = '/data/kafka/t/0';
const SMALL_SEGMENTS = { segmentBytes: 400 };

/** A log of 12 batches of 3 records in terms 1..3 over several segments; flushed. */
async function filledLog(fs: StorageFs) {
  const log = openLog(fs, DIR, SMALL_SEGMENTS);
  for (let i = 0; i < 12; i++) log.append(batch(3), 1 + Math.floor(i / 4));
  await log.flush();
  expect(log.segmentCount).toBeGreaterThan(2);
  return log;
}

/** A batch stamped with its offset and term, as a follower receives it. */
function at(offset: number, term: number, records = 2): Uint8Array {
  const b = batch(records);
  const h = new BatchHeader(b);
  h.baseOffset = offset;
  h.partitionLeaderEpoch = term;
  return b;
}

describe('truncateFullyAndStartAt', () => {
  for (const target of [100, 20, 0]) {
    test(`restarts the log empty at ${target} (old log 0..35), which then takes a follower's batches of any term`, async () => {
      const fs = new SimStorageFs();
      const log = await filledLog(fs);
      log.truncateFullyAndStartAt(target);
      expect([log.logStartOffset, log.logEndOffset, log.segmentCount, log.lastTerm]).toEqual([target, target, 1, NO_EPOCH]);
      expect(log.read(target, 1000).bytes.length).toBe(0);
      expect(log.termAt(target)).toBe(NO_EPOCH);
      // A term below the old log's last (3): the old epochs are gone.
      log.appendAt(target, at(target, 2));
      await log.flush();
      expect(readAllBatches(log).map((b) => [b.baseOffset, b.epoch])).toEqual([[target, 2]]);
      await log.close();
      const again = openLog(fs, DIR, SMALL_SEGMENTS);
      expect([again.logStartOffset, again.logEndOffset, again.termAt(target)]).toEqual([target, target + 2, 2]);
      await again.close();
    });
  }

  test('survives a crash as soon as it returns (every step is durable when it is taken)', async () => {
    const fs = new SimStorageFs();
    const log = await filledLog(fs);
    log.truncateFullyAndStartAt(50);
    fs.crash();
    const again = openLog(fs, DIR, SMALL_SEGMENTS);
    expect([again.logStartOffset, again.logEndOffset, again.lastTerm]).toEqual([50, 50, NO_EPOCH]);
  });

  test('a flush round in flight across it does not move the flushed offset past the new end', async () => {
    const fs = new SimStorageFs();
    const log = openLog(fs, DIR, SMALL_SEGMENTS);
    for (let i = 0; i < 4; i++) log.append(batch(3), 1);
    const inFlight = log.flush();
    log.truncateFullyAndStartAt(5);
    await inFlight;
    expect(log.flushedOffset).toBe(5);
  });

  for (const target of [100, 20]) {
    test(`a crash at any step leaves the old log whole, or an empty log at the old start or at ${target}`, async () => {
      let steps = 0;
      for (let crashAt = 1; ; crashAt++) {
        const disk = new SimStorageFs();
        const log = await filledLog(disk);
        const before = readAllBatches(log).map((b) => [b.baseOffset, b.epoch]);
        const crashing = crashingAfter(disk, crashAt);
        let completed = false;
        try {
          crashing.arm();
          log.truncateFullyAndStartAt(target);
          completed = true;
        } catch (e) {
          if (!(e instanceof Crash)) throw e;
        }
        crashing.disarm();
        disk.crash();
        const again = openLog(disk, DIR, SMALL_SEGMENTS);
        if (again.logEndOffset > again.logStartOffset) {
          // Nothing durable had happened yet: the old log, whole.
          expect(readAllBatches(again).map((b) => [b.baseOffset, b.epoch])).toEqual(before);
        } else {
          expect([0, target]).toContain(again.logStartOffset);
          expect(again.lastTerm).toBe(NO_EPOCH);
        }
        await again.close();
        if (completed) break;
        steps++;
      }
      // The operation has several durable steps, and the test crashed inside each of them.
      expect(steps).toBeGreaterThan(5);
    });
  }
});

class Crash extends Error {}

/** Makes the `n`-th mutating call on `fs` after arm() throw, as if the machine died there. */
function crashingAfter(fs: SimStorageFs, n: number): { arm(): void; disarm(): void } {
  const mutating = ['unlink', 'fsyncDir', 'rename', 'append', 'truncate', 'openAppend', 'fsyncSync'] as const;
  let count = -1;
  const originals = new Map<string, unknown>();
  for (const name of mutating) {
    const original = (fs as unknown as Record<string, (...a: unknown[]) => unknown>)[name].bind(fs);
    originals.set(name, original);
    (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (count >= 0 && ++count >= n) throw new Crash(`crash before ${name}`);
      return original(...args);
    };
  }
  return {
    arm: () => {
      count = 0;
    },
    disarm: () => {
      count = -1;
      for (const [name, f] of originals) (fs as unknown as Record<string, unknown>)[name] = f;
    },
  };
}
