// Drives a simulation: fires the SimScheduler's timers one at a time and lets every promise
// settle between them, as a real event loop runs each callback's continuations before the next
// event. Nothing real happens in between (no real timer or I/O is pending in a simulated node),
// so one turn of the host's event loop (setImmediate) settles everything a step started, and
// the run depends only on the seed.

import type { SimScheduler } from '../../src/base/scheduler.ts';

/** Steps of one run at most: a run that does not finish within them is a bug (a livelock). */
export const SIM_STEPS_MAX = 2_000_000;

export class SimLoop {
  steps = 0;

  constructor(readonly scheduler: SimScheduler) {}

  get nowMs(): number {
    return this.scheduler.clock.monotonicMs();
  }

  /** Lets every promise that can settle now settle. */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** One event: settles, then fires the next timer due by `untilMs`; false when there is none. */
  async step(untilMs = Infinity): Promise<boolean> {
    await this.settle();
    if (++this.steps > SIM_STEPS_MAX) throw new Error(`simulation: more than ${SIM_STEPS_MAX} steps`);
    const fired = this.scheduler.runNext(untilMs);
    if (fired) await this.settle();
    return fired;
  }

  /** Runs until `done()` holds; throws once `limitMs` of simulated time pass without it. */
  async until(done: () => boolean, limitMs: number, what: string): Promise<void> {
    const deadline = this.nowMs + limitMs;
    await this.settle();
    while (!done()) {
      if (!(await this.step(deadline))) {
        if (done()) return;
        throw new Error(`simulation: ${what} did not happen within ${limitMs} ms (simulated, at ${this.nowMs} ms)`);
      }
    }
  }

  /** Awaits `p` while the simulation runs; throws if it is still pending after `limitMs`. */
  async run<T>(p: Promise<T>, limitMs: number, what = 'a call'): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    await this.until(() => settled, limitMs, what);
    return watched;
  }

  /** Lets `ms` of simulated time pass, firing what falls due. */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    while (await this.step(end)) {
      // one timer per step
    }
    this.scheduler.clock.advance(end - this.nowMs);
    await this.settle();
  }
}
