// The summarized log: the first event of a kind at once, the rest counted into one line per
// interval, so a peer that causes events cannot make the log grow with them.

import { describe, expect, test } from 'bun:test';
import { LogSummary } from '../../../src/base/log-summary.ts';
import type { Cancel, Scheduler } from '../../../src/base/scheduler.ts';

/** Timers fired by hand. */
class ManualTimers implements Scheduler {
  pending: Array<() => void> = [];
  after(_delayMs: number, fn: () => void): Cancel {
    this.pending.push(fn);
    return () => {
      this.pending = this.pending.filter((f) => f !== fn);
    };
  }
  nextTurn(fn: () => void): void {
    this.after(0, fn);
  }
  fire(): void {
    const due = this.pending;
    this.pending = [];
    for (const fn of due) fn();
  }
}

function setup() {
  const info: string[] = [];
  const debug: string[] = [];
  const timers = new ManualTimers();
  const summary = new LogSummary(timers, 5_000, (m) => info.push(m), (m) => debug.push(m));
  return { info, debug, timers, summary };
}

describe('LogSummary', () => {
  test('10,000 events: one line at once, one summary per interval, every event at debug', () => {
    const { info, debug, timers, summary } = setup();
    for (let i = 0; i < 10_000; i++) summary.event('connection closed for a bad request', `connection ${i}`);
    expect(info).toEqual(['connection closed for a bad request: connection 0 (more like this are counted, with a summary every 5 s)']);
    expect(debug.length).toBe(10_000);
    timers.fire();
    expect(info[1]).toBe('connection closed for a bad request: 9999 more in the last 5 s (last: connection 9999)');
    expect(timers.pending.length).toBe(1);
    // A quiet interval: nothing logged, and the kind is forgotten.
    timers.fire();
    expect(info.length).toBe(2);
    expect(timers.pending.length).toBe(0);
    summary.event('connection closed for a bad request', 'again');
    expect(info[2]).toStartWith('connection closed for a bad request: again');
  });

  test('kinds are counted apart', () => {
    const { info, timers, summary } = setup();
    summary.event('a', '1');
    summary.event('b', '1');
    summary.event('a', '2');
    timers.fire();
    expect(info).toEqual([
      'a: 1 (more like this are counted, with a summary every 5 s)',
      'b: 1 (more like this are counted, with a summary every 5 s)',
      'a: 1 more in the last 5 s (last: 2)',
    ]);
    summary.stop();
    expect(timers.pending.length).toBe(0);
  });
});
