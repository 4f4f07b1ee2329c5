// Protobuf schemas written as a base64 FileDescriptorProto, as Confluent's ProtobufSchema reads
// them (protobuf-provider/.../ProtobufSchema.java): its constructor parses the text as .proto
// and, when that fails, decodes it as base64 of a FileDescriptorProto (`toProtoFile(String)`),
// then turns the descriptor into Wire's element tree (`toProtoFile(FileDescriptorProto)`,
// `toMessage`, `toField`, `toEnum`, `toService`). confluent-kafka's ProtobufSerializer registers
// schemas this way (schema_registry/common/protobuf.py `_schema_to_str`: base64 of the file's
// serialized_pb). The tree follows Confluent's, element for element:
//   - type names as the descriptor writes them (protoc: fully qualified, leading dot);
//   - labels: proto3's LABEL_OPTIONAL is no label, `proto3_optional` is `optional`, a field in a
//     real oneof has none; synthetic oneofs (all of whose fields are proto3 optional) vanish;
//   - map fields stay what the descriptor holds: a `repeated XxxEntry` field and a nested
//     `XxxEntry` message with `option map_entry = true;` (ProtobufSchemaTest.testMapToProtobuf);
//   - reserved and extension ranges end exclusive in the descriptor, inclusive in the tree
//     (enum reserved ranges are inclusive in both);
//   - the standard options Confluent maps, by name; custom options and Confluent's meta are
//     extensions, which protobufjs's descriptor types do not decode: dropped (see README).
// Pure: no I/O; every failure is a value. The reverse direction is descriptor-build.ts.

import protobuf from 'protobufjs';
import descriptorJson from 'protobufjs/google/protobuf/descriptor.json' with { type: 'json' };
import type {
  EnumConstantElement, EnumElement, ExtendElement, ExtensionsElement, FieldElement, Label, MessageElement, OneOfElement,
  OptionElement, OptionKind, ProtoFileElement, RangeValue, ReservedElement, RpcElement, ServiceElement,
} from './ast.ts';
import { PROTO_CHARS_MAX, parseProtoFile, type ProtoParseResult } from './parser.ts';
import { canonicalString } from './canonical.ts';
import { IDENT, NESTING_DEPTH_MAX, TYPE_NAME } from './tokens.ts';

/** Most bytes of a decoded descriptor: base64 of PROTO_CHARS_MAX characters decodes to 3/4. */
export const DESCRIPTOR_BYTES_MAX = Math.floor((PROTO_CHARS_MAX * 3) / 4);
/** Most elements (messages, fields, enums, values, services, methods, ranges) one descriptor holds. */
export const DESCRIPTOR_ELEMENTS_MAX = 100_000;

/** The name Confluent gives the root file of toDynamicSchema (ProtobufSchema.DEFAULT_NAME);
 *  confluent-kafka's deserializer renames the file it decodes to "default" too. */
export const ROOT_FILE_NAME = 'default';

const DESCRIPTOR_ROOT = protobuf.Root.fromJSON(descriptorJson as protobuf.INamespace);
const FILE_DESCRIPTOR_PROTO = DESCRIPTOR_ROOT.lookupType('google.protobuf.FileDescriptorProto');

