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
  const at = indexOf(line, keySeparator);
  if (at < 0) return { key: null, value: line };
  return { key: line.subarray(0, at), value: line.subarray(at + keySeparator.length) };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** `-H key=value`: a header; the key must not be empty, the value may be. */
export function parseHeader(kv: string): { key: string; value: string } {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`-H expects key=value, not '${kv}'`);
  return { key: kv.slice(0, eq), value: kv.slice(eq + 1) };
}
