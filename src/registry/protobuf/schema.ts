// One Protobuf schema as the registry holds it (Confluent's ProtobufSchema): the file's element
// tree, its references resolved to parsed files, and the index of every type it can name.
// Parsing follows ProtobufSchemaProvider.parseSchemaOrElseThrow: references are resolved first,
// depth first, each reference name once (AbstractSchemaProvider.resolveReferences), then every
// file is parsed; validation is Confluent's validate() without field validation: every type
// the schema names must resolve. protobufjs's own Root would check more (reserved numbers,
// duplicate tags) than Confluent does by default, and reject schemas Confluent accepts (its
// ProtobufSchemaTest.testEnumReserved), so it is not used to accept or reject.
// Pure: references come through the caller's resolver; errors are values.

import { SCALAR_TYPES, mapTypes, type ExtendElement, type FieldElement, type ProtoFileElement, type TypeElement } from './ast.ts';
import { canonicalString, ignoreExtensionsString, normalizedString } from './canonical.ts';
import { parseProtoTextOrDescriptor } from './descriptor.ts';
import { parseProtoFile } from './parser.ts';
import { LOCAL, TypeIndex } from './type-index.ts';
import { isWellKnown, wellKnownFiles } from './wellknown.ts';
import type { SchemaReference } from '../schemas-records.ts';
import type { SchemaResolver } from '../schema-types.ts';

/** Most referenced files (transitively, each reference name once) one schema may pull in. */
export const REFERENCES_MAX = 1_000;
/** Deepest chain of references of references. */
export const REFERENCE_DEPTH_MAX = 32;

/** A referenced file: the import path it answers, the file, and which reference brought it. */
export interface Dependency {
  readonly name: string;
  readonly file: ProtoFileElement;
  readonly text: string;
  /** The schema's own (direct) reference with this name, or null for a transitive one. */
  readonly reference: SchemaReference | null;
}

export interface ProtobufSchemaValue {
  readonly file: ProtoFileElement;
  readonly references: readonly SchemaReference[];
  readonly dependencies: readonly Dependency[];
  /** The schema's types and its dependencies' (Confluent's dependenciesWithLogicalTypes). */
  readonly index: TypeIndex;
}

export type ProtobufParse = { readonly ok: true; readonly schema: ProtobufSchemaValue } | { readonly ok: false; readonly detail: string };

const fail = (detail: string): { ok: false; detail: string } => ({ ok: false, detail });

/** AbstractSchemaProvider.resolveReferences: name -> text, a reference's own references first. */
function resolveReferences(
  references: readonly SchemaReference[],
  resolve: SchemaResolver,
): { ok: true; texts: Map<string, string> } | { ok: false; detail: string } {
  const texts = new Map<string, string>();
  const visited = new Set<string>();
  const visit = (refs: readonly SchemaReference[], depth: number): string | undefined => {
    if (depth > REFERENCE_DEPTH_MAX) return `references nested deeper than ${REFERENCE_DEPTH_MAX}`;
    for (const ref of refs) {
      const found = resolve(ref.subject, ref.version);
      if (found === undefined) return `No schema reference found for subject "${ref.subject}" and version ${ref.version}`;
      if (found.schemaType !== 'PROTOBUF') return `reference '${ref.name}' is a ${found.schemaType} schema, not PROTOBUF`;
      if (visited.has(ref.name)) continue;
      visited.add(ref.name);
      if (visited.size > REFERENCES_MAX) return `more than ${REFERENCES_MAX} references`;
      const problem = visit(found.references, depth + 1);
      if (problem !== undefined) return problem;
      if (!texts.has(ref.name)) texts.set(ref.name, found.schema);
    }
    return undefined;
  };
  const problem = visit(references, 1);
  return problem === undefined ? { ok: true, texts } : fail(problem);
}

