// Reads .proto text into the element tree of ast.ts, as Square Wire's ProtoParser and
// OptionReader do for Confluent's ProtobufSchema (wire-schema .../internal/parser/
// ProtoParser.kt, OptionReader.kt): labels, types and option values kept as written, `default`
// and `json_name` split off a field's options, `(ext).sub = v` read as an OPTION-kind option.
// Tokens and option values are read by tokens.ts over protobufjs's tokenizer; the grammar is
// ours. Recursive descent throws a SyntaxProblem internally; parseProtoFile turns every throw
// (ours or the tokenizer's) into a value.

import protobuf from 'protobufjs';
import {
  MAX_TAG, type EnumConstantElement, type EnumElement, type ExtendElement, type ExtensionsElement, type FieldElement,
  type Label, type MessageElement, type OneOfElement, type OptionElement, type ProtoFileElement,
  type RangeValue, type ReservedElement, type RpcElement, type ServiceElement, type TypeElement,
} from './ast.ts';
import { IDENT, NESTING_DEPTH_MAX, SyntaxProblem, TYPE_NAME, TokenReader, isQuote, primitiveText } from './tokens.ts';

/** Longest .proto text accepted (characters); far above any real schema. */
export const PROTO_CHARS_MAX = 1_000_000;
export { NESTING_DEPTH_MAX };

export type ProtoParseResult = { readonly ok: true; readonly file: ProtoFileElement } | { readonly ok: false; readonly message: string };

const LABELS: ReadonlySet<string> = new Set(['optional', 'required', 'repeated']);

export function parseProtoFile(text: string): ProtoParseResult {
  if (text.length > PROTO_CHARS_MAX) return { ok: false, message: `schema longer than ${PROTO_CHARS_MAX} characters` };
  const tn = protobuf.tokenize(text, false);
  try {
    return { ok: true, file: new Parser(tn).file() };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, message: e instanceof SyntaxProblem ? `Syntax error in line ${tn.line}: ${message}` : `Syntax error: ${message}` };
  }
}

class Parser extends TokenReader {
  private tag(): number {
    const v = this.integer('a field number');
    if (v < 1 || v > MAX_TAG) this.fail(`field number ${v} out of range [1, ${MAX_TAG}]`);
    return v;
  }

  file(): ProtoFileElement {
    let syntax: ProtoFileElement['syntax'] = null;
    let packageName: string | null = null;
    const imports: string[] = [];
    const publicImports: string[] = [];
    const options: OptionElement[] = [];
    const types: TypeElement[] = [];
    const extendDeclarations: ExtendElement[] = [];
    const services: ServiceElement[] = [];
    let first = true;
    for (let t = this.tn.next(); t !== null; t = this.tn.next(), first = false) {
      switch (t) {
        case ';':
          break;
        case 'syntax': {
          if (!first) this.fail("'syntax' must be the first statement");
          this.expect('=');
          const s = this.string();
          if (s !== 'proto2' && s !== 'proto3') this.fail(`unexpected syntax: ${s}`);
          syntax = s;
          this.expect(';');
          break;
        }
        case 'edition':
          this.fail('editions are not supported');
          break;
        case 'package':
          if (packageName !== null) this.fail('too many package names');
          packageName = this.typeName();
          if (packageName.startsWith('.')) this.fail(`invalid package name '${packageName}'`);
          this.expect(';');
          break;
        case 'import': {
          const modifier = this.peek();
          if (modifier === 'public' || modifier === 'weak') this.next();
          const path = this.string();
          (modifier === 'public' ? publicImports : imports).push(path);
          this.expect(';');
          break;
        }
        case 'option':
          options.push(this.option('='));
          this.expect(';');
          break;
        case 'message':
          types.push(this.message(1));
          break;
        case 'enum':
          types.push(this.enumeration());
          break;
        case 'extend':
          extendDeclarations.push(this.extend(1));
          break;
        case 'service':
          services.push(this.service());
          break;
        default:
          this.fail(`unexpected token '${t}'`);
      }
    }
    return { syntax, packageName, imports, publicImports, options, types, extendDeclarations, services };
  }

  private message(depth: number): MessageElement {
    if (depth > NESTING_DEPTH_MAX) this.fail(`messages nested deeper than ${NESTING_DEPTH_MAX}`);
    const name = this.ident('a message name');
    const options: OptionElement[] = [];
    const reserveds: ReservedElement[] = [];
    const fields: FieldElement[] = [];
    const oneOfs: OneOfElement[] = [];
    const extensions: ExtensionsElement[] = [];
    const extendDeclarations: ExtendElement[] = [];
    const nestedTypes: TypeElement[] = [];
    this.expect('{');
    for (let t = this.next(); t !== '}'; t = this.next()) {
      switch (t) {
        case ';':
          break;
        case 'option':
          options.push(this.option('='));
          this.expect(';');
          break;
        case 'reserved':
          reserveds.push({ values: this.ranges(true) });
          this.expect(';');
          break;
        case 'extensions': {
          const values = this.ranges(false);
          extensions.push({ values, options: this.fieldOptions() });
          this.expect(';');
          break;
        }
        case 'message':
          nestedTypes.push(this.message(depth + 1));
          break;
        case 'enum':
          nestedTypes.push(this.enumeration());
          break;
        case 'extend':
          extendDeclarations.push(this.extend(depth + 1));
          break;
        case 'oneof':
          oneOfs.push(this.oneOf());
          break;
        default:
          fields.push(this.field(t));
      }
    }
    return { kind: 'message', name, options, reserveds, fields, oneOfs, extensions, extendDeclarations, nestedTypes };
  }

