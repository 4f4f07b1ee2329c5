// Log lines whose volume a peer controls (connections closed for garbage, connections refused
// at a limit) must not let that peer fill the disk or drown the log: the first event of a kind
// is logged at info at once, later ones within the interval only at debug, and one info line
// per interval says how many there were. Quiet again for a whole interval, the next event is
// logged at once.

import { log } from './log.ts';
import type { Cancel, Scheduler } from './scheduler.ts';

/** How often a summary of repeated events is logged. */
export const LOG_SUMMARY_INTERVAL_MS = 5_000;

interface Pending {
  count: number;
  last: string;
}

export class LogSummary {
  private readonly pending = new Map<string, Pending>();
  private timer: Cancel | null = null;

  constructor(
    /** The node's timers (the summary line is due an interval after the first event). */
    private readonly scheduler: Scheduler,
    private readonly intervalMs = LOG_SUMMARY_INTERVAL_MS,
    private readonly info: (msg: string) => void = log.info,
    private readonly debug: (msg: string) => void = log.debug,
  ) {}

  /** One event of `kind` (e.g. "connection closed: bad request"), `detail` saying which. */
  event(kind: string, detail: string): void {
    this.debug(`${kind}: ${detail}`);
    const p = this.pending.get(kind);
    if (p !== undefined) {
      p.count++;
      p.last = detail;
      return;
    }
    this.info(`${kind}: ${detail} (more like this are counted, with a summary every ${this.intervalMs / 1000} s)`);
    this.pending.set(kind, { count: 0, last: detail });
    if (this.timer === null) this.timer = this.scheduler.after(this.intervalMs, () => this.summarize());
  }

  /** Logs the counts of the interval that ended; kinds with none are forgotten. */
  private summarize(): void {
    this.timer = null;
    for (const [kind, p] of this.pending) {
      if (p.count === 0) {
        this.pending.delete(kind);
        continue;
      }
      this.info(`${kind}: ${p.count} more in the last ${this.intervalMs / 1000} s (last: ${p.last})`);
      p.count = 0;
    }
    if (this.pending.size > 0) this.timer = this.scheduler.after(this.intervalMs, () => this.summarize());
  }

  stop(): void {
    this.timer?.();
    this.timer = null;
  }
}
