// formattedString("serialized"): the schema as a base64 FileDescriptorProto (ProtobufSchema
// .formattedString: toDynamicSchema().getFileDescriptorProto()). Confluent builds it with its
// DynamicSchema builder (protobuf-provider .../dynamic/); we build the same message from the
// element tree and encode it with protobufjs's descriptor types (protobufjs/ext/descriptor).
// Like DynamicSchema: the file is named "default", imports become dependencies, map fields get a
// synthetic `XxxEntry` message, proto3 `optional` fields a synthetic oneof, standard options
// their typed fields. Unlike it: type names are written in full (".pkg.Type", as protoc does)
// rather than as in the text, and custom options are left out. Not byte-compared with Confluent.

import protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { SCALAR_TYPES, mapTypes, type EnumElement, type ExtendElement, type FieldElement, type MessageElement, type OptionElement, type RangeValue, type ServiceElement, MAX_TAG } from './ast.ts';
import type { ProtobufSchemaValue } from './schema.ts';

/** ProtobufSchema.DEFAULT_NAME: the file name DynamicSchema gives the schema's own file. */
const FILE_NAME = 'default';

const SCALAR_KIND: Readonly<Record<string, string>> = {
  double: 'TYPE_DOUBLE', float: 'TYPE_FLOAT', int64: 'TYPE_INT64', uint64: 'TYPE_UINT64', int32: 'TYPE_INT32', fixed64: 'TYPE_FIXED64',
  fixed32: 'TYPE_FIXED32', bool: 'TYPE_BOOL', string: 'TYPE_STRING', bytes: 'TYPE_BYTES', uint32: 'TYPE_UINT32', sfixed32: 'TYPE_SFIXED32',
  sfixed64: 'TYPE_SFIXED64', sint32: 'TYPE_SINT32', sint64: 'TYPE_SINT64',
};

type Obj = Record<string, unknown>;

interface Scope {
  readonly value: ProtobufSchemaValue;
  readonly pkg: string;
  readonly names: readonly string[];
}

