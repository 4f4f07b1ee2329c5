// A schema's element tree as a FileDescriptorProto: what Confluent answers for
// GET /schemas/ids/{id}?format=serialized (ProtobufSchema.formattedString(SERIALIZED): base64 of
// toDynamicSchema().getFileDescriptorProto(), built by toDynamicSchema / toDynamicMessage /
// toDynamicField / toDynamicEnum / toDynamicService). confluent-kafka's deserializers decode it
// into a DescriptorPool that already holds the well-known google/protobuf files and the
// schema's references (by their reference names), under the file name "default".
// Laid out as Confluent lays it out:
//   - the file is named "default" (ProtobufSchema.DEFAULT_NAME); imports, then public imports;
//   - in a message: nested messages and enums as declared; the fields of each real oneof
//     (LABEL_OPTIONAL, oneof_index); then the other fields: a `map<K, V>` field becomes
//     `repeated XxxEntry` with a nested XxxEntry message (map_entry = true, key = 1,
//     value = 2) appended after the declared nested types, so declared types keep their
//     message indexes; a proto3 `optional` field gets a synthetic oneof "_name" after the real
//     ones, with proto3_optional set;
//   - labels: none written (proto3's implicit label) is LABEL_OPTIONAL;
//   - json_name only when the schema writes one (Confluent sets it only then; protoc's own
//     serialized descriptors carry it only when explicit too); defaults as written.
// Two choices differ from Confluent, both as protoc writes descriptors: type names are fully
// qualified with a leading dot (Confluent copies them as written, which descriptor pools also
// resolve), and the entry message is named as protoc names it (UpperCamel of the field name
// + "Entry"; Confluent upper-camels only names with an underscore).
// Pure; the schema was validated when parsed, so every type name resolves.

import { SCALAR_TYPES, mapTypes, type EnumElement, type FieldElement, type MessageElement, type OptionElement, type ProtoFileElement, type RangeValue, type ServiceElement } from './ast.ts';
import {
  ENUM_OPTIONS, ENUM_VALUE_OPTIONS, FIELD_OPTIONS, FILE_OPTIONS, MESSAGE_OPTIONS, METHOD_OPTIONS, ROOT_FILE_NAME, SERVICE_OPTIONS,
  camelKey, encodeFileDescriptor, type EnumProto, type FieldProto, type FileProto, type MessageProto, type ServiceProto, type StandardOption,
} from './descriptor.ts';
import type { TypeIndex } from './type-index.ts';

/** protoc's map entry name (descriptor.cc MapEntryName): UpperCamel of the field name + "Entry". */
export function mapEntryName(fieldName: string): string {
  let out = '';
  let capNext = true;
  for (const ch of fieldName) {
    if (ch === '_') {
      capNext = true;
    } else {
      out += capNext ? ch.toUpperCase() : ch;
      capNext = false;
    }
  }
  return `${out}Entry`;
}

/** formattedString("serialized"): the schema's FileDescriptorProto, base64. */
export function serializedDescriptor(file: ProtoFileElement, index: TypeIndex): string {
  return encodeFileDescriptor(fileDescriptorOf(file, index));
}

export function fileDescriptorOf(file: ProtoFileElement, index: TypeIndex): FileProto {
  const w = new Writer(index, file.packageName ?? '', file.syntax === 'proto3');
  const dependency = [...file.imports, ...file.publicImports];
  const out: FileProto = {
    name: ROOT_FILE_NAME,
    dependency,
    messageType: file.types.filter((t): t is MessageElement => t.kind === 'message').map((m) => w.message(m, [])),
    enumType: file.types.filter((t): t is EnumElement => t.kind === 'enum').map((e) => w.enumeration(e)),
    service: file.services.map((s) => w.service(s)),
    extension: file.extendDeclarations.flatMap((e) => e.fields.map((f) => w.extensionField(f, e.name, []))),
  };
  if (file.packageName !== null) out.package = file.packageName;
  if (file.publicImports.length > 0) out.publicDependency = file.publicImports.map((_p, i) => file.imports.length + i);
  const options = optionsOf(file.options, FILE_OPTIONS);
  if (options !== undefined) out.options = options;
  if (file.syntax !== null) out.syntax = file.syntax;
  return out;
}

