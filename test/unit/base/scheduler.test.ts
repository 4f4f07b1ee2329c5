// The simulated scheduler fires timers in (due time, creation) order whatever order they were
// made in, runNext fires one at a time, every() repeats until cancelled, and a killed process's
// timers never fire.

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { every, ProcessScheduler, SimScheduler } from '../../../src/base/scheduler.ts';

test('timers fire in due order, ties in creation order, cancelled ones never', () => {
  const s = new SimScheduler(new ManualClock());
  const prng = new Prng(3);
  const fired: Array<[number, number]> = [];
  const cancels = [];
  for (let i = 0; i < 500; i++) {
    const due = prng.int(0, 50);
    cancels.push(s.after(due, () => fired.push([s.clock.monotonicMs(), i])));
  }
  for (let i = 0; i < 500; i += 7) cancels[i]();
  expect(s.pending).toBe(500 - 72);
  s.advance(100);
  expect(fired.length).toBe(500 - 72);
  const sorted = [...fired].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  expect(fired).toEqual(sorted);
  expect(fired.some(([, i]) => i % 7 === 0)).toBe(false);
  expect(s.pending).toBe(0);
});

test('runNext fires one timer and moves the clock to it; nothing due, nothing moves', () => {
  const s = new SimScheduler(new ManualClock());
  const fired: number[] = [];
  s.after(30, () => fired.push(30));
  s.after(10, () => fired.push(10));
  expect(s.nextDueMs).toBe(10);
  expect(s.runNext(5)).toBe(false);
  expect(s.clock.monotonicMs()).toBe(0);
  expect(s.runNext()).toBe(true);
  expect([fired, s.clock.monotonicMs()]).toEqual([[10], 10]);
});

test('every() repeats at its interval until cancelled', () => {
  const s = new SimScheduler(new ManualClock());
  const at: number[] = [];
  const cancel = every(s, 250, () => at.push(s.clock.monotonicMs()));
  s.advance(1000);
  cancel();
  s.advance(1000);
  expect(at).toEqual([250, 500, 750, 1000]);
});

test('a killed process runs none of its timers, others run on', () => {
  const s = new SimScheduler(new ManualClock());
  const dying = new ProcessScheduler(s);
  const living = new ProcessScheduler(s);
  const fired: string[] = [];
  dying.after(10, () => fired.push('dying'));
  dying.nextTurn(() => fired.push('dying turn'));
  living.after(10, () => fired.push('living'));
  dying.kill();
  dying.after(1, () => fired.push('after death'));
  s.advance(20);
  expect(fired).toEqual(['living']);
});