/** protoc's ToCamelCase (ProtobufSchema.underscoresToCamelCase), first letter capitalized. */
export function mapEntryName(field: string): string {
  let out = '';
  let upper = true;
  for (const ch of field) {
    if (ch === '_') {
      upper = true;
    } else if (/[0-9]/.test(ch)) {
      out += ch;
      upper = true;
    } else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return `${out}Entry`;
}

/** The standard (non-custom) options with a primitive value, as fields of an *Options message. */
function standardOptions(options: readonly OptionElement[], type: protobuf.Type): Obj | undefined {
  const out: Obj = {};
  for (const o of options) {
    if (o.parenthesized) continue;
    const key = o.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = o.value;
    if (type.fields[key] === undefined) continue;
    if (v.kind === 'BOOLEAN') out[key] = v.value === 'true';
    else if (v.kind === 'NUMBER') out[key] = Number(v.value);
    else if (v.kind === 'STRING' || v.kind === 'ENUM') out[key] = v.value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function ranges(values: readonly RangeValue[]): Obj[] {
  return values.flatMap((v) => ('tag' in v ? [{ start: v.tag, end: v.tag + 1 }] : 'start' in v ? [{ start: v.start, end: Math.min(v.end, MAX_TAG) + 1 }] : []));
}

function typeRef(scope: Scope, type: string): Obj {
  const scalar = SCALAR_KIND[type];
  if (scalar !== undefined) return { type: scalar };
  const full = scope.value.index.resolve(type, scope.pkg, scope.names);
  if (full === undefined) return { typeName: type };
  return { type: scope.value.index.get(full)?.type.kind === 'enum' ? 'TYPE_ENUM' : 'TYPE_MESSAGE', typeName: `.${full}` };
}

function fieldProto(scope: Scope, f: FieldElement, extra: Obj = {}): Obj {
  const label = f.label === 'required' ? 'LABEL_REQUIRED' : f.label === 'repeated' ? 'LABEL_REPEATED' : 'LABEL_OPTIONAL';
  const out: Obj = { name: f.name, number: f.tag, label, ...typeRef(scope, f.type), ...extra };
  if (f.defaultValue !== null) out.defaultValue = f.defaultValue;
  if (f.jsonName !== null) out.jsonName = f.jsonName;
  const options = standardOptions(f.options, descriptor.FieldOptions as unknown as protobuf.Type);
  if (options !== undefined) out.options = options;
  return out;
}

function extensionProtos(scope: Scope, extendElems: readonly ExtendElement[]): Obj[] {
  return extendElems.flatMap((e) => {
    const extendee = typeRef(scope, e.name).typeName ?? e.name;
    return e.fields.map((f) => fieldProto(scope, f, { extendee }));
  });
}

function enumProto(e: EnumElement): Obj {
  return {
    name: e.name,
    value: e.constants.map((c) => ({ name: c.name, number: c.tag, options: standardOptions(c.options, descriptor.EnumValueOptions as unknown as protobuf.Type) })),
    options: standardOptions(e.options, descriptor.EnumOptions as unknown as protobuf.Type),
    reservedRange: e.reserveds.flatMap((r) => ranges(r.values)).map((r) => ({ start: r.start, end: (r.end as number) - 1 })),
    reservedName: e.reserveds.flatMap((r) => r.values.flatMap((v) => ('name' in v ? [v.name] : []))),
  };
}

function messageProto(outer: Scope, m: MessageElement, proto3: boolean): Obj {
  const scope: Scope = { ...outer, names: [...outer.names, m.name] };
  const fullName = [scope.pkg, ...scope.names].filter((s) => s !== '').join('.');
  const field: Obj[] = [];
  const nestedType: Obj[] = [];
  const oneofDecl: Obj[] = m.oneOfs.map((o) => ({ name: o.name }));
  const syntheticOneofs: Obj[] = [];
  const add = (f: FieldElement, oneofIndex?: number): void => {
    const map = mapTypes(f.type);
    if (map !== undefined) {
      const entry = mapEntryName(f.name);
      const [key, value] = map;
      nestedType.push({
        name: entry, options: { mapEntry: true },
        field: [fieldProto(scope, { ...f, label: null, type: key, name: 'key', tag: 1, defaultValue: null, jsonName: null, options: [] }),
          fieldProto(scope, { ...f, label: null, type: value, name: 'value', tag: 2, defaultValue: null, jsonName: null, options: [] })],
      });
      field.push({ ...fieldProto(scope, { ...f, label: 'repeated' }), type: 'TYPE_MESSAGE', typeName: `.${fullName}.${entry}` });
    } else if (proto3 && f.label === 'optional' && oneofIndex === undefined) {
      syntheticOneofs.push({ name: `_${f.name}` });
      field.push(fieldProto(scope, f, { proto3Optional: true, oneofIndex: m.oneOfs.length + syntheticOneofs.length - 1 }));
    } else {
      field.push(fieldProto(scope, f, oneofIndex === undefined ? {} : { oneofIndex }));
    }
  };
  for (const f of m.fields) add(f);
  m.oneOfs.forEach((o, i) => o.fields.forEach((f) => add(f, i)));
  const enumType: Obj[] = [];
  for (const t of m.nestedTypes) {
    if (t.kind === 'message') nestedType.push(messageProto(scope, t, proto3));
    else enumType.push(enumProto(t));
  }
  return {
    name: m.name, field, nestedType, enumType,
    oneofDecl: [...oneofDecl, ...syntheticOneofs],
    extension: extensionProtos(scope, m.extendDeclarations),
    extensionRange: m.extensions.flatMap((e) => ranges(e.values)),
    reservedRange: m.reserveds.flatMap((r) => ranges(r.values)),
    reservedName: m.reserveds.flatMap((r) => r.values.flatMap((v) => ('name' in v ? [v.name] : []))),
    options: standardOptions(m.options, descriptor.MessageOptions as unknown as protobuf.Type),
  };
}

function serviceProto(scope: Scope, s: ServiceElement): Obj {
  return {
    name: s.name,
    method: s.rpcs.map((r) => ({
      name: r.name, inputType: typeRef(scope, r.requestType).typeName, outputType: typeRef(scope, r.responseType).typeName,
      clientStreaming: r.requestStreaming, serverStreaming: r.responseStreaming,
      options: standardOptions(r.options, descriptor.MethodOptions as unknown as protobuf.Type),
    })),
    options: standardOptions(s.options, descriptor.ServiceOptions as unknown as protobuf.Type),
  };
}

/** The schema's FileDescriptorProto as a plain object (protobufjs's fromObject form). */
export function fileDescriptorObject(value: ProtobufSchemaValue): Obj {
  const file = value.file;
  const scope: Scope = { value, pkg: file.packageName ?? '', names: [] };
  const proto3 = file.syntax === 'proto3';
  const messages = file.types.filter((t) => t.kind === 'message');
  const enums = file.types.filter((t) => t.kind === 'enum');
  const out: Obj = {
    name: FILE_NAME,
    dependency: [...file.imports, ...file.publicImports],
    publicDependency: file.publicImports.map((_, i) => file.imports.length + i),
    messageType: messages.map((m) => messageProto(scope, m, proto3)),
    enumType: enums.map(enumProto),
    service: file.services.map((s) => serviceProto(scope, s)),
    extension: extensionProtos(scope, file.extendDeclarations),
    options: standardOptions(file.options, descriptor.FileOptions as unknown as protobuf.Type),
  };
  if (file.packageName !== null) out.package = file.packageName;
  if (file.syntax !== null) out.syntax = file.syntax;
  return out;
}

/** The base64 of the encoded FileDescriptorProto. */
export function serializedString(value: ProtobufSchemaValue): string {
  const type = descriptor.FileDescriptorProto as unknown as protobuf.Type;
  const bytes = type.encode(type.fromObject(fileDescriptorObject(value))).finish();
  return protobuf.util.base64.encode(bytes, 0, bytes.length);
}
