// How `freshet topic consume` prints a record and how `freshet topic produce` reads one. Pure:
// text in, text (or a record) out.
//
// The format string follows kcat's -f tokens (kcat README, "Output format"), so a script written
// for kcat carries over:
//   %t topic   %p partition   %o offset   %T timestamp (ms)   %k key   %s or %v value
//   %h headers as k=v pairs separated by commas   %K key length   %S value length (-1: null)
//   %% a percent sign;  \n \t \r \\ escapes
// A null key or value prints as nothing (kcat's default without -Z); its length as -1. Keys,
// values and header values are written byte for byte.

import { UsageError } from './args.ts';
import { concatBytes } from '../base/bytes.ts';

export interface PrintedRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: ReadonlyArray<{ key: string; value: Uint8Array | null }>;
}

type Token = { text: string } | { field: string };

/** The default: the value and a newline, as kcat -C prints. */
export const DEFAULT_FORMAT = '%v\\n';

const FIELDS = new Set(['t', 'p', 'o', 'T', 'k', 's', 'v', 'h', 'K', 'S']);
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/** A format string as tokens; an unknown %x or a trailing % or \ is a usage error. */
export function parseFormat(format: string): Token[] {
  const out: Token[] = [];
  let text = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' && c !== '\\') {
      text += c;
      continue;
    }
    const next = format[i + 1];
    if (next === undefined) throw new UsageError(`-F: '${c}' at the end of '${format}'`);
    i++;
    if (c === '\\') {
      const e = ESCAPES[next];
      if (e === undefined) throw new UsageError(`-F: unknown escape '\\${next}' (known: \\n \\t \\r \\\\)`);
      text += e;
    } else if (next === '%') {
      text += '%';
    } else if (FIELDS.has(next)) {
      if (text !== '') out.push({ text });
      text = '';
      out.push({ field: next });
    } else {
      throw new UsageError(`-F: unknown token '%${next}' (known: %t %p %o %T %k %s %v %h %K %S %%)`);
    }
  }
  if (text !== '') out.push({ text });
  return out;
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();
const NONE = new Uint8Array(0);

/**
 * A record as the format says, as bytes: keys, values and header values are written as they
 * are (binary payloads pass through unchanged, as kcat writes them), the rest as UTF-8.
 */
export function formatRecord(tokens: readonly Token[], r: PrintedRecord): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (t: string): void => void parts.push(encoder.encode(t));
  for (const t of tokens) {
    if ('text' in t) {
      text(t.text);
      continue;
    }
    switch (t.field) {
      case 't': text(r.topic); break;
      case 'p': text(String(r.partition)); break;
      case 'o': text(String(r.offset)); break;
      case 'T': text(String(r.timestamp)); break;
      case 'k': parts.push(r.key ?? NONE); break;
      case 's':
      case 'v': parts.push(r.value ?? NONE); break;
      case 'h':
        r.headers.forEach((h, i) => {
          text(`${i > 0 ? ',' : ''}${h.key}=`);
          parts.push(h.value ?? NONE);
        });
        break;
      case 'K': text(String(r.key === null ? -1 : r.key.length)); break;
      case 'S': text(String(r.value === null ? -1 : r.value.length)); break;
    }
  }
  return concatBytes(parts);
}

/** `--format json`: one object per record, keys, values and header values as UTF-8 text (null
 *  stays null; bytes that are not UTF-8 become U+FFFD: use -F for binary payloads). */
export function recordJson(r: PrintedRecord): string {
  const str = (b: Uint8Array | null): string | null => (b === null ? null : utf8.decode(b));
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: str(r.key),
    value: str(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: str(h.value) })),
  });
}

export interface LineRecord {
  key: Uint8Array | null;
  value: Uint8Array;
}

/**
 * One input line as a record. With a key separator (kcat -K), the key is what comes before its
 * first occurrence and the value what follows; a line without it is all value and has no key
 * (null, not empty), and `:v` has an empty key: what kcat -K: makes of the same lines
 * (test/unit/cli/record-format.test.ts; the kcat cross-check in test/integration/cli-records).
 */
