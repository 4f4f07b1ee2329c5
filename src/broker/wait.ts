// Waiting for partitions to make progress (Fetch long polls), bounded by a timeout and by a
// wake signal (the connection closed, or the node is stopping and answers what it has).
// Resolves on the first of the three and always unregisters every listener it added: a
// consumer connection serves a long poll after another for hours, so a listener left behind
// per poll is memory that grows for the life of the connection. (A Promise cannot do this:
// callbacks added with .then() stay until it settles, which a live connection's never does.)

import type { Scheduler } from '../base/scheduler.ts';

/** What a long poll listens to on a partition (cluster/partition.ts). */
export interface ProgressSource {
  /** Calls `fn` on the next append or log-start change; returns the remover. */
  onProgress(fn: () => void): () => void;
}

/** Fires once when waiting requests must answer at once; listeners unsubscribe themselves. */
export class WakeSignal {
  private readonly listeners = new Set<() => void>();
  private hasFired = false;

  get fired(): boolean {
    return this.hasFired;
  }

  /** Listeners currently registered (a test seam: it must return to 0 between waits). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls `fn` when the signal fires, at once if it has; returns the remover. */
  subscribe(fn: () => void): () => void {
    if (this.hasFired) {
      fn();
      return () => {};
    }
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  fire(): void {
    if (this.hasFired) return;
    this.hasFired = true;
    const all = [...this.listeners];
    this.listeners.clear();
    for (const fn of all) fn();
  }
}

export function waitForProgress(
  partitions: readonly ProgressSource[],
  timeoutMs: number,
  wake: WakeSignal,
  scheduler: Scheduler,
): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const removers: Array<() => void> = [];
    const finish = (): void => {
      if (done) return;
      done = true;
      cancelTimer();
      for (const r of removers) r();
      resolve();
    };
    const cancelTimer = scheduler.after(timeoutMs, finish);
    for (const p of partitions) removers.push(p.onProgress(finish));
    removers.push(wake.subscribe(finish));
  });
}
