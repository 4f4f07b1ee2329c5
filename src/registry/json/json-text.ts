// JSON text as Confluent's JsonSchema reads and prints it (Jackson, jackson/Jackson.java in
// confluentinc/schema-registry json-schema-provider): objects keep their keys in the order
// written, floats are BigDecimals kept exactly as written (USE_BIG_DECIMAL_FOR_FLOATS with
// JsonNodeFactory.withExactBigDecimals), integers are printed as their value. JSON.parse cannot
// serve: it moves integer-like keys first and turns 1.50 into 1.5. Pure: text in, values out.

/** One JSON value, with the text of numbers kept (the printed form depends on it). */
export type JsonNode =
  | { readonly k: 'null' }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'num'; readonly raw: string; readonly integral: boolean }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'arr'; readonly items: readonly JsonNode[] }
  | { readonly k: 'obj'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> };

/** Deepest nesting of arrays and objects a schema may have: every walk below recurses this deep. */
export const JSON_DEPTH_MAX = 128;

/** Longest number literal read: Jackson's StreamReadConstraints default (maxNumberLength). */
export const JSON_NUMBER_CHARS_MAX = 1000;

export type JsonParse = { readonly ok: true; readonly node: JsonNode } | { readonly ok: false; readonly error: string };

class JsonSyntaxError {
  constructor(readonly message: string) {}
}

/** Parses RFC 8259 JSON (no comments, no NaN) into a JsonNode; a duplicate key keeps its first
 *  position and its last value, as Jackson's ObjectNode.replace does. */
export function parseJson(text: string): JsonParse {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${pos}`);
  };
  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const parseString = (): string => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    while (true) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, pos);
        const e = text[pos + 1];
        pos += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(pos, pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad unicode escape');
            out += String.fromCharCode(parseInt(hex, 16));
            pos += 4;
            break;
          }
          default: fail('bad escape');
        }
        start = pos;
        continue;
      }
      pos++;
    }
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const parseValue = (depth: number): JsonNode => {
    if (depth > JSON_DEPTH_MAX) fail(`nesting deeper than ${JSON_DEPTH_MAX}`);
    skipWs();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<[string, JsonNode]> = [];
      const index = new Map<string, number>();
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return { k: 'obj', entries };
      }
      while (true) {
        skipWs();
        if (text[pos] !== '"') fail('expected a field name');
        const key = parseString();
        skipWs();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        const value = parseValue(depth + 1);
        const at = index.get(key);
        if (at === undefined) {
          index.set(key, entries.length);
          entries.push([key, value]);
        } else {
          entries[at] = [key, value];
        }
        skipWs();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === '}') { pos++; return { k: 'obj', entries }; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return { k: 'arr', items };
      }
      while (true) {
        items.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === ']') { pos++; return { k: 'arr', items }; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { k: 'str', v: parseString() };
    if (text.startsWith('true', pos)) { pos += 4; return { k: 'bool', v: true }; }
    if (text.startsWith('false', pos)) { pos += 5; return { k: 'bool', v: false }; }
    if (text.startsWith('null', pos)) { pos += 4; return { k: 'null' }; }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null || m[0] === '' || m[0] === '-') return fail('unexpected character');
    if (m[0].length > JSON_NUMBER_CHARS_MAX) fail(`number longer than ${JSON_NUMBER_CHARS_MAX} characters`);
    pos += m[0].length;
    return { k: 'num', raw: m[0], integral: m[1] === undefined && m[2] === undefined };
  };
  try {
    const node = parseValue(0);
    skipWs();
    if (pos !== text.length) fail('trailing content');
    return { ok: true, node };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

/** Java BigDecimal.toString() of a JSON float literal (the digits and scale it was written with). */
export function bigDecimalString(raw: string): string {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(raw);
  if (m === null) return raw;
  const [, sign, intPart = '', frac = '', exp = '0'] = m;
  const digits = (intPart + frac).replace(/^0+(?=.)/, '');
  const scale = frac.length - Number(exp);
  const negative = sign === '-' && /[1-9]/.test(digits);
  const s = negative ? '-' : '';
  if (scale === 0) return s + digits;
  const adjusted = -scale + (digits.length - 1);
  if (scale > 0 && adjusted >= -6) {
    if (digits.length > scale) return `${s}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    return `${s}0.${'0'.repeat(scale - digits.length)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${s}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** How Jackson prints a number node: an integer as its value, a float as its BigDecimal. */
export function numberText(node: { readonly raw: string; readonly integral: boolean }): string {
  return node.integral ? BigInt(node.raw).toString() : bigDecimalString(node.raw);
}

const HEX = '0123456789ABCDEF';

/** Jackson's string escaping: '"', '\\', and control characters (short forms or \u00XX). */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) out += s[i];
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return `${out}"`;
}

/** Jackson's compact print (ObjectMapper.writeValueAsString); `sorted` orders object keys as a
 *  TreeMap does (UTF-16 code units), Confluent's objectMapperWithOrderedProps for normalize(). */
export function printJson(node: JsonNode, sorted: boolean): string {
  switch (node.k) {
    case 'null': return 'null';
    case 'bool': return node.v ? 'true' : 'false';
    case 'num': return numberText(node);
    case 'str': return quote(node.v);
    case 'arr': return `[${node.items.map((n) => printJson(n, sorted)).join(',')}]`;
    case 'obj': {
      const entries = sorted ? [...node.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : node.entries;
      return `{${entries.map(([k, v]) => `${quote(k)}:${printJson(v, sorted)}`).join(',')}}`;
    }
  }
}

/** The node as plain JS values for ajv. Keys are defined, never assigned, so "__proto__" stays
 *  an own key as JSON.parse leaves it. */
export function toPlain(node: JsonNode): unknown {
  switch (node.k) {
    case 'null': return null;
    case 'bool': return node.v;
    case 'num': return Number(node.raw);
    case 'str': return node.v;
    case 'arr': return node.items.map(toPlain);
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) Object.defineProperty(out, k, { value: toPlain(v), enumerable: true, writable: true, configurable: true });
      return out;
    }
  }
}

/** Objects wider than this are looked up through an index built on first use. */
const INDEXED_WIDTH = 16;
const indexes = new WeakMap<JsonNode, ReadonlyMap<string, JsonNode>>();

/** The value under `key` of an object node, or undefined. */
export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.k !== 'obj') return undefined;
  if (node.entries.length > INDEXED_WIDTH) {
    let index = indexes.get(node);
    if (index === undefined) indexes.set(node, (index = new Map(node.entries)));
    return index.get(key);
  }
  for (const [k, v] of node.entries) if (k === key) return v;
  return undefined;
}

/** Structural equality (numbers by value, objects regardless of key order), for enum/const/default. */
export function jsonEquals(a: JsonNode, b: JsonNode): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'null': return true;
    case 'bool': return a.v === (b as typeof a).v;
    case 'num': return Number(a.raw) === Number((b as typeof a).raw);
    case 'str': return a.v === (b as typeof a).v;
    case 'arr': {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => jsonEquals(x, bi[i]!));
    }
    case 'obj': {
      const be = (b as typeof a).entries;
      return a.entries.length === be.length && a.entries.every(([k, v]) => {
        const other = member(b, k);
        return other !== undefined && jsonEquals(v, other);
      });
    }
  }
}
