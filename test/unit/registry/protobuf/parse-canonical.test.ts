// Parsing Protobuf schemas as the registry does, and the strings it prints: Confluent's own
// expected canonical and normalized strings (confluent-canonical-cases.ts), well-known imports,
// references to other registered schemas, and invalid schemas as 42201 values.

import { describe, expect, test } from 'bun:test';
import { canonicalString } from '../../../../src/registry/protobuf/canonical.ts';
import { parseProtoFile, PROTO_CHARS_MAX } from '../../../../src/registry/protobuf/parser.ts';
import { REFERENCE_DEPTH_MAX } from '../../../../src/registry/protobuf/schema.ts';
import { protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { RegisteredSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../../../src/registry/schemas-records.ts';
import { CONFLUENT_CANONICAL_CASES as CASES } from './confluent-canonical-cases.ts';

const none: SchemaResolver = () => undefined;

function parse(text: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none) {
  return protobufSupport.parse(text, references, resolve, { isNew: true });
}

function parsed(text: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none) {
  const out = parse(text, references, resolve);
  if (!out.ok) throw new Error(out.error.message);
  return out.schema;
}

function canonicalOf(text: string): string {
  const file = parseProtoFile(text);
  if (!file.ok) throw new Error(file.message);
  return canonicalString(file.file);
}

describe("canonical strings: Confluent's ProtobufSchemaTest expectations", () => {
  test('testEnumReserved: canonical is the input; normalized splits and sorts reserved, qualifies types', () => {
    const c = CASES.testEnumReserved;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.schemaString);
    expect(schema.normalized()).toBe(c.normalizedSchemaString);
  });

  test('testRanges: reserved and extensions ranges; normalized prints a one-number range as the number', () => {
    const c = CASES.testRanges;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonicalString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testNormalization: options, oneofs, maps, enums with aliases, services; normalized sorts and resolves', () => {
    const c = CASES.testNormalization;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.schemaString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testNormalizationWithPackagePrefix: a name relative to an enclosing package resolves', () => {
    const c = CASES.testNormalizationWithPackagePrefix;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.schemaString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testComplexCustomOptions: file options with (ext).sub names and list values', () => {
    // Its import "common/extensions.proto" is not available here, so only the printing is checked.
    expect(canonicalOf(CASES.testComplexCustomOptions.schemaString)).toBe(CASES.testComplexCustomOptions.canonicalString);
  });

  test('testComplexCustomOptions2: field options, repeated (ext).sub options; normalized merges them into one aggregate', () => {
    const c = CASES.testComplexCustomOptions2;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonicalString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testNormalizationWithExtensions: extends in nested scopes; normalized qualifies and regroups them', () => {
    const c = CASES.testNormalizationWithExtensions;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonical);
    expect(schema.normalized()).toBe(c.normalized);
    // Confluent checks ignore_extensions on its normalized schema: the same text parsed again.
    expect(parsed(c.normalized).formatted('ignore_extensions')).toBe(c.expected);
  });

  test('testNormalizationWithExtensions2: custom options of extensions declared in the same file', () => {
    const c = CASES.testNormalizationWithExtensions2;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonical);
    expect(schema.normalized()).toBe(c.normalized);
    expect(parsed(c.normalized).formatted('ignore_extensions')).toBe(c.expected);
  });

  for (const name of ['testNormalizationWithComplexCustomOptions', 'testNormalizationWithNestedComplexCustomOptions', 'testNormalizationWithRepeatedNestedCustomOptions'] as const) {
    test(`${name}: (ext).a.b settings merge by the extension message's field labels`, () => {
      const c = CASES[name];
      expect(parsed(c.schemaString).normalized()).toBe(c.normalized);
    });
  }

  test('testNestedCustomOptions: `a.b: v` keys inside an aggregate nest', () => {
    const c = CASES.testNestedCustomOptions;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonicalString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testComplexEnum: enum value options with [ext] keys; descriptor.proto types resolve without an import', () => {
    const c = CASES.testComplexEnum;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonicalString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testComplexCustomOptions3: text-format aggregates (separators, [ext] keys, repeated keys, strings)', () => {
    const c = CASES.testComplexCustomOptions3;
    const schema = parsed(c.schemaString);
    expect(schema.canonical()).toBe(c.canonicalString);
    expect(schema.normalized()).toBe(c.normalized);
  });

  test('testOptionEscape: string option values are escaped back', () => {
    const text = canonicalOf(CASES.testOptionEscape.optionSchemaString);
    for (const s of ['backslash\\\\backslash', '\\"something\\"', "\\'something\\'", 'newline\\n', 'bell\\a', 'backspace\\b', 'formFeed\\f', 'carriageReturn\\r', 'tab\\t', 'verticalTab\\v', 'https://someUrl.com']) {
      expect(text).toContain(s);
    }
  });

  // Confluent's testComplexEnum normalizes its normalized schema again and expects the same text;
  // the canonical string is what the registry stores and parses again on every restart.
  for (const [name, c] of Object.entries(CASES)) {
    const text = 'schemaString' in c ? c.schemaString : c.optionSchemaString;
    test(`${name}: canonical and normalized strings parse again to themselves`, () => {
      const schema = parsed(text.includes('common/extensions.proto') ? text.replace('import "common/extensions.proto";\n', '') : text);
      expect(parsed(schema.canonical()).canonical()).toBe(schema.canonical());
      expect(parsed(schema.normalized()).normalized()).toBe(schema.normalized());
    });
  }

  test('messages print before enums, and a proto2 syntax line is dropped only when normalized', () => {
    const schema = parsed('syntax = "proto2";\nenum E { A = 0; }\nmessage M { optional E e = 1; }\n');
    expect(schema.canonical()).toBe('syntax = "proto2";\n\nmessage M {\n  optional E e = 1;\n}\nenum E {\n  A = 0;\n}\n');
    expect(schema.normalized()).toBe('\nmessage M {\n  optional .E e = 1;\n}\nenum E {\n  A = 0;\n}\n');
  });
});