export function lineRecord(line: Uint8Array, keySeparator: Uint8Array | null): LineRecord {
  if (keySeparator === null || keySeparator.length === 0) return { key: null, value: line };
  const at = indexOfBytes(line, keySeparator);
  if (at < 0) return { key: null, value: line };
  return { key: line.subarray(0, at), value: line.subarray(at + keySeparator.length) };
}

/** Where `needle` first occurs in `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A -K / -D delimiter as given on the command line, with \\n \\t \\r \\\\ read as escapes (kcat takes them so). */
export function delimiterBytes(text: string, flag: string): Uint8Array {
  if (text === '') throw new UsageError(`${flag} needs a delimiter`);
  return encoder.encode(text.replace(/\\(.)/g, (m, c: string) => ESCAPES[c] ?? m));
}

/** `-H key=value`: a header; the key must not be empty, the value may be. */
export function parseHeader(kv: string): { key: string; value: string } {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`-H expects key=value, not '${kv}'`);
  return { key: kv.slice(0, eq), value: kv.slice(eq + 1) };
}

// ---- produce -F: reading records from stdin by a format string ----
//
// rpk's `topic produce --format` is the model (rpk produce --help; its parser is
// src/go/rpk/pkg/kgo/record_reader.go): text in the format is a delimiter that must match the
// input exactly; %k and %v read up to the next delimiter, or exactly as many bytes as an earlier
// %K / %V said. The subset built here:
//   %k key   %v value   %K key length   %V value length   %p partition   (numbers: ASCII digits)
//   %K{N} %V{N}: a fixed length N (nothing read)   %H header count, %H{N} a fixed count
//   %h{...} the headers, each read by the format in braces (%k %v %K %V and text), %H times
//   %% %{ %} a percent sign and braces;  \n \t \r \\ \xNN escapes
// A record without %k has no key (null), without %v an empty value. At the end of the input a
// format's last delimiter may be missing (a last line without its newline, as -K reads it).
// Not built: %t/%T (one topic per command), rpk's number and text modifiers (hex, base64, ...).

/** A header count above this is refused: Kafka puts no limit, but a typo (`%H` reading a stray number) should not allocate millions. */
export const INPUT_HEADERS_MAX = 10_000;
/** Digits of a length, count or partition: beyond 9 the number is no longer a byte count a record can hold. */
const INPUT_NUMBER_DIGITS_MAX = 9;

type SizeField = 'K' | 'V' | 'H';
export type InputToken =
  | { kind: 'text'; bytes: Uint8Array }
  | { kind: 'key' }
  | { kind: 'value' }
  | { kind: 'size'; of: SizeField; fixed: number | null }
  | { kind: 'partition' }
  | { kind: 'headers'; each: InputToken[] };

export interface InputFormat {
  readonly tokens: readonly InputToken[];
  readonly hasKey: boolean;
  readonly hasPartition: boolean;
}

export interface InputRecord {
  key: Uint8Array | null;
  value: Uint8Array;
  headers: Array<{ key: string; value: Uint8Array }>;
  partition: number | null;
}

export type ReadResult =
  | { kind: 'record'; record: InputRecord; next: number }
  /** The input so far ends inside a record: read more and ask again from the same position. */
  | { kind: 'more' }
  | { kind: 'error'; message: string };

const HEX = /^[0-9a-fA-F]{2}$/;

/** Parses a -F input format; a token outside the subset is a usage error naming it. */
export function parseInputFormat(format: string): InputFormat {
  const [tokens, end] = parseInputTokens(format, 0, false);
  if (end !== format.length) throw new UsageError(`-F: unexpected '}' at ${end} (write %} for a brace)`);
  if (!tokens.some((t) => t.kind !== 'text')) throw new UsageError(`-F '${format}' reads no field: use %k, %v, %h or %p`);
  checkDelimited(tokens, false);
  const kinds = tokens.map((t) => t.kind);
  return { tokens, hasKey: kinds.includes('key'), hasPartition: kinds.includes('partition') };
}

