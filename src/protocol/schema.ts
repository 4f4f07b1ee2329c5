// The language in which every Kafka message is defined (src/protocol/messages/*), and the
// compiler that turns a definition into straight-line decoders and encoders, once per
// (message, version), the first time that version is used. No field-by-field interpretation
// of the schema happens on the hot path.
//
// The model follows Kafka's own message specs (clients/src/main/resources/common/message):
// every field has a version range, optional nullable versions, and in flexible versions may be
// a tagged field (KIP-482). Field names are Kafka's, in camelCase (TopicData -> topicData).
//
// Decoded objects always carry every field (a field absent in the version gets its default).
// Objects to encode may omit any field: an omitted field is written as its default.

import { DecodeError, Reader, Writer, ZERO_UUID } from './primitives.ts';

export type Kind =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid'
  | 'struct'
  | 'array';

/** Inclusive version range; `max` is Infinity for "N+". `none` is {min: 1, max: 0}. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: Range = { min: 1, max: 0 };

export function parseRange(s: string): Range {
  if (s === 'none') return NO_VERSIONS;
  const plus = /^(\d+)\+$/.exec(s);
  if (plus) return { min: Number(plus[1]), max: Infinity };
  const span = /^(\d+)-(\d+)$/.exec(s);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  const one = /^(\d+)$/.exec(s);
  if (one) return { min: Number(one[1]), max: Number(one[1]) };
  throw new Error(`bad version range: ${s}`);
}

export function inRange(r: Range | null, v: number): boolean {
  return r !== null && v >= r.min && v <= r.max;
}

export interface FieldDef {
  readonly kind: Kind;
  readonly versions: Range;
  readonly nullable: Range | null;
  /** Tag number when this is a tagged field (KIP-482). */
  readonly tag: number | null;
  readonly taggedVersions: Range | null;
  /** Value used when the field is absent from a version or omitted on encode. */
  readonly default: unknown;
  /** Array element (a primitive FieldDef or a struct FieldDef). */
  readonly element: FieldDef | null;
  /** For kind 'struct' and arrays of structs. */
  readonly struct: StructDef | null;
}

export interface StructDef<T = unknown> {
  readonly fields: ReadonlyArray<readonly [string, FieldDef]>;
  /** Phantom: the decoded TypeScript type. */
  readonly __type?: T;
}

/** A field whose decoded TypeScript type is T. */
export interface Field<T> extends FieldDef {
  readonly __t?: T;
}

export interface FieldOptions {
  nullable?: string;
  tag?: number;
  /** Defaults to the versions of the field when tag is given. */
  tagged?: string;
  default?: unknown;
}

type Infer<S> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

function field<T>(kind: Kind, versions: string, o: FieldOptions = {}, extra: Partial<FieldDef> = {}): Field<T> {
  const tag = o.tag ?? null;
  return {
    kind,
    versions: parseRange(versions),
    nullable: o.nullable ? parseRange(o.nullable) : null,
    tag,
    taggedVersions: tag === null ? null : parseRange(o.tagged ?? versions),
    default: o.default !== undefined ? o.default : defaultFor(kind, extra),
    element: null,
    struct: null,
    ...extra,
  };
}

function defaultFor(kind: Kind, extra: Partial<FieldDef>): unknown {
  switch (kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    case 'array':
      return EMPTY;
    case 'struct':
      return extra.struct ? STRUCT_DEFAULT : null;
    default:
      return 0;
  }
}
const EMPTY: readonly unknown[] = Object.freeze([]);
/** Marker: the default of a struct field is a struct of its fields' defaults. */
const STRUCT_DEFAULT = Symbol('struct default');

type Nullable<O, T> = O extends { nullable: string } ? T | null : T;