describe('well-known imports resolve without references', () => {
  const imports = [
    'google/protobuf/timestamp.proto', 'google/protobuf/duration.proto', 'google/protobuf/any.proto', 'google/protobuf/empty.proto',
    'google/protobuf/struct.proto', 'google/protobuf/wrappers.proto', 'google/protobuf/field_mask.proto', 'google/protobuf/descriptor.proto',
    'confluent/meta.proto', 'confluent/type/decimal.proto', 'google/type/date.proto', 'google/type/timeofday.proto', 'google/type/money.proto',
    'google/type/dayofweek.proto', 'google/type/latlng.proto',
  ];
  const fields = [
    'google.protobuf.Timestamp ts = 1;', 'google.protobuf.Duration d = 2;', 'google.protobuf.Any any = 3;', 'google.protobuf.Empty e = 4;',
    'google.protobuf.Struct s = 5;', 'google.protobuf.NullValue n = 6;', 'google.protobuf.StringValue sv = 7;', 'google.protobuf.FieldMask fm = 8;',
    'google.protobuf.FileDescriptorProto fd = 9;', 'confluent.type.Decimal dec = 10;', 'google.type.Date date = 11;', 'google.type.TimeOfDay tod = 12;',
    'google.type.Money money = 13;', 'google.type.DayOfWeek dow = 14;', 'google.type.LatLng ll = 15;',
  ];
  const text = `syntax = "proto3";\npackage acme;\n${imports.map((i) => `import "${i}";\n`).join('')}message Everything {\n${fields.map((f) => `  ${f}\n`).join('')}  string tagged = 16 [(confluent.field_meta).doc = "x"];\n}\n`;

  test('each file imports and its types resolve; normalized names them in full', () => {
    const schema = parsed(text);
    const normalized = schema.normalized();
    for (const full of ['.google.protobuf.Timestamp ts', '.google.protobuf.NullValue n', '.google.protobuf.FileDescriptorProto fd', '.confluent.type.Decimal dec', '.google.type.DayOfWeek dow']) {
      expect(normalized).toContain(full);
    }
  });

  test('a type of a well-known package that does not exist does not resolve', () => {
    const out = parse('syntax = "proto3";\nimport "google/type/date.proto";\nmessage M {\n  google.type.Dat d = 1;\n}\n');
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.message).toBe('Invalid schema of type PROTOBUF, details: Could not resolve type: google.type.Dat');
  });
});

