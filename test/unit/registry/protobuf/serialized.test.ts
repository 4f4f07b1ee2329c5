// formatted("serialized"): the base64 FileDescriptorProto. Confluent's own test of it
// (ProtobufSchemaTest.testFileDescriptorProto) only round-trips through its parser, so here the
// descriptor must describe the same wire format as the text: a message encoded with the type
// protobufjs builds from the .proto text decodes the same with the type built from our descriptor.

import { describe, expect, test } from 'bun:test';
import protobuf from 'protobufjs';
import * as descriptor from 'protobufjs/ext/descriptor';
import { mapEntryName } from '../../../../src/registry/protobuf/descriptor-build.ts';
import { protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { SchemaResolver } from '../../../../src/registry/schema-types.ts';

const FileDescriptorProto = descriptor.FileDescriptorProto as unknown as protobuf.Type;

function decode(text: string, resolve: SchemaResolver = () => undefined, references = [] as { name: string; subject: string; version: number }[]) {
  const parsed = protobufSupport.parse(text, references, resolve, { isNew: true });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const b64 = parsed.schema.formatted('serialized');
  if (b64 === undefined) throw new Error('no serialized form');
  const bytes = protobuf.util.newBuffer(protobuf.util.base64.length(b64));
  protobuf.util.base64.decode(b64, bytes, 0);
  return FileDescriptorProto.decode(bytes);
}

const ORDER = `syntax = "proto3";
package acme.orders;
option java_package = "com.acme";
message Order {
  string id = 1;
  repeated int64 quantities = 2 [packed = true];
  map<string, Line> lines = 3;
  Status status = 4;
  optional string note = 5;
  oneof payment { string card = 6; int32 voucher = 7; }
  message Line { string sku = 1; sint32 count = 2; fixed64 cents = 3; }
  enum Status { UNKNOWN = 0; PAID = 1; }
}
`;

describe('formatted("serialized")', () => {
  test('describes the same wire format as the text', () => {
    const fromDescriptor = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor({ file: [decode(ORDER)] });
    const fromText = protobuf.parse(ORDER, { keepCase: true }).root;
    const a = fromDescriptor.lookupType('acme.orders.Order');
    const b = fromText.lookupType('acme.orders.Order');
    const value = { id: 'o-1', quantities: [1, 2, 300], lines: { first: { sku: 's', count: -3, cents: 150 } }, status: 1, note: 'n', voucher: 9 };
    const bytes = b.encode(b.fromObject(value)).finish();
    const opts = { longs: String, enums: String, oneofs: true };
    expect(a.toObject(a.decode(bytes), opts)).toEqual(b.toObject(b.decode(bytes), opts));
    expect(a.toObject(a.decode(bytes), opts)).toMatchObject({ id: 'o-1', status: 'PAID', voucher: 9, payment: 'voucher' });
  });

  test("names the file as DynamicSchema does, keeps package, syntax, options and imports", () => {
    const file = FileDescriptorProto.toObject(decode('syntax = "proto3";\npackage acme;\nimport "google/protobuf/timestamp.proto";\noption java_multiple_files = true;\nmessage M { google.protobuf.Timestamp at = 1; }\n')) as Record<string, unknown>;
    expect(file).toMatchObject({ name: 'default', package: 'acme', syntax: 'proto3', dependency: ['google/protobuf/timestamp.proto'], options: { javaMultipleFiles: true } });
    const message = (file.messageType as Record<string, unknown>[])[0] as { field: Record<string, unknown>[] };
    expect(message.field[0]).toMatchObject({ name: 'at', number: 1, type: 11, typeName: '.google.protobuf.Timestamp' });
  });

  test('a map field is a repeated synthetic entry message, named as protoc names it', () => {
    expect(mapEntryName('lines')).toBe('LinesEntry');
    // descriptor.cc MapEntryName: a letter after '_' is capitalised, one after a digit is not.
    expect(mapEntryName('test_map_2x')).toBe('TestMap2xEntry');
    const file = FileDescriptorProto.toObject(decode(ORDER), { enums: String }) as { messageType: { nestedType: { name: string; options?: unknown }[] }[] };
    // Entry messages follow the declared nested types (Confluent's toDynamicSchema appends them).
    expect(file.messageType[0]?.nestedType.find((t) => t.name === 'LinesEntry')).toMatchObject({ name: 'LinesEntry', options: { mapEntry: true } });
  });

  test('a referenced file is a dependency under its import name', () => {
    const resolve: SchemaResolver = () => ({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\npackage acme.common;\nmessage Money { int64 cents = 1; }\n', references: [] });
    const file = FileDescriptorProto.toObject(decode('syntax = "proto3";\nimport "money.proto";\nmessage Price { acme.common.Money amount = 1; }\n', resolve, [{ name: 'money.proto', subject: 'money', version: 1 }])) as Record<string, unknown>;
    expect(file.dependency).toEqual(['money.proto']);
  });
});
