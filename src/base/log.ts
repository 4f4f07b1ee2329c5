// A small leveled logger writing one line per event to stderr, stamped with the wall clock (the
// lines are for people, never read back, so the stamp does not make a simulation diverge).
// FRESHET_LOG=debug|info|warn|error picks the level (default info); src/main.ts reads it.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold = ORDER.info;

/** The level named by FRESHET_LOG's value; info when unset or unknown. */
export function logLevelOf(text: string | undefined): Level {
  return text !== undefined && Object.hasOwn(ORDER, text) ? (text as Level) : 'info';
}

function emit(level: Level, msg: string): void {
  if (ORDER[level] < threshold) return;
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}\n`);
}

export const log = {
  debug: (msg: string): void => emit('debug', msg),
  info: (msg: string): void => emit('info', msg),
  warn: (msg: string): void => emit('warn', msg),
  error: (msg: string): void => emit('error', msg),
  setLevel(level: Level): void {
    threshold = ORDER[level];
  },
};

/** A run of repeats still going is summarised at most this often. */
export const REPEAT_SUMMARY_INTERVAL_MS = 60_000;

/**
 * A condition that can repeat many times a second (a full disk refusing every write): its first
 * occurrence is logged, repeats are only counted, and the end of the run is logged once with
 * the count. A run still going is summarised every REPEAT_SUMMARY_INTERVAL_MS. A different
 * message starts a new run. One line per run, not a line (or a stack) per repeat.
 */
export class RepeatedLog {
  private message: string | null = null;
  private count = 0;
  private sinceSummary = 0;
  private lastSummaryMs = 0;

  constructor(
    private readonly level: 'warn' | 'error',
    /** Milliseconds from the node's clock (a run is summarised every REPEAT_SUMMARY_INTERVAL_MS). */
    private readonly nowMs: () => number,
  ) {}

  /** True while a run is going (between the first occurrence and resolved()). */
  get active(): boolean {
    return this.message !== null;
  }

  /** Times the current run's condition occurred. */
  get occurrences(): number {
    return this.count;
  }

  occurred(message: string): void {
    const now = this.nowMs();
    if (message !== this.message) {
      emit(this.level, message);
      this.message = message;
      this.count = 1;
      this.sinceSummary = 0;
      this.lastSummaryMs = now;
      return;
    }
    this.count++;
    this.sinceSummary++;
    if (now - this.lastSummaryMs >= REPEAT_SUMMARY_INTERVAL_MS) {
      emit(this.level, `${message} (${this.sinceSummary} more times since it was last logged, ${this.count} in all)`);
      this.sinceSummary = 0;
      this.lastSummaryMs = now;
    }
  }

  /** Ends the run, logging `message` with how many times the condition occurred. */
  resolved(message: string): void {
    if (this.message === null) return;
    emit('info', `${message} (after ${this.count} time${this.count === 1 ? '' : 's'})`);
    this.message = null;
    this.count = 0;
  }
}
