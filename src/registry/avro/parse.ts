// Parsing an Avro schema string as Confluent's Schema Registry does (its AvroSchema constructor,
// confluentinc/schema-registry client/.../avro/AvroSchema.java): the referenced schemas are
// parsed first into the same name table, then the schema itself, so the schema may name the
// types its references define. Pure: references are resolved through a callback the caller
// gives (subject/version -> schema text), which reads the registry's state, not the network.
//
// avsc does the Avro-spec checks (names, symbols, defaults against their types); we add the
// registry's own limits and turn its exceptions into values carrying error_code 42201.

import avro from 'avsc';

/** A schema's reference to another registered schema (Confluent's SchemaReference). */
export interface SchemaReference {
  /** The full name of the type the referenced schema defines (as written in the referrer). */
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** What the resolver returns for one reference: the registered schema and its own references. */
export interface ResolvedReference {
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/** subject/version -> the registered schema, or undefined if there is none. */
export type ReferenceResolver = (subject: string, version: number) => ResolvedReference | undefined;

/** A parsed schema: avsc's type tree plus the names its references defined. */
export interface ParsedAvroSchema {
  readonly type: avro.Type;
  /** Full names of the named types defined by (transitive) references, in parse order. */
  readonly referencedNames: readonly string[];
  /** The named types the references defined, by full name: what re-parsing this schema needs. */
  readonly referencedTypes: Readonly<Record<string, avro.Type>>;
  /** The schema's own JSON: props and logical types avsc does not keep are read from it. */
  readonly json: unknown;
  /** Named types written with "doc": "", which avsc drops but Avro's toString keeps. */
  readonly emptyDocNames: ReadonlySet<string>;
}

/** Confluent's error_code for "Invalid schema" (schema-registry-api-spec.yaml, 422 answers). */
export const INVALID_SCHEMA_ERROR_CODE = 42201;

export interface InvalidSchema {
  readonly errorCode: typeof INVALID_SCHEMA_ERROR_CODE;
  readonly message: string;
}

export type ParseResult = { ok: true; schema: ParsedAvroSchema } | { ok: false; error: InvalidSchema };

/** Longest schema text accepted; Confluent's default request limit is far above any real schema. */
export const SCHEMA_CHARS_MAX = 1_000_000;
/** Most references (transitively, after de-duplication) one schema may pull in. */
export const REFERENCES_MAX = 1_000;
/** Deepest chain of references of references, so a cycle of references ends. */
export const REFERENCE_DEPTH_MAX = 32;

/** Longest piece of the schema text quoted back in an error message. */
export const QUOTED_SCHEMA_CHARS_MAX = 1_000;

/**
 * Confluent's SchemaRegistry.parseSchema answers 42201 with "Invalid schema " + schema + " with
 * refs " + references + " of type " + type + ", details: " + the parser's message. The refs are
 * printed here as a Java list of "{name=..., subject=..., version=...}" (an approximation of
 * SchemaReference.toString), and a long schema is cut at QUOTED_SCHEMA_CHARS_MAX.
 */
function invalidMessage(text: string, references: readonly SchemaReference[], detail: string): string {
  const quoted = text.length > QUOTED_SCHEMA_CHARS_MAX ? `${text.slice(0, QUOTED_SCHEMA_CHARS_MAX)}...` : text;
  const refs = references.map((r) => `{name='${r.name}', subject='${r.subject}', version=${r.version}}`).join(', ');
  return `Invalid schema ${quoted} with refs [${refs}] of type AVRO, details: ${detail}`;
}

function invalid(detail: string): { ok: false; error: InvalidSchema } {
  return { ok: false, error: { errorCode: INVALID_SCHEMA_ERROR_CODE, message: detail } };
}

/**
 * The referenced schema texts in dependency order (a reference's own references first), as
 * Confluent's resolveReferences walks them depth first; each subject/version once.
 */
function collectReferences(
  references: readonly SchemaReference[],
  resolve: ReferenceResolver,
): { ok: true; texts: string[] } | { ok: false; error: InvalidSchema } {
  const texts: string[] = [];
  const seen = new Set<string>();
  const visit = (refs: readonly SchemaReference[], depth: number): string | undefined => {
    if (depth > REFERENCE_DEPTH_MAX) return `references nested deeper than ${REFERENCE_DEPTH_MAX}`;
    for (const ref of refs) {
      const key = `${ref.subject}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > REFERENCES_MAX) return `more than ${REFERENCES_MAX} references`;
      const found = resolve(ref.subject, ref.version);
      if (found === undefined) return `reference '${ref.name}' to subject '${ref.subject}' version ${ref.version} not found`;
      const problem = visit(found.references, depth + 1);
      if (problem !== undefined) return problem;
      texts.push(found.schema);
    }
    return undefined;
  };
  const problem = visit(references, 1);
  return problem === undefined ? { ok: true, texts } : invalid(problem);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; detail: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, detail: `not JSON: ${(e as Error).message}` };
  }
}

/**
 * An avsc typeHook that notes the full names of named types whose doc is "" (avsc keeps only a
 * non-empty doc). It runs before avsc builds each type, with the enclosing namespace in opts.
 */
function emptyDocRecorder(names: Set<string>): (schema: avro.Schema, opts: avro.ForSchemaOptions) => undefined {
  return (schema, opts) => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
    const attrs = schema as { name?: unknown; namespace?: unknown; doc?: unknown };
    if (attrs.doc !== '' || typeof attrs.name !== 'string') return undefined;
    const space = typeof attrs.namespace === 'string' ? attrs.namespace : ((opts as { namespace?: string }).namespace ?? '');
    names.add(attrs.name.includes('.') || space === '' ? attrs.name : `${space}.${attrs.name}`);
    return undefined;
  };
}

function isNamed(type: avro.Type): boolean {
  const name = type.name;
  return typeof name === 'string' && name.length > 0;
}

/**
 * Parses `text` with its `references` resolved by `resolve`. Names defined by a reference are
 * visible to the schema (Avro's Schema.Parser keeps one name table across parse calls).
 */
export function parseAvroSchema(
  text: string,
  references: readonly SchemaReference[] = [],
  resolve: ReferenceResolver = () => undefined,
): ParseResult {
  const result = parseWithReferences(text, references, resolve);
  if (result.ok) return result;
  return invalid(invalidMessage(text, references, result.error.message));
}

function parseWithReferences(text: string, references: readonly SchemaReference[], resolve: ReferenceResolver): ParseResult {
  if (text.length > SCHEMA_CHARS_MAX) return invalid(`schema longer than ${SCHEMA_CHARS_MAX} characters`);
  const refs = collectReferences(references, resolve);
  if (!refs.ok) return refs;
  const registry: Record<string, avro.Type> = {};
  const referencedNames: string[] = [];
  for (const refText of refs.texts) {
    const json = parseJson(refText);
    if (!json.ok) return invalid(`a referenced schema is ${json.detail}`);
    try {
      const refType = avro.Type.forSchema(json.value as avro.Schema, { registry });
      if (isNamed(refType)) referencedNames.push(refType.name as string);
    } catch (e) {
      return invalid(`a referenced schema: ${(e as Error).message}`);
    }
  }
  const referencedTypes = { ...registry };
  const emptyDocNames = new Set<string>();
  const json = parseJson(text);
  if (!json.ok) return invalid(json.detail);
  if (json.value === null || (typeof json.value !== 'string' && typeof json.value !== 'object')) {
    return invalid('a schema is a JSON string, object or array');
  }
  try {
    const type = avro.Type.forSchema(json.value as avro.Schema, { registry, typeHook: emptyDocRecorder(emptyDocNames) });
    return { ok: true, schema: { type, json: json.value, referencedNames, referencedTypes, emptyDocNames } };
  } catch (e) {
    return invalid((e as Error).message);
  }
}