const TYPE_BY_SCALAR: Readonly<Record<string, string>> = Object.fromEntries([...SCALAR_TYPES].map((s) => [s, `TYPE_${s.toUpperCase()}`]));

const LABELS = { optional: 'LABEL_OPTIONAL', required: 'LABEL_REQUIRED', repeated: 'LABEL_REPEATED' } as const;

class Writer {
  constructor(
    private readonly index: TypeIndex,
    private readonly pkg: string,
    private readonly proto3: boolean,
  ) {}

  message(m: MessageElement, outer: readonly string[]): MessageProto {
    const scope = [...outer, m.name];
    const nestedType: MessageProto[] = m.nestedTypes.filter((t): t is MessageElement => t.kind === 'message').map((n) => this.message(n, scope));
    const enumType = m.nestedTypes.filter((t): t is EnumElement => t.kind === 'enum').map((e) => this.enumeration(e));
    const oneofDecl: { name: string }[] = m.oneOfs.map((o) => ({ name: o.name }));
    const field: FieldProto[] = m.oneOfs.flatMap((o, i) => o.fields.map((f) => ({ ...this.field(f, scope), label: LABELS.optional, oneofIndex: i })));
    for (const f of m.fields) {
      const map = mapTypes(f.type);
      if (map !== undefined) {
        const entry = mapEntryName(f.name);
        nestedType.push(this.mapEntry(entry, map, scope));
        field.push({ ...this.field(f, scope), label: LABELS.repeated, type: 'TYPE_MESSAGE', typeName: `.${[...this.prefix(), ...scope, entry].join('.')}` });
      } else if (this.proto3 && f.label === 'optional') {
        oneofDecl.push({ name: `_${f.name}` });
        field.push({ ...this.field(f, scope), label: LABELS.optional, oneofIndex: oneofDecl.length - 1, proto3Optional: true });
      } else {
        field.push({ ...this.field(f, scope), label: LABELS[f.label ?? 'optional'] });
      }
    }
    const out: MessageProto = {
      name: m.name,
      field,
      nestedType,
      enumType,
      oneofDecl,
      extension: m.extendDeclarations.flatMap((e) => e.fields.map((f) => this.extensionField(f, e.name, scope))),
      reservedRange: m.reserveds.flatMap((r) => r.values).flatMap((v) => exclusiveRange(v)),
      reservedName: m.reserveds.flatMap((r) => r.values).flatMap((v) => ('name' in v ? [v.name] : [])),
      extensionRange: m.extensions.flatMap((e) => e.values).flatMap((v) => exclusiveRange(v)),
    };
    const options = optionsOf(m.options, MESSAGE_OPTIONS);
    if (options !== undefined) out.options = options;
    return out;
  }

  private prefix(): string[] {
    return this.pkg === '' ? [] : this.pkg.split('.');
  }

  /** The synthetic entry message toDynamicMessage adds for a map field. */
  private mapEntry(name: string, [key, value]: readonly [string, string], scope: readonly string[]): MessageProto {
    const part = (fieldName: string, type: string, number: number): FieldProto => ({ name: fieldName, number, label: LABELS.optional, ...this.typeOf(type, scope) });
    return { name, field: [part('key', key, 1), part('value', value, 2)], options: { mapEntry: true } };
  }

  /** TYPE_X for a scalar; TYPE_MESSAGE / TYPE_ENUM and the full name for a named type. */
  private typeOf(type: string, scope: readonly string[]): Pick<FieldProto, 'type' | 'typeName'> {
    const scalar = TYPE_BY_SCALAR[type];
    if (scalar !== undefined) return { type: scalar };
    const full = this.index.resolve(type, this.pkg, scope);
    if (full === undefined) return { typeName: type }; // unreachable for a validated schema
    const info = this.index.get(full);
    return { type: info?.type.kind === 'enum' ? 'TYPE_ENUM' : 'TYPE_MESSAGE', typeName: `.${full}` };
  }

