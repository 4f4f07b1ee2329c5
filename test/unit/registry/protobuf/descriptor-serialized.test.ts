// format=serialized: a schema's FileDescriptorProto, base64, as Confluent's
// ProtobufSchema.formattedString("serialized") builds it (toDynamicSchema) and confluent-kafka's
// deserializer reads it (a DescriptorPool that holds the well-known files, the file named
// "default"). The descriptors are read back with protobufjs's own descriptor types, not ours.
// Round trips as Confluent's ProtobufSchemaTest asserts them: testFileDescriptorProto (the
// schema read from a descriptor is BACKWARD compatible with the original, and a second trip
// changes nothing), testGoogleDescriptor (normalized strings equal), testMapToProtobuf (a map
// comes back as its entry message).

import { describe, expect, test } from 'bun:test';
import protobuf from 'protobufjs';
import descriptorJson from 'protobufjs/google/protobuf/descriptor.json' with { type: 'json' };
import { registryFetch } from '../../../../src/registry/http/app.ts';
import { mapEntryName } from '../../../../src/registry/protobuf/descriptor-build.ts';
import { checkProtobufCompatibility, protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { ParsedSchema } from '../../../../src/registry/schema-types.ts';
import { newRegistry } from '../http-client.ts';

function parsed(text: string): ParsedSchema {
  const out = protobufSupport.parse(text, [], () => undefined, { isNew: true });
  if (!out.ok) throw new Error(out.error.message);
  return out.schema;
}

function serialized(schema: ParsedSchema): string {
  const s = schema.formatted('serialized');
  if (s === undefined) throw new Error('no serialized format');
  return s;
}

const FDP = protobuf.Root.fromJSON(descriptorJson as protobuf.INamespace).lookupType('google.protobuf.FileDescriptorProto');
// Descriptor objects are read loosely (any): the assertions give their shape.
const decode = (b64: string): any => FDP.toObject(FDP.decode(Buffer.from(b64, 'base64')), { enums: String, defaults: false });

const PYTHON_READING =
  'ChpmcmVzaGV0L3Rlc3QvcmVhZGluZy5wcm90bxIMZnJlc2hldC50ZXN0Gh9nb29nbGUvcHJvdG9idWYvdGltZXN0YW1wLnByb3RvIlAKB1JlYWRpbmcSDgoGc2Vuc29yGAEgASgJ' +
  'Eg0KBXZhbHVlGAIgASgBEiYKAmF0GAMgASgLMhouZ29vZ2xlLnByb3RvYnVmLlRpbWVzdGFtcGIGcHJvdG8z';

describe('the element tree -> FileDescriptorProto (toDynamicSchema)', () => {
  test("Python's Reading comes back as Python wrote it, under Confluent's file name \"default\"", () => {
    const original = decode(PYTHON_READING);
    expect(decode(serialized(parsed(PYTHON_READING)))).toEqual({ ...original, name: 'default' });
  });

  test('testMapToProtobuf: a map field is a repeated entry message, appended after declared nested types', () => {
    const d = decode(serialized(parsed(`syntax = "proto3";
package p;
message TestMap {
  map<string, Inner> test_map = 1;
  message Inner { int32 x = 1; }
}
`)));
    const m = d.messageType[0];
    expect(m.field).toEqual([{ name: 'test_map', number: 1, label: 'LABEL_REPEATED', type: 'TYPE_MESSAGE', typeName: '.p.TestMap.TestMapEntry' }]);
    expect(m.nestedType.map((n: { name: string }) => n.name)).toEqual(['Inner', 'TestMapEntry']);
    expect(m.nestedType[1]).toEqual({
      name: 'TestMapEntry',
      field: [
        { name: 'key', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING' },
        { name: 'value', number: 2, label: 'LABEL_OPTIONAL', type: 'TYPE_MESSAGE', typeName: '.p.TestMap.Inner' },
      ],
      options: { mapEntry: true },
    });
  });

  test("read back, the map is ProtobufSchemaTest's mapEntrySchema (names qualified, as protoc writes them)", () => {
    const mapSchemaString = 'syntax = "proto3";\n\noption java_package = "io.confluent.kafka.serializers.protobuf.test";\n' +
      'option java_outer_classname = "TestMapProtos";\n\nimport "google/protobuf/descriptor.proto";\n\n' +
      'message TestMap {\n    map<string, string> test_map = 1;\n}\n';
    const mapEntrySchemaString = 'syntax = "proto3";\n\nimport "google/protobuf/descriptor.proto";\n\n' +
      'option java_package = "io.confluent.kafka.serializers.protobuf.test";\noption java_outer_classname = "TestMapProtos";\n\n' +
      'message TestMap {\n  repeated .TestMap.TestMapEntry test_map = 1;\n\n  message TestMapEntry {\n    option map_entry = true;\n  \n' +
      '    string key = 1;\n    string value = 2;\n  }\n}\n';
    expect(parsed(serialized(parsed(mapSchemaString))).canonical()).toBe(parsed(mapEntrySchemaString).canonical());
  });

  test('oneofs: real ones first with oneof_index; proto3 optional gets a synthetic oneof "_name" after them', () => {
    const m = decode(serialized(parsed('syntax = "proto3";\nmessage M {\n  optional int32 n = 1;\n  oneof pick {\n    string s = 2;\n    M m = 3;\n  }\n}\n'))).messageType[0];
    expect(m.oneofDecl).toEqual([{ name: 'pick' }, { name: '_n' }]);
    expect(m.field).toEqual([
      { name: 's', number: 2, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING', oneofIndex: 0 },
      { name: 'm', number: 3, label: 'LABEL_OPTIONAL', type: 'TYPE_MESSAGE', typeName: '.M', oneofIndex: 0 },
      { name: 'n', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_INT32', oneofIndex: 1, proto3Optional: true },
    ]);
  });

  test('json_name only when written; enums by kind; ranges: messages end exclusive, enums inclusive; services qualified', () => {
    const d = decode(serialized(parsed(`syntax = "proto2";
package q;
import "google/protobuf/empty.proto";
message M {
  reserved 2, 4 to 6, 10 to max;
  reserved "gone";
  optional string a = 1 [json_name = "AA"];
  optional E e = 3 [default = Y];
  extensions 100 to 199;
}
enum E { reserved 5 to 7; X = 1; Y = 2; }
service S { rpc Do (google.protobuf.Empty) returns (stream M); }
`)));
    const m = d.messageType[0];
    expect(m.field).toEqual([
      { name: 'a', number: 1, label: 'LABEL_OPTIONAL', type: 'TYPE_STRING', jsonName: 'AA' },
      { name: 'e', number: 3, label: 'LABEL_OPTIONAL', type: 'TYPE_ENUM', typeName: '.q.E', defaultValue: 'Y' },
    ]);
    expect(m.reservedRange).toEqual([{ start: 2, end: 3 }, { start: 4, end: 7 }, { start: 10, end: 536_870_912 }]);
    expect(m.reservedName).toEqual(['gone']);
    expect(m.extensionRange).toEqual([{ start: 100, end: 200 }]);
    expect(d.enumType[0].reservedRange).toEqual([{ start: 5, end: 7 }]);
    expect(d.service[0].method[0]).toEqual({ name: 'Do', inputType: '.google.protobuf.Empty', outputType: '.q.M', serverStreaming: true });
    expect(d.dependency).toEqual(['google/protobuf/empty.proto']);
    expect(d.syntax).toBe('proto2');
  });

  test("protoc's map entry names (descriptor.cc MapEntryName)", () => {
    expect(['tags', 'test_map', 'fooBar', 'a_b_c', 'x1_y'].map(mapEntryName)).toEqual(['TagsEntry', 'TestMapEntry', 'FooBarEntry', 'ABCEntry', 'X1YEntry']);
  });
});

/** Written as a descriptor reads back (names qualified, maps as entry messages, reserved one per
 *  statement, options in Confluent's order): each must survive text -> descriptor -> text. */
const DESCRIPTOR_FORM: Readonly<Record<string, string>> = {
  scalars: 'syntax = "proto3";\npackage a;\n\nmessage S {\n  double d = 1;\n  repeated int64 xs = 2 [packed = false];\n  bytes b = 3 [json_name = "bee"];\n  string s = 4 [deprecated = true];\n}\n',
  oneofs: 'syntax = "proto3";\npackage a;\n\nmessage O {\n  optional int32 n = 1;\n\n  oneof pick {\n    string s = 2;\n    .a.O o = 3;\n  }\n}\n',
  nested: 'syntax = "proto3";\npackage a.b;\n\nmessage N {\n  .a.b.N.Inner inner = 1;\n  .a.b.N.Kind kind = 2;\n\n  message Inner {\n    repeated .a.b.N.Inner children = 1;\n  }\n  enum Kind {\n    K0 = 0;\n    K1 = 1;\n  }\n}\n',
  maps: 'syntax = "proto3";\npackage m;\n\nmessage WithMap {\n  repeated .m.WithMap.TagsEntry tags = 1;\n\n  message TagsEntry {\n    option map_entry = true;\n  \n    string key = 1;\n    .m.WithMap value = 2;\n  }\n}\n',
  enums: 'syntax = "proto3";\n\nenum E {\n  reserved 5 to 9;\n  reserved "OLD";\n  option allow_alias = true;\n  A = 0;\n  B = 1;\n  C = 1 [deprecated = true];\n}\n',
  proto2: 'syntax = "proto2";\npackage two;\n\noption java_package = "x.two";\noption optimize_for = CODE_SIZE;\n\nmessage P {\n  reserved 3;\n  reserved 7 to 9;\n\n  required string id = 1 [default = "none"];\n  optional .two.P.Color c = 2 [default = RED];\n  optional float f = 4 [default = 1.5];\n\n  extensions 100 to 199;\n\n  enum Color {\n    RED = 1;\n    BLUE = 2;\n  }\n}\n\nextend .two.P {\n  optional int32 more = 100;\n}\n',
  services: 'syntax = "proto3";\npackage svc;\n\nimport "google/protobuf/empty.proto";\n\nmessage Req {\n  string q = 1;\n}\n\nservice Search {\n  option deprecated = true;\n\n  rpc Find (.svc.Req) returns (stream .svc.Req);\n  rpc Ping (stream .google.protobuf.Empty) returns (.google.protobuf.Empty) {\n    option idempotency_level = NO_SIDE_EFFECTS;\n  };\n}\n',
  imports: 'syntax = "proto3";\npackage imp;\n\nimport "google/protobuf/timestamp.proto";\nimport public "google/protobuf/duration.proto";\n\nmessage T {\n  .google.protobuf.Timestamp at = 1;\n  .google.protobuf.Duration took = 2;\n}\n',
};

describe('round trips', () => {
  for (const [name, text] of Object.entries(DESCRIPTOR_FORM)) {
    test(`${name}: text -> descriptor -> text keeps the canonical string; a second trip keeps the bytes`, () => {
      const schema = parsed(text);
      expect(schema.canonical()).toBe(text);
      const once = serialized(schema);
      const back = parsed(once);
      expect(back.canonical()).toBe(text);
      expect(serialized(back)).toBe(once);
    });
  }

  // As people write them (relative names, reserved lists): the descriptor's reading differs in
  // spelling only, so normalized strings agree and each reads the other (BACKWARD both ways).
  const WRITTEN: readonly string[] = [
    'syntax = "proto3";\npackage w;\nmessage A { B b = 1; repeated C cs = 2; oneof o { string s = 3; int32 i = 4; } message B { C c = 1; } }\nenum C { C0 = 0; C1 = 1; }\n',
    'syntax = "proto2";\npackage w2;\nimport "google/protobuf/timestamp.proto";\nmessage P { required google.protobuf.Timestamp at = 1; optional E e = 2 [default = E2]; reserved 5, 6, 8 to 9; enum E { E1 = 1; E2 = 2; } }\n',
  ];
  for (const [i, text] of WRITTEN.entries()) {
    test(`as written #${i + 1}: normalized strings equal (testGoogleDescriptor); compatible both ways (testFileDescriptorProto)`, () => {
      const original = parsed(text);
      const fromDescriptor = parsed(serialized(original));
      expect(fromDescriptor.normalized()).toBe(original.normalized());
      expect(checkProtobufCompatibility('BACKWARD', fromDescriptor, [original])).toEqual({ compatible: true, messages: [] });
      expect(checkProtobufCompatibility('BACKWARD', original, [fromDescriptor])).toEqual({ compatible: true, messages: [] });
    });
  }
});

describe('HTTP: format on GET /schemas/ids/{id} and GET /subjects/{s}/versions/{v} (SubjectVersionsResource)', () => {
  test('a schema registered as base64 is stored as text; format=serialized answers base64; unknown formats answer the schema', async () => {
    const r = newRegistry();
    const reg = await r.call('POST', '/subjects/reading-value/versions', { body: { schemaType: 'PROTOBUF', schema: PYTHON_READING } });
    expect(reg.status).toBe(200);
    const stored = await r.call('GET', '/subjects/reading-value/versions/1');
    expect(stored.body.schema).toBe(parsed(PYTHON_READING).canonical());
    const expected = { ...decode(PYTHON_READING), name: 'default' };
    const byVersion = await r.call('GET', '/subjects/reading-value/versions/1?format=serialized');
    expect(decode(byVersion.body.schema)).toEqual(expected);
    expect(byVersion.body.schemaType).toBe('PROTOBUF');
    const byId = await r.call('GET', `/schemas/ids/${reg.body.id}?format=serialized`);
    expect(byId.body.schema).toBe(byVersion.body.schema);
    // getSchemaOnly answers the bare string, which the spec check (JSON bodies) would refuse:
    // asked of the handler directly.
    const raw = await registryFetch(r.backend, {})(new Request('http://localhost:8081/subjects/reading-value/versions/latest/schema?format=serialized'));
    expect(await raw.text()).toBe(byVersion.body.schema);
    // ProtobufSchema.formattedString: an unknown format answers canonicalString(); a blank one too.
    expect((await r.call('GET', '/subjects/reading-value/versions/1?format=nonsense')).body.schema).toBe(stored.body.schema);
    expect((await r.call('GET', '/subjects/reading-value/versions/1?format=%20')).body.schema).toBe(stored.body.schema);
    // Registering the same descriptor again finds the same schema.
    expect((await r.call('POST', '/subjects/reading-value', { body: { schemaType: 'PROTOBUF', schema: PYTHON_READING } })).body.id).toBe(reg.body.id);
  });
});
