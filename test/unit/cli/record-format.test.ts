// The consume format string and the produce line split, against kcat's documented behaviour
// (kcat README "Output format": %t %p %o %T %k %s %h %K %S; -K splits a line at the first
// delimiter; a null key prints as nothing and its length as -1).

import { describe, expect, test } from 'bun:test';
import { UsageError } from '../../../src/base/flags.ts';
import { DEFAULT_FORMAT, formatRecord as formatBytes, lineRecord, parseFormat, parseHeader, recordJson } from '../../../src/cli/record-format.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

const formatRecord = (tokens: ReturnType<typeof parseFormat>, r: Parameters<typeof formatBytes>[1]): string => new TextDecoder().decode(formatBytes(tokens, r));

const record = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  timestamp: 1700000000123,
  key: enc('k1'),
  value: enc('héllo'),
  headers: [
    { key: 'a', value: enc('1') },
    { key: 'b', value: null },
  ],
};

describe('format strings', () => {
  test("kcat's tokens print the record's fields", () => {
    expect(formatRecord(parseFormat('%t/%p@%o %T %k=%s [%h] %K %S\\n'), record)).toBe('orders/2@41 1700000000123 k1=héllo [a=1,b=] 2 6\n');
  });

  test('%v is the value too; %% is a percent sign; escapes', () => {
    expect(formatRecord(parseFormat('%v%%\\t|\\\\'), record)).toBe('héllo%\t|\\');
  });

  test('a null key or value prints nothing, its length -1', () => {
    expect(formatRecord(parseFormat('[%k][%v] %K %S'), { ...record, key: null, value: null })).toBe('[][] -1 -1');
  });

  test('the default prints the value and a newline, as kcat -C', () => {
    expect(formatRecord(parseFormat(DEFAULT_FORMAT), record)).toBe('héllo\n');
  });

  test('keys and values are written byte for byte (binary passes through)', () => {
    const binary = new Uint8Array([0x00, 0xff, 0xfe, 0x0a, 0x80]);
    expect([...formatBytes(parseFormat('%k|%v'), { ...record, key: binary, value: binary })]).toEqual([...binary, 0x7c, ...binary]);
  });

  test('unknown tokens and a dangling % or \\ are usage errors', () => {
    expect(() => parseFormat('%x')).toThrow(UsageError);
    expect(() => parseFormat('abc%')).toThrow(UsageError);
    expect(() => parseFormat('abc\\')).toThrow(UsageError);
    expect(() => parseFormat('\\q')).toThrow(UsageError);
  });

  test('--format json: one object, text fields, null kept', () => {
    expect(JSON.parse(recordJson({ ...record, key: null }))).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41,
      timestamp: 1700000000123,
      key: null,
      value: 'héllo',
      headers: [
        { key: 'a', value: '1' },
        { key: 'b', value: null },
      ],
    });
  });
});

describe('produce lines', () => {
  test('-K splits at the first separator; the rest stays in the value', () => {
    const r = lineRecord(enc('user-1::a::b'), enc('::'));
    expect(dec(r.key)).toBe('user-1');
    expect(dec(r.value)).toBe('a::b');
  });

  test('a line without the separator has no key; an empty key is a key', () => {
    expect(lineRecord(enc('plain'), enc(':')).key).toBeNull();
    expect(dec(lineRecord(enc(':v'), enc(':')).key)).toBe('');
  });

  test('without -K the whole line is the value', () => {
    const r = lineRecord(enc('a:b'), null);
    expect(r.key).toBeNull();
    expect(dec(r.value)).toBe('a:b');
  });

  test('-H key=value; an empty value is allowed, an empty key is not', () => {
    expect(parseHeader('trace=abc=1')).toEqual({ key: 'trace', value: 'abc=1' });
    expect(parseHeader('e=')).toEqual({ key: 'e', value: '' });
    expect(() => parseHeader('=v')).toThrow(UsageError);
    expect(() => parseHeader('novalue')).toThrow(UsageError);
  });
});
