// Reading a JSON Schema as Confluent's JsonSchemaProvider.parseSchemaOrElseThrow does: the JSON
// text (Jackson, json-text.ts), the draft chosen by "$schema" (SpecificationVersion.getFromUrl;
// draft-07 when absent or unknown, JsonSchema.rawSchema), the references resolved depth first
// (each subject/version once), and the schema checked against its draft's meta-schema and
// compiled with ajv, so a "$ref" nothing resolves is refused. Errors are values; ajv throws, and
// is caught here. Pure apart from ajv's code generation (new Function over generated code; no
// "$data", no custom keywords, no remote loading, no formats).

import Ajv, { type AnySchema, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { type RegistryError, RegistryErrorCode } from '../registry-errors.ts';
import type { SchemaResolver } from '../schema-types.ts';
import type { SchemaReference } from '../schemas-records.ts';
import { member, parseJson, toPlain, type JsonNode } from './json-text.ts';
import { pointer, type Draft } from './model.ts';

/** Longest schema text read (characters): bounds the parse, the model and ajv's generated code. */
export const SCHEMA_CHARS_MAX = 1_000_000;
/** Most references one schema brings in, all levels together. */
export const REFERENCES_MAX = 100;
/** Deepest chain of references (a reference's references ...). */
export const REFERENCE_DEPTH_MAX = 16;
/** Most characters of a reason quoted from ajv. */
const DETAIL_CHARS_MAX = 500;

/** A schema read: its JSON, its draft, and the referenced documents by the name "$ref"s use. */
export interface ReadSchema {
  /** The JSON as written: what canonical() prints. */
  readonly node: JsonNode;
  /** The JSON "$ref"s are resolved in: `node` with "definitions" bridged into "$defs". */
  readonly resolvable: JsonNode;
  readonly draft: Draft;
  readonly referenced: ReadonlyMap<string, JsonNode>;
}

export type ReadOutcome = { readonly ok: true; readonly schema: ReadSchema } | { readonly ok: false; readonly error: RegistryError };

/**
 * Confluent's message: JsonSchemaProvider wraps the cause in "Invalid schema of type JSON,
 * details: ...", and AbstractSchemaRegistry.loadSchema wraps that once more in the same words
 * (core/.../storage/AbstractSchemaRegistry.java), so the prefix appears twice.
 */
export function invalidSchema(detail: string): RegistryError {
  const inner = `Invalid schema of type JSON, details: ${detail}`;
  return { code: RegistryErrorCode.INVALID_SCHEMA, message: `Invalid schema of type JSON, details: ${inner}` };
}

const DRAFT_URLS: ReadonlyArray<readonly [string, Draft]> = [
  ['http://json-schema.org/draft-04/schema', 'draft-04'], ['https://json-schema.org/draft-04/schema', 'draft-04'],
  ['http://json-schema.org/schema', 'draft-04'], ['https://json-schema.org/schema', 'draft-04'],
  ['http://json-schema.org/draft-06/schema', 'draft-06'], ['https://json-schema.org/draft-06/schema', 'draft-06'],
  ['http://json-schema.org/draft-07/schema', 'draft-07'], ['https://json-schema.org/draft-07/schema', 'draft-07'],
  ['http://json-schema.org/draft/2019-09/schema', '2019-09'], ['https://json-schema.org/draft/2019-09/schema', '2019-09'],
  ['http://json-schema.org/draft/2020-12/schema', '2020-12'], ['https://json-schema.org/draft/2020-12/schema', '2020-12'],
];

/** SpecificationVersion.getFromUrl (a trailing '#' dropped), draft-07 when absent or unknown. */
export function draftOf(node: JsonNode): Draft {
  const schema = member(node, '$schema');
  if (schema?.k !== 'str') return 'draft-07';
  const url = schema.v.endsWith('#') ? schema.v.slice(0, -1) : schema.v;
  return DRAFT_URLS.find(([u]) => u === url)?.[1] ?? 'draft-07';
}

const AJV_OPTIONS = {
  // strict off: JSON Schema allows unknown keywords, which Confluent keeps.
  // addUsedSchema stays on: without it ajv cannot resolve "#" or the schema's own "$id".
  strict: false, validateFormats: false, $data: false, logger: false as const,
};

/** A fresh ajv of a draft; `withMetaSchema` checks every schema added against the draft's meta-schema. */
function newAjv(draft: Draft, withMetaSchema: boolean): Ajv {
  // The compiler runs with allErrors: its code is then flat; stopping at the first error nests
  // one block per property, and a schema with thousands overflows the stack when compiled.
  const options = { ...AJV_OPTIONS, validateSchema: withMetaSchema, allErrors: !withMetaSchema };
  switch (draft) {
    case 'draft-04': return new AjvDraft04(options) as unknown as Ajv;
    case 'draft-06': {
      const ajv = new Ajv(options);
      ajv.addMetaSchema(draft06MetaSchema);
      return ajv;
    }
    case 'draft-07': return new Ajv(options);
    case '2019-09': return new Ajv2019(options);
    case '2020-12': return new Ajv2020(options);
  }
}

/**
 * One meta-schema checker per draft, made on first use and kept: compiling a meta-schema takes
 * tens of milliseconds, checking against a compiled one microseconds. validateSchema registers
 * nothing, so a kept checker holds no trace of the schemas it checked.
 */
const metaCheckers = new Map<Draft, Ajv>();
function metaCheck(draft: Draft, schema: AnySchema): string | undefined {
  let ajv = metaCheckers.get(draft);
  if (ajv === undefined) metaCheckers.set(draft, (ajv = newAjv(draft, true)));
  if (ajv.validateSchema(schema) === true) return undefined;
  return `the schema is not valid ${draft}: ${metaErrors(ajv)}`;
}

/**
 * The schema as plain values for ajv, its "$schema" replaced by the meta-schema of the draft
 * already chosen: Confluent accepts URLs ajv does not know ("http://json-schema.org/schema",
 * "https://" forms, unknown ones read as draft-07), and each ajv class checks against its own
 * draft when "$schema" is absent; draft 6 shares draft 7's class, so it is named.
 */
function forAjv(node: JsonNode, draft: Draft): AnySchema {
  const plain = toPlain(node);
  if (typeof plain !== 'object' || plain === null) return plain as AnySchema;
  const obj = plain as Record<string, unknown>;
  delete obj.$schema;
  if (draft === 'draft-06') obj.$schema = 'http://json-schema.org/draft-06/schema#';
  return obj as AnySchema;
}

const idKeyword = (draft: Draft): string => (draft === 'draft-04' ? 'id' : '$id');

/** `name` resolved against an absolute base URI, when that differs from `name`. */
function resolvedAgainst(base: string | undefined, name: string): string | undefined {
  if (base === undefined || !URL.canParse(base)) return undefined;
  const href = new URL(name, base).href;
  return href === name ? undefined : href;
}

const errorText = (err: unknown): string => {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > DETAIL_CHARS_MAX ? `${text.slice(0, DETAIL_CHARS_MAX)}...` : text;
};

/** ajv's meta-schema findings as one line ("#/minLength must be integer"). */
function metaErrors(ajv: Ajv): string {
  return (ajv.errors ?? []).slice(0, 3).map((e) => `${e.instancePath === '' ? '#' : `#${e.instancePath}`} ${e.message ?? 'is invalid'}`).join('; ');
}

function readDocument(text: string): { ok: true; node: JsonNode } | { ok: false; detail: string } {
  if (text.length > SCHEMA_CHARS_MAX) return { ok: false, detail: `schema longer than ${SCHEMA_CHARS_MAX} characters` };
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, detail: `Invalid JSON: ${parsed.error}` };
  if (parsed.node.k !== 'obj' && parsed.node.k !== 'bool') {
    // JsonSchema.rawSchema's own message.
    return { ok: false, detail: `Invalid JSON schema: expected an object or boolean at the root, found ${parsed.node.k === 'arr' ? 'ARRAY' : parsed.node.k === 'str' ? 'STRING' : parsed.node.k === 'num' ? 'NUMBER' : 'NULL'}` };
  }
  return { ok: true, node: parsed.node };
}

/**
 * JsonSchema.mergeDefBuckets(json, "definitions", "$defs"), applied by Confluent to each
 * document before loading it: a "$ref" to "#/$defs/X" finds X under "definitions" too. Entries
 * "$defs" already has win; a "$defs" that is not an object is left alone. Only "$ref"
 * resolution sees the result; the canonical string keeps the schema as written.
 */
export function bridgeDefinitions(node: JsonNode): JsonNode {
  if (node.k !== 'obj') return node;
  const source = member(node, 'definitions');
  if (source?.k !== 'obj' || source.entries.length === 0) return node;
  const target = member(node, '$defs');
  if (target !== undefined && target.k !== 'obj') return node;
  const existing = target?.k === 'obj' ? target.entries : [];
  const have = new Set(existing.map(([k]) => k));
  const merged: JsonNode = { k: 'obj', entries: [...existing, ...source.entries.filter(([k]) => !have.has(k))] };
  const entries = target === undefined
    ? [...node.entries, ['$defs', merged] as const]
    : node.entries.map(([k, v]) => (k === '$defs' ? (['$defs', merged] as const) : ([k, v] as const)));
  return { k: 'obj', entries };
}

/** Most "$ref"s followed from one "$ref" while looking for a cycle of nothing but "$ref"s. */
const REF_CHAIN_MAX = 64;

/**
 * A "$ref" whose chain of "$ref"-to-"$ref" comes back to itself ("a" -> "b" -> "a"), within
 * one document: it means nothing, and ajv recurses on it until the stack overflows. Every
 * "$ref" node is followed at most REF_CHAIN_MAX steps; nodes are visited without recursion.
 */
function pureRefCycle(doc: JsonNode): string | undefined {
  const stack: JsonNode[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.k === 'arr') for (const item of node.items) stack.push(item);
    if (node.k !== 'obj') continue;
    for (const [, v] of node.entries) stack.push(v);
    const seen = new Set<JsonNode>([node]);
    let at: JsonNode = node;
    for (let i = 0; i < REF_CHAIN_MAX; i++) {
      const ref = member(at, '$ref');
      if (ref?.k !== 'str' || !ref.v.startsWith('#')) break;
      const target = pointer(doc, ref.v.slice(1));
      if (target === undefined) break;
      if (seen.has(target)) return ref.v;
      seen.add(target);
      at = target;
    }
  }
  return undefined;
}

