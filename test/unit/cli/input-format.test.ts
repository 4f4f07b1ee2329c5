// `topic produce -F`: records read from stdin by a format string, rpk's model (`rpk topic produce
// --help`: "Delimiters match on an exact text basis", "If using sizes to specify something, the
// size must come before what it is specifying", %K{3} a fixed length, "%H{3}%h{ %k=%v }" three
// headers; the escapes \t \n \r \\ \xNN). Expectations come from that text, not from our output.

import { describe, expect, test } from 'bun:test';
import { UsageError } from '../../../src/base/flags.ts';
import { delimiterBytes, type InputRecord, parseInputFormat, readInputRecord } from '../../../src/cli/record-format.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

interface Plain {
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
  partition: number | null;
}

const plain = (r: InputRecord): Plain => ({ key: dec(r.key), value: dec(r.value), headers: r.headers.map((h) => [h.key, dec(h.value)]), partition: r.partition });

/** Every record of `input`, read in one buffer with eof; throws on an error. */
function readAll(format: string, input: string | Uint8Array): Plain[] {
  const f = parseInputFormat(format);
  const data = typeof input === 'string' ? enc(input) : input;
  const out: Plain[] = [];
  let pos = 0;
  while (pos < data.length) {
    const r = readInputRecord(f, data, pos, true);
    if (r.kind !== 'record') throw new Error(r.kind === 'error' ? r.message : 'more');
    out.push(plain(r.record));
    pos = r.next;
  }
  return out;
}

const rec = (key: string | null, value: string, partition: number | null = null, headers: Array<[string, string]> = []): Plain => ({ key, value, headers, partition });

describe('delimiters', () => {
  test('%k and %v read up to the next delimiter, matched exactly', () => {
    expect(readAll('%k %v\\n', 'a 1\nbb two words\n')).toEqual([rec('a', '1'), rec('bb', 'two words')]);
  });

  test('a multi-byte delimiter; a value may hold the key delimiter', () => {
    expect(readAll('%k::%v\\n', 'k::v:1\n')).toEqual([rec('k', 'v:1')]);
  });

  test('without %k the key is null (not empty); without %v the value is empty', () => {
    expect(readAll('%v\\n', 'x\n')).toEqual([rec(null, 'x')]);
    expect(readAll('%k\\n', 'x\n')).toEqual([rec('x', '')]);
  });

  test('the last record may lack the final delimiter at the end of input', () => {
    expect(readAll('%k=%v\\n', 'a=1\nb=2')).toEqual([rec('a', '1'), rec('b', '2')]);
  });

  test('text that does not match is an error naming the byte of the input', () => {
    const f = parseInputFormat('[%v]\\n');
    const r = readInputRecord(f, enc('[a]\nxb]\n'), 4, true, 0);
    expect(r).toEqual({ kind: 'error', message: 'expected "[" at byte 4' });
    expect(readInputRecord(f, enc('xb]\n'), 0, true, 100)).toEqual({ kind: 'error', message: 'expected "[" at byte 100' });
  });

  test('input that ends inside a record: "more" until eof, then an error', () => {
    const f = parseInputFormat('%k=%v\\n');
    expect(readInputRecord(f, enc('abc'), 0, false)).toEqual({ kind: 'more' });
    expect(readInputRecord(f, enc('abc'), 0, true).kind).toBe('error');
    // A prefix of the delimiter is not yet a mismatch.
    expect(readInputRecord(parseInputFormat('%v\\r\\n'), enc('v\r'), 0, false)).toEqual({ kind: 'more' });
  });
});

describe('sizes and numbers', () => {
  test('%K and %V read a length, then %k / %v read exactly that many bytes (delimiters inside are data)', () => {
    expect(readAll('%K %k%V %v', '3 a b6 hel\nlo')).toEqual([rec('a b', 'hel\nlo')]);
  });

  test('%V{N} is a fixed length, nothing read for it', () => {
    expect(readAll('%V{3}%v', 'abcdef')).toEqual([rec(null, 'abc'), rec(null, 'def')]);
  });

  test('%p reads the partition as ASCII digits', () => {
    expect(readAll('%p %v\\n', '2 x\n10 y\n')).toEqual([rec(null, 'x', 2), rec(null, 'y', 10)]);
  });

  test('a number that is not there is an error', () => {
    const r = readInputRecord(parseInputFormat('%p %v\\n'), enc('x 1\n'), 0, true);
    expect(r).toEqual({ kind: 'error', message: '%p: expected a number at byte 0' });
  });

  test('a sized field waits for all its bytes', () => {
    expect(readInputRecord(parseInputFormat('%V{4}%v'), enc('abc'), 0, false)).toEqual({ kind: 'more' });
  });

  test('binary bytes pass through; \\xNN matches a byte', () => {
    const data = Uint8Array.from([0xff, 0x00, 0x01, 0x7c, 0x80]);
    const f = parseInputFormat('%v\\x7c');
    const r = readInputRecord(f, data, 0, true);
    expect(r.kind).toBe('record');
    if (r.kind === 'record') expect([...r.record.value]).toEqual([0xff, 0x00, 0x01]);
  });
});

describe('headers', () => {
  test("rpk's example: %H{3}%h{ %k=%v } reads three headers", () => {
    expect(readAll('%H{3}%h{ %k=%v }%v\\n', ' a=1  b=2  c=3 val\n')).toEqual([rec(null, 'val', null, [['a', '1'], ['b', '2'], ['c', '3']])]);
  });

  test('%H read from the input; zero headers', () => {
    expect(readAll('%H %h{%k:%v,}%k %v\\n', '2 x:1,y:2,key v\n0 k2 v2\n')).toEqual([rec('key', 'v', null, [['x', '1'], ['y', '2']]), rec('k2', 'v2')]);
  });
});

describe('format errors are usage errors', () => {
  const bad = (f: string, why: RegExp) => expect(() => parseInputFormat(f)).toThrow(why);

  test('fields without a delimiter or size between them', () => {
    bad('%k%v\\n', /%k needs a delimiter/);
    expect(() => parseInputFormat('%K%k%v\\n')).not.toThrow();
  });

  test('%h without %H first, or without braces', () => {
    bad('%h{%k=%v }%v\\n', /header count first/);
    bad('%H{1}%h%v', /braces/);
  });

  test('topics and modifiers outside the subset name themselves', () => {
    bad('%t %v\\n', /one topic per command/);
    bad('%v{hex}\\n', /not supported/);
    bad('%K{big32}%k%v\\n', /only a fixed number/);
    bad('%x', /not supported/);
  });

  test('a format reading no field, unknown escapes, stray braces', () => {
    bad('hello\\n', /reads no field/);
    bad('%v\\q', /unknown escape/);
    bad('%v}', /unexpected '}'/);
    expect(() => parseInputFormat('%v%')).toThrow(UsageError);
  });

  test('%% %{ %} are literals', () => {
    expect(readAll('%{%k%}%%%v\\n', '{a}%b\n')).toEqual([rec('a', 'b')]);
  });
});

describe('-K / -D delimiters', () => {
  test('escapes as the format reads them; other text as it is; empty is a usage error', () => {
    expect(dec(delimiterBytes('\\t', '-K'))).toBe('\t');
    expect(dec(delimiterBytes(';;\\n', '-D'))).toBe(';;\n');
    expect(dec(delimiterBytes('\\\\', '-D'))).toBe('\\');
    expect(dec(delimiterBytes('\\q', '-D'))).toBe('\\q');
    expect(() => delimiterBytes('', '-D')).toThrow(UsageError);
  });
});