export function parseProtobufSchema(text: string, references: readonly SchemaReference[], resolve: SchemaResolver): ProtobufParse {
  // Confluent's toProtoFile(String): .proto text, or base64 of a FileDescriptorProto.
  const own = parseProtoTextOrDescriptor(text);
  if (!own.ok) return fail(own.message);
  const refs = resolveReferences(references, resolve);
  if (!refs.ok) return refs;
  const direct = new Map(references.map((r) => [r.name, r]));
  const dependencies: Dependency[] = [];
  for (const [name, depText] of refs.texts) {
    const dep = parseProtoTextOrDescriptor(depText);
    if (!dep.ok) return fail(`referenced file '${name}': ${dep.message}`);
    dependencies.push({ name, file: dep.file, text: depText, reference: direct.get(name) ?? null });
  }
  const badImport = unresolvedImport(own.file, dependencies);
  if (badImport !== undefined) return fail(badImport);
  const index = new TypeIndex();
  for (const [path, file] of wellKnownFiles(parseOrUndefined)) {
    if (!refs.texts.has(path)) index.add(file, null); // a reference by that name wins
  }
  for (const dep of dependencies) index.add(dep.file, dep.reference === null ? null : { subject: dep.reference.subject, version: dep.reference.version });
  index.add(own.file, LOCAL);
  if (index.overflow) return fail('too many types in the schema and its references');
  const unresolved = unresolvedType(own.file, index);
  if (unresolved !== undefined) return fail(unresolved);
  return { ok: true, schema: { file: own.file, references, dependencies, index } };
}

function parseOrUndefined(text: string): ProtoFileElement | undefined {
  const parsed = parseProtoFile(text);
  return parsed.ok ? parsed.file : undefined;
}

/** Every import of the schema and of its referenced files must be a reference's name or a
 *  well-known file: the problem, or undefined. */
function unresolvedImport(own: ProtoFileElement, deps: readonly Dependency[]): string | undefined {
  const referenced = new Set(deps.map((d) => d.name));
  const files = [{ from: 'the schema', file: own }, ...deps.map((d) => ({ from: `'${d.name}'`, file: d.file }))];
  for (const { from, file } of files) {
    for (const imp of [...file.imports, ...file.publicImports]) {
      if (!referenced.has(imp) && !isWellKnown(imp)) return `${from} imports "${imp}", which is neither a schema reference nor a well-known file`;
    }
  }
  return undefined;
}

/**
 * Confluent's validate() is normalize(), which resolves every message/enum type a field, an
 * extend or an rpc names and fails with "Could not resolve type: X" (ProtobufSchemaUtils.resolve).
 * Nothing else is checked (Wire's parser does not link), so neither do we; returns the problem.
 */
function unresolvedType(file: ProtoFileElement, index: TypeIndex): string | undefined {
  const pkg = file.packageName ?? '';
  const check = (type: string, scope: readonly string[]): string | undefined =>
    SCALAR_TYPES.has(type) || mapTypes(type) !== undefined || index.resolve(type, pkg, scope) !== undefined ? undefined : `Could not resolve type: ${type}`;
  const fields = (fs: readonly FieldElement[], scope: readonly string[]): string | undefined => {
    for (const f of fs) {
      const problem = check(f.type, scope);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  const extend = (es: readonly ExtendElement[], scope: readonly string[]): string | undefined => {
    for (const e of es) {
      const problem = check(e.name, scope) ?? fields(e.fields, scope);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  const walk = (types: readonly TypeElement[], outer: readonly string[]): string | undefined => {
    for (const t of types) {
      if (t.kind !== 'message') continue;
      const scope = [...outer, t.name];
      const problem =
        fields(t.fields, scope) ?? t.oneOfs.map((o) => fields(o.fields, scope)).find((p) => p !== undefined) ?? extend(t.extendDeclarations, scope) ?? walk(t.nestedTypes, scope);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  const rpcs = file.services.flatMap((s) => s.rpcs.flatMap((r) => [r.requestType, r.responseType]));
  return walk(file.types, []) ?? extend(file.extendDeclarations, []) ?? rpcs.map((t) => check(t, [])).find((p) => p !== undefined);
}

export function canonicalOf(schema: ProtobufSchemaValue): string {
  return canonicalString(schema.file);
}

export function normalizedOf(schema: ProtobufSchemaValue): string {
  return normalizedString(schema.file, schema.index);
}

export function ignoreExtensionsOf(schema: ProtobufSchemaValue): string {
  return ignoreExtensionsString(schema.file);
}