/**
 * Reads a schema and its references. A new schema (`isNew`) is checked against its draft's
 * meta-schema and compiled by ajv, and may not name a root property "$$..." (Confluent's
 * JsonSchema.validate(strict)). A stored one is read leniently: JSON, references and "$ref"
 * cycles only, so a schema stored by a more lenient reader (Confluent's everit loader ignores
 * much that ajv's meta-schemas refuse) is never lost on replay.
 */
export function readSchema(text: string, references: readonly SchemaReference[], resolve: SchemaResolver, isNew: boolean): ReadOutcome {
  const read = readAndCompile(text, references, resolve, isNew);
  return read.ok ? { ok: true, schema: read.schema } : read;
}

export type CompileOutcome = { readonly ok: true; readonly schema: ReadSchema; readonly validate: ValidateFunction } | { readonly ok: false; readonly error: RegistryError };

/** A schema read as a new one (readSchema with isNew) and its compiled validator: what the
 *  registry's serde codecs validate values with. */
export function compileSchema(text: string, references: readonly SchemaReference[], resolve: SchemaResolver): CompileOutcome {
  const read = readAndCompile(text, references, resolve, true);
  if (!read.ok) return read;
  if (read.validate === undefined) return { ok: false, error: invalidSchema('the schema did not compile') }; // unreachable: isNew compiles
  return { ok: true, schema: read.schema, validate: read.validate };
}

