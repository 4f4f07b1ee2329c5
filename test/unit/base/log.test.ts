import { expect, test } from 'bun:test';
import { log, logger, loggerLevel, REPEAT_SUMMARY_INTERVAL_MS, RepeatedLog, resetLoggerLevels, setLoggerLevel } from '../../../src/base/log.ts';
import { captureStderr } from '../../helpers/stderr.ts';

const stderr = captureStderr();

test('a repeated condition is logged once, then its end with the count', () => {
  let now = 0;
  const r = new RepeatedLog('error', () => now);
  for (let i = 0; i < 500; i++) {
    now += 500; // twice a second for four minutes and more
    r.occurred('partition t-0: disk full');
  }
  r.resolved('partition t-0: writable again');
  const errors = stderr.lines.filter((l) => l.includes('ERROR'));
  // The first line, then at most one summary per interval: not one per repeat.
  expect(errors[0]).toContain('partition t-0: disk full\n');
  expect(errors.length).toBeLessThanOrEqual(1 + Math.ceil((500 * 500) / REPEAT_SUMMARY_INTERVAL_MS));
  expect(stderr.lines[stderr.lines.length - 1]).toContain('INFO  partition t-0: writable again (after 500 times)');
  expect(r.active).toBe(false);
});

test('a different message starts a new run; resolving with no run logs nothing', () => {
  const r = new RepeatedLog('warn', () => 0);
  r.resolved('nothing to say');
  expect(stderr.lines).toEqual([]);
  r.occurred('a');
  r.occurred('a');
  r.occurred('b');
  expect(stderr.lines.length).toBe(2);
  expect(r.occurrences).toBe(1);
});

test('levels per subsystem: one made verbose logs its debug stderr.lines, the others follow root', () => {
  try {
    setLoggerLevel('raft', 'debug');
    logger('raft').debug('raft detail');
    logger('storage').debug('storage detail');
    log.debug('root detail');
    expect(stderr.lines.map((l) => l.slice(25))).toEqual(['DEBUG raft detail\n']);
    expect(loggerLevel('storage')).toBe('info');
    // Root's level is the default of the subsystems without one of their own.
    setLoggerLevel('root', 'error');
    expect(loggerLevel('storage')).toBe('error');
    expect(loggerLevel('raft')).toBe('debug');
    logger('storage').warn('storage warning');
    logger('raft').trace('raft trace');
    expect(stderr.lines.length).toBe(1);
  } finally {
    setLoggerLevel('root', 'info');
    resetLoggerLevels();
    expect(loggerLevel('raft')).toBe('info');
  }
});
