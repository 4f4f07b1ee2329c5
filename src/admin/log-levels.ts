// Log levels changed at run time (GET/PUT /v1/config/log_level/{name}), with Redpanda's rules
// (admin/server.cc, set_log_level and log_level_timer_handler):
// - a PUT without `expires` lasts 600 s; expires=0 never expires; the level in force before the
//   first change is restored when the change expires (a later PUT before that keeps the
//   original level to restore and moves the expiry);
// - GET answers {name, level, expiration}: the seconds left, 0 when nothing expires;
// - an unknown logger or level is 400 "Cannot set log level: unknown logger {x}" /
//   "Cannot set log level for {x}: unknown level {y}".
// The levels themselves live in base/log.ts; the clock and timer come from the node's deps.

import type { Clock } from '../base/clock.ts';
import { isLevel, isLoggerName, type Level, logger, LOGGER_NAMES, type LoggerName, loggerLevel, setLoggerLevel } from '../base/log.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';

/** Redpanda's default lifetime of a level set without `expires` (clamp_expiry: 600 s). */
export const LOG_LEVEL_EXPIRES_DEFAULT_S = 600;
/** The longest `expires` taken: a week (Redpanda parses an unsigned int of seconds). */
export const LOG_LEVEL_EXPIRES_MAX_S = 7 * 24 * 3600;

/** Where the levels are read and set: base/log.ts in a node, a map in a unit test. */
export interface LevelStore {
  get(name: LoggerName): Level;
  set(name: LoggerName, level: Level): void;
}

const adminLog = logger('admin');

export const PROCESS_LEVELS: LevelStore = { get: loggerLevel, set: setLoggerLevel };

export type LogLevelAnswer =
  | { ok: true; body: Record<string, string | number> }
  | { ok: false; message: string };

interface Reset {
  readonly restore: Level;
  expiresAtMs: number | null;
  cancel: Cancel | null;
}

export class LogLevels {
  private readonly resets = new Map<LoggerName, Reset>();

  constructor(
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly store: LevelStore = PROCESS_LEVELS,
  ) {}

  names(): readonly LoggerName[] {
    return LOGGER_NAMES;
  }

  level(name: LoggerName): Level {
    return this.store.get(name);
  }

  get(name: string): LogLevelAnswer {
    if (!isLoggerName(name)) return { ok: false, message: `Cannot set log level: unknown logger {${name}}` };
    const at = this.resets.get(name)?.expiresAtMs ?? null;
    const expiration = at === null ? 0 : Math.max(0, Math.floor((at - this.clock.monotonicMs()) / 1000));
    return { ok: true, body: { name, level: this.store.get(name), expiration } };
  }

  set(name: string, levelText: string | null, expiresText: string | null): LogLevelAnswer {
    if (!isLoggerName(name)) return { ok: false, message: `Cannot set log level: unknown logger {${name}}` };
    const level = levelText ?? '';
    if (!isLevel(level)) return { ok: false, message: `Cannot set log level for {${name}}: unknown level {${level}}` };
    let expiresS = LOG_LEVEL_EXPIRES_DEFAULT_S;
    if (expiresText !== null && expiresText !== '') {
      if (!/^\d{1,10}$/.test(expiresText) || Number(expiresText) > LOG_LEVEL_EXPIRES_MAX_S) {
        return { ok: false, message: `Cannot set log level for {${name}}: invalid expires value {${expiresText}} (seconds, at most ${LOG_LEVEL_EXPIRES_MAX_S})` };
      }
      expiresS = Number(expiresText);
    }
    const previous = this.store.get(name);
    this.store.set(name, level);
    const reset = this.resets.get(name) ?? { restore: previous, expiresAtMs: null, cancel: null };
    reset.cancel?.();
    reset.cancel = null;
    reset.expiresAtMs = null;
    if (expiresS > 0) {
      reset.expiresAtMs = this.clock.monotonicMs() + expiresS * 1000;
      reset.cancel = this.scheduler.after(expiresS * 1000, () => this.expire(name));
    }
    this.resets.set(name, reset);
    // Redpanda logs the same: "Set log level for {x}: info -> debug (expiring 300s)".
    adminLog.info(`set log level for {${name}}: ${previous} -> ${level} (expiring ${expiresS > 0 ? `${expiresS}s` : 'NEVER'})`);
    return { ok: true, body: { name, previous_level: previous, new_level: level, expiration: expiresS } };
  }

  /** Stops the expiry timers (the node stops). */
  close(): void {
    for (const r of this.resets.values()) r.cancel?.();
  }

  private expire(name: LoggerName): void {
    const reset = this.resets.get(name);
    if (reset === undefined) return;
    this.resets.delete(name);
    this.store.set(name, reset.restore);
    adminLog.info(`log level for {${name}} expired: back to ${reset.restore}`);
  }
}
