// Imports that resolve without a schema reference, as in Confluent's ProtobufSchema
// (KNOWN_DEPENDENCIES / dependenciesWithLogicalTypes: Google's well-known types, Confluent's
// confluent/meta.proto and confluent/type/*.proto, and the google/type/*.proto of
// proto-google-common-protos it bundles).
//   google/protobuf/*   protobufjs's own copies: `protobuf.common` (any, duration, empty,
//                       field_mask, struct, timestamp, wrappers) and its google/protobuf/*.json
//                       (descriptor, api, type, source_context);
//   confluent/*         the texts of confluentinc/schema-registry protobuf-types/src/main/proto/
//                       (comments dropped);
//   google/type/*       the messages and enums of googleapis google/type/*.proto (Apache 2.0),
//                       without comments and file options (only names and fields matter here).

import protobuf from 'protobufjs';
import apiJson from 'protobufjs/google/protobuf/api.json' with { type: 'json' };
import descriptorJson from 'protobufjs/google/protobuf/descriptor.json' with { type: 'json' };
import sourceContextJson from 'protobufjs/google/protobuf/source_context.json' with { type: 'json' };
import typeJson from 'protobufjs/google/protobuf/type.json' with { type: 'json' };
import type { EnumElement, FieldElement, MessageElement, OneOfElement, ProtoFileElement, TypeElement } from './ast.ts';

const COMMON = ['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers'];

const JSON_FILES: Readonly<Record<string, protobuf.INamespace>> = {
  'google/protobuf/api.proto': apiJson as protobuf.INamespace,
  'google/protobuf/descriptor.proto': descriptorJson as protobuf.INamespace,
  'google/protobuf/source_context.proto': sourceContextJson as protobuf.INamespace,
  'google/protobuf/type.proto': typeJson as protobuf.INamespace,
};

const GT = (imports: string, body: string): string => `syntax = "proto3";\npackage google.type;\n${imports}${body}`;

/** Well-known files we keep as .proto text. */
export const WELL_KNOWN_TEXTS: Readonly<Record<string, string>> = {
  'confluent/meta.proto': `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
option java_package = "io.confluent.protobuf";
option java_outer_classname = "MetaProto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
  'confluent/type/decimal.proto': `syntax = "proto3";
package confluent.type;
option java_package = "io.confluent.protobuf.type";
option java_multiple_files = true;
option java_outer_classname = "DecimalProto";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
  'confluent/type/variant.proto': `syntax = "proto3";
package confluent.type;
option java_package = "io.confluent.protobuf.type";
option java_multiple_files = true;
option java_outer_classname = "VariantProto";
message Variant {
  bytes metadata = 1;
  bytes value = 2;
}
`,
  'google/type/calendar_period.proto': GT('', 'enum CalendarPeriod { CALENDAR_PERIOD_UNSPECIFIED = 0; DAY = 1; WEEK = 2; FORTNIGHT = 3; MONTH = 4; QUARTER = 5; HALF = 6; YEAR = 7; }\n'),
  'google/type/color.proto': GT('import "google/protobuf/wrappers.proto";\n', 'message Color { float red = 1; float green = 2; float blue = 3; google.protobuf.FloatValue alpha = 4; }\n'),
  'google/type/date.proto': GT('', 'message Date { int32 year = 1; int32 month = 2; int32 day = 3; }\n'),
  'google/type/datetime.proto': GT(
    'import "google/protobuf/duration.proto";\n',
    'message DateTime { int32 year = 1; int32 month = 2; int32 day = 3; int32 hours = 4; int32 minutes = 5; int32 seconds = 6; int32 nanos = 7;\n' +
      '  oneof time_offset { google.protobuf.Duration utc_offset = 8; TimeZone time_zone = 9; } }\n' +
      'message TimeZone { string id = 1; string version = 2; }\n',
  ),
  'google/type/dayofweek.proto': GT('', 'enum DayOfWeek { DAY_OF_WEEK_UNSPECIFIED = 0; MONDAY = 1; TUESDAY = 2; WEDNESDAY = 3; THURSDAY = 4; FRIDAY = 5; SATURDAY = 6; SUNDAY = 7; }\n'),
  'google/type/decimal.proto': GT('', 'message Decimal { string value = 1; }\n'),
  'google/type/expr.proto': GT('', 'message Expr { string expression = 1; string title = 2; string description = 3; string location = 4; }\n'),
  'google/type/fraction.proto': GT('', 'message Fraction { int64 numerator = 1; int64 denominator = 2; }\n'),
  'google/type/interval.proto': GT('import "google/protobuf/timestamp.proto";\n', 'message Interval { google.protobuf.Timestamp start_time = 1; google.protobuf.Timestamp end_time = 2; }\n'),
  'google/type/latlng.proto': GT('', 'message LatLng { double latitude = 1; double longitude = 2; }\n'),
  'google/type/money.proto': GT('', 'message Money { string currency_code = 1; int64 units = 2; int32 nanos = 3; }\n'),
  'google/type/month.proto': GT(
    '',
    'enum Month { MONTH_UNSPECIFIED = 0; JANUARY = 1; FEBRUARY = 2; MARCH = 3; APRIL = 4; MAY = 5; JUNE = 6; JULY = 7; AUGUST = 8; SEPTEMBER = 9; OCTOBER = 10; NOVEMBER = 11; DECEMBER = 12; }\n',
  ),
  'google/type/phone_number.proto': GT(
    '',
    'message PhoneNumber { oneof kind { string e164_number = 1; ShortCode short_code = 2; } string extension = 3;\n  message ShortCode { string region_code = 1; string number = 2; } }\n',
  ),
  'google/type/postal_address.proto': GT(
    '',
    'message PostalAddress { int32 revision = 1; string region_code = 2; string language_code = 3; string postal_code = 4; string sorting_code = 5;\n' +
      '  string administrative_area = 6; string locality = 7; string sublocality = 8; repeated string address_lines = 9; repeated string recipients = 10; string organization = 11; }\n',
  ),
  'google/type/quaternion.proto': GT('', 'message Quaternion { double x = 1; double y = 2; double z = 3; double w = 4; }\n'),
  'google/type/timeofday.proto': GT('', 'message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }\n'),
};

