// The Protobuf codec: JSON values to Confluent's Protobuf payload (message indexes, then the
// message) and back, as the REST proxy's PROTOBUF embedded format does (kafka-rest
// SchemaRecordSerializerImpl.serializeProtobuf: ProtobufSchemaUtils.toObject, then
// KafkaProtobufSerializer; ProtobufConverter.toJson on the way out).
//   - The schema is parsed as the registry parses it (../protobuf/schema.ts: references resolved
//     depth first, well-known imports), then its text and its references' texts are read into a
//     protobufjs Root for the wire encoding. A file registered as a base64 FileDescriptorProto is
//     read through its canonical .proto text (../protobuf/canonical.ts).
//   - encode writes the schema's first message: the REST proxy's ProtobufSchema has no name set,
//     so newMessageBuilder() builds ProtobufSchema.name(), the first message of the file, and the
//     serializer writes its indexes, [0] (one 0 byte).
//   - decode reads the indexes and decodes the message they name (ProtobufSchema.toMessageName:
//     each index counts the messages of a scope in declaration order, enums not counted).
// Pure: no I/O; protobufjs's code generation aside. Nothing thrown escapes: protobufjs throws,
// and is caught here.

import protobuf from 'protobufjs';
import type { MessageElement, ProtoFileElement } from '../protobuf/ast.ts';
import { canonicalString } from '../protobuf/canonical.ts';
import { parseProtobufSchema, type ProtobufSchemaValue } from '../protobuf/schema.ts';
import { WELL_KNOWN_TEXTS, wellKnownJson, WELL_KNOWN_PATHS } from '../protobuf/wellknown.ts';
import type { SchemaResolver } from '../schema-types.ts';
import { codecFail, codecOk, type CodecFactory, type CodecOutcome, type CodecSchema, type SchemaCodec } from './codec.ts';
import { readMessageIndexes, writeMessageIndexes } from './message-indexes.ts';
import { messageFromJson, messageToJson, ProtobufJsonError } from './protobuf-json.ts';

/** Largest Protobuf payload decoded (bytes after the 5-byte header): a bound on the work one
 *  record may ask of the decoder, above any record a broker accepts by default (1 MiB). */
export const PROTOBUF_PAYLOAD_BYTES_MAX = 16 * 1024 * 1024;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const protobufCodec: CodecFactory = (schema: CodecSchema, resolve: SchemaResolver): CodecOutcome<SchemaCodec> => {
  if (schema.schemaType !== 'PROTOBUF') return codecFail(`a ${schema.schemaType} schema is not a PROTOBUF schema`);
  const parsed = parseProtobufSchema(schema.schema, schema.references, resolve);
  if (!parsed.ok) return codecFail(`Invalid schema of type PROTOBUF, details: ${parsed.detail}`);
  const root = rootOf(schema.schema, parsed.schema);
  if (!root.ok) return root;
  const file = parsed.schema.file;
  const first = messagePath(file, [0]);
  return codecOk(new ProtobufCodec(root.value, file, first));
};

class ProtobufCodec implements SchemaCodec {
  readonly schemaType = 'PROTOBUF' as const;

  constructor(
    private readonly root: protobuf.Root,
    private readonly file: ProtoFileElement,
    /** The full name of the schema's first message, or undefined when it has none. */
    private readonly firstMessage: string | undefined,
  ) {}

  encode(value: unknown): CodecOutcome<Uint8Array> {
    if (this.firstMessage === undefined) return codecFail('the schema defines no message to write');
    try {
      const type = this.root.lookupType(this.firstMessage);
      const message = messageFromJson(type, value);
      const body = type.encode(message).finish();
      const indexes = writeMessageIndexes([0]);
      const out = new Uint8Array(indexes.length + body.length);
      out.set(indexes, 0);
      out.set(body, indexes.length);
      return codecOk(out);
    } catch (err) {
      return codecFail(err instanceof ProtobufJsonError ? err.message : `Failed to write Protobuf: ${errorText(err)}`);
    }
  }

  decode(payload: Uint8Array): CodecOutcome<unknown> {
    if (payload.length > PROTOBUF_PAYLOAD_BYTES_MAX) return codecFail(`the payload is ${payload.length} bytes, more than ${PROTOBUF_PAYLOAD_BYTES_MAX}`);
    const read = readMessageIndexes(payload);
    if (!read.ok) return read;
    const name = messagePath(this.file, read.value.indexes);
    if (name === undefined) return codecFail(`Invalid message indexes: [${read.value.indexes.join(', ')}]`);
    try {
      const type = this.root.lookupType(name);
      const message = type.decode(payload.subarray(read.value.offset)) as unknown as Record<string, unknown>;
      return codecOk(messageToJson(type, message));
    } catch (err) {
      // ProtobufConverter.toJson's wording for a printer failure; the decoder's for bad bytes.
      if (err instanceof ProtobufJsonError) return codecFail(`Failed to convert Protobuf to JSON: ${err.message}`);
      return codecFail(`Error deserializing Protobuf message: ${errorText(err)}`);
    }
  }
}

