// Timers behind an interface, so that everything that waits (group sessions, retention, flush
// retries, long polls, request timeouts, simulated network and disk latency) runs on simulated
// time in tests and simulations. Code below src/cli waits only through a Scheduler and reads
// time only through a Clock; the simulated twin fires timers in due order as the test moves
// its ManualClock, so one seed replays the same interleaving (TigerBeetle's simulator drives
// its replicas the same way: one clock, one queue of events, nothing from the host).

import { type Clock, ManualClock } from './clock.ts';

/** Cancels a scheduled callback; cancelling twice or after it fired does nothing. */
export type Cancel = () => void;

export interface Scheduler {
  /** Calls fn once, delayMs (monotonic) from now. */
  after(delayMs: number, fn: () => void): Cancel;
  /**
   * Calls fn on a later turn of the event loop, after the I/O ready now (setImmediate): how a
   * long job (a compaction pass, a checkpoint sweep) yields so requests are served meanwhile.
   */
  nextTurn(fn: () => void): void;
}

/** Real timers, unref'd so that they never keep the process alive. */
export const systemScheduler: Scheduler = {
  after(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    (t as { unref?: () => void }).unref?.();
    return () => clearTimeout(t);
  },
  nextTurn(fn) {
    setImmediate(fn);
  },
};

/** Calls fn every intervalMs until cancelled (each run is scheduled after the previous one). */
export function every(scheduler: Scheduler, intervalMs: number, fn: () => void): Cancel {
  let cancelled = false;
  let cancelNext: Cancel = () => {};
  const arm = (): void => {
    cancelNext = scheduler.after(intervalMs, () => {
      if (cancelled) return;
      arm();
      fn();
    });
  };
  arm();
  return () => {
    cancelled = true;
    cancelNext();
  };
}

/** Resolves after delayMs. */
export function sleep(scheduler: Scheduler, delayMs: number): Promise<void> {
  return new Promise((resolve) => scheduler.after(delayMs, resolve));
}

/** Resolves on a later turn of the event loop. */
export function nextTurn(scheduler: Scheduler): Promise<void> {
  return new Promise((resolve) => scheduler.nextTurn(resolve));
}

interface SimTimer {
  dueMs: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

function earlier(a: SimTimer, b: SimTimer): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

/**
 * The simulated twin: timers fire only inside advance() or runNext(), in (due time, creation)
 * order, so a run depends on nothing but its inputs. A zero delay (nextTurn) fires at the
 * same simulated time, after the timers created before it.
 */
export class SimScheduler implements Scheduler {
  readonly clock: ManualClock;
  /** A binary min-heap on (dueMs, seq); cancelled timers are dropped when they reach the top. */
  private readonly heap: SimTimer[] = [];
  private seq = 0;
  private live = 0;

  constructor(clock: ManualClock = new ManualClock()) {
    this.clock = clock;
  }

  after(delayMs: number, fn: () => void): Cancel {
    const t: SimTimer = { dueMs: this.clock.monotonicMs() + Math.max(0, delayMs), seq: this.seq++, fn, live: true };
    this.push(t);
    this.live++;
    return () => {
      if (!t.live) return;
      t.live = false;
      this.live--;
    };
  }

  nextTurn(fn: () => void): void {
    this.after(0, fn);
  }

  /** Moves time forward by ms, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.clock.monotonicMs() + ms;
    while (this.runNext(end)) {
      // each call fires one timer
    }
    this.clock.advance(end - this.clock.monotonicMs());
  }

  /**
   * Fires the earliest timer due at or before `untilMs` (monotonic), moving the clock to its
   * due time; false when there is none (the clock does not move). A simulation calls this once
   * per step and lets promises settle between steps, so the continuations of one event run
   * before the next event, as on a real event loop.
   */
  runNext(untilMs = Infinity): boolean {
    const t = this.peek();
    if (t === null || t.dueMs > untilMs) return false;
    this.pop();
    t.live = false;
    this.live--;
    if (t.dueMs > this.clock.monotonicMs()) this.clock.advance(t.dueMs - this.clock.monotonicMs());
    t.fn();
    return true;
  }

  /** Due time (monotonic) of the next live timer, or null when none waits. */
  get nextDueMs(): number | null {
    return this.peek()?.dueMs ?? null;
  }

  /** Timers still waiting (for assertions that nothing leaks). */
  get pending(): number {
    return this.live;
  }

  private peek(): SimTimer | null {
    while (this.heap.length > 0 && !this.heap[0].live) this.pop();
    return this.heap[0] ?? null;
  }

  private push(t: SimTimer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && earlier(h[l], h[m])) m = l;
      if (r < h.length && earlier(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

/**
 * The timers of one simulated process on a shared scheduler: kill() drops every one of them, as
 * the process's death does (a crashed node's retries, flush completions and retention runs never
 * fire). A restarted node gets a new one.
 */
export class ProcessScheduler implements Scheduler {
  private dead = false;

  constructor(private readonly parent: Scheduler) {}

  after(delayMs: number, fn: () => void): Cancel {
    if (this.dead) return () => {};
    return this.parent.after(delayMs, () => {
      if (!this.dead) fn();
    });
  }

  nextTurn(fn: () => void): void {
    if (!this.dead) this.parent.nextTurn(() => this.dead || fn());
  }

  kill(): void {
    this.dead = true;
  }

  get killed(): boolean {
    return this.dead;
  }
}

export type { Clock };
