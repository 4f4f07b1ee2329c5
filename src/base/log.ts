// A small leveled logger writing one line per event to stderr, stamped with the wall clock (the
// lines are for people, never read back, so the stamp does not make a simulation diverge).
// FRESHET_LOG=trace|debug|info|warn|error picks the root level (default info); src/main.ts reads it.
//
// Levels are kept per named logger (a subsystem: `logger('raft')`), as Redpanda's (Seastar's)
// logger registry does, so the admin API can make one subsystem verbose at run time
// (PUT /v1/config/log_level/{name}). A subsystem without a level of its own follows `root`,
// which is also the level of `log`, the logger most code still uses.
//
// Two formats (`freshet start --log-format`, FRESHET_LOG_FORMAT, the config file's key):
// - text, the default: `<ISO time> <LEVEL padded to 5> <message>`, for people and greps;
// - json: one JSON object per line (JSON Lines, https://jsonlines.org/) with `time` (ISO 8601,
//   UTC), `level` (Seastar's names, as the admin API takes them), `logger` (the subsystem),
//   `message`, and the call site's structured fields, for log shippers (Loki, Elasticsearch,
//   Cloud Logging read these as fields rather than parsing text).
// A call site's fields are written in json only: its message already says the same in words,
// so a text line stays exactly what it was.

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { trace: -1, debug: 0, info: 1, warn: 2, error: 3 };

/** Every level, most verbose first (Seastar's names, which Redpanda's admin API takes). */
export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error'];

/** The named loggers: `root` (the default of all, and `log`'s) and one per subsystem. */
export const LOGGER_NAMES = ['root', 'kafka', 'storage', 'raft', 'rpc', 'cluster', 'groups', 'registry', 'proxy', 'admin'] as const;
export type LoggerName = (typeof LOGGER_NAMES)[number];

let threshold = ORDER.info;
/** Subsystems given a level of their own; the others follow root. */
const own = new Map<LoggerName, Level>();

/** The level named by FRESHET_LOG's value; info when unset or unknown. */
export function logLevelOf(text: string | undefined): Level {
  return isLevel(text) ? text : 'info';
}

export function isLevel(text: string | undefined): text is Level {
  return text !== undefined && Object.hasOwn(ORDER, text);
}

export function isLoggerName(text: string): text is LoggerName {
  return (LOGGER_NAMES as readonly string[]).includes(text);
}

/** A logger's effective level: its own, else root's. */
export function loggerLevel(name: LoggerName): Level {
  if (name === 'root') return LEVELS.find((l) => ORDER[l] === threshold)!;
  return own.get(name) ?? loggerLevel('root');
}

/** Sets a logger's level (root's sets the default of every subsystem without one of its own). */
export function setLoggerLevel(name: LoggerName, level: Level): void {
  if (name === 'root') threshold = ORDER[level];
  else own.set(name, level);
}

/** Every subsystem follows root again (tests that changed levels put them back). */
export function resetLoggerLevels(): void {
  own.clear();
}

export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** Structured fields of one line: JSON scalars (what a log shipper indexes). */
export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

/** The keys every json line has; a field of the same name is written with a `field_` prefix. */
const FIXED_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'logger', 'message']);

let format: LogFormat = 'text';

export function isLogFormat(text: string | undefined): text is LogFormat {
  return text === 'text' || text === 'json';
}

/** The process's log format (set once at start, before the first line). */
export function setLogFormat(f: LogFormat): void {
  format = f;
}

export function logFormat(): LogFormat {
  return format;
}

/** One line in `f`, newline included. Pure: the time is given. */
export function formatLine(f: LogFormat, time: Date, level: Level, name: LoggerName, msg: string, fields?: LogFields): string {
  // The text line is the same whatever the logger: tests and operators' greps read the message.
  if (f === 'text') return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}\n`;
  const line: Record<string, unknown> = { time: time.toISOString(), level, logger: name, message: msg };
  for (const [k, v] of Object.entries(fields ?? {})) line[FIXED_KEYS.has(k) ? `field_${k}` : k] = v;
  // JSON.stringify escapes newlines and control characters: one event stays one line.
  return `${JSON.stringify(line)}\n`;
}

function emit(level: Level, msg: string, name: LoggerName = 'root', fields?: LogFields): void {
  const at = name === 'root' ? threshold : ORDER[own.get(name) ?? loggerLevel('root')];
  if (ORDER[level] < at) return;
  process.stderr.write(formatLine(format, new Date(), level, name, msg, fields));
}

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** A subsystem's logger: its lines are filtered by its level (root's unless it has its own). */
export function logger(name: LoggerName): Logger {
  return {
    trace: (msg, fields) => emit('trace', msg, name, fields),
    debug: (msg, fields) => emit('debug', msg, name, fields),
    info: (msg, fields) => emit('info', msg, name, fields),
    warn: (msg, fields) => emit('warn', msg, name, fields),
    error: (msg, fields) => emit('error', msg, name, fields),
  };
}

export const log = {
  ...logger('root'),
  setLevel(level: Level): void {
    setLoggerLevel('root', level);
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