/** ProtobufSchema.toMessageName: the full name of the message `indexes` name, or undefined when
 *  an index is past the messages of its scope. */
export function messagePath(file: ProtoFileElement, indexes: readonly number[]): string | undefined {
  const names: string[] = [];
  let scope = file.types;
  for (const index of indexes) {
    const message = scope.filter((t): t is MessageElement => t.kind === 'message')[index];
    if (message === undefined) return undefined;
    names.push(message.name);
    scope = message.nestedTypes;
  }
  const pkg = file.packageName ?? '';
  return pkg === '' ? names.join('.') : `${pkg}.${names.join('.')}`;
}

/**
 * A protobufjs Root with the files the schema can name: well-known files, the references (a
 * reference's own references first, as parsed), then the schema. Each is read from its text; a
 * file registered as a descriptor, from its canonical text. Well-known files are those imported,
 * with what they import: a Root holding all of them costs ~400 KB, and codecs are cached by id.
 * Confluent resolves a well-known type even when its file is not imported
 * (dependenciesWithLogicalTypes), so when that leaves a type unresolved, the Root is built again
 * with every well-known file.
 */
function rootOf(text: string, schema: ProtobufSchemaValue): CodecOutcome<protobuf.Root> {
  const imported = rootWith(text, schema, importedWellKnown(schema));
  return imported.ok ? imported : rootWith(text, schema, new Set(WELL_KNOWN_PATHS));
}

/** The well-known paths the schema and its references import, and those these import. */
function importedWellKnown(schema: ProtobufSchemaValue): Set<string> {
  const out = new Set<string>();
  const pending = [schema.file, ...schema.dependencies.map((d) => d.file)].flatMap((f) => [...f.imports, ...f.publicImports]);
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (out.has(path) || !WELL_KNOWN_PATHS.includes(path)) continue;
    out.add(path);
    const wellKnownText = WELL_KNOWN_TEXTS[path];
    if (wellKnownText !== undefined) for (const m of wellKnownText.matchAll(/^import "([^"]+)";$/gm)) pending.push(m[1] as string);
  }
  return out;
}

function rootWith(text: string, schema: ProtobufSchemaValue, wellKnown: ReadonlySet<string>): CodecOutcome<protobuf.Root> {
  const root = new protobuf.Root();
  const referenced = new Set(schema.dependencies.map((d) => d.name));
  const paths = WELL_KNOWN_PATHS.filter((p) => wellKnown.has(p) && !referenced.has(p)); // a reference by that name wins
  try {
    for (const path of paths) {
      const json = wellKnownJson(path);
      if (json !== undefined) mergeJson(root, json.nested ?? {});
    }
    for (const path of paths) {
      const wellKnownText = WELL_KNOWN_TEXTS[path];
      if (wellKnownText !== undefined) protobuf.parse(wellKnownText, root, { keepCase: true });
    }
  } catch (err) {
    return codecFail(`Invalid schema of type PROTOBUF, details: the well-known files: ${errorText(err)}`);
  }
  for (const dep of schema.dependencies) {
    const added = addFile(root, dep.text, dep.file);
    if (added !== undefined) return codecFail(`Invalid schema of type PROTOBUF, details: referenced file '${dep.name}': ${added}`);
  }
  const own = addFile(root, text, schema.file);
  if (own !== undefined) return codecFail(`Invalid schema of type PROTOBUF, details: ${own}`);
  try {
    root.resolveAll();
  } catch (err) {
    return codecFail(`Invalid schema of type PROTOBUF, details: ${errorText(err)}`);
  }
  return codecOk(root);
}

/** Adds protobufjs JSON definitions not yet in `ns`: protobufjs's google/protobuf JSON files
 *  each carry copies of what they import (type.json holds SourceContext too). */
function mergeJson(ns: protobuf.Namespace, nested: Record<string, protobuf.AnyNestedObject>): void {
  for (const [name, def] of Object.entries(nested)) {
    const existing = ns.get(name);
    const namespaceOnly = !('fields' in def) && !('values' in def) && !('methods' in def);
    if (existing === null) ns.addJSON({ [name]: def });
    else if (namespaceOnly && existing instanceof protobuf.Namespace && 'nested' in def && def.nested !== undefined) mergeJson(existing, def.nested);
  }
}

/** Parses one file into `root`: its text, or its canonical text when the text is a
 *  descriptor's base64 (protobufjs reads .proto only). The problem, or undefined. */
function addFile(root: protobuf.Root, text: string, file: ProtoFileElement): string | undefined {
  const looksLikeProto = /^\s*(syntax|package|import|message|enum|option|service|edition|extend|\/\/|\/\*)/.test(text);
  try {
    protobuf.parse(looksLikeProto ? text : canonicalString(file), root, { keepCase: true });
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
