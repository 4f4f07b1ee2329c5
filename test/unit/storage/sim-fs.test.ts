// The simulated disk's durability model, where simulations depend on it being right: overlapping
// fsyncs (group commit runs two rounds at once) finish in any order, and one that finishes late
// must not take back what a later one made durable; fsyncs and space run on the given scheduler.

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { ProcessScheduler, SimScheduler } from '../../../src/base/scheduler.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { SimLoop } from '../../simulation/sim-loop.ts';

const text = new TextEncoder();

function disk() {
  const scheduler = new SimScheduler(new ManualClock());
  const fs = new SimStorageFs({ scheduler });
  fs.mkdirp('/d');
  const fd = fs.openAppend('/d/f');
  fs.fsyncDir('/d');
  return { fs, fd, loop: new SimLoop(scheduler) };
}

test('an fsync finishing after a later one keeps what the later one made durable', async () => {
  const { fs, fd, loop } = disk();
  fs.fsyncDelaysMs = [10, 1]; // the first fsync is slow, the second fast
  fs.append(fd, text.encode('aaaa'));
  const first = fs.fsync(fd);
  fs.append(fd, text.encode('bbbb'));
  const second = fs.fsync(fd);
  await loop.run(second, 5);
  await loop.run(first, 20);
  fs.crash();
  expect(new TextDecoder().decode(fs.readFile('/d/f')!)).toBe('aaaabbbb');
});

test('fsync latency is drawn from the seed and runs on the attached scheduler; a dead process never sees it complete', async () => {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const loop = new SimLoop(scheduler);
  const process = new ProcessScheduler(scheduler);
  const fs = new SimStorageFs({ scheduler: process, fsyncLatencyMs: { min: 3, max: 3, random: new Prng(1) } });
  fs.mkdirp('/d');
  const fd = fs.openAppend('/d/f');
  fs.append(fd, text.encode('x'));
  await loop.run(fs.fsync(fd), 10);
  expect(loop.nowMs).toBe(3);
  let completed = false;
  void fs.fsync(fd).finally(() => (completed = true)).catch(() => {});
  process.kill();
  await loop.advance(100);
  expect(completed).toBe(false);
  expect(fs.space('/d').availableBytes).toBe(fs.totalBytes - 1);
});

test('an asynchronous directory fsync makes durable what the directory held when it was asked, once it completes', async () => {
  const { fs, loop } = disk();
  fs.openAppend('/d/created-before');
  const sync = fs.fsyncDirAsync('/d');
  fs.openAppend('/d/created-after');
  fs.crash(); // before it completed: neither creation is durable
  expect([fs.exists('/d/created-before'), fs.exists('/d/created-after')]).toEqual([false, false]);
  await expect(loop.run(sync, 1000)).rejects.toThrow('crashed');

  fs.openAppend('/d/created-before');
  const done = fs.fsyncDirAsync('/d');
  fs.openAppend('/d/created-after');
  await loop.run(done, 1000);
  fs.crash();
  expect([fs.exists('/d/created-before'), fs.exists('/d/created-after')]).toEqual([true, false]);
});

test('an asynchronous directory fsync finishing after a later synchronous one does not take back its removals', async () => {
  const { fs, loop } = disk();
  fs.openAppend('/d/g');
  const early = fs.fsyncDirAsync('/d'); // sees /d/g
  fs.unlink('/d/g');
  fs.fsyncDir('/d'); // the removal is durable now
  await loop.run(early, 1000);
  fs.crash();
  expect(fs.exists('/d/g')).toBe(false);
});