/** protobufjs's JSON for a google/protobuf/*.proto import; undefined for any other path. */
export function wellKnownJson(path: string): protobuf.INamespace | undefined {
  const fromJson = JSON_FILES[path];
  if (fromJson !== undefined) return fromJson;
  const m = /^google\/protobuf\/([a-z_]+)\.proto$/.exec(path);
  return m !== null && COMMON.includes(m[1] as string) ? (protobuf.common.get(path) as protobuf.INamespace | null) ?? undefined : undefined;
}

export function isWellKnown(path: string): boolean {
  return WELL_KNOWN_TEXTS[path] !== undefined || wellKnownJson(path) !== undefined;
}

/** Every well-known import path. */
export const WELL_KNOWN_PATHS: readonly string[] = [
  ...COMMON.map((name) => `google/protobuf/${name}.proto`), ...Object.keys(JSON_FILES), ...Object.keys(WELL_KNOWN_TEXTS),
];

let wellKnownFilesMemo: ReadonlyMap<string, ProtoFileElement> | undefined;

/**
 * Every well-known file's element tree, by import path. Confluent puts all of them among a
 * schema's dependencies whether imported or not (ProtobufSchema.dependenciesWithLogicalTypes), so
 * their types always resolve. Built once: the inputs are constants.
 */
export function wellKnownFiles(parse: (text: string) => ProtoFileElement | undefined): ReadonlyMap<string, ProtoFileElement> {
  if (wellKnownFilesMemo === undefined) {
    const files = new Map<string, ProtoFileElement>();
    for (const path of WELL_KNOWN_PATHS) {
      const text = WELL_KNOWN_TEXTS[path];
      const json = wellKnownJson(path);
      const file = text !== undefined ? parse(text) : json !== undefined ? fileFromJson(json) : undefined;
      if (file !== undefined) files.set(path, file);
    }
    wellKnownFilesMemo = files;
  }
  return wellKnownFilesMemo;
}

type JsonNode = {
  nested?: Record<string, JsonNode>;
  fields?: Record<string, { type: string; id: number; rule?: string; keyType?: string; protoName?: string }>;
  values?: Record<string, number>;
  oneofs?: Record<string, { oneof: string[] }>;
};

/** The element tree of a google/protobuf file from protobufjs's JSON (names and fields only). */
export function fileFromJson(json: protobuf.INamespace): ProtoFileElement {
  let node = json as JsonNode;
  const pkg: string[] = [];
  // Descend through the package namespaces (nodes with only `nested`).
  while (node.nested !== undefined && Object.keys(node.nested).length === 1) {
    const [name, child] = Object.entries(node.nested)[0] as [string, JsonNode];
    if (child.fields !== undefined || child.values !== undefined) break;
    pkg.push(name);
    node = child;
  }
  return {
    syntax: 'proto3', packageName: pkg.join('.'), imports: [], publicImports: [], options: [],
    types: typesFromJson(node.nested ?? {}), extendDeclarations: [], services: [],
  };
}

function typesFromJson(nested: Record<string, JsonNode>): TypeElement[] {
  const out: TypeElement[] = [];
  for (const [name, n] of Object.entries(nested)) {
    if (n.values !== undefined) {
      const e: EnumElement = { kind: 'enum', name, options: [], reserveds: [], constants: Object.entries(n.values).map(([c, tag]) => ({ name: c, tag, options: [] })) };
      out.push(e);
    } else if (n.fields !== undefined) {
      const inOneOf = new Map<string, string>();
      for (const [o, def] of Object.entries(n.oneofs ?? {})) for (const f of def.oneof) inOneOf.set(f, o);
      const toField = (key: string): FieldElement => {
        const f = n.fields?.[key] as NonNullable<JsonNode['fields']>[string];
        const type = f.keyType !== undefined ? `map<${f.keyType}, ${f.type}>` : f.type;
        const label = f.rule === 'repeated' ? 'repeated' : f.rule === 'required' ? 'required' : null;
        return { label, type, name: f.protoName ?? key, tag: f.id, defaultValue: null, jsonName: null, options: [] };
      };
      const keys = Object.keys(n.fields);
      const oneOfs: OneOfElement[] = Object.keys(n.oneofs ?? {}).map((o) => ({ name: o, options: [], fields: keys.filter((k) => inOneOf.get(k) === o).map(toField) }));
      const m: MessageElement = {
        kind: 'message', name, options: [], reserveds: [], fields: keys.filter((k) => !inOneOf.has(k)).map(toField), oneOfs,
        extensions: [], extendDeclarations: [], nestedTypes: typesFromJson(n.nested ?? {}),
      };
      out.push(m);
    }
  }
  return out;
}
