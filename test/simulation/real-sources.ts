// Watches the ways code could reach real time or randomness while a simulated run goes: a call
// from src/ (or the tests) during the run is a leak that would make a seed not replay.

import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';

const SRC_DIR = join(import.meta.dir, '../../src/');
const TEST_DIR = join(import.meta.dir, '../');
const SELF = import.meta.path;

/** The ways code could reach real time or randomness. */
const REAL_SOURCES: Array<[object, string]> = [
  [globalThis, 'setTimeout'],
  [globalThis, 'setInterval'],
  [Date, 'now'],
  [performance, 'now'],
  [Math, 'random'],
  [crypto, 'getRandomValues'],
  [crypto, 'randomUUID'],
];

/** Marks the async context of a watched run: its awaits, timers and microtasks carry it. */
const watchedRun = new AsyncLocalStorage<true>();

/**
 * Runs `fn` with every real source wrapped; returns its result and every call made to one from
 * within the run, with the first frame of ours that made it (a frame may be missing where a call
 * was a tail call). A call from outside the run's async context is not the run's: under `bun
 * test` every file shares one process, and a timer left by an earlier file may fire while a
 * simulated run awaits.
 */
export async function withRealSourcesWatched<T>(fn: () => Promise<T>): Promise<{ result: T; leaks: string[] }> {
  const leaks: string[] = [];
  const saved = REAL_SOURCES.map(([owner, name]) => [owner, name, (owner as Record<string, unknown>)[name]] as const);
  for (const [owner, name, real] of saved) {
    (owner as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      if (watchedRun.getStore() !== true) return (real as (...a: unknown[]) => unknown).apply(this, args);
      const from = new Error().stack?.split('\n').find((l) => (l.includes(SRC_DIR) || l.includes(TEST_DIR)) && !l.includes(SELF));
      leaks.push(`${name}: ${from?.trim() ?? '(no frame of ours)'}`);
      return (real as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  try {
    return { result: await watchedRun.run(true, fn), leaks };
  } finally {
    for (const [owner, name, real] of saved) (owner as Record<string, unknown>)[name] = real;
  }
}
