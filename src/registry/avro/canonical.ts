// The two strings by which Confluent's registry recognises a schema it already holds
// (confluentinc/schema-registry client/.../avro/AvroSchema.java and AvroSchemaUtils.java):
//
// - canonicalString(): AvroSchema.canonicalString() is Avro's Schema.toString(references, false):
//   compact JSON in Avro's own key order, docs, defaults and aliases kept, a named type written
//   in full once and then by name, the types its references define written by name only.
// - normalizedString(): AvroSchema.normalize() is AvroSchemaUtils.toNormalizedString(), adapted
//   from Avro's SchemaNormalization (Parsing Canonical Form, Avro spec): "name" first then
//   "type", full names and no "namespace" key, aliases sorted, docs and defaults kept, and
//   "order" written on every field (Avro's Field.order() is never null: "ascending" by default);
//   that text is parsed again and printed by canonicalString().
//
// avsc keeps no custom properties and no unimplemented logicalType: those are read from the
// schema's own JSON, walked beside avsc's type tree (raw.ts).

import avro from 'avsc';
import type { ParsedAvroSchema } from './parse.ts';
import { child, element, fieldProps, propsText, schemaProps, typeNode } from './raw.ts';
import {
  aliasesOf, branchesOf, docOf, enumDefaultOf, fieldsOf, fullNameOf, itemsOf, kindOf, namespaceOf, sizeOf,
  symbolsOf, valuesOf, type FieldView,
} from './types.ts';

const q = (s: string): string => JSON.stringify(s);

/**
 * A default printed back from avsc's decoded value. Avro keeps the default's JSON node as parsed
 * and Jackson prints a DoubleNode 1.0 as "1.0" but an IntNode 1 as "1"; JSON.parse cannot tell
 * the two apart, so a float or double default always prints with ".0" (README: known gaps).
 */
function defaultText(type: avro.Type, value: unknown): string {
  const kind = kindOf(type);
  switch (kind) {
    case 'union': {
      // avsc wraps a default of a wrapped union ({"X": ...}); the default is of the first branch.
      const wrapped = type.typeName === 'union:wrapped' && value !== null && typeof value === 'object';
      return defaultText(branchesOf(type)[0], wrapped ? Object.values(value as object)[0] : value);
    }
    case 'float':
    case 'double': {
      const n = value as number;
      if (!Number.isFinite(n)) return q(String(n)); // Avro writes NaN and Infinity as strings
      return Number.isInteger(n) ? `${n}.0` : String(n);
    }
    case 'bytes':
    case 'fixed':
      return q((value as Buffer).toString('latin1'));
    case 'record':
      return `{${fieldsOf(type).map((f) => `${q(f.name)}:${defaultText(f.type, (value as Record<string, unknown>)[f.name])}`).join(',')}}`;
    case 'array':
      return `[${(value as unknown[]).map((v) => defaultText(itemsOf(type), v)).join(',')}]`;
    case 'map':
      return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${q(k)}:${defaultText(valuesOf(type), v)}`).join(',')}}`;
    default:
      return JSON.stringify(value);
  }
}

/** Avro's Name.getQualified(space): the short name inside its own namespace, else the full name. */
function qualified(fullName: string, space: string): string {
  return namespaceOf(fullName) === space && space !== '' ? fullName.slice(space.length + 1) : fullName;
}

interface Env {
  /** Named types already written in full (or defined by a reference): later written by name. */
  readonly known: Set<string>;
  /** The enclosing namespace (Avro's Names.space()). */
  space: string;
  readonly emptyDocNames: ReadonlySet<string>;
}

function nameKeys(fullName: string, env: Env): string {
  // Avro's Name.writeName: the short name, and "namespace" only where it differs from the
  // enclosing one ("" when a namespaced record encloses a type with none).
  const space = namespaceOf(fullName);
  const short = space === '' ? fullName : fullName.slice(space.length + 1);
  return `"name":${q(short)}${space !== env.space ? `,"namespace":${q(space)}` : ''}`;
}

function docKey(type: avro.Type, env: Env): string {
  const doc = docOf(type) ?? (env.emptyDocNames.has(fullNameOf(type)) ? '' : undefined);
  return doc === undefined ? '' : `,"doc":${q(doc)}`;
}

function aliasesKey(type: avro.Type): string {
  const aliases = aliasesOf(type);
  if (aliases.length === 0) return '';
  const space = namespaceOf(fullNameOf(type));
  return `,"aliases":[${aliases.map((a) => q(qualified(a, space))).join(',')}]`;
}

function fieldJson(f: FieldView, raw: unknown, env: Env): string {
  // Avro's Schema.fieldsToJson order: name, type, doc, default, order (unless ascending), aliases, props.
  let out = `{"name":${q(f.name)},"type":${toJson(f.type, child(raw, 'type'), env)}`;
  if (f.doc !== undefined) out += `,"doc":${q(f.doc)}`;
  if (f.hasDefault) out += `,"default":${defaultText(f.type, f.defaultValue)}`;
  if (f.order !== 'ascending') out += `,"order":${q(f.order)}`;
  if (f.aliases.length > 0) out += `,"aliases":[${f.aliases.map(q).join(',')}]`;
  return out + propsText(fieldProps(raw), false) + '}';
}