function parseInputTokens(f: string, from: number, inHeader: boolean): [InputToken[], number] {
  const out: InputToken[] = [];
  let text: number[] = [];
  const flush = (): void => {
    if (text.length > 0) out.push({ kind: 'text', bytes: Uint8Array.from(text) });
    text = [];
  };
  let i = from;
  for (; i < f.length; i++) {
    const c = f[i];
    if (c === '}') {
      if (inHeader) break;
      throw new UsageError(`-F: unexpected '}' (write %} for a brace)`);
    }
    if (c !== '%' && c !== '\\') {
      text.push(...encoder.encode(c));
      continue;
    }
    const n = f[++i];
    if (n === undefined) throw new UsageError(`-F: '${c}' at the end of '${f}'`);
    if (c === '\\') {
      if (n === 'x' && HEX.test(f.slice(i + 1, i + 3))) {
        text.push(parseInt(f.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (ESCAPES[n] !== undefined) text.push(...encoder.encode(ESCAPES[n]));
      else throw new UsageError(`-F: unknown escape '\\${n}' (known: \\n \\t \\r \\\\ \\xNN)`);
      continue;
    }
    if (n === '%' || n === '{' || n === '}') {
      text.push(n.charCodeAt(0));
      continue;
    }
    flush();
    const brace = f[i + 1] === '{' ? f.indexOf('}', i + 1) : -1;
    const modifier = brace > 0 && n !== 'h' ? f.slice(i + 2, brace) : null;
    if (modifier !== null) i = brace;
    if ((n === 'k' || n === 'v') && modifier === null) out.push(n === 'k' ? { kind: 'key' } : { kind: 'value' });
    else if (n === 'K' || n === 'V' || (n === 'H' && !inHeader)) {
      if (modifier !== null && !/^\d{1,9}$/.test(modifier)) throw new UsageError(`-F: %${n}{${modifier}}: only a fixed number is supported, as %${n}{3}`);
      out.push({ kind: 'size', of: n, fixed: modifier === null ? null : Number(modifier) });
    } else if (n === 'p' && modifier === null && !inHeader) out.push({ kind: 'partition' });
    else if (n === 'h' && !inHeader) {
      if (f[i + 1] !== '{') throw new UsageError("-F: %h needs the header format in braces, as %h{%k=%v,}");
      const [each, end] = parseInputTokens(f, i + 2, true);
      if (f[end] !== '}') throw new UsageError('-F: %h{ without its closing }');
      if (!out.some((t) => t.kind === 'size' && t.of === 'H')) throw new UsageError('-F: %h needs the header count first: %H (read) or %H{N}');
      checkDelimited(each, true);
      out.push({ kind: 'headers', each });
      i = end;
    } else if (n === 't' || n === 'T') throw new UsageError(`-F: %${n} is not supported: one topic per command`);
    else throw new UsageError(`-F: '%${n}${modifier === null ? '' : `{${modifier}}`}' is not supported here (known: %k %v %K %V %p %H %h{...} %% %{ %})`);
  }
  flush();
  return [out, i];
}

/** Every %k / %v is followed by a delimiter or sized by an earlier %K / %V; inside %h{} one of the two within the braces. */
function checkDelimited(tokens: readonly InputToken[], inHeader: boolean): void {
  tokens.forEach((t, i) => {
    if (t.kind !== 'key' && t.kind !== 'value') return;
    const of = t.kind === 'key' ? 'K' : 'V';
    const sized = tokens.slice(0, i).some((s) => s.kind === 'size' && s.of === of);
    const next = tokens[i + 1];
    const last = i === tokens.length - 1 && !inHeader;
    if (!sized && next?.kind !== 'text' && !last) throw new UsageError(`-F: %${t.kind === 'key' ? 'k' : 'v'} needs a delimiter after it or its length (%${of}) before it`);
  });
}

interface Cursor {
  pos: number;
  sizes: Map<SizeField, number>;
  /** Added to positions in messages: where the buffer begins in the input. */
  base: number;
}

type Step = null | 'more' | { error: string };

/**
 * Reads one record from `data` at `pos` by the format. `eof`: no more input will come (a missing
 * last delimiter then ends the record, anything else incomplete is an error). `inputOffset`: where
 * `data` begins in the whole input, so errors name the byte of the input. Pure.
 */
export function readInputRecord(format: InputFormat, data: Uint8Array, pos: number, eof: boolean, inputOffset = 0): ReadResult {
  const record: InputRecord = { key: format.hasKey ? new Uint8Array(0) : null, value: new Uint8Array(0), headers: [], partition: null };
  const cur: Cursor = { pos, sizes: new Map(), base: inputOffset };
  const step = readTokens(format.tokens, data, cur, eof, record, null, true);
  if (step === 'more') return eof ? { kind: 'error', message: `the input ends inside the record that starts at byte ${inputOffset + pos}` } : { kind: 'more' };
  if (step !== null) return { kind: 'error', message: step.error };
  return { kind: 'record', record, next: cur.pos };
}

function readTokens(tokens: readonly InputToken[], data: Uint8Array, cur: Cursor, eof: boolean, r: InputRecord, header: { key: Uint8Array; value: Uint8Array } | null, top: boolean): Step {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'text') {
      const have = Math.min(t.bytes.length, data.length - cur.pos);
      for (let j = 0; j < have; j++) {
        if (data[cur.pos + j] !== t.bytes[j]) return { error: `expected ${JSON.stringify(utf8.decode(t.bytes))} at byte ${cur.base + cur.pos + j}` };
      }
      if (have < t.bytes.length) {
        // The format's last delimiter may be missing at the very end of the input.
        if (eof && top && i === tokens.length - 1 && cur.pos + have === data.length) {
          cur.pos = data.length;
          return null;
        }
        return 'more';
      }
      cur.pos += t.bytes.length;
    } else if (t.kind === 'key' || t.kind === 'value') {
      const size = cur.sizes.get(t.kind === 'key' ? 'K' : 'V');
      const next = tokens[i + 1];
      let end: number;
      if (size !== undefined) {
        if (cur.pos + size > data.length) return 'more';
        end = cur.pos + size;
      } else if (next?.kind === 'text') {
        end = indexOfBytes(data.subarray(cur.pos), next.bytes);
        if (end < 0) {
          if (!(eof && top && i + 1 === tokens.length - 1)) return 'more';
          end = data.length;
        } else end += cur.pos;
      } else {
        // The format's last field reads the rest of the input.
        if (!eof) return 'more';
        end = data.length;
      }
      const bytes = data.slice(cur.pos, end);
      cur.pos = end;
      if (header !== null) header[t.kind] = bytes;
      else r[t.kind] = bytes;
    } else if (t.kind === 'size' || t.kind === 'partition') {
      let n: number;
      if (t.kind === 'size' && t.fixed !== null) n = t.fixed;
      else {
        let end = cur.pos;
        while (end < data.length && end - cur.pos <= INPUT_NUMBER_DIGITS_MAX && data[end] >= 0x30 && data[end] <= 0x39) end++;
        const what = t.kind === 'partition' ? '%p' : `%${t.of}`;
        if (end - cur.pos > INPUT_NUMBER_DIGITS_MAX) return { error: `${what}: more than ${INPUT_NUMBER_DIGITS_MAX} digits at byte ${cur.base + cur.pos}` };
        if (end === data.length && !eof) return 'more';
        if (end === cur.pos) return { error: `${what}: expected a number at byte ${cur.base + cur.pos}` };
        n = Number(utf8.decode(data.subarray(cur.pos, end)));
        cur.pos = end;
      }
      if (t.kind === 'partition') r.partition = n;
      else if (t.of === 'H' && n > INPUT_HEADERS_MAX) return { error: `%H: ${n} headers, more than ${INPUT_HEADERS_MAX}` };
      else cur.sizes.set(t.of, n);
    } else {
      const count = cur.sizes.get('H') ?? 0;
      for (let h = 0; h < count; h++) {
        const one = { key: new Uint8Array(0), value: new Uint8Array(0) };
        const inner: Cursor = { pos: cur.pos, sizes: new Map(cur.sizes), base: cur.base };
        inner.sizes.delete('K');
        inner.sizes.delete('V');
        const step = readTokens(t.each, data, inner, eof, r, one, false);
        if (step !== null) return step;
        cur.pos = inner.pos;
        r.headers.push({ key: utf8.decode(one.key), value: one.value });
      }
    }
  }
  return null;
}
