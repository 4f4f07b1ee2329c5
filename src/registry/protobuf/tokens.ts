// The token layer under parser.ts, as Square Wire splits its parser (SyntaxReader for tokens,
// OptionReader for option values: wire-schema .../internal/parser/). Tokens come from
// protobufjs's tokenizer, which unescapes strings and skips comments. Problems are thrown as
// SyntaxProblem and turned into values by parseProtoFile.

import type protobuf from 'protobufjs';
import type { OptionElement, OptionValue } from './ast.ts';

/** Deepest nesting of messages, oneofs and aggregate option values. */
export const NESTING_DEPTH_MAX = 64;

export class SyntaxProblem extends Error {}

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const TYPE_NAME = /^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function isQuote(t: string | null): boolean {
  return t === '"' || t === "'";
}

/** A decimal, hex (0x) or octal (leading 0) integer, as protobuf's grammar writes tags. */
export function parseInteger(t: string): number | undefined {
  const m = /^(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
  if (m === null) return undefined;
  const digits = m[2] as string;
  const v = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : parseInt(digits, 10);
  return m[1] === '-' ? -v : v;
}

/** Reads tokens, strings, numbers and option values (Wire's SyntaxReader and OptionReader). */
export class TokenReader {
  constructor(protected readonly tn: protobuf.ITokenizerHandle) {}

  protected fail(message: string): never {
    throw new SyntaxProblem(message);
  }

  protected next(): string {
    const t = this.tn.next();
    if (t === null) this.fail('unexpected end of file');
    return t;
  }

  protected peek(): string | null {
    return this.tn.peek();
  }

  protected expect(expected: string): void {
    const t = this.next();
    if (t !== expected) this.fail(`expected '${expected}' but found '${t}'`);
  }

  protected accept(token: string): boolean {
    return this.tn.skip(token, true);
  }

  protected ident(what: string): string {
    const t = this.next();
    if (!IDENT.test(t)) this.fail(`expected ${what} but found '${t}'`);
    return t;
  }

  protected typeName(): string {
    const t = this.next();
    if (!TYPE_NAME.test(t)) this.fail(`expected a type name but found '${t}'`);
    return t;
  }

  /** One or more adjacent quoted strings, concatenated (the language allows "a" "b"). */
  protected string(): string {
    let out = '';
    do {
      const delim = this.next();
      if (!isQuote(delim)) this.fail(`expected a string but found '${delim}'`);
      out += this.next();
      this.expect(delim);
    } while (isQuote(this.peek()));
    return out;
  }

  protected integer(what: string): number {
    const t = this.next();
    const v = parseInteger(t);
    if (v === undefined || !Number.isSafeInteger(v)) this.fail(`expected ${what} but found '${t}'`);
    return v;
  }

  /** `[a = 1, (b).c = "d"]` after a field or enum constant; empty when absent. */
  protected fieldOptions(): OptionElement[] {
    const out: OptionElement[] = [];
    if (!this.accept('[')) return out;
    do out.push(this.option('='));
    while (this.accept(','));
    this.expect(']');
    return out;
  }

  /** Wire's OptionReader.readOption: a name, an optional `.sub`, the separator, a value. */
  protected option(separator: '=' | ':', depth = 1): OptionElement {
    if (depth > NESTING_DEPTH_MAX) this.fail(`option values nested deeper than ${NESTING_DEPTH_MAX}`);
    let name: string;
    let parenthesized = false;
    const t = this.next();
    if (t === '(') {
      parenthesized = true;
      name = this.typeName();
      this.expect(')');
    } else if (t === '[') {
      // An extension (or Any type URL) key inside a text-format aggregate: "[foo.bar]".
      let inner = this.next();
      while (this.peek() !== ']') inner += this.next();
      this.expect(']');
      name = `[${inner}]`;
    } else {
      if (!TYPE_NAME.test(t) || t.startsWith('.')) this.fail(`expected an option name but found '${t}'`);
      name = t;
    }
    // Wire reads names up to a dot; each further `.name` nests the value one level deeper, so
    // `(c).range.min = 1` is (c) = { range: { min: 1 } } once normalized, and `a.b: 1` in an
    // aggregate is `a { b: 1 }` (ProtobufSchemaTest.testNestedCustomOptions and neighbours).
    const subNames: string[] = [];
    if (!parenthesized && !name.startsWith('[') && name.includes('.')) {
      const [head, ...rest] = name.split('.');
      name = head as string;
      subNames.push(...rest);
    }
    const after = this.peek();
    if (subNames.length === 0 && after !== null && after.startsWith('.') && after.length > 1) {
      subNames.push(...this.next().slice(1).split('.'));
    }
    if (subNames.some((n) => !IDENT.test(n))) this.fail(`invalid option name '${name}.${subNames.join('.')}'`);
    if (separator === ':' && this.peek() === '{') {
      // Text format lets a message value omit the ':' (OptionReader.readOption).
    } else {
      this.expect(separator);
    }
    let value = this.optionValue(depth);
    for (const sub of subNames.reverse()) value = { kind: 'OPTION', value: { name: sub, parenthesized: false, value } };
    return { name, parenthesized, value };
  }

  /** OptionReader.readKindAndValue. */
  protected optionValue(depth: number): OptionValue {
    const p = this.peek();
    if (p === '{') {
      this.next();
      return { kind: 'MAP', value: this.optionMap(depth + 1) };
    }
    if (p === '[') {
      this.next();
      const list: OptionValue[] = [];
      while (!this.accept(']')) {
        list.push(this.optionValue(depth + 1));
        if (!this.accept(',') && this.peek() !== ']') this.fail("expected ',' or ']'");
      }
      return { kind: 'LIST', value: list };
    }
    if (isQuote(p)) return { kind: 'STRING', value: this.string() };
    const word = this.next();
    if (/^[-+]?[0-9.]/.test(word) || word === '-inf' || word === '-nan') return { kind: 'NUMBER', value: word };
    if (word === 'true' || word === 'false') return { kind: 'BOOLEAN', value: word };
    if (!TYPE_NAME.test(word) && !/^-?[A-Za-z_]\w*$/.test(word)) this.fail(`unexpected option value '${word}'`);
    return { kind: 'ENUM', value: word };
  }

  /** OptionReader.readMap: repeated keys collect into a list, `a.b: v` keys into a nested map. */
  protected optionMap(depth: number): Map<string, OptionValue> {
    const result = new Map<string, OptionValue>();
    while (!this.accept('}')) {
      const option = this.option(':', depth);
      const { name, value } = option;
      if (value.kind === 'OPTION') {
        const prev = result.get(name);
        const nested = prev !== undefined && prev.kind === 'MAP' ? new Map(prev.value) : new Map<string, OptionValue>();
        nested.set(value.value.name, value.value.value);
        result.set(name, { kind: 'MAP', value: nested });
      } else {
        const prev = result.get(name);
        const added = value.kind === 'LIST' ? value.value : [value];
        if (prev === undefined) result.set(name, value);
        else if (prev.kind === 'LIST') result.set(name, { kind: 'LIST', value: [...prev.value, ...added] });
        else result.set(name, { kind: 'LIST', value: [prev, ...added] });
      }
      if (!this.accept(',')) this.accept(';');
    }
    return result;
  }
}

/** The text of a primitive option value (a `default` or `json_name`). */
export function primitiveText(v: OptionValue): string {
  return v.kind === 'STRING' || v.kind === 'BOOLEAN' || v.kind === 'NUMBER' || v.kind === 'ENUM' ? v.value : '';
}
