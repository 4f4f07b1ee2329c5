// A full disk and failed fsyncs: a failed write is rolled back and the log stays writable; a
// failed fsync fails the log until repair() writes the unflushed batches again; nothing
// acknowledged as durable is lost and nothing refused is served.

import { expect, test } from 'bun:test';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { StorageError } from '../../../src/storage/storage-error.ts';
import { batch, openLog, prng, readAllBatches } from './helpers.ts';

const DIR = '/data/kafka/t/0';
const SEG0 = `${DIR}/00000000000000000000.log`;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

test('a write that fails half way (ENOSPC) is cut back; the log takes the next append at the same offset', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  for (let i = 0; i < 3; i++) log.append(batch(2), 1);
  const size = fs.fileSize(SEG0);
  fs.failAppends = 1;
  const e = thrown(() => log.append(batch(2), 1));
  expect(e).toBeInstanceOf(StorageError);
  expect((e as StorageError).diskFull).toBe(true);
  expect(fs.fileSize(SEG0)).toBe(size); // no half batch left in the file
  expect(log.logEndOffset).toBe(6);
  expect(log.storageFailure).toBeNull();
  expect(log.append(batch(2), 1).baseOffset).toBe(6);
  await log.flush();
  fs.crash();
  const again = openLog(fs, DIR);
  expect(readAllBatches(again).map((b) => b.baseOffset)).toEqual([0, 2, 4, 6]);
  expect(again.recoveredTruncatedBytes).toBe(0);
});

test('a roll whose index files cannot be written leaves the active segment as it was', async () => {
  const fs = new SimStorageFs();
  const cfg = { segmentBytes: 400 };
  const log = openLog(fs, DIR, cfg);
  while (log.segmentCount === 1 && fs.fileSize(SEG0) + batch(2).length <= 400) log.append(batch(2), 1);
  const end = log.logEndOffset;
  fs.failAppends = 1; // the roll's first index file write
  expect(thrown(() => log.append(batch(2), 1))).toBeInstanceOf(StorageError);
  expect(log.segmentCount).toBe(1);
  expect(fs.readdir(DIR).filter((n) => n.endsWith('.log'))).toEqual(['00000000000000000000.log']);
  expect(log.append(batch(2), 1).baseOffset).toBe(end);
  expect(log.segmentCount).toBe(2);
  await log.close();
  const again = openLog(fs, DIR, cfg);
  expect(again.logEndOffset).toBe(end + 2);
  expect(readAllBatches(again).length).toBe(end / 2 + 1);
});

test('a failed fsync fails the log; repair() writes the unflushed batches again and the log goes on', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(2), 1);
  await log.flush();
  const pending = batch(3);
  log.append(pending, 1);
  fs.failFsyncs = 1;
  await expect(log.flush()).rejects.toBeInstanceOf(StorageError);
  expect(log.storageFailure).toBeInstanceOf(StorageError);
  expect(thrown(() => log.append(batch(1), 1))).toBeInstanceOf(StorageError);
  expect(log.flushedOffset).toBe(2);

  fs.failFsyncs = 1; // still failing: the repair's own flush fails, and it can be tried again
  expect(await log.repair()).toBe('failed');
  expect(log.storageFailure).not.toBeNull();
  expect(await log.repair()).toBe('repaired');
  expect(log.storageFailure).toBeNull();
  expect(log.flushedOffset).toBe(5);
  expect(log.append(batch(1), 1).baseOffset).toBe(5);
  await log.flush();
  fs.crash();
  const again = openLog(fs, DIR);
  const batches = readAllBatches(again);
  expect(batches.map((b) => b.baseOffset)).toEqual([0, 2, 5]);
  // The rewritten batch is the one that was appended, byte for byte.
  const rewritten = again.read(2, 10_000).bytes;
  expect(rewritten.subarray(0, batches[1].size)).toEqual(pending);
});

