// Recovery of interrupted swaps in the states a crash can leave between the durable steps
// (compaction-swap.ts): some renames of a step done, others not.

import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ManualClock } from '../../../src/base/clock.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { compactLog } from '../../../src/storage/compaction.ts';
import { completeInterruptedSwaps, type SwapStep } from '../../../src/storage/compaction-swap.ts';
import { openLog } from './helpers.ts';
import { codec, keyed, NO_LAG, records } from './compaction-helpers.ts';

const DIR = '/data/kafka/t/0';
const CFG = { segmentBytes: 400 };

async function logWithUpdates() {
  const fs = new SimStorageFs();
  const clock = new ManualClock();
  const log = openLog(fs, DIR, CFG, clock);
  for (let i = 0; i < 90; i++) log.append(keyed([[`k${i % 4}`, `v${i}`]]), 1);
  await log.flush();
  return { fs, clock, log, before: records(log) };
}

/** Runs a pass that, at `step`, does `partial` to the directory, makes it durable, and crashes. */
async function crashAt(fs: SimStorageFs, clock: ManualClock, log: ReturnType<typeof openLog>, step: SwapStep, partial: (names: string[]) => void) {
  const crash = new Error('power cut');
  const swapHook = (s: SwapStep) => {
    if (s !== step) return;
    partial(fs.readdir(DIR));
    fs.fsyncDir(DIR);
    fs.crash();
    throw crash;
  };
  await expect(compactLog(log, NO_LAG, { codec, nowMs: clock.nowMs(), swapHook })).rejects.toBe(crash);
}

describe('interrupted swaps', () => {
  test('step 2 cut short (indexes renamed to .swap, the .log still .cleaned): rolled back', async () => {
    const { fs, clock, log, before } = await logWithUpdates();
    await crashAt(fs, clock, log, 'cleaned', (names) => {
      for (const n of names) if (/\.(index|timeindex)\.cleaned$/.test(n)) fs.rename(join(DIR, n), join(DIR, n.replace(/\.cleaned$/, '.swap')));
    });
    expect(fs.readdir(DIR).some((n) => n.endsWith('.index.swap'))).toBe(true);
    const reopened = openLog(fs, DIR, CFG, clock);
    expect(fs.readdir(DIR).filter((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toEqual([]);
    expect(records(reopened)).toEqual(before);
  });

  test('step 4 cut short (indexes in their final place, the .log still .swap): completed', async () => {
    const { fs, clock, log, before } = await logWithUpdates();
    await crashAt(fs, clock, log, 'swap', (names) => {
      for (const n of names) if (/\.(index|timeindex)\.swap$/.test(n)) fs.rename(join(DIR, n), join(DIR, n.replace(/\.swap$/, '')));
    });
    expect(fs.readdir(DIR).some((n) => n.endsWith('.log.swap'))).toBe(true);
    const reopened = openLog(fs, DIR, CFG, clock);
    expect(fs.readdir(DIR).filter((n) => n.endsWith('.swap') || n.endsWith('.cleaned'))).toEqual([]);
    const after = records(reopened);
    expect(after.length).toBeLessThan(before.length);
    const byOffset = new Map(before.map((r) => [r.offset, r]));
    for (const r of after) expect(byOffset.get(r.offset)).toEqual(r);
    expect(reopened.logEndOffset).toBe(90);
    for (let i = 0; i < 4; i++) expect(after.findLast((r) => r.key === `k${i}`)).toEqual(before.findLast((r) => r.key === `k${i}`));
  });

  test('a directory without leftovers is left alone', () => {
    const fs = new SimStorageFs();
    fs.mkdirp(DIR);
    const calls = fs.fsyncDirCalls;
    completeInterruptedSwaps(fs, DIR);
    expect(fs.fsyncDirCalls).toBe(calls);
  });
});
