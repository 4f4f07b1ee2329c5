// The table of Protobuf schema pairs and their expected verdicts. Each row says where its verdict
// comes from:
//   [SDT]  Confluent's SchemaDiffTest (confluentinc/schema-registry protobuf-provider/src/test/
//          .../diff/SchemaDiffTest.java) over its resource diff-schema-examples.json: the case's
//          "description" is quoted; each pair reproduces that case's schemas (same names, numbers
//          and types), and `changes` is the case's expected list of Differences ("TYPE #/path")
//          for SchemaDiff.compare(old, new). Its "compatible" is our `backward`.
//   [REV]  `forward` (the old schema reading data written with the new one) is the verdict of
//          the reversed pair, which is itself the [SDT] case quoted.
//   [SYM]  `forward` for a change whose reversal is the same kind of Difference (a scalar group
//          change, a label change, a renamed constant, a package change...): the verdict of the
//          [SDT] case, by SchemaDiff.COMPATIBLE_CHANGES, which lists Difference types, not
//          directions.
// BACKWARD: SchemaDiff.compare(old, new) has only COMPATIBLE_CHANGES; FORWARD: compare(new, old)
// does; FULL: both (SchemaValidatorBuilder). The test asserts all three where `forward` is given.

export interface ProtobufReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
  /** The referenced schema's text (registered under subject/version). */
  readonly schema: string;
}

export interface ProtobufCompatibilityRow {
  readonly name: string;
  readonly source: string;
  readonly old: string;
  readonly new: string;
  readonly oldReferences?: readonly ProtobufReference[];
  readonly newReferences?: readonly ProtobufReference[];
  readonly backward: boolean;
  readonly forward?: boolean;
  /** Confluent's expected Differences for compare(old, new), as "TYPE #/path". */
  readonly changes: readonly string[];
}

const p2 = (body: string): string => `syntax = "proto2";\n${body}`;
const p3 = (body: string): string => `syntax = "proto3";\n${body}`;
const SDT = (description: string): string => `[SDT] "${description}"`;

const STATUS_NESTED = 'message Status {\n    string test_string = 1;\n  }\n';
const foo = (pkg: string): string => p3(`package ${pkg};\nmessage TestMessage {\n  string test_string = 1;\n  .${pkg}.TestMessage.Status test_int = 2;\n  ${STATUS_NESTED}}\n`);
const one = (fields: string, extra = ''): string => p3(`message TestMessage {\n${fields}}\n${extra}`);
const STATUS_ENUM = 'enum Status {\n  ACTIVE = 0;\n  INACTIVE = 1;\n}\n';
const withStatus = (label: string, type: string): string => one(`  ${label}${type} test_string = 1;\n  Status test_status = 2;\n  ${STATUS_NESTED}`);

const googleHome = (pkg: string, idType: string, nested: boolean): string => {
  const home = `message GoogleHome {\n  ${idType} deviceID = 1;\n  bool enabled = 2;\n}\n`;
  return p3(`package ${pkg};\noption java_outer_classname = "GoogleImpl";\n${nested ? `message outer {\n${home}}\n` : home}`);
};
const ref = (name: string, version: number, schema: string): ProtobufReference => ({ name, subject: name, version, schema });
const importing = (file: string, type: string): string => p3(`import "${file}";\nmessage TestMessage {\n  ${type} test_string = 1;\n}\n`);

const msg = (body: string): string => p3(`message Message {\n${body}}\n`);