function readAndCompile(
  text: string,
  references: readonly SchemaReference[],
  resolve: SchemaResolver,
  isNew: boolean,
): { ok: true; schema: ReadSchema; validate: ValidateFunction | undefined } | { ok: false; error: RegistryError } {
  const root = readDocument(text);
  if (!root.ok) return { ok: false, error: invalidSchema(root.detail) };
  const draft = draftOf(root.node);
  const referenced = new Map<string, JsonNode>();
  const rootIdNode = member(root.node, idKeyword(draft));
  const rootId = rootIdNode?.k === 'str' ? rootIdNode.v : undefined;
  // A fresh compiler per new schema: compiling registers "$id"s and the references added.
  const ajv = isNew ? newAjv(draft, false) : undefined;
  const seen = new Set<string>();
  // Depth first, a reference's own references before it (JsonSchemaProvider.resolveReferences).
  const visit = (refs: readonly SchemaReference[], depth: number): string | undefined => {
    if (depth > REFERENCE_DEPTH_MAX) return `references nested deeper than ${REFERENCE_DEPTH_MAX}`;
    for (const ref of refs) {
      const key = `${ref.subject}\u0000${ref.version}`;
      if (seen.has(key) || referenced.has(ref.name)) continue;
      seen.add(key);
      if (seen.size > REFERENCES_MAX) return `more than ${REFERENCES_MAX} references`;
      const found = resolve(ref.subject, ref.version);
      if (found === undefined) return `Schema reference '${ref.name}' (subject '${ref.subject}', version ${ref.version}) not found`;
      if (found.schemaType !== 'JSON') return `Schema reference '${ref.name}' is of type ${found.schemaType}, not JSON`;
      const problem = visit(found.references, depth + 1);
      if (problem !== undefined) return problem;
      const read = readDocument(found.schema);
      if (!read.ok) return `reference '${ref.name}': ${read.detail}`;
      const doc = { node: bridgeDefinitions(read.node) };
      const refCycle = pureRefCycle(doc.node);
      if (refCycle !== undefined) return `reference '${ref.name}': circular $ref '${refCycle}'`;
      referenced.set(ref.name, doc.node);
      if (ajv === undefined) continue;
      try {
        const plain = forAjv(doc.node, draftOf(doc.node));
        const meta = metaCheck(draftOf(doc.node), plain);
        if (meta !== undefined) return `reference '${ref.name}': ${meta}`;
        ajv.addSchema(plain, ref.name);
        // A referrer with an absolute "$id" resolves "$ref": "ref.json" against it
        // ("https://acme.com/ref.json", JsonSchemaTest.getJsonSchemaWithReferences); Confluent
        // maps the name both ways (JsonSchema.loadLatestDraft). A document with its own "$id"
        // is already known by it.
        const alias = resolvedAgainst(rootId, ref.name);
        if (alias !== undefined && member(doc.node, idKeyword(draftOf(doc.node))) === undefined) ajv.addSchema(forAjv(doc.node, draftOf(doc.node)), alias);
      } catch (err) {
        return `reference '${ref.name}': ${errorText(err)}`;
      }
    }
    return undefined;
  };
  const problem = visit(references, 1);
  if (problem !== undefined) return { ok: false, error: invalidSchema(problem) };
  const resolvable = bridgeDefinitions(root.node);
  const cycle = pureRefCycle(resolvable);
  if (cycle !== undefined) return { ok: false, error: invalidSchema(`circular $ref '${cycle}'`) };
  let validate: ValidateFunction | undefined;
  if (ajv !== undefined) {
    const plain = forAjv(resolvable, draft);
    try {
      const meta = metaCheck(draft, plain);
      if (meta !== undefined) return { ok: false, error: invalidSchema(meta) };
      validate = ajv.compile(plain);
    } catch (err) {
      return { ok: false, error: invalidSchema(errorText(err)) };
    }
    // JsonSchema.validate(strict=true): the root object's property names may not start with "$$".
    const props = member(root.node, 'properties');
    const reserved = props?.k === 'obj' ? props.entries.find(([k]) => k.startsWith('$$')) : undefined;
    if (reserved !== undefined) return { ok: false, error: invalidSchema(`#/properties/${reserved[0]}: Field names cannot start with $$ prefix`) };
  }
  return { ok: true, schema: { node: root.node, resolvable, draft, referenced }, validate };
}
