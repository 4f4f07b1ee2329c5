// The parsed form of one .proto file, shaped like the element tree Confluent's ProtobufSchema
// holds (Square Wire's ProtoFileElement, MessageElement, FieldElement, ... in wire-schema's
// com.squareup.wire.schema.internal.parser). Confluent prints its canonical string from that
// tree (ProtobufSchemaUtils.toString) and diffs two trees (diff/SchemaDiff), so we keep what it
// keeps: labels as written (proto3's implicit label is null), field types as written (a map
// field's type is the text "map<K, V>"), options with Wire's kinds, declaration order.

export type Label = 'optional' | 'required' | 'repeated';

/** Wire's OptionElement.Kind. */
export type OptionKind = 'STRING' | 'BOOLEAN' | 'NUMBER' | 'ENUM' | 'MAP' | 'LIST' | 'OPTION';

/** A value inside an aggregate (text-format) option: a primitive keeps its kind. */
export type OptionValue =
  | { readonly kind: 'STRING' | 'BOOLEAN' | 'NUMBER' | 'ENUM'; readonly value: string }
  | { readonly kind: 'MAP'; readonly value: ReadonlyMap<string, OptionValue> }
  | { readonly kind: 'LIST'; readonly value: readonly OptionValue[] }
  | { readonly kind: 'OPTION'; readonly value: OptionElement };

/** `name = value`; `(ext).sub = value` is the option `ext`, parenthesized, of kind OPTION. */
export interface OptionElement {
  readonly name: string;
  readonly parenthesized: boolean;
  readonly value: OptionValue;
}

/** A reserved or extensions entry: a tag, a range (end inclusive; max is MAX_TAG), or a name. */
export type RangeValue = { readonly tag: number } | { readonly start: number; readonly end: number } | { readonly name: string };

/** Field numbers run to 2^29 - 1 (protobuf language guide); `max` is this. */
export const MAX_TAG = 536_870_911;

export interface FieldElement {
  readonly label: Label | null;
  readonly type: string;
  readonly name: string;
  readonly tag: number;
  /** The `default` pseudo-option, kept apart as Wire does (printed after the others). */
  readonly defaultValue: string | null;
  /** The `json_name` pseudo-option, kept apart likewise. */
  readonly jsonName: string | null;
  readonly options: readonly OptionElement[];
}

export interface OneOfElement {
  readonly name: string;
  readonly fields: readonly FieldElement[];
  readonly options: readonly OptionElement[];
}

export interface ExtendElement {
  readonly name: string;
  readonly fields: readonly FieldElement[];
}

export interface ReservedElement {
  readonly values: readonly RangeValue[];
}

export interface ExtensionsElement {
  readonly values: readonly RangeValue[];
  readonly options: readonly OptionElement[];
}

export interface MessageElement {
  readonly kind: 'message';
  readonly name: string;
  readonly options: readonly OptionElement[];
  readonly reserveds: readonly ReservedElement[];
  readonly fields: readonly FieldElement[];
  readonly oneOfs: readonly OneOfElement[];
  readonly extensions: readonly ExtensionsElement[];
  readonly extendDeclarations: readonly ExtendElement[];
  /** Nested messages and enums in declaration order (maps add none: their type stays "map<>"). */
  readonly nestedTypes: readonly TypeElement[];
}

export interface EnumConstantElement {
  readonly name: string;
  readonly tag: number;
  readonly options: readonly OptionElement[];
}

export interface EnumElement {
  readonly kind: 'enum';
  readonly name: string;
  readonly options: readonly OptionElement[];
  readonly reserveds: readonly ReservedElement[];
  readonly constants: readonly EnumConstantElement[];
}

export type TypeElement = MessageElement | EnumElement;

export interface RpcElement {
  readonly name: string;
  readonly requestType: string;
  readonly requestStreaming: boolean;
  readonly responseType: string;
  readonly responseStreaming: boolean;
  readonly options: readonly OptionElement[];
}

export interface ServiceElement {
  readonly name: string;
  readonly options: readonly OptionElement[];
  readonly rpcs: readonly RpcElement[];
}

export interface ProtoFileElement {
  /** "proto2" or "proto3" as written; null when the file has no syntax statement. */
  readonly syntax: 'proto2' | 'proto3' | null;
  readonly packageName: string | null;
  readonly imports: readonly string[];
  readonly publicImports: readonly string[];
  readonly options: readonly OptionElement[];
  readonly types: readonly TypeElement[];
  readonly extendDeclarations: readonly ExtendElement[];
  readonly services: readonly ServiceElement[];
}

/** The scalar types of the protobuf language (the `type` of a field that names no message). */
export const SCALAR_TYPES: ReadonlySet<string> = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

/** "map<K, V>" -> [K, V]; undefined for any other type. */
export function mapTypes(type: string): readonly [string, string] | undefined {
  const m = /^map<\s*([^,\s]+)\s*,\s*([^>\s]+)\s*>$/.exec(type);
  return m === null ? undefined : [m[1] as string, m[2] as string];
}