/** Avro's Schema.toJson; `raw` is the schema's own JSON at the same place (for its props). */
function toJson(type: avro.Type, rawIn: unknown, env: Env): string {
  const kind = kindOf(type);
  const raw = typeNode(rawIn);
  const props = propsText(schemaProps(raw), false);
  switch (kind) {
    case 'union':
      return `[${branchesOf(type).map((b, i) => toJson(b, element(raw, i), env)).join(',')}]`;
    case 'array':
      return `{"type":"array","items":${toJson(itemsOf(type), child(raw, 'items'), env)}${props}}`;
    case 'map':
      return `{"type":"map","values":${toJson(valuesOf(type), child(raw, 'values'), env)}${props}}`;
    case 'record':
    case 'enum':
    case 'fixed': {
      const name = fullNameOf(type);
      if (env.known.has(name)) return q(qualified(name, env.space));
      env.known.add(name);
      let out = `{"type":${q(kind)},${nameKeys(name, env)}${docKey(type, env)}`;
      if (kind === 'record') {
        const saved = env.space;
        env.space = namespaceOf(name);
        const rawFields = child(raw, 'fields');
        out += `,"fields":[${fieldsOf(type).map((f, i) => fieldJson(f, element(rawFields, i), env)).join(',')}]`;
        env.space = saved;
        out += props + aliasesKey(type);
      } else if (kind === 'enum') {
        out += `,"symbols":[${symbolsOf(type).map(q).join(',')}]${props}${aliasesKey(type)}`;
        const fallback = enumDefaultOf(type);
        if (fallback !== undefined) out += `,"default":${q(fallback)}`;
      } else {
        out += `,"size":${sizeOf(type)}${props}${aliasesKey(type)}`;
      }
      return out + '}';
    }
    default:
      // A primitive: its name, or an object when it has props (a logicalType among them).
      return props === '' ? q(kind) : `{"type":${q(kind)}${props}}`;
  }
}

/** Confluent's AvroSchema.canonicalString(): what the registry stores and compares by default. */
export function canonicalString(schema: ParsedAvroSchema): string {
  return toJson(schema.type, schema.json, { known: new Set(schema.referencedNames), space: '', emptyDocNames: schema.emptyDocNames });
}

function normalizedJson(type: avro.Type, rawIn: unknown, known: Set<string>): string {
  const kind = kindOf(type);
  const raw = typeNode(rawIn);
  // AvroSchemaUtils.setSimpleProps: props sorted by key, after everything else.
  const props = propsText(schemaProps(raw), true);
  switch (kind) {
    case 'union':
      return `[${branchesOf(type).map((b, i) => normalizedJson(b, element(raw, i), known)).join(',')}]`;
    case 'array':
      return `{"type":"array","items":${normalizedJson(itemsOf(type), child(raw, 'items'), known)}${props}}`;
    case 'map':
      return `{"type":"map","values":${normalizedJson(valuesOf(type), child(raw, 'values'), known)}${props}}`;
    case 'record':
    case 'enum':
    case 'fixed': {
      const name = fullNameOf(type);
      if (known.has(name)) return q(name);
      known.add(name);
      let out = `{"name":${q(name)},"type":${q(kind)}`;
      if (kind === 'enum') out += `,"symbols":[${symbolsOf(type).map(q).join(',')}]`;
      else if (kind === 'fixed') out += `,"size":${sizeOf(type)}`;
      else {
        const rawFields = child(raw, 'fields');
        out += `,"fields":[${fieldsOf(type).map((f, i) => normalizedField(f, element(rawFields, i), known)).join(',')}]`;
      }
      // AvroSchemaUtils.setComplexProps: a non-empty doc, sorted aliases (full names), enum default.
      const doc = docOf(type);
      if (doc !== undefined && doc !== '') out += `,"doc":${q(doc)}`;
      const aliases = [...aliasesOf(type)].sort();
      if (aliases.length > 0) out += `,"aliases":[${aliases.map(q).join(',')}]`;
      const fallback = kind === 'enum' ? enumDefaultOf(type) : undefined;
      if (fallback !== undefined) out += `,"default":${q(fallback)}`;
      return out + props + '}';
    }
    default:
      return props === '' ? q(kind) : `{"type":${q(kind)}${props}}`;
  }
}

function normalizedField(f: FieldView, raw: unknown, known: Set<string>): string {
  // AvroSchemaUtils.setFieldProps order: order, doc, sorted aliases, default.
  let out = `{"name":${q(f.name)},"type":${normalizedJson(f.type, child(raw, 'type'), known)},"order":${q(f.order)}`;
  if (f.doc !== undefined) out += `,"doc":${q(f.doc)}`;
  const aliases = [...f.aliases].sort();
  if (aliases.length > 0) out += `,"aliases":[${aliases.map(q).join(',')}]`;
  if (f.hasDefault) out += `,"default":${defaultText(f.type, f.defaultValue)}`;
  return out + propsText(fieldProps(raw), true) + '}';
}

/** AvroSchemaUtils.toNormalizedString(): the text Confluent's normalize() parses again. */
export function normalizedText(schema: ParsedAvroSchema): string {
  return normalizedJson(schema.type, schema.json, new Set(schema.referencedNames));
}

/**
 * Confluent's schema.normalize().canonicalString(), compared when a request says normalize=true:
 * normalize() builds a new AvroSchema from the normalized text, so what is stored and compared
 * is that text parsed again and printed in canonical form (aliases sorted, empty docs dropped).
 */
export function normalizedString(schema: ParsedAvroSchema): string {
  // The text came from a valid schema; failing to parse it again is a bug here, not bad input.
  const json: unknown = JSON.parse(normalizedText(schema));
  const type = avro.Type.forSchema(json as avro.Schema, { registry: { ...schema.referencedTypes } });
  return canonicalString({ ...schema, type, json, emptyDocNames: new Set() }); // normalizing drops empty docs
}