export const PROTOBUF_COMPATIBILITY_TABLE: readonly ProtobufCompatibilityRow[] = [
  // Packages and name qualification.
  { name: 'package changed', source: `${SDT('Detect package change')}; forward [SYM]`, old: foo('foo'), new: foo('bar'), backward: false, forward: false, changes: ['PACKAGE_CHANGED #/'] },
  {
    name: 'type name qualified with a leading dot', source: `${SDT('Detect change to name qualification')}; forward [SYM]`,
    old: one(`  string test_string = 1;\n  Status test_int = 2;\n  ${STATUS_NESTED}`), new: one(`  string test_string = 1;\n  .TestMessage.Status test_int = 2;\n  ${STATUS_NESTED}`),
    backward: true, forward: true, changes: [],
  },
  {
    name: 'type name qualified with package', source: `${SDT('Detect change to name qualification with package')}; forward [SYM]`,
    old: p3(`package foo;\nmessage TestMessage {\n  string test_string = 1;\n  Status test_int = 2;\n  ${STATUS_NESTED}}\n`), new: foo('foo'),
    backward: true, forward: true, changes: [],
  },
  {
    name: 'map value type qualified', source: `${SDT('Detect compatible name qualification in map')}; forward [SYM]`,
    old: one(`  string test_string = 1;\n  map<string, Status> test_map = 2;\n  ${STATUS_NESTED}`), new: one(`  string test_string = 1;\n  map<string, TestMessage.Status> test_map = 2;\n  ${STATUS_NESTED}`),
    backward: true, forward: true, changes: [],
  },
  // Fields added and removed.
  { name: 'field added', source: `${SDT('Detect added field')}; forward [REV] "Detect removed field"`, old: one('  string test_string = 1;\n'), new: one('  string test_string = 1;\n  string test_string2 = 2;\n'), backward: true, forward: true, changes: ['FIELD_ADDED #/TestMessage/2'] },
  { name: 'field removed', source: `${SDT('Detect removed field')}; forward [REV] "Detect added field"`, old: one('  string test_string = 1;\n  string test_string2 = 2;\n'), new: one('  string test_string = 1;\n'), backward: true, forward: true, changes: ['FIELD_REMOVED #/TestMessage/2'] },
  {
    name: 'required field added (proto2)', source: `${SDT('Detect added required field')}; forward [REV] "Detect removed required field"`,
    old: p2('message TestMessage {\n  optional string test_string = 1;\n}\n'), new: p2('message TestMessage {\n  optional string test_string = 1;\n  required string test_string2 = 2;\n}\n'),
    backward: false, forward: false, changes: ['REQUIRED_FIELD_ADDED #/TestMessage/2'],
  },
  {
    name: 'required field removed (proto2)', source: `${SDT('Detect removed required field')}; forward [REV] "Detect added required field"`,
    old: p2('message TestMessage {\n  optional string test_string = 1;\n  required string test_string2 = 2;\n}\n'), new: p2('message TestMessage {\n  optional string test_string = 1;\n}\n'),
    backward: false, forward: false, changes: ['REQUIRED_FIELD_REMOVED #/TestMessage/2'],
  },
  {
    name: 'field added to a nested message', source: SDT('Detect added field to nested type'),
    old: p3('message Wrapper {\n  int32 wrapperInt = 1;\n  message TestMessage {\n    string test_string = 1;\n  }\n}\n'),
    new: p3('message Wrapper {\n  int32 wrapperInt = 1;\n  message TestMessage {\n    string test_string = 1;\n    string test_string2 = 2;\n  }\n}\n'),
    backward: true, changes: ['FIELD_ADDED #/Wrapper/TestMessage/2'],
  },
  { name: 'field number changed', source: SDT('Detect changed field number'), old: one('  string test_string = 1;\n'), new: one('  string test_string = 2;\n'), backward: true, changes: ['FIELD_REMOVED #/TestMessage/1', 'FIELD_ADDED #/TestMessage/2'] },
  // Scalar kinds.
  { name: 'int32 to int64', source: `${SDT('Detect compatible field number type change')}; forward [SYM]`, old: one('  string test_string = 1;\n  int32 test_int = 2;\n'), new: one('  string test_string = 1;\n  int64 test_int = 2;\n'), backward: true, forward: true, changes: [] },
  { name: 'string to bytes', source: `${SDT('Detect compatible field string type change')}; forward [SYM]`, old: one('  string test_string = 1;\n  string test_string2 = 2;\n'), new: one('  string test_string = 1;\n  bytes test_string2 = 2;\n'), backward: true, forward: true, changes: [] },
  {
    name: 'int32 to an enum', source: `${SDT('Detect field number type to enum change')}; forward [REV] "Detect enum type to field number change"`,
    old: one('  string test_string = 1;\n  int32 test_int = 2;\n'), new: one('  string test_string = 1;\n  Status test_int = 2;\n', STATUS_ENUM),
    backward: true, forward: true, changes: ['ENUM_ADDED #/Status'],
  },
  {
    name: 'an enum to int32', source: `${SDT('Detect enum type to field number change')}; forward [REV] "Detect field number type to enum change"`,
    old: one('  string test_string = 1;\n  Status test_int = 2;\n', STATUS_ENUM), new: one('  string test_string = 1;\n  int32 test_int = 2;\n'),
    backward: true, forward: true, changes: ['ENUM_REMOVED #/Status'],
  },
  {
    name: 'int32 to a message named like an enum', source: `${SDT('Detect field number type to message with same name as enum')}; forward [REV] "Detect message with same name as enum to field number change"`,
    old: one('  string test_string = 1;\n  int32 test_int = 2;\n'), new: one(`  string test_string = 1;\n  .TestMessage.Status test_int = 2;\n  ${STATUS_NESTED}`, STATUS_ENUM),
    backward: false, forward: false, changes: ['FIELD_KIND_CHANGED #/TestMessage/2', 'MESSAGE_ADDED #/TestMessage/Status', 'ENUM_ADDED #/Status'],
  },
  {
    name: 'int32 to a new message type', source: `${SDT('Detect incompatible field type change')} (the first); forward [SYM]`,
    old: one('  string test_string = 1;\n  int32 test_int = 2;\n'), new: one('  string test_string = 1;\n  TestMessage2 test_int = 2;\n', 'message TestMessage2 {\n  string s1 = 1;\n}\n'),
    backward: false, forward: false, changes: ['MESSAGE_ADDED #/TestMessage2', 'FIELD_KIND_CHANGED #/TestMessage/2'],
  },
  {
    name: 'int32 to string, renamed', source: `${SDT('Detect incompatible field type change')} (the second); forward [SYM]`,
    old: one('  string test_string = 1;\n  int32 test_int = 2;\n'), new: one('  string test_string = 1;\n  string test_string2 = 2;\n'),
    backward: false, forward: false, changes: ['FIELD_NAME_CHANGED #/TestMessage/2', 'FIELD_SCALAR_KIND_CHANGED #/TestMessage/2'],
  },
  {
    name: 'map value int32 to string, renamed', source: `${SDT('Detect incompatible field type change')} (the fourth); forward [SYM]`,
    old: one('  string test_string = 1;\n  map<string, int32> test_map_int = 2;\n'), new: one('  string test_string = 1;\n  map<string, string> test_map_string = 2;\n'),
    backward: false, forward: false, changes: ['FIELD_NAME_CHANGED #/TestMessage/2', 'FIELD_SCALAR_KIND_CHANGED #/TestMessage/2'],
  },
  {
    name: 'message field type renamed', source: `${SDT('Detect incompatible field type change')} (the third); forward [SYM]`,
    old: one('  string test_string = 1;\n  TestMessage2 test_int = 2;\n', 'message TestMessage2 {\n  string s1 = 1;\n}\n'),
    new: one('  string test_string = 1;\n  TestMessage3 test_int = 2;\n', 'message TestMessage3 {\n  string s1 = 1;\n}\n'),
    backward: false, forward: false, changes: ['MESSAGE_REMOVED #/TestMessage2', 'MESSAGE_ADDED #/TestMessage3', 'FIELD_NAMED_TYPE_CHANGED #/TestMessage/2'],
  },
  // Enums.
  { name: 'enum constant renamed', source: `${SDT('Detect enum const change')}; forward [SYM]`, old: one('  string test_string = 1;\n  Status test_int = 2;\n', STATUS_ENUM), new: one('  string test_string = 1;\n  Status test_int = 2;\n', 'enum Status {\n  ACTIVE = 0;\n  NOT_ACTIVE = 1;\n}\n'), backward: true, forward: true, changes: ['ENUM_CONST_CHANGED #/Status/1'] },
  // Labels.
  { name: 'message field optional to repeated', source: `${SDT('Detect compatible field label change for message')}; forward [SYM]`, old: one(`  string test_string = 1;\n  optional Status test_status = 2;\n  ${STATUS_NESTED}`), new: one(`  string test_string = 1;\n  repeated Status test_status = 2;\n  ${STATUS_NESTED}`), backward: true, forward: true, changes: [] },
  { name: 'string optional to repeated', source: `${SDT('Detect compatible field label change for string')}; forward [SYM]`, old: withStatus('optional ', 'string'), new: withStatus('repeated ', 'string'), backward: true, forward: true, changes: ['FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1'] },
  { name: 'bytes optional to repeated', source: `${SDT('Detect compatible field label change for bytes')}; forward [SYM]`, old: withStatus('optional ', 'bytes'), new: withStatus('repeated ', 'bytes'), backward: true, forward: true, changes: ['FIELD_STRING_OR_BYTES_LABEL_CHANGED #/TestMessage/1'] },
  { name: 'int32 optional to repeated', source: `${SDT('Detect incompatible field label change for number')}; forward [SYM]`, old: withStatus('optional ', 'int32'), new: withStatus('repeated ', 'int32'), backward: false, forward: false, changes: ['FIELD_NUMERIC_LABEL_CHANGED #/TestMessage/1'] },
  // Messages added and moved.
  { name: 'message added', source: SDT('Detect compatible message addition'), old: one('  string test_string = 1;\n'), new: one('  string test_string = 1;\n', 'message TestMessage2 {\n  string test_string = 1;\n}\n'), backward: true, changes: ['MESSAGE_ADDED #/TestMessage2'] },
  {
    name: 'messages reordered', source: `${SDT('Detect compatible message index change')} (the second); forward [SYM]`,
    old: p3('message TestMessage {\n  string test_string = 1;\n}\nmessage TestMessage2 {\n  string test_string = 1;\n}\n'),
    new: p3('message TestMessage2 {\n  string test_string = 1;\n}\nmessage TestMessage {\n  string test_string = 1;\n}\n'),
    backward: true, forward: true, changes: ['MESSAGE_MOVED #/TestMessage2', 'MESSAGE_MOVED #/TestMessage'],
  },
  // Oneofs.
  {
    name: 'field moved into a new oneof with a new field', source: SDT('Detect compatible field to oneof change'),
    old: one('  string test_string = 1;\n  string test_string2 = 2;\n'), new: one('  string test_string = 1;\n  oneof new_oneof {\n    string test_string2 = 2;\n    int32 other_id = 3;\n  }\n'),
    backward: true, changes: ['ONEOF_ADDED #/TestMessage/new_oneof', 'ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3'],
  },
  {
    name: 'two fields moved into a new oneof', source: SDT('Detect incompatible field to oneof change'),
    old: one('  string test_string = 1;\n  string test_string2 = 2;\n'), new: one('  oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n    int32 other_id = 3;\n  }\n'),
    backward: false, changes: ['MULTIPLE_FIELDS_MOVED_TO_ONEOF #/TestMessage/new_oneof', 'ONEOF_ADDED #/TestMessage/new_oneof', 'ONEOF_FIELD_ADDED #/TestMessage/new_oneof/3'],
  },
  {
    name: 'field removed from a oneof', source: SDT('Detect incompatible remove field from oneof'),
    old: one('  oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n    int32 other_id = 3;\n  }\n'), new: one('  oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n  }\n'),
    backward: false, changes: ['ONEOF_FIELD_REMOVED #/TestMessage/new_oneof/3'],
  },
  {
    name: 'top-level field moved into an existing oneof', source: SDT('Detect incompatible move field to oneof'),
    old: one('  string test_string = 1;\n  oneof new_oneof {\n    string test_string2 = 2;\n    string test_string3 = 3;\n  }\n'),
    new: one('  oneof new_oneof {\n    string test_string = 1;\n    string test_string2 = 2;\n    string test_string3 = 3;\n  }\n'),
    backward: false, changes: ['FIELD_MOVED_TO_EXISTING_ONEOF #/TestMessage/new_oneof'],
  },
  {
    name: 'field moved out of a removed oneof with a type change', source: SDT('Detect incompatible field type change when field is moved out of a removed oneof'),
    old: msg('  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_with_incompatible_type_change = 2;\n  }\n'), new: msg('  float field_float = 1;\n  sint64 field_with_incompatible_type_change = 2;\n'),
    backward: false, changes: ['ONEOF_REMOVED #/Message/oldOneOf', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/1', 'ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/2', 'FIELD_SCALAR_KIND_CHANGED #/Message/2'],
  },
  {
    name: 'field moved between oneofs', source: SDT('Detect incompatible field move between two differently-named oneofs'),
    old: msg('  oneof oneof_a {\n    int32 field_1 = 1;\n    int32 field_2 = 2;\n  }\n  oneof oneof_b {\n    int32 field_3 = 3;\n  }\n'),
    new: msg('  oneof oneof_a {\n    int32 field_1 = 1;\n  }\n  oneof oneof_b {\n    int32 field_3 = 3;\n    int32 field_2 = 2;\n  }\n'),
    backward: false, changes: ['FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_b'],
  },
  {
    name: 'two oneofs merged', source: SDT('Detect incompatible merge of two oneofs into a new oneof'),
    old: msg('  oneof oneof_a { int32 field_a = 1; }\n  oneof oneof_b { int32 field_b = 2; }\n'), new: msg('  oneof oneof_c { int32 field_a = 1; int32 field_b = 2; }\n'),
    backward: false, changes: ['FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_c', 'ONEOF_REMOVED #/Message/oneof_a', 'ONEOF_REMOVED #/Message/oneof_b', 'ONEOF_ADDED #/Message/oneof_c'],
  },
  {
    name: 'oneof renamed and a member dropped', source: SDT('Detect incompatible drop of a oneof member while renaming the oneof'),
    old: msg('  oneof g { int32 a = 1; int32 b = 2; }\n'), new: msg('  oneof g2 { int32 a = 1; }\n'),
    backward: false, changes: ['ONEOF_REMOVED #/Message/g', 'ONEOF_ADDED #/Message/g2', 'ONEOF_FIELD_REMOVED #/Message/g/2'],
  },
  {
    name: 'oneof renamed with a member type change', source: SDT('Detect incompatible field type change when enclosing oneof is renamed'),
    old: msg('  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_with_incompatible_type_change = 2;\n  }\n'),
    new: msg('  oneof renamedOneOf {\n    float field_float = 1;\n    string field_with_incompatible_type_change = 2;\n  }\n'),
    backward: false, changes: ['ONEOF_REMOVED #/Message/oldOneOf', 'ONEOF_ADDED #/Message/renamedOneOf', 'FIELD_SCALAR_KIND_CHANGED #/Message/renamedOneOf/2'],
  },
  {
    name: 'field moved into a new oneof with a type change', source: SDT('Detect incompatible field type change when field is moved into a new oneof'),
    old: msg('  float field_float = 1;\n  int32 field_with_incompatible_type_change = 2;\n'),
    new: msg('  float field_float = 1;\n  oneof newOneOf {\n    sint64 field_with_incompatible_type_change = 2;\n  }\n'),
    backward: false, changes: ['ONEOF_ADDED #/Message/newOneOf', 'FIELD_SCALAR_KIND_CHANGED #/Message/newOneOf/2'],
  },
  {
    name: 'oneof renamed, same members', source: `${SDT('Detect compatible oneof rename with identical fields')}; forward [SYM]`,
    old: msg('  oneof oldOneOf {\n    float field_float = 1;\n    int32 field_int = 2;\n  }\n'), new: msg('  oneof renamedOneOf {\n    float field_float = 1;\n    int32 field_int = 2;\n  }\n'),
    backward: true, forward: true, changes: ['ONEOF_REMOVED #/Message/oldOneOf', 'ONEOF_ADDED #/Message/renamedOneOf'],
  },
  {
    name: 'field of a deleted oneof moved into an existing oneof', source: SDT('Detect incompatible move of a field from a deleted oneof into an existing oneof'),
    old: msg('  oneof oneof_a { int32 field_a = 1; }\n  oneof oneof_b { int32 field_b = 3; }\n'), new: msg('  oneof oneof_b { int32 field_b = 3; int32 field_a = 1; }\n'),
    backward: false, changes: ['FIELD_MOVED_TO_EXISTING_ONEOF #/Message/oneof_b', 'ONEOF_REMOVED #/Message/oneof_a'],
  },
  {
    name: 'one member moved to a new singleton oneof', source: SDT('Detect compatible move of a single field into a new singleton oneof from a surviving oneof'),
    old: msg('  oneof oneof_a { int32 field_a = 1; int32 field_b = 2; }\n'), new: msg('  oneof oneof_a { int32 field_b = 2; }\n  oneof oneof_b { int32 field_a = 1; }\n'),
    backward: true, changes: ['ONEOF_ADDED #/Message/oneof_b'],
  },
  {
    name: 'field moved out of a oneof to the top level', source: SDT('Detect compatible move field out of a oneof to top level'),
    old: msg('  oneof g { int32 a = 1; int32 b = 2; }\n'), new: msg('  oneof g { int32 a = 1; }\n  int32 b = 2;\n'),
    backward: true, changes: ['ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/Message/2'],
  },
  // References (imports of other registered schemas).
  {
    name: 'referenced message changes a field type', source: `${SDT('Detect incompatible import change')}; forward [SYM]`,
    old: importing('google.proto', '.io.confluent.cloud.demo.domain.GoogleHome'), new: importing('google2.proto', '.io.confluent.cloud.demo.domain.GoogleHome'),
    oldReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', false))],
    newReferences: [ref('google2.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'string', false))],
    backward: false, forward: false, changes: ['FIELD_SCALAR_KIND_CHANGED #/GoogleHome/1', 'FIELD_NAMED_TYPE_CHANGED #/TestMessage/1'],
  },
  {
    name: 'local message moved to a reference', source: `${SDT('Detect moving to import')}; forward [REV] "Detect moving from import"`,
    old: p3('message TestMessage {\n  GoogleHome test_string = 1;\n}\nmessage GoogleHome {\n  int32 deviceID = 1;\n  bool enabled = 2;\n}\n'),
    new: importing('google.proto', '.io.confluent.cloud.demo.domain.GoogleHome'),
    newReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', false))],
    backward: false, forward: true, changes: ['MESSAGE_REMOVED #/GoogleHome'],
  },
  {
    name: 'referenced message moves to another package', source: `${SDT('Detect import change with different remote package name')}; forward [SYM]`,
    old: importing('google.proto', '.io.confluent.cloud.demo.domain.GoogleHome'), new: importing('google2.proto', '.io.confluent.cloud.demo.domain2.GoogleHome'),
    oldReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', false))],
    newReferences: [ref('google2.proto', 1, googleHome('io.confluent.cloud.demo.domain2', 'int32', false))],
    backward: true, forward: true, changes: [],
  },
  {
    name: 'nested referenced message moves to another package', source: `${SDT('Detect import change with different remote package nested name')}; forward [SYM]`,
    old: importing('google.proto', '.io.confluent.cloud.demo.domain.outer.GoogleHome'), new: importing('google2.proto', '.io.confluent.cloud.demo.domain2.outer.GoogleHome'),
    oldReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', true))],
    newReferences: [ref('google2.proto', 1, googleHome('io.confluent.cloud.demo.domain2', 'int32', true))],
    backward: true, forward: true, changes: [],
  },
  {
    name: 'nested referenced message moves package and changes a field type', source: `${SDT('Detect incompatible import change with different remote package nested name')}; forward [SYM]`,
    old: importing('google.proto', '.io.confluent.cloud.demo.domain.outer.GoogleHome'), new: importing('google2.proto', '.io.confluent.cloud.demo.domain2.outer.GoogleHome'),
    oldReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', true))],
    newReferences: [ref('google2.proto', 1, googleHome('io.confluent.cloud.demo.domain2', 'string', true))],
    backward: false, forward: false, changes: ['FIELD_SCALAR_KIND_CHANGED #/outer/GoogleHome/1', 'FIELD_NAMED_TYPE_CHANGED #/TestMessage/1'],
  },
  {
    name: 'same referenced subject, another version, another package', source: `${SDT('Detect incompatible import change with same subject, different version')}; forward [SYM]`,
    old: importing('google.proto', '.io.confluent.cloud.demo.domain.outer.GoogleHome'), new: importing('google.proto', '.io.confluent.cloud.demo.domain2.outer.GoogleHome'),
    oldReferences: [ref('google.proto', 1, googleHome('io.confluent.cloud.demo.domain', 'int32', true))],
    newReferences: [ref('google.proto', 3, googleHome('io.confluent.cloud.demo.domain2', 'string', true))],
    backward: false, forward: false, changes: ['FIELD_SCALAR_KIND_CHANGED #/outer/GoogleHome/1', 'FIELD_NAMED_TYPE_CHANGED #/TestMessage/1'],
  },
];