test('repair after a failed fsync that spanned a segment roll rebuilds what was lost', async () => {
  const fs = new SimStorageFs();
  const cfg = { segmentBytes: 300 };
  const log = openLog(fs, DIR, cfg);
  log.append(batch(2), 1);
  await log.flush();
  for (let i = 0; i < 8; i++) log.append(batch(2), 1);
  expect(log.segmentCount).toBeGreaterThan(1);
  fs.failFsyncs = 10;
  await expect(log.flush()).rejects.toBeInstanceOf(StorageError);
  fs.failFsyncs = 0;
  expect(await log.repair()).toBe('repaired');
  expect(log.flushedOffset).toBe(18);
  await log.close();
  fs.crash();
  const again = openLog(fs, DIR, cfg);
  expect(again.logEndOffset).toBe(18);
  expect(readAllBatches(again).map((b) => b.baseOffset)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16]);
});

test('without the unflushed batches in memory a failed log cannot be repaired in place', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR, { retainUnflushedBytesMax: 0 });
  log.append(batch(2), 1);
  fs.failFsyncs = 1;
  await expect(log.flush()).rejects.toBeInstanceOf(StorageError);
  expect(await log.repair()).toBe('unrepairable');
  await log.close(); // closing a failed log does not throw
});

test('the recovery point follows the flushed offset when the log is idle', async () => {
  const fs = new SimStorageFs();
  const log = openLog(fs, DIR);
  log.append(batch(2), 1);
  expect(log.checkpointIfIdle()).toBe(false); // nothing flushed beyond the checkpoint yet
  await log.flush();
  expect(log.checkpointIfIdle()).toBe(true);
  expect(log.checkpointIfIdle()).toBe(false);
  expect(new TextDecoder().decode(fs.readFile(`${DIR}/recovery-point`)!)).toBe('0\n1\n2\n');
});

// Random appends, flushes and repairs with writes and fsyncs failing at random, then a crash:
// everything flushed survives byte for byte, and nothing that was refused is ever served.
const seeds = Number(process.env.STORAGE_FAILURE_SEEDS ?? 25);
for (let seed = 1; seed <= seeds; seed++) {
  test(`random failing writes and fsyncs, repaired, then a crash: seed ${seed}`, async () => {
    const rnd = prng(seed);
    const fs = new SimStorageFs();
    const cfg = { segmentBytes: 300 + Math.floor(rnd() * 700), indexIntervalBytes: Math.floor(rnd() * 300) };
    const log = openLog(fs, DIR, cfg);
    const model = new Map<number, Uint8Array>();
    for (let i = 0; i < 300; i++) {
      const r = rnd();
      if (r < 0.5) {
        if (rnd() < 0.1) fs.failAppends = 1;
        const b = batch(1 + Math.floor(rnd() * 3), { valueBytes: Math.floor(rnd() * 80) });
        try {
          model.set(log.append(b, 1).baseOffset, b.slice());
        } catch (e) {
          expect(e).toBeInstanceOf(StorageError);
        }
        fs.failAppends = 0;
      } else if (r < 0.7) {
        if (rnd() < 0.15) fs.failFsyncs = 1;
        log.flush().catch(() => {});
      } else if (r < 0.85) {
        await new Promise((res) => setTimeout(res, 0));
      } else if (log.storageFailure !== null) {
        await log.repair();
      }
    }
    // Faults stop; rounds still in flight may fail yet: flush and repair until all is durable.
    fs.failFsyncs = 0;
    for (let i = 0; i < 20 && (log.storageFailure !== null || log.flushedOffset < log.logEndOffset); i++) {
      await new Promise((res) => setTimeout(res, 1));
      if (log.storageFailure !== null) await log.repair();
      else await log.flush().catch(() => {});
    }
    expect(log.storageFailure).toBeNull();
    expect(log.flushedOffset).toBe(log.logEndOffset);
    const end = log.logEndOffset;
    fs.crash({ tornTail: true, random: rnd });
    await new Promise((res) => setTimeout(res, 0));
    const again = openLog(fs, DIR, cfg);
    expect(again.logEndOffset).toBe(end);
    let expected = 0;
    for (const b of readAllBatches(again)) {
      expect(b.baseOffset).toBe(expected);
      const bytes = again.read(b.baseOffset, 1).bytes.subarray(0, b.size);
      expect(bytes).toEqual(model.get(b.baseOffset)!);
      expected = b.lastOffset + 1;
    }
    expect(expected).toBe(end);
  });
}
