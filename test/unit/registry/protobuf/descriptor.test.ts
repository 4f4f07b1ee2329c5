// Protobuf schemas written as base64 FileDescriptorProtos (what confluent-kafka's
// ProtobufSerializer registers) and format=serialized (what its deserializer asks for).
// Expected strings follow Confluent's ProtobufSchema.toProtoFile(FileDescriptorProto) rule by
// rule (proto3's LABEL_OPTIONAL is no label, type names as the descriptor writes them, map
// entries kept as nested messages with map_entry = true: ProtobufSchemaTest.testMapToProtobuf);
// descriptors come from Python's protobuf runtime (captured) and from protobufjs, not from us.

import { describe, expect, test } from 'bun:test';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor';
import descriptorJson from 'protobufjs/google/protobuf/descriptor.json' with { type: 'json' };
import { DESCRIPTOR_ELEMENTS_MAX } from '../../../../src/registry/protobuf/descriptor.ts';
import { NESTING_DEPTH_MAX } from '../../../../src/registry/protobuf/tokens.ts';
import { protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { ParsedSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../../../src/registry/schemas-records.ts';

const none: SchemaResolver = () => undefined;

function parse(text: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none) {
  return protobufSupport.parse(text, references, resolve, { isNew: true });
}

function parsed(text: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none): ParsedSchema {
  const out = parse(text, references, resolve);
  if (!out.ok) throw new Error(out.error.message);
  return out.schema;
}

// protobufjs's own descriptor types, independent of the code under test.
const FDP = protobuf.Root.fromJSON(descriptorJson as protobuf.INamespace).lookupType('google.protobuf.FileDescriptorProto');
const encode = (file: Record<string, unknown>): string => Buffer.from(FDP.encode(FDP.fromObject(file)).finish()).toString('base64');

/** The .proto text compiled to a FileDescriptorProto by protobufjs (ext/descriptor). */
function protobufjsDescriptor(text: string): string {
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto3');
  const FDS = (protobuf as unknown as { descriptor: { FileDescriptorSet: protobuf.Type } }).descriptor.FileDescriptorSet;
  const file = (FDS.toObject(set) as { file: Record<string, unknown>[] }).file[0] as Record<string, unknown>;
  return encode(file);
}

/**
 * Captured from confluent-kafka 2.x's ProtobufSerializer (protobuf 7.36, upb) in
 * test/integration/py/registry_serde.py: the body of its POST for freshet.test.Reading, i.e.
 * base64 of FileDescriptor.serialized_pb for "freshet/test/reading.proto" importing
 * google/protobuf/timestamp.proto (also the text our registry refused before this support).
 */
const PYTHON_READING =
  'ChpmcmVzaGV0L3Rlc3QvcmVhZGluZy5wcm90bxIMZnJlc2hldC50ZXN0Gh9nb29nbGUvcHJvdG9idWYvdGltZXN0YW1wLnByb3RvIlAKB1JlYWRpbmcSDgoGc2Vuc29yGAEgASgJ' +
  'Eg0KBXZhbHVlGAIgASgBEiYKAmF0GAMgASgLMhouZ29vZ2xlLnByb3RvYnVmLlRpbWVzdGFtcGIGcHJvdG8z';

describe('base64 FileDescriptorProto -> the element tree (ProtobufSchema.toProtoFile)', () => {
  test("Python's serializer: Reading with a Timestamp; proto3 labels dropped, the type name as written", () => {
    expect(parsed(PYTHON_READING).canonical()).toBe(
      'syntax = "proto3";\npackage freshet.test;\n\nimport "google/protobuf/timestamp.proto";\n\n' +
        'message Reading {\n  string sensor = 1;\n  double value = 2;\n  .google.protobuf.Timestamp at = 3;\n}\n',
    );
  });

  test('protobufjs: a map stays an entry message, a real oneof is kept, a synthetic one vanishes', () => {
    const b64 = protobufjsDescriptor(`syntax = "proto3";
package demo;
message Order {
  string id = 1;
  map<string, int32> counts = 2;
  Status status = 3;
  oneof pay { string card = 4; int64 cash = 5; }
  optional int32 n = 6;
  Line line = 7;
  message Line { string sku = 1; }
}
enum Status { NEW = 0; DONE = 1; }
`);
    // protobufjs names the entry "Counts" and writes names relative; both kept as written.
    expect(parsed(b64).canonical()).toBe(`syntax = "proto3";
package demo;

message Order {
  string id = 1;
  repeated Counts counts = 2;
  Status status = 3;
  optional int32 n = 6;
  Line line = 7;

  oneof pay {
    string card = 4;
    int64 cash = 5;
  }

  message Counts {
    option map_entry = true;
  
    string key = 1;
    int32 value = 2;
  }
  message Line {
    string sku = 1;
  }
}
enum Status {
  NEW = 0;
  DONE = 1;
}
`);
  });

  test('proto2: labels, defaults, json_name, packed/deprecated options, ranges end exclusive, extends, services', () => {
    const b64 = encode({
      name: 'x.proto', package: 'p', dependency: ['google/protobuf/empty.proto'], syntax: 'proto2',
      options: { javaPackage: 'com.p', optimizeFor: 'SPEED', javaMultipleFiles: true },
      messageType: [{
        name: 'M',
        field: [
          { name: 'a', number: 1, label: 'LABEL_REQUIRED', type: 'TYPE_STRING', defaultValue: 'hi', jsonName: 'A' },
          { name: 'b', number: 2, label: 'LABEL_REPEATED', type: 'TYPE_INT32', options: { packed: true, deprecated: true } },
          { name: 'c', number: 3, label: 'LABEL_OPTIONAL', type: 'TYPE_ENUM', typeName: '.p.E', defaultValue: 'TWO' },
        ],
        extensionRange: [{ start: 100, end: 200 }],
        reservedRange: [{ start: 5, end: 6 }, { start: 8, end: 11 }],
        reservedName: ['old'],
      }],
      enumType: [{ name: 'E', value: [{ name: 'ONE', number: 1 }, { name: 'TWO', number: 2, options: { deprecated: true } }], reservedRange: [{ start: 7, end: 9 }] }],
      extension: [{ name: 'ext', number: 100, label: 'LABEL_OPTIONAL', type: 'TYPE_INT64', extendee: '.p.M' }],
      service: [{ name: 'S', method: [{ name: 'Ping', inputType: '.google.protobuf.Empty', outputType: '.p.M', serverStreaming: true }] }],
    });
    expect(parsed(b64).canonical()).toBe(`syntax = "proto2";
package p;

import "google/protobuf/empty.proto";

option java_package = "com.p";
option java_multiple_files = true;
option optimize_for = SPEED;

message M {
  reserved 5;
  reserved 8 to 10;
  reserved "old";

  required string a = 1 [
    default = "hi",
    json_name = "A"
  ];
  repeated int32 b = 2 [
    packed = true,
    deprecated = true
  ];
  optional .p.E c = 3 [default = TWO];

  extensions 100 to 199;
}
enum E {
  reserved 7 to 9;
  ONE = 1;
  TWO = 2 [deprecated = true];
}

extend .p.M {
  optional int64 ext = 100;
}

service S {
  rpc Ping (.google.protobuf.Empty) returns (stream .p.M);
}
`);
  });

  test('a public import is kept apart, a weak one is not printed (Wire keeps it apart, toString skips it); no package and no syntax stay absent', () => {
    const b64 = encode({
      name: 'y.proto', dependency: ['google/protobuf/empty.proto', 'google/protobuf/timestamp.proto', 'google/protobuf/duration.proto'],
      publicDependency: [1], weakDependency: [2], messageType: [{ name: 'N' }],
    });
    expect(parsed(b64).canonical()).toBe('\nimport "google/protobuf/empty.proto";\nimport public "google/protobuf/timestamp.proto";\n\nmessage N {}\n');
  });

  test('a reference registered as base64 (as the Python serializer registers dependencies) resolves', () => {
    const dep = encode({ name: 'dep.proto', package: 'd', syntax: 'proto3', messageType: [{ name: 'D', field: [{ name: 'x', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_INT32' }] }] });
    const refs = [{ name: 'dep.proto', subject: 'dep', version: 1 }];
    const resolve: SchemaResolver = (s, v) => (s === 'dep' && v === 1 ? { schemaType: 'PROTOBUF', schema: dep, references: [] } : undefined);
    const main = encode({ name: 'main.proto', syntax: 'proto3', dependency: ['dep.proto'], messageType: [{ name: 'U', field: [{ name: 'd', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_MESSAGE', typeName: '.d.D' }] }] });
    expect(parse(main, refs, resolve).ok).toBe(true);
    // Without the reference, the type is not resolved: 42201 as for text.
    const missing = parse(main);
    expect(missing.ok ? 0 : missing.error.code).toBe(42201);
  });
});

describe('malformed input: 42201 values, never a throw', () => {
  const rejected = (text: string): string => {
    const out = parse(text);
    if (out.ok) throw new Error(`accepted: ${text.slice(0, 60)}`);
    expect(out.error.code).toBe(42201);
    return out.error.message;
  };

  test('neither .proto text nor base64: the text parser error, as Confluent reports it', () => {
    expect(rejected('message { nope')).toContain('Invalid schema of type PROTOBUF');
  });

  test('base64 of bytes that are not a FileDescriptorProto; a truncated descriptor', () => {
    rejected('abcd'); // 0x69 0xb7 0x1d: field 13, fixed64, three bytes short
    rejected(PYTHON_READING.slice(0, 40));
    rejected('ChBB'); // 0x0a 0x10 0x41: field 1 (name), 16 bytes long, one present
  });

  test('a descriptor whose names would not print as .proto text', () => {
    rejected(encode({ name: 'z.proto', messageType: [{ name: 'has space' }] }));
    rejected(encode({ name: 'z.proto', dependency: ['a"b.proto'], messageType: [{ name: 'M' }] }));
    rejected(encode({ name: 'z.proto', messageType: [{ name: 'M', field: [{ name: 'f', number: 1, type: 'TYPE_MESSAGE', typeName: 'a..b' }] }] }));
  });

  test('a field naming a oneof that is not declared; a type that does not resolve', () => {
    rejected(encode({ name: 'z.proto', messageType: [{ name: 'M', field: [{ name: 'f', number: 1, type: 'TYPE_INT32', oneofIndex: 3 }] }] }));
    expect(rejected(encode({ name: 'z.proto', messageType: [{ name: 'M', field: [{ name: 'f', number: 1, type: 'TYPE_MESSAGE', typeName: '.nowhere.X' }] }] }))).toContain(
      'Could not resolve type: .nowhere.X',
    );
  });

  test(`messages nested deeper than ${NESTING_DEPTH_MAX}; more than ${DESCRIPTOR_ELEMENTS_MAX} elements`, () => {
    let deep: Record<string, unknown> = { name: 'M' };
    for (let i = 0; i < NESTING_DEPTH_MAX; i++) deep = { name: 'M', nestedType: [deep] };
    expect(rejected(encode({ name: 'z.proto', messageType: [deep] }))).toContain(`nested deeper than ${NESTING_DEPTH_MAX}`);
    // Empty ranges: two bytes each, so the descriptor stays within the text length limit.
    const ranges = Array.from({ length: DESCRIPTOR_ELEMENTS_MAX + 1 }, () => ({}));
    expect(rejected(encode({ name: 'z.proto', messageType: [{ name: 'M', reservedRange: ranges }] }))).toContain(`more than ${DESCRIPTOR_ELEMENTS_MAX} elements`);
  });
});