// The shapes of descriptor.proto's messages as protobufjs's toObject gives them (camelCase
// field names, enums by name, absent fields absent).
type Options = Readonly<Record<string, unknown>>;
export interface RangeProto { start?: number; end?: number }
export interface FieldProto {
  name?: string; number?: number; label?: string; type?: string; typeName?: string; extendee?: string;
  defaultValue?: string; oneofIndex?: number; jsonName?: string; options?: Options; proto3Optional?: boolean;
}
export interface MessageProto {
  name?: string; field?: FieldProto[]; extension?: FieldProto[]; nestedType?: MessageProto[]; enumType?: EnumProto[];
  extensionRange?: RangeProto[]; oneofDecl?: { name?: string; options?: Options }[]; options?: Options;
  reservedRange?: RangeProto[]; reservedName?: string[];
}
export interface EnumProto {
  name?: string; value?: { name?: string; number?: number; options?: Options }[]; options?: Options;
  reservedRange?: RangeProto[]; reservedName?: string[];
}
export interface MethodProto { name?: string; inputType?: string; outputType?: string; options?: Options; clientStreaming?: boolean; serverStreaming?: boolean }
export interface ServiceProto { name?: string; method?: MethodProto[]; options?: Options }
export interface FileProto {
  name?: string; package?: string; dependency?: string[]; publicDependency?: number[]; weakDependency?: number[];
  messageType?: MessageProto[]; enumType?: EnumProto[]; service?: ServiceProto[]; extension?: FieldProto[];
  options?: Options; syntax?: string;
}

/** A standard option Confluent maps between descriptor and tree: its .proto name and kind. */
export type StandardOption = readonly [name: string, kind: OptionKind];

/** ProtobufSchema.toProtoFile(FileDescriptorProto)'s file options, in its order. */
export const FILE_OPTIONS: readonly StandardOption[] = [
  ['java_package', 'STRING'], ['java_outer_classname', 'STRING'], ['java_multiple_files', 'BOOLEAN'],
  ['java_generate_equals_and_hash', 'BOOLEAN'], ['java_string_check_utf8', 'BOOLEAN'], ['optimize_for', 'ENUM'],
  ['go_package', 'STRING'], ['cc_generic_services', 'BOOLEAN'], ['java_generic_services', 'BOOLEAN'],
  ['py_generic_services', 'BOOLEAN'], ['deprecated', 'BOOLEAN'], ['cc_enable_arenas', 'BOOLEAN'],
  ['objc_class_prefix', 'STRING'], ['csharp_namespace', 'STRING'], ['swift_prefix', 'STRING'],
  ['php_class_prefix', 'STRING'], ['php_namespace', 'STRING'], ['php_metadata_namespace', 'STRING'], ['ruby_package', 'STRING'],
];
/** toMessage's options. */
export const MESSAGE_OPTIONS: readonly StandardOption[] = [['no_standard_descriptor_accessor', 'BOOLEAN'], ['deprecated', 'BOOLEAN'], ['map_entry', 'BOOLEAN']];
/** toField's options (`targets` is repeated: one option per target). */
export const FIELD_OPTIONS: readonly StandardOption[] = [
  ['ctype', 'ENUM'], ['packed', 'BOOLEAN'], ['jstype', 'ENUM'], ['deprecated', 'BOOLEAN'], ['debug_redact', 'BOOLEAN'],
  ['retention', 'ENUM'], ['targets', 'ENUM'],
];
export const ENUM_OPTIONS: readonly StandardOption[] = [['allow_alias', 'BOOLEAN'], ['deprecated', 'BOOLEAN']];
export const ENUM_VALUE_OPTIONS: readonly StandardOption[] = [['deprecated', 'BOOLEAN'], ['debug_redact', 'BOOLEAN']];
export const SERVICE_OPTIONS: readonly StandardOption[] = [['deprecated', 'BOOLEAN']];
export const METHOD_OPTIONS: readonly StandardOption[] = [['deprecated', 'BOOLEAN'], ['idempotency_level', 'ENUM']];