  private field(f: FieldElement, scope: readonly string[]): FieldProto {
    const out: FieldProto = { name: f.name, number: f.tag, ...this.typeOf(f.type, scope) };
    if (f.defaultValue !== null) out.defaultValue = f.defaultValue;
    if (f.jsonName !== null) out.jsonName = f.jsonName;
    const options = optionsOf(f.options, FIELD_OPTIONS);
    if (options !== undefined) out.options = options;
    return out;
  }

  extensionField(f: FieldElement, extendee: string, scope: readonly string[]): FieldProto {
    const full = this.index.resolve(extendee, this.pkg, scope);
    return { ...this.field(f, scope), label: LABELS[f.label ?? 'optional'], extendee: full === undefined ? extendee : `.${full}` };
  }

  enumeration(e: EnumElement): EnumProto {
    const out: EnumProto = {
      name: e.name,
      value: e.constants.map((c) => {
        const options = optionsOf(c.options, ENUM_VALUE_OPTIONS);
        return options === undefined ? { name: c.name, number: c.tag } : { name: c.name, number: c.tag, options };
      }),
      // Enum reserved ranges are inclusive at both ends (EnumReservedRange).
      reservedRange: e.reserveds.flatMap((r) => r.values).flatMap((v) => ('tag' in v ? [{ start: v.tag, end: v.tag }] : 'start' in v ? [{ start: v.start, end: v.end }] : [])),
      reservedName: e.reserveds.flatMap((r) => r.values).flatMap((v) => ('name' in v ? [v.name] : [])),
    };
    const options = optionsOf(e.options, ENUM_OPTIONS);
    if (options !== undefined) out.options = options;
    return out;
  }

  service(s: ServiceElement): ServiceProto {
    const resolve = (t: string): string => {
      const full = this.index.resolve(t, this.pkg, []);
      return full === undefined ? t : `.${full}`;
    };
    const out: ServiceProto = {
      name: s.name,
      method: s.rpcs.map((r) => {
        const options = optionsOf(r.options, METHOD_OPTIONS);
        return {
          name: r.name,
          inputType: resolve(r.requestType),
          outputType: resolve(r.responseType),
          ...(r.requestStreaming ? { clientStreaming: true } : {}),
          ...(r.responseStreaming ? { serverStreaming: true } : {}),
          ...(options === undefined ? {} : { options }),
        };
      }),
    };
    const options = optionsOf(s.options, SERVICE_OPTIONS);
    if (options !== undefined) out.options = options;
    return out;
  }
}

/** A message reserved or extensions entry as DescriptorProto's ranges: end exclusive. */
function exclusiveRange(v: RangeValue): { start: number; end: number }[] {
  if ('tag' in v) return [{ start: v.tag, end: v.tag + 1 }];
  if ('start' in v) return [{ start: v.start, end: v.end + 1 }];
  return [];
}

/** The standard options of `table` the schema sets, as descriptor.proto's option message
 *  (mergeOptions: the last of a non-repeated option wins); undefined when there is none. */
function optionsOf(options: readonly OptionElement[], table: readonly StandardOption[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const o of options) {
    if (o.parenthesized) continue;
    const entry = table.find(([name]) => name === o.name);
    if (entry === undefined || o.value.kind === 'MAP' || o.value.kind === 'LIST' || o.value.kind === 'OPTION') continue;
    const value = entry[1] === 'BOOLEAN' ? o.value.value === 'true' : o.value.value;
    const key = camelKey(entry[0]);
    if (entry[0] === 'targets') out[key] = [...((out[key] as unknown[] | undefined) ?? []), value];
    else out[key] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