  /** A field whose first token (a label or its type) is `first`. */
  private field(first: string, inOneOf = false): FieldElement {
    let label: Label | null = null;
    let type = first;
    if (LABELS.has(first)) {
      if (inOneOf) this.fail(`fields in a oneof have no label ('${first}')`);
      label = first as Label;
      type = this.next();
    }
    if (type === 'group') this.fail('groups are not supported');
    if (type === 'map') {
      this.expect('<');
      const key = this.typeName();
      this.expect(',');
      const value = this.typeName();
      this.expect('>');
      type = `map<${key}, ${value}>`;
    } else if (!TYPE_NAME.test(type)) {
      this.fail(`expected a field type but found '${type}'`);
    }
    const name = this.ident('a field name');
    this.expect('=');
    const tag = this.tag();
    const all = this.fieldOptions();
    this.expect(';');
    // Wire's ProtoParser strips `default` and `json_name` out of the options into their own slots.
    const pick = (key: string): string | null => {
      const o = all.find((x) => x.name === key && !x.parenthesized);
      return o === undefined ? null : primitiveText(o.value);
    };
    const defaultValue = pick('default');
    const jsonName = pick('json_name');
    const options = all.filter((o) => o.parenthesized || (o.name !== 'default' && o.name !== 'json_name'));
    return { label, type, name, tag, defaultValue, jsonName, options };
  }

  private oneOf(): OneOfElement {
    const name = this.ident('a oneof name');
    const fields: FieldElement[] = [];
    const options: OptionElement[] = [];
    this.expect('{');
    for (let t = this.next(); t !== '}'; t = this.next()) {
      if (t === ';') continue;
      if (t === 'option') {
        options.push(this.option('='));
        this.expect(';');
      } else {
        fields.push(this.field(t, true));
      }
    }
    return { name, fields, options };
  }

  private extend(depth: number): ExtendElement {
    if (depth > NESTING_DEPTH_MAX) this.fail(`declarations nested deeper than ${NESTING_DEPTH_MAX}`);
    const name = this.typeName();
    const fields: FieldElement[] = [];
    this.expect('{');
    for (let t = this.next(); t !== '}'; t = this.next()) {
      if (t !== ';') fields.push(this.field(t));
    }
    return { name, fields };
  }

  private enumeration(): EnumElement {
    const name = this.ident('an enum name');
    const options: OptionElement[] = [];
    const reserveds: ReservedElement[] = [];
    const constants: EnumConstantElement[] = [];
    this.expect('{');
    for (let t = this.next(); t !== '}'; t = this.next()) {
      if (t === ';') continue;
      if (t === 'option') {
        options.push(this.option('='));
        this.expect(';');
      } else if (t === 'reserved') {
        reserveds.push({ values: this.ranges(true) });
        this.expect(';');
      } else {
        if (!IDENT.test(t)) this.fail(`expected an enum constant but found '${t}'`);
        this.expect('=');
        const tag = this.integer('an enum value');
        const constantOptions = this.fieldOptions();
        this.expect(';');
        constants.push({ name: t, tag, options: constantOptions });
      }
    }
    return { kind: 'enum', name, options, reserveds, constants };
  }

  private service(): ServiceElement {
    const name = this.ident('a service name');
    const options: OptionElement[] = [];
    const rpcs: RpcElement[] = [];
    this.expect('{');
    for (let t = this.next(); t !== '}'; t = this.next()) {
      if (t === ';') continue;
      if (t === 'option') {
        options.push(this.option('='));
        this.expect(';');
      } else if (t === 'rpc') {
        rpcs.push(this.rpc());
      } else {
        this.fail(`unexpected token '${t}' in service ${name}`);
      }
    }
    return { name, options, rpcs };
  }

  private rpc(): RpcElement {
    const name = this.ident('an rpc name');
    const side = (): [string, boolean] => {
      this.expect('(');
      let streaming = false;
      let type = this.typeName();
      if (type === 'stream' && this.peek() !== ')') {
        streaming = true;
        type = this.typeName();
      }
      this.expect(')');
      return [type, streaming];
    };
    const [requestType, requestStreaming] = side();
    this.expect('returns');
    const [responseType, responseStreaming] = side();
    const options: OptionElement[] = [];
    if (this.accept('{')) {
      for (let t = this.next(); t !== '}'; t = this.next()) {
        if (t === ';') continue;
        if (t !== 'option') this.fail(`unexpected token '${t}' in rpc ${name}`);
        options.push(this.option('='));
        this.expect(';');
      }
      this.accept(';');
    } else {
      this.expect(';');
    }
    return { name, requestType, requestStreaming, responseType, responseStreaming, options };
  }

  /** `reserved`/`extensions` values: tags, `a to b` / `a to max` ranges, or quoted names. */
  private ranges(namesAllowed: boolean): RangeValue[] {
    const values: RangeValue[] = [];
    do {
      if (isQuote(this.peek())) {
        if (!namesAllowed) this.fail('names are not allowed here');
        values.push({ name: this.string() });
        continue;
      }
      const start = this.integer('a number');
      if (this.accept('to')) {
        const end = this.accept('max') ? MAX_TAG : this.integer('a number or max');
        values.push({ start, end });
      } else {
        values.push({ tag: start });
      }
    } while (this.accept(','));
    return values;
  }

}