describe('references to other registered schemas', () => {
  const registry = new Map<string, RegisteredSchema>([
    ['common-value/1', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\npackage acme.common;\nimport "money.proto";\nmessage Address {\n  string city = 1;\n  acme.money.Price price = 2;\n}\n', references: [{ name: 'money.proto', subject: 'money-value', version: 1 }] }],
    ['money-value/1', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\npackage acme.money;\nmessage Price {\n  int64 cents = 1;\n}\n', references: [] }],
    ['avro-value/1', { schemaType: 'AVRO', schema: '"string"', references: [] }],
  ]);
  const resolve: SchemaResolver = (subject, version) => registry.get(`${subject}/${version}`);
  const user = 'syntax = "proto3";\npackage acme.users;\nimport "common.proto";\nmessage User {\n  string name = 1;\n  acme.common.Address address = 2;\n  acme.money.Price spent = 3;\n}\n';
  const commonRef: SchemaReference = { name: 'common.proto', subject: 'common-value', version: 1 };

  test('a schema importing a registered one (which imports another) parses; its canonical string is its own', () => {
    const schema = parsed(user, [commonRef], resolve);
    expect(schema.references).toEqual([commonRef]);
    expect(schema.canonical()).toBe(user.replace('package acme.users;\n', 'package acme.users;\n\n').replace('";\nmessage', '";\n\nmessage'));
    expect(schema.normalized()).toContain('.acme.common.Address address = 2;');
    expect(schema.normalized()).toContain('.acme.money.Price spent = 3;');
  });

  test('an import without a reference is an invalid schema', () => {
    const out = parse(user);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.error.code).toBe(42201);
      expect(out.error.message).toBe('Invalid schema of type PROTOBUF, details: the schema imports "common.proto", which is neither a schema reference nor a well-known file');
    }
  });

  test("a reference to a missing version is AbstractSchemaProvider's message", () => {
    const out = parse(user, [{ ...commonRef, version: 9 }], resolve);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.message).toBe('Invalid schema of type PROTOBUF, details: No schema reference found for subject "common-value" and version 9');
  });

  test('a reference to a schema of another type is invalid', () => {
    const out = parse('syntax = "proto3";\nimport "a.proto";\nmessage M { string s = 1; }\n', [{ name: 'a.proto', subject: 'avro-value', version: 1 }], resolve);
    expect(out.ok).toBe(false);
  });

  test('references of references end at REFERENCE_DEPTH_MAX, and a cycle ends', () => {
    const chain: SchemaResolver = (subject, version) => ({
      schemaType: 'PROTOBUF', schema: `syntax = "proto3";\nmessage M${version} { string s = 1; }\n`, references: [{ name: `f${version + 1}.proto`, subject, version: version + 1 }],
    });
    const out = parse('syntax = "proto3";\nmessage Top { string s = 1; }\n', [{ name: 'f1.proto', subject: 'chain', version: 1 }], chain);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.message).toContain(`references nested deeper than ${REFERENCE_DEPTH_MAX}`);
    const cycle: SchemaResolver = () => ({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage Loop { string s = 1; }\n', references: [{ name: 'loop.proto', subject: 'loop', version: 1 }] });
    expect(parse('syntax = "proto3";\nimport "loop.proto";\nmessage Top { Loop l = 1; }\n', [{ name: 'loop.proto', subject: 'loop', version: 1 }], cycle).ok).toBe(true);
  });
});