export const bool = (v = '0+', o?: FieldOptions): Field<boolean> => field('bool', v, o);
export const int8 = (v = '0+', o?: FieldOptions): Field<number> => field('int8', v, o);
export const int16 = (v = '0+', o?: FieldOptions): Field<number> => field('int16', v, o);
export const uint16 = (v = '0+', o?: FieldOptions): Field<number> => field('uint16', v, o);
export const int32 = (v = '0+', o?: FieldOptions): Field<number> => field('int32', v, o);
export const uint32 = (v = '0+', o?: FieldOptions): Field<number> => field('uint32', v, o);
export const int64 = (v = '0+', o?: FieldOptions): Field<number> => field('int64', v, o);
export const float64 = (v = '0+', o?: FieldOptions): Field<number> => field('float64', v, o);
export const uuid = (v = '0+', o?: FieldOptions): Field<string> => field('uuid', v, o);
export const string = <O extends FieldOptions>(v = '0+', o?: O): Field<Nullable<O, string>> => field('string', v, o);
export const bytes = <O extends FieldOptions>(v = '0+', o?: O): Field<Nullable<O, Uint8Array>> => field('bytes', v, o);
/** Record batches: a view into the request bytes, never copied. Always nullable in Kafka. */
export const records = <O extends FieldOptions>(v = '0+', o?: O): Field<Uint8Array | null> =>
  field('records', v, o);

export function struct<S extends Record<string, Field<unknown>>>(fields: S): StructDef<Infer<S>> {
  return { fields: Object.entries(fields) };
}

/** A single (non-array) struct-typed field. */
export const structField = <T, O extends FieldOptions>(def: StructDef<T>, v = '0+', o?: O): Field<Nullable<O, T>> =>
  field('struct', v, o, { struct: def as StructDef });

export function array<T, O extends FieldOptions>(
  element: StructDef<T> | Field<T>,
  v = '0+',
  o?: O,
): Field<Nullable<O, T[]>> {
  const el: FieldDef = 'kind' in element ? element : field('struct', '0+', {}, { struct: element as StructDef });
  return field('array', v, o, { element: el, struct: el.kind === 'struct' ? el.struct : null });
}

export interface ApiDef<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly name: string;
  /** Versions this broker accepts. */
  readonly versions: Range;
  /** First flexible version (KIP-482), same for request and response. */
  readonly flexible: Range;
  readonly request: StructDef<Req>;
  readonly response: StructDef<Res>;
}

export function api<Req, Res>(d: {
  apiKey: number;
  name: string;
  versions: string;
  flexible: string;
  request: StructDef<Req>;
  response: StructDef<Res>;
}): ApiDef<Req, Res> {
  return { ...d, versions: parseRange(d.versions), flexible: parseRange(d.flexible) };
}

export type RequestOf<A> = A extends ApiDef<infer Req, unknown> ? Req : never;
export type ResponseOf<A> = A extends ApiDef<unknown, infer Res> ? Res : never;

/** What an encoder accepts: any field may be omitted and is then written as its default. */
export type Encodable<T> = T extends Uint8Array
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<Encodable<E>>
    : T extends object
      ? { [K in keyof T]?: Encodable<T[K]> }
      : T;

// ---------------------------------------------------------------------------------------------
// Compiler

export type Decoder<T> = (r: Reader) => T;
export type Encoder<T> = (w: Writer, value: Encodable<T>) => void;

interface Compiled {
  decoders: Map<number, Decoder<unknown>>;
  encoders: Map<number, Encoder<unknown>>;
}
const compiledByStruct = new WeakMap<StructDef, Compiled>();

function compiledFor(def: StructDef): Compiled {
  let c = compiledByStruct.get(def);
  if (!c) {
    c = { decoders: new Map(), encoders: new Map() };
    compiledByStruct.set(def, c);
  }
  return c;
}

/** Decoder for `def` at `version`; `flexible` says whether that version uses KIP-482 encoding. */
export function decoderFor<T>(def: StructDef<T>, version: number, flexible: boolean): Decoder<T> {
  const key = version * 2 + (flexible ? 1 : 0);
  const c = compiledFor(def);
  let d = c.decoders.get(key);
  if (!d) {
    d = compileDecoder(def, version, flexible);
    c.decoders.set(key, d);
  }
  return d as Decoder<T>;
}

export function encoderFor<T>(def: StructDef<T>, version: number, flexible: boolean): Encoder<T> {
  const key = version * 2 + (flexible ? 1 : 0);
  const c = compiledFor(def);
  let e = c.encoders.get(key);
  if (!e) {
    e = compileEncoder(def, version, flexible);
    c.encoders.set(key, e);
  }
  return e as Encoder<T>;
}