/** descriptor.proto's field name as protobufjs's JSON spells it (java_package -> javaPackage). */
export function camelKey(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** base64 (standard alphabet, padding optional, as java.util.Base64's basic decoder) -> the
 *  descriptor; undefined when it is not base64 or not a FileDescriptorProto. */
export function decodeFileDescriptor(text: string): FileProto | undefined {
  if (text.length === 0 || text.length % 4 === 1 || !BASE64.test(text)) return undefined;
  if (Math.floor((text.length * 3) / 4) > DESCRIPTOR_BYTES_MAX) return undefined;
  try {
    const message = FILE_DESCRIPTOR_PROTO.decode(Buffer.from(text, 'base64'));
    return FILE_DESCRIPTOR_PROTO.toObject(message, { enums: String, longs: String, defaults: false }) as FileProto;
  } catch {
    // protobufjs throws on truncated or malformed bytes (and RangeError on absurd nesting).
    return undefined;
  }
}

/** The descriptor -> standard base64 of its bytes. */
export function encodeFileDescriptor(file: FileProto): string {
  const bytes = FILE_DESCRIPTOR_PROTO.encode(FILE_DESCRIPTOR_PROTO.fromObject(file)).finish();
  return Buffer.from(bytes).toString('base64');
}

/** Thrown inside the conversion, caught by fileFromDescriptor (never escapes). */
class DescriptorProblem extends Error {}

/** Confluent's toProtoFile(String): .proto text first; on a syntax error, base64 of a
 *  FileDescriptorProto; if that fails too, the text parser's error, as Confluent reports it. */
export function parseProtoTextOrDescriptor(text: string): ProtoParseResult {
  const parsed = parseProtoFile(text);
  if (parsed.ok) return parsed;
  const descriptor = decodeFileDescriptor(text);
  if (descriptor === undefined) return parsed;
  const file = fileFromDescriptor(descriptor);
  return file.ok ? file : { ok: false, message: `${parsed.message}; as a base64 FileDescriptorProto: ${file.message}` };
}

/** ProtobufSchema.toProtoFile(FileDescriptorProto). The registry stores the canonical string,
 *  so it must read back as .proto text to the same string: names are checked as the parser
 *  would, and the printed text is parsed once more. */
export function fileFromDescriptor(file: FileProto): ProtoParseResult {
  try {
    const tree = new Reader().file(file);
    const canonical = canonicalString(tree);
    const reparsed = parseProtoFile(canonical);
    if (!reparsed.ok) return { ok: false, message: `the descriptor prints as .proto text that does not parse: ${reparsed.message}` };
    // Read back from storage, the text must be the same schema.
    if (canonicalString(reparsed.file) !== canonical) return { ok: false, message: 'the descriptor prints as .proto text that reads back differently' };
    return { ok: true, file: tree };
  } catch (e) {
    if (e instanceof DescriptorProblem || e instanceof RangeError) return { ok: false, message: e.message };
    return { ok: false, message: `invalid FileDescriptorProto: ${String(e)}` };
  }
}

const SCALAR_BY_TYPE: Readonly<Record<string, string>> = {
  TYPE_DOUBLE: 'double', TYPE_FLOAT: 'float', TYPE_INT64: 'int64', TYPE_UINT64: 'uint64', TYPE_INT32: 'int32',
  TYPE_FIXED64: 'fixed64', TYPE_FIXED32: 'fixed32', TYPE_BOOL: 'bool', TYPE_STRING: 'string', TYPE_BYTES: 'bytes',
  TYPE_UINT32: 'uint32', TYPE_SFIXED32: 'sfixed32', TYPE_SFIXED64: 'sfixed64', TYPE_SINT32: 'sint32', TYPE_SINT64: 'sint64',
};

class Reader {
  private elements = 0;
  private proto3 = false;

  private count(): void {
    if (++this.elements > DESCRIPTOR_ELEMENTS_MAX) throw new DescriptorProblem(`more than ${DESCRIPTOR_ELEMENTS_MAX} elements in the descriptor`);
  }

  private ident(name: string | undefined, what: string): string {
    if (name === undefined || !IDENT.test(name)) throw new DescriptorProblem(`invalid ${what} name '${name ?? ''}'`);
    return name;
  }

  private typeName(name: string | undefined, what: string): string {
    if (name === undefined || !TYPE_NAME.test(name)) throw new DescriptorProblem(`invalid ${what} '${name ?? ''}'`);
    return name;
  }

  file(f: FileProto): ProtoFileElement {
    // A switch on the syntax string: "proto2" and "proto3" kept, anything else (protoc leaves
    // it empty for proto2) is no syntax statement.
    const syntax = f.syntax === 'proto2' || f.syntax === 'proto3' ? f.syntax : null;
    this.proto3 = syntax === 'proto3';
    const pkg = f.package === undefined || f.package === '' ? null : this.typeName(f.package, 'package');
    const publicIdx = new Set(f.publicDependency ?? []);
    // Weak imports go to Wire's third list, which ProtobufSchemaUtils.toString never prints;
    // the tree has no slot for them, so they are dropped here.
    const weakIdx = new Set(f.weakDependency ?? []);
    const deps = (f.dependency ?? []).map((d) => {
      if (/["\\\n\r]/.test(d) || d.length === 0) throw new DescriptorProblem(`invalid dependency '${d}'`);
      return d;
    });
    return {
      syntax,
      packageName: pkg,
      imports: deps.filter((_d, i) => !publicIdx.has(i) && !weakIdx.has(i)),
      publicImports: deps.filter((_d, i) => publicIdx.has(i)),
      options: standardOptions(f.options, FILE_OPTIONS),
      types: [...(f.messageType ?? []).map((m) => this.message(m, 1)), ...(f.enumType ?? []).map((e) => this.enumeration(e))],
      extendDeclarations: this.extendsOf(f.extension ?? []),
      services: (f.service ?? []).map((s) => this.service(s)),
    };
  }

  private message(m: MessageProto, depth: number): MessageElement {
    if (depth > NESTING_DEPTH_MAX) throw new DescriptorProblem(`messages nested deeper than ${NESTING_DEPTH_MAX}`);
    this.count();
    const name = this.ident(m.name, 'message');
    const decls = m.oneofDecl ?? [];
    const oneOfFields: FieldElement[][] = decls.map(() => []);
    const fields: FieldElement[] = [];
    for (const fd of m.field ?? []) {
      // toMessage: a field with a oneof index that is not proto3 optional belongs to that oneof.
      if (fd.oneofIndex !== undefined && fd.proto3Optional !== true) {
        const bucket = oneOfFields[fd.oneofIndex];
        if (bucket === undefined) throw new DescriptorProblem(`field '${fd.name ?? ''}' names oneof ${fd.oneofIndex}, which is not declared`);
        bucket.push(this.field(fd, true));
      } else {
        fields.push(this.field(fd, false));
      }
    }
    const oneOfs: OneOfElement[] = decls
      .map((d, i) => ({ name: this.ident(d.name, 'oneof'), fields: oneOfFields[i] as FieldElement[], options: [] }))
      .filter((o) => o.fields.length > 0);
    const reserveds: ReservedElement[] = [
      ...(m.reservedRange ?? []).map((r) => ({ values: [this.range(r, true)] })),
      ...(m.reservedName ?? []).map((n) => ({ values: [{ name: this.ident(n, 'reserved') }] })),
    ];
    const extensions: ExtensionsElement[] = (m.extensionRange ?? []).map((r) => ({ values: [this.range(r, true)], options: [] }));
    return {
      kind: 'message', name, options: standardOptions(m.options, MESSAGE_OPTIONS), reserveds, fields, oneOfs, extensions,
      extendDeclarations: this.extendsOf(m.extension ?? []),
      nestedTypes: [...(m.nestedType ?? []).map((n) => this.message(n, depth + 1)), ...(m.enumType ?? []).map((e) => this.enumeration(e))],
    };
  }

  /** toReserved / toExtension: a single tag when the range holds one number. */
  private range(r: RangeProto, endExclusive: boolean): RangeValue {
    this.count();
    const start = r.start ?? 0;
    const end = (r.end ?? 0) - (endExclusive ? 1 : 0);
    return start === end ? { tag: start } : { start, end };
  }

  private field(fd: FieldProto, inOneOf: boolean): FieldElement {
    this.count();
    const name = this.ident(fd.name, 'field');
    const type = fd.typeName !== undefined ? this.typeName(fd.typeName, `type of field '${name}'`) : SCALAR_BY_TYPE[fd.type ?? 'TYPE_DOUBLE'];
    if (type === undefined) throw new DescriptorProblem(`field '${name}' has type ${fd.type ?? ''} without a type name`);
    return {
      label: inOneOf ? null : this.label(fd),
      type,
      name,
      tag: fd.number ?? 0,
      // toField: a default only outside proto3; json_name only when the descriptor has one.
      defaultValue: !this.proto3 && fd.defaultValue !== undefined ? fd.defaultValue : null,
      jsonName: fd.jsonName ?? null,
      options: standardOptions(fd.options, FIELD_OPTIONS),
    };
  }

  /** ProtobufSchema.label: proto3 optional is `optional`; proto3 drops optional and required. */
  private label(fd: FieldProto): Label | null {
    if (fd.proto3Optional === true) return 'optional';
    switch (fd.label ?? 'LABEL_OPTIONAL') {
      case 'LABEL_REPEATED':
        return 'repeated';
      case 'LABEL_REQUIRED':
        return this.proto3 ? null : 'required';
      case 'LABEL_OPTIONAL':
        return this.proto3 ? null : 'optional';
      default:
        throw new DescriptorProblem(`field '${fd.name ?? ''}' has an unknown label ${fd.label ?? ''}`);
    }
  }

  /** toExtendElements: fields grouped by extendee (fully qualified), in first-seen order. */
  private extendsOf(fields: readonly FieldProto[]): ExtendElement[] {
    const byExtendee = new Map<string, FieldElement[]>();
    for (const fd of fields) {
      const extendee = this.typeName(fd.extendee, `extendee of '${fd.name ?? ''}'`);
      const list = byExtendee.get(extendee) ?? [];
      list.push(this.field(fd, false));
      byExtendee.set(extendee, list);
    }
    return [...byExtendee].map(([name, fs]) => ({ name, fields: fs }));
  }

  private enumeration(e: EnumProto): EnumElement {
    this.count();
    const constants: EnumConstantElement[] = (e.value ?? []).map((v) => {
      this.count();
      return { name: this.ident(v.name, 'enum value'), tag: v.number ?? 0, options: standardOptions(v.options, ENUM_VALUE_OPTIONS) };
    });
    const reserveds: ReservedElement[] = [
      ...(e.reservedRange ?? []).map((r) => ({ values: [this.range(r, false)] })),
      ...(e.reservedName ?? []).map((n) => ({ values: [{ name: this.ident(n, 'reserved') }] })),
    ];
    return { kind: 'enum', name: this.ident(e.name, 'enum'), options: standardOptions(e.options, ENUM_OPTIONS), reserveds, constants };
  }

  private service(s: ServiceProto): ServiceElement {
    this.count();
    const rpcs: RpcElement[] = (s.method ?? []).map((m) => {
      this.count();
      return {
        name: this.ident(m.name, 'method'),
        requestType: this.typeName(m.inputType, 'input type'),
        requestStreaming: m.clientStreaming === true,
        responseType: this.typeName(m.outputType, 'output type'),
        responseStreaming: m.serverStreaming === true,
        options: standardOptions(m.options, METHOD_OPTIONS),
      };
    });
    return { name: this.ident(s.name, 'service'), options: standardOptions(s.options, SERVICE_OPTIONS), rpcs };
  }
}

/** The options of `table` the descriptor sets, in the table's order (a repeated one, once per value). */
function standardOptions(options: Options | undefined, table: readonly StandardOption[]): OptionElement[] {
  if (options === undefined) return [];
  const out: OptionElement[] = [];
  for (const [name, kind] of table) {
    const raw = options[camelKey(name)];
    if (raw === undefined || raw === null) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      out.push({ name, parenthesized: false, value: { kind: kind as 'STRING' | 'BOOLEAN' | 'NUMBER' | 'ENUM', value: String(v) } });
    }
  }
  return out;
}