describe('invalid schemas are 42201 values, never throws', () => {
  const cases: [string, string][] = [
    ['a missing semicolon', 'syntax = "proto3";\nmessage M {\n  string s = 1\n}\n'],
    ['an unterminated string', 'syntax = "proto3;\n'],
    ['an unterminated comment', 'syntax = "proto3";\n/* no end\nmessage M {}\n'],
    ['an unknown top-level word', 'syntax = "proto3";\nmesage M {}\n'],
    ['an unknown syntax', 'syntax = "proto4";\n'],
    ['a field number of 0', 'syntax = "proto3";\nmessage M { string s = 0; }\n'],
    ['a field number above 2^29 - 1', 'syntax = "proto3";\nmessage M { string s = 536870912; }\n'],
    ['an unclosed message', 'syntax = "proto3";\nmessage M { string s = 1;\n'],
    ['a proto2 group (not supported)', 'syntax = "proto2";\nmessage M { optional group G = 1 { optional int32 a = 2; } }\n'],
    ['an unresolvable type', 'syntax = "proto3";\nmessage TestBadMessage {\n  bad.Message test_bad_message = 1;\n}\n'],
    ['JSON instead of .proto', '{"type": "record", "name": "r", "fields": []}'],
    ['an empty aggregate key', 'syntax = "proto3";\noption (x) = { : 1 };\n'],
  ];
  for (const [name, text] of cases) {
    test(name, () => {
      const out = parse(text);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.error.code).toBe(42201);
        expect(out.error.message.startsWith('Invalid schema of type PROTOBUF, details: ')).toBe(true);
      }
    });
  }

  test("an unresolvable type is Confluent's 'Could not resolve type' (ProtobufSchemaUtils.resolve)", () => {
    const out = parse('syntax = "proto3";\nmessage TestBadMessage {\n  bad.Message test_bad_message = 1;\n}\n');
    if (out.ok) throw new Error('parsed');
    expect(out.error.message).toBe('Invalid schema of type PROTOBUF, details: Could not resolve type: bad.Message');
  });

  test('a text longer than PROTO_CHARS_MAX is refused before parsing', () => {
    const out = parse(`syntax = "proto3";\n${' '.repeat(PROTO_CHARS_MAX)}`);
    expect(out.ok).toBe(false);
  });

  test('messages nested deeper than the limit are refused, not a stack overflow', () => {
    const deep = `${'message M { '.repeat(100)}${'} '.repeat(100)}`;
    expect(parse(deep).ok).toBe(false);
  });
});

describe('formatted output', () => {
  const text = 'syntax = "proto3";\nimport "confluent/meta.proto";\noption (acme.opt) = 1;\noption (confluent.file_meta).doc = "d";\nmessage M {\n  string s = 1 [(acme.f) = true];\n  extensions 100 to 200;\n}\n';
  const file = parsed(text);

  test('"default" and "" are the canonical string; an unknown format is undefined', () => {
    expect(file.formatted('default')).toBe(file.canonical());
    expect(file.formatted('')).toBe(file.canonical());
    expect(file.formatted('resolved')).toBeUndefined();
  });

  test('"serialized" is a base64 FileDescriptorProto (descriptor-serialized.test.ts has the details)', () => {
    expect(file.formatted('serialized')).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
  });

  test('"ignore_extensions" drops custom options (but confluent.*) and extension ranges', () => {
    expect(file.formatted('ignore_extensions')).toBe('syntax = "proto3";\n\nimport "confluent/meta.proto";\n\noption (confluent.file_meta).doc = "d";\n\nmessage M {\n  string s = 1;\n}\n');
  });
});