/** Code generation context: nested structs and constants are passed in by index. */
class Gen {
  readonly refs: unknown[] = [];
  private n = 0;
  ref(v: unknown): string {
    this.refs.push(v);
    return `R[${this.refs.length - 1}]`;
  }
  tmp(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
}

function defaultExpr(g: Gen, f: FieldDef, version: number, flexible: boolean): string {
  const d = f.default;
  if (d === STRUCT_DEFAULT) return `${g.ref(structDefaultMaker(f.struct!))}()`;
  if (d === EMPTY) return '[]';
  if (d === null || typeof d === 'number' || typeof d === 'boolean' || typeof d === 'string') return JSON.stringify(d);
  return g.ref(d);
}

function structDefaultMaker(def: StructDef): () => unknown {
  return () => structDefaults(def);
}

/** A struct holding every field's default: what a struct field absent from a version decodes to. */
export function structDefaults(def: StructDef): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, f] of def.fields) {
    o[name] = f.default === STRUCT_DEFAULT ? structDefaults(f.struct!) : f.default === EMPTY ? [] : f.default;
  }
  return o;
}

function readExpr(g: Gen, f: FieldDef, version: number, flexible: boolean): string {
  const nullable = inRange(f.nullable, version);
  switch (f.kind) {
    case 'bool':
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'uuid':
      return `r.${f.kind}()`;
    case 'string':
      return flexible
        ? nullable
          ? 'r.compactNullableString()'
          : 'r.compactString()'
        : nullable
          ? 'r.nullableString()'
          : 'r.string()';
    case 'bytes':
    case 'records':
      return flexible
        ? nullable || f.kind === 'records'
          ? 'r.compactNullableBytes()'
          : 'r.compactBytes()'
        : nullable || f.kind === 'records'
          ? 'r.nullableBytes()'
          : 'r.bytes()';
    case 'struct': {
      const d = g.ref(decoderFor(f.struct!, version, flexible));
      return nullable ? `(r.int8() < 0 ? null : ${d}(r))` : `${d}(r)`;
    }
    case 'array': {
      const el = f.element!;
      const elExpr = readExpr(g, el, version, flexible);
      const len = flexible ? 'r.compactArrayLength()' : 'r.arrayLength()';
      const nullCase = nullable ? 'null' : `${g.ref(throwNull)}()`;
      return `((n) => { if (n < 0) return ${nullCase}; const a = new Array(n); for (let i = 0; i < n; i++) a[i] = ${elExpr}; return a; })(${len})`;
    }
  }
}

function throwNull(): never {
  throw new DecodeError('null array where non-nullable');
}

function compileDecoder(def: StructDef, version: number, flexible: boolean): Decoder<unknown> {
  const g = new Gen();
  const lines: string[] = [];
  const names: string[] = [];
  const tagged: Array<[number, string, FieldDef]> = [];
  def.fields.forEach(([name, f], i) => {
    const local = `f${i}`;
    names.push(`${JSON.stringify(name)}: ${local}`);
    if (!inRange(f.versions, version)) {
      lines.push(`let ${local} = ${defaultExpr(g, f, version, flexible)};`);
    } else if (flexible && f.tag !== null && inRange(f.taggedVersions, version)) {
      lines.push(`let ${local} = ${defaultExpr(g, f, version, flexible)};`);
      tagged.push([f.tag, local, f]);
    } else {
      lines.push(`let ${local} = ${readExpr(g, f, version, flexible)};`);
    }
  });
  if (flexible) {
    const cases = tagged.map(([tag, local, f]) => `case ${tag}: ${local} = ${readExpr(g, f, version, flexible)}; break;`);
    lines.push(
      `{ const nt = r.uvarint(); if (nt > r.remaining) ${g.ref(throwTags)}();`,
      `  for (let t = 0; t < nt; t++) { const tag = r.uvarint(); const size = r.uvarint(); r.need(size); const end = r.pos + size;`,
      `    switch (tag) { ${cases.join(' ')} default: r.pos = end; }`,
      `    if (r.pos !== end) ${g.ref(throwTagSize)}(tag); } }`,
    );
  }
  lines.push(`return { ${names.join(', ')} };`);
  const body = `return function decode(r) {\n${lines.join('\n')}\n};`;
  return new Function('R', body)(g.refs) as Decoder<unknown>;
}

function throwTags(): never {
  throw new DecodeError('tagged field count exceeds remaining bytes');
}
function throwTagSize(tag: number): never {
  throw new DecodeError(`tagged field ${tag} size mismatch`);
}

