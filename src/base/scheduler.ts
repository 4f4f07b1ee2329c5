// Timers behind an interface, so the group state machine runs on simulated time in tests.
// The coordinator reads time only through a Clock and waits only through a Scheduler; the
// simulated twin fires timers in due order as the test advances its ManualClock.

import { type Clock, ManualClock } from '../base/clock.ts';

/** Cancels a scheduled callback; cancelling twice or after it fired does nothing. */
export type Cancel = () => void;

export interface Scheduler {
  /** Calls fn once, delayMs (monotonic) from now. */
  after(delayMs: number, fn: () => void): Cancel;
}

/** Real timers (setTimeout), unref'd so that they never keep the process alive. */
export const systemScheduler: Scheduler = {
  after(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    (t as { unref?: () => void }).unref?.();
    return () => clearTimeout(t);
  },
};

interface SimTimer {
  dueMs: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/** The simulated twin: timers fire only inside advance(), in (due time, creation) order. */
export class SimScheduler implements Scheduler {
  readonly clock: ManualClock;
  private timers: SimTimer[] = [];
  private seq = 0;

  constructor(clock: ManualClock = new ManualClock()) {
    this.clock = clock;
  }

  after(delayMs: number, fn: () => void): Cancel {
    const t: SimTimer = { dueMs: this.clock.monotonicMs() + Math.max(0, delayMs), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.clock.monotonicMs() + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => t.live);
      let next: SimTimer | null = null;
      for (const t of this.timers) {
        if (t.dueMs <= end && (next === null || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.seq < next.seq))) next = t;
      }
      if (next === null) break;
      this.clock.advance(next.dueMs - this.clock.monotonicMs());
      next.live = false;
      next.fn();
    }
    this.clock.advance(end - this.clock.monotonicMs());
  }

  /** Timers still waiting (for assertions that nothing leaks). */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}

export type { Clock };
