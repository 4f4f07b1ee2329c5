// The two log formats of base/log.ts. Text must stay byte for byte what it was (operators'
// greps and the integration tests read it); json must be JSON Lines (https://jsonlines.org/:
// one valid JSON value per line, lines separated by \n) with time, level, logger and message.

import { afterEach, expect, test } from 'bun:test';
import { formatLine, isLogFormat, logger, LOGGER_NAMES, resetLoggerLevels, setLogFormat, setLoggerLevel } from '../../../src/base/log.ts';
import { captureStderr } from '../../helpers/stderr.ts';

const stderr = captureStderr();
afterEach(() => {
  setLogFormat('text');
  resetLoggerLevels();
  setLoggerLevel('root', 'info');
});

const AT = new Date(Date.UTC(2026, 11, 7, 18, 0, 0, 123));

test('text is the ISO time, the level padded to five, the message; fields are not written', () => {
  expect(formatLine('text', AT, 'info', 'raft', 'became leader', { term: 3 })).toBe('2026-12-07T18:00:00.123Z INFO  became leader\n');
  expect(formatLine('text', AT, 'error', 'root', 'disk full')).toBe('2026-12-07T18:00:00.123Z ERROR disk full\n');
});

test('json is one object per line with time, level, logger, message and the fields', () => {
  const line = formatLine('json', AT, 'warn', 'storage', 'segment torn', { partition: 't-0', bytes: 42, cut: true, leader: null });
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1).includes('\n')).toBe(false);
  expect(JSON.parse(line)).toEqual({ time: '2026-12-07T18:00:00.123Z', level: 'warn', logger: 'storage', message: 'segment torn', partition: 't-0', bytes: 42, cut: true, leader: null });
});

test('a message with newlines and quotes stays one json line and round-trips', () => {
  const msg = 'line one\nline "two"\r\n\ttabbed \u0001';
  const line = formatLine('json', AT, 'info', 'root', msg);
  expect(line.split('\n').length).toBe(2); // the content, then the empty string after the final \n
  expect(JSON.parse(line).message).toBe(msg);
});

test('a field named like a fixed key does not replace it', () => {
  const parsed = JSON.parse(formatLine('json', AT, 'info', 'admin', 'set', { level: 'debug', message: 'x' }));
  expect(parsed.level).toBe('info');
  expect(parsed.message).toBe('set');
  expect(parsed.field_level).toBe('debug');
  expect(parsed.field_message).toBe('x');
});

test('a subsystem logger writes json with its own name once the format is json, and levels still filter', () => {
  setLogFormat('json');
  setLoggerLevel('groups', 'warn');
  logger('groups').info('dropped: below the level');
  logger('groups').warn('kept', { group: 'g1' });
  logger('registry').info('kept too');
  expect(stderr.lines.length).toBe(2);
  const [a, b] = stderr.lines.map((l) => JSON.parse(l));
  expect(a).toMatchObject({ level: 'warn', logger: 'groups', message: 'kept', group: 'g1' });
  expect(b).toMatchObject({ level: 'info', logger: 'registry', message: 'kept too' });
  for (const l of [a, b]) expect(new Date(l.time).toISOString()).toBe(l.time);
});

test('only text and json are formats', () => {
  expect(isLogFormat('text')).toBe(true);
  expect(isLogFormat('json')).toBe(true);
  expect(isLogFormat('JSON')).toBe(false);
  expect(isLogFormat('logfmt')).toBe(false);
  expect(isLogFormat(undefined)).toBe(false);
  expect(LOGGER_NAMES).toContain('root');
});