function writeStmt(g: Gen, f: FieldDef, v: string, version: number, flexible: boolean): string {
  const nullable = inRange(f.nullable, version);
  switch (f.kind) {
    case 'bool':
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'int64':
    case 'float64':
    case 'uuid':
      return `w.${f.kind}(${v});`;
    case 'string':
      if (!nullable) return flexible ? `w.compactString(${v});` : `w.string(${v});`;
      return flexible ? `w.compactNullableString(${v});` : `w.nullableString(${v});`;
    case 'bytes':
    case 'records':
      return `w.bytes_(${v}, ${flexible});`;
    case 'struct': {
      const e = g.ref(encoderFor(f.struct!, version, flexible));
      return nullable ? `if (${v} === null) w.int8(-1); else { w.int8(1); ${e}(w, ${v}); }` : `${e}(w, ${v} ?? {});`;
    }
    case 'array': {
      const a = g.tmp('a');
      const x = g.tmp('x');
      const len = (n: string): string => (flexible ? `w.compactArrayLength(${n});` : `w.arrayLength(${n});`);
      const el = f.element!;
      const elDefault = el.kind === 'struct' ? '{}' : defaultExpr(g, el, version, flexible);
      return `{ const ${a} = ${v}; if (${a} === null) { ${len('-1')} } else { ${len(`${a}.length`)} for (let i = 0; i < ${a}.length; i++) { let ${x} = ${a}[i]; if (${x} === undefined) ${x} = ${elDefault}; ${writeStmt(g, el, x, version, flexible)} } } }`;
    }
  }
}

function isDefaultTest(g: Gen, f: FieldDef, v: string): string {
  const d = f.default;
  if (f.kind === 'array') return d === null ? `${v} === null` : `(${v} !== null && ${v}.length === 0)`;
  if (d === null) return `${v} === null`;
  if (typeof d === 'number' || typeof d === 'boolean' || typeof d === 'string') return `${v} === ${JSON.stringify(d)}`;
  if (d === STRUCT_DEFAULT) return `${g.ref(isStructDefault)}(${g.ref(f.struct)}, ${v})`;
  return 'false';
}

/** A tagged struct is written only when some field differs from its default (KIP-482). */
function isStructDefault(def: StructDef, v: Record<string, unknown> | null): boolean {
  if (v === null) return false;
  for (const [name, f] of def.fields) {
    const x = v[name];
    if (x === undefined) continue;
    const d = f.default;
    if (d === STRUCT_DEFAULT) {
      if (!isStructDefault(f.struct!, x as Record<string, unknown>)) return false;
    } else if (d === EMPTY) {
      if (x === null || (x as unknown[]).length !== 0) return false;
    } else if (d instanceof Uint8Array) {
      if (!(x instanceof Uint8Array) || x.length !== d.length) return false;
    } else if (x !== d) {
      return false;
    }
  }
  return true;
}

function compileEncoder(def: StructDef, version: number, flexible: boolean): Encoder<unknown> {
  const g = new Gen();
  const lines: string[] = [];
  const tagged: Array<[number, string, FieldDef]> = [];
  def.fields.forEach(([name, f], i) => {
    if (!inRange(f.versions, version)) return;
    const local = `v${i}`;
    lines.push(`let ${local} = o[${JSON.stringify(name)}]; if (${local} === undefined) ${local} = ${defaultExpr(g, f, version, flexible)};`);
    if (flexible && f.tag !== null && inRange(f.taggedVersions, version)) {
      tagged.push([f.tag, local, f]);
    } else {
      lines.push(writeStmt(g, f, local, version, flexible));
    }
  });
  if (flexible) {
    if (tagged.length === 0) {
      lines.push('w.uvarint(0);');
    } else {
      tagged.sort((a, b) => a[0] - b[0]);
      const present = tagged.map(([, local, f]) => `(${isDefaultTest(g, f, local)} ? 0 : 1)`).join(' + ');
      lines.push(`w.uvarint(${present});`);
      const W = g.ref(Writer);
      for (const [tag, local, f] of tagged) {
        lines.push(
          `if (!(${isDefaultTest(g, f, local)})) { const t = new ${W}(64); ((w) => { ${writeStmt(g, f, local, version, flexible)} })(t); w.uvarint(${tag}); w.uvarint(t.pos); w.raw(t.bytes()); }`,
        );
      }
    }
  }
  const body = `return function encode(w, o) {\n${lines.join('\n')}\n};`;
  return new Function('R', body)(g.refs) as Encoder<unknown>;
}
