// A small leveled logger writing one line per event to stderr.
// FRESHET_LOG=debug|info|warn|error picks the level (default info).

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold = ORDER[(process.env.FRESHET_LOG as Level) ?? 'info'] ?? ORDER.info;

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
