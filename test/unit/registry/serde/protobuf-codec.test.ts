// The Protobuf codec against expectations from the protobuf spec and Confluent's code, not from
// its own output: wire bytes computed by hand from the encoding spec (protobuf.dev
// "Encoding": varints, tags (field << 3 | wire type), packed repeated, zigzag; 150 -> 96 01 is
// the spec's own example), message indexes from Confluent's MessageIndexes (a zigzag varint
// count, then zigzag varint indexes; [0] as one 0 byte), JSON as JsonFormat reads and prints it
// (ProtobufSchemaUtils: parser(), printer().includingDefaultValueFields()).

import { describe, expect, test } from 'bun:test';
import type { CodecSchema, SchemaCodec } from '../../../../src/registry/serde/codec.ts';
import { MESSAGE_INDEXES_MAX, readMessageIndexes, writeMessageIndexes } from '../../../../src/registry/serde/message-indexes.ts';
import { PROTOBUF_PAYLOAD_BYTES_MAX, protobufCodec } from '../../../../src/registry/serde/protobuf-codec.ts';
import { JSON_DEPTH_MAX } from '../../../../src/registry/serde/protobuf-json.ts';
import { protobufSupport } from '../../../../src/registry/protobuf/support.ts';
import type { RegisteredSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../../../src/registry/schemas-records.ts';

const ORDER = `syntax = "proto3";
package test.v1;

message Order {
  int32 id = 1;
  string name = 2;
  int64 total = 3;
  repeated int32 tags = 4;
  Status status = 5;
  bytes blob = 6;
  Line line = 7;
  float ratio = 8;
  optional int32 maybe = 9;
  oneof pick {
    string text = 10;
    int32 number = 11;
  }
  map<string, int32> counts = 12;
  string user_name = 13;
  uint64 big = 14;

  message Line {
    string sku = 1;
    uint32 qty = 2;
    message Detail { bool gift = 1; }
  }
  enum Status {
    NEW = 0;
    PAID = 1;
  }
}

message Other {
  bool flag = 1;
}
`;

const none: SchemaResolver = () => undefined;

function codecOf(schema: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none): SchemaCodec {
  const built = protobufCodec({ schemaType: 'PROTOBUF', schema, references }, resolve);
  if (!built.ok) throw new Error(built.message);
  return built.value;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function encoded(codec: SchemaCodec, value: unknown): string {
  const out = codec.encode(value);
  if (!out.ok) throw new Error(out.message);
  return hex(out.value);
}

function decoded(codec: SchemaCodec, payloadHex: string): unknown {
  const out = codec.decode(bytesOf(payloadHex));
  if (!out.ok) throw new Error(out.message);
  return out.value;
}

/** Every field of Order at its default, as includingDefaultValueFields prints it: scalars,
 *  repeated and maps printed; the unset message field, oneof and proto3 optional left out. */
const ORDER_DEFAULTS = { id: 0, name: '', total: '0', tags: [], status: 'NEW', blob: '', ratio: 0, counts: {}, userName: '', big: '0' };

describe('message indexes (Confluent MessageIndexes)', () => {
  test('[0] is the single byte 0; other lists are a zigzag count and zigzag indexes', () => {
    expect(hex(writeMessageIndexes([0]))).toBe('00');
    // count 2 -> zigzag 4; 1 -> 2; 0 -> 0
    expect(hex(writeMessageIndexes([1, 0]))).toBe('040200');
    // count 1 -> 2; 64 -> zigzag 128 -> varint 80 01
    expect(hex(writeMessageIndexes([64]))).toBe('028001');
  });

  test('a count of 0 reads as [0]; the offset is where the message starts', () => {
    expect(readMessageIndexes(bytesOf('00 08 01'))).toEqual({ ok: true, value: { indexes: [0], offset: 1 } });
    expect(readMessageIndexes(bytesOf('04 02 00 08'))).toEqual({ ok: true, value: { indexes: [1, 0], offset: 3 } });
  });

  test('truncated, over-long, negative and oversized lists are errors', () => {
    expect(readMessageIndexes(bytesOf(''))).toMatchObject({ ok: false });
    expect(readMessageIndexes(bytesOf('04 02'))).toMatchObject({ ok: false, message: expect.stringContaining('ends inside') });
    expect(readMessageIndexes(bytesOf('ff ff ff ff ff 01'))).toMatchObject({ ok: false, message: expect.stringContaining('too long') });
    // count 1, index zigzag 1 = -1
    expect(readMessageIndexes(bytesOf('02 01'))).toMatchObject({ ok: false, message: expect.stringContaining('Invalid message indexes') });
    // count -1 (zigzag 1)
    expect(readMessageIndexes(bytesOf('01'))).toMatchObject({ ok: false });
    const tooMany = writeMessageIndexes(Array.from({ length: MESSAGE_INDEXES_MAX + 1 }, () => 0));
    expect(readMessageIndexes(tooMany)).toMatchObject({ ok: false, message: expect.stringContaining(`at most ${MESSAGE_INDEXES_MAX}`) });
  });
});

describe('encode', () => {
  const codec = codecOf(ORDER);

  test('the first message, index [0], fields in number order with the spec wire bytes', () => {
    const value = { id: 150, name: 'ab', total: '-1', tags: [1, 2], status: 'PAID', blob: 'AQI=', line: { sku: 'x', qty: 3 } };
    expect(encoded(codec, value)).toBe(
      '00' + // message indexes [0]
        '089601' + // id = 150
        '12026162' + // name = "ab"
        '18ffffffffffffffffff01' + // total = -1: ten bytes of two's complement varint
        '22020102' + // tags packed (proto3 default)
        '2801' + // status = PAID (1)
        '32020102' + // blob = 01 02
        '3a050a01781003', // line = { sku "x", qty 3 }
    );
  });

  test('json_name and .proto names both read; 64-bit ints as strings or numbers; enums by number', () => {
    // user_name = 13: tag 6a; big = 14: tag 70
    expect(encoded(codec, { userName: 'u' })).toBe('006a0175');
    expect(encoded(codec, { user_name: 'u' })).toBe('006a0175');
    expect(encoded(codec, { big: '18446744073709551615' })).toBe('0070ffffffffffffffffff01');
    expect(encoded(codec, { total: 5 })).toBe('001805');
    expect(encoded(codec, { status: 1 })).toBe('002801');
  });

  test('as JsonFormat (parseBool, parseString: getAsString): "true" is a bool, a number is a string', () => {
    const codec2 = codecOf('syntax = "proto3";\nmessage F {\n  bool on = 1;\n  string s = 2;\n  repeated bool bs = 3;\n}\n');
    // on = true: 08 01; s = "42": 12 02 34 32; bs packed [false, true]: 1a 02 00 01
    expect(encoded(codec2, { on: 'true', s: 42, bs: ['false', true] })).toBe('000801' + '12023432' + '1a020001');
    expect(codec2.encode({ on: 1 })).toEqual({ ok: false, message: 'Invalid bool value: 1' });
  });

  test('an integer kept exact past 2^53 (JSON.rawJSON, as the proxy parses it) keeps its digits', () => {
    const raw = (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON('9007199254740993');
    // 2^53 + 1 = 0x20000000000001: varint 81 80 80 80 80 80 80 10
    expect(encoded(codec, { total: raw })).toBe('0018' + '81' + '80'.repeat(6) + '10');
  });

  test('float 0.1 is the IEEE single 0x3dcccccd, little-endian', () => {
    expect(encoded(codec, { ratio: 0.1 })).toBe('0045cdcccc3d');
  });

  test('defaults of proto3 scalars are not written; a oneof member and a proto3 optional are', () => {
    expect(encoded(codec, { id: 0, name: '' })).toBe('00');
    expect(encoded(codec, { number: 0 })).toBe('005800');
    expect(encoded(codec, { maybe: 0 })).toBe('004800');
  });

  test('errors: unknown field (JsonFormat words), bad enum, out of range, two oneof members, not an object', () => {
    expect(codec.encode({ bogus: 1 })).toEqual({ ok: false, message: 'Cannot find field: bogus in message test.v1.Order' });
    // JsonFormat.ParserImpl's words: parseEnum, parseInt32, parseUint64, parseBool.
    expect(codec.encode({ status: 'LOST' })).toEqual({ ok: false, message: 'Invalid enum value: LOST for enum type: test.v1.Order.Status' });
    expect(codec.encode({ id: 2 ** 31 })).toEqual({ ok: false, message: 'Not an int32 value: 2147483648' });
    expect(codec.encode({ id: 1.5 })).toEqual({ ok: false, message: 'Not an int32 value: 1.5' });
    expect(codec.encode({ id: 'x' })).toEqual({ ok: false, message: 'Not an int32 value: "x"' });
    expect(codec.encode({ big: '-1' })).toEqual({ ok: false, message: 'Out of range uint64 value: "-1"' });
    expect(codec.encode({ line: { qty: -1 } })).toEqual({ ok: false, message: 'Out of range uint32 value: -1' });
    // Java quotes the number as Jackson wrote it (1.0E39); ours as JavaScript does: only the words are checked.
    expect(codec.encode({ ratio: 1e39 })).toMatchObject({ ok: false, message: expect.stringMatching(/^Out of range float value: /) });
    expect(codec.encode({ text: 'a', number: 1 })).toMatchObject({ ok: false, message: expect.stringContaining('oneof') });
    expect(codec.encode([1])).toMatchObject({ ok: false, message: expect.stringContaining('Expect message object') });
    expect(codec.encode(null)).toMatchObject({ ok: false });
    expect(codec.encode({ blob: 5 })).toMatchObject({ ok: false });
  });

  test(`a value nested deeper than ${JSON_DEPTH_MAX} is refused, not a stack overflow`, () => {
    const recursive = codecOf('syntax = "proto3";\nmessage Node {\n  Node child = 1;\n}\n');
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < JSON_DEPTH_MAX + 5; i++) deep = { child: deep };
    expect(recursive.encode(deep)).toMatchObject({ ok: false, message: expect.stringContaining('deeper') });
  });

  test('proto2: a required field missing is refused (DynamicMessage build()), nested ones by path', () => {
    const proto2 = codecOf('syntax = "proto2";\nmessage Req {\n  required int32 a = 1;\n  optional Inner inner = 2;\n  message Inner {\n    required string s = 1;\n  }\n}\n');
    expect(proto2.encode({ inner: {} })).toEqual({ ok: false, message: 'Message missing required fields: a, inner.s' });
    // a = 0 is written: required fields have presence (tag 08, value 00).
    expect(encoded(proto2, { a: 0 })).toBe('000800');
  });

  test('a schema with no message has nothing to write', () => {
    expect(codecOf('syntax = "proto3";\nenum E {\n  A = 0;\n}\n').encode({})).toMatchObject({ ok: false, message: expect.stringContaining('no message') });
  });
});

describe('decode', () => {
  const codec = codecOf(ORDER);

  test('defaults printed for scalars, repeated and maps; unset message, oneof and optional left out', () => {
    expect(decoded(codec, '00 089601')).toEqual({ ...ORDER_DEFAULTS, id: 150 });
  });

  test('every kind of field as JsonFormat prints it: json_name keys, int64 as strings, enum names, base64', () => {
    const payload =
      '00 089601 12026162 18ffffffffffffffffff01 22020102 2801 32020102 3a050a01781003 45cdcccc3d 4807 5802' +
      '62 05 0a01611001' + // counts { "a": 1 }: an entry message, key = 1, value = 2
      '6a0175 70ffffffffffffffffff01';
    expect(decoded(codec, payload)).toEqual({
      id: 150, name: 'ab', total: '-1', tags: [1, 2], status: 'PAID', blob: 'AQI=', line: { sku: 'x', qty: 3 },
      ratio: 0.1, maybe: 7, number: 2, counts: { a: 1 }, userName: 'u', big: '18446744073709551615',
    });
  });

  test('unpacked repeated ints read too (parsers accept both); an unknown enum number prints as the number', () => {
    expect(decoded(codec, '00 2001 2002 2809')).toEqual({ ...ORDER_DEFAULTS, tags: [1, 2], status: 9 });
  });

  test('map keys print as strings: int64 keys by their digits, bool keys as "true"/"false"', () => {
    const maps = codecOf('syntax = "proto3";\nmessage M {\n  map<int64, string> byId = 1;\n  map<bool, int32> flags = 2;\n}\n');
    // byId { -1: "x" }: entry 0a 0e | key 08 + ten-byte varint of -1 | value 12 01 78
    // flags { true: 7 }: entry 12 04 | key 08 01 | value 10 07
    const payload = '00 0a0e 08ffffffffffffffffff01 120178 1204 0801 1007';
    expect(decoded(maps, payload)).toEqual({ byId: { '-1': 'x' }, flags: { true: 7 } });
    expect(encoded(maps, { byId: { '-1': 'x' }, flags: { true: 7 } })).toBe(payload.replace(/ /g, ''));
  });

  test('the message indexes pick the message: [1] is Other, [0, 0] is Order.Line, [0, 0, 0] Order.Line.Detail', () => {
    expect(decoded(codec, '02 02 0801')).toEqual({ flag: true });
    expect(decoded(codec, '04 00 00 0a0178')).toEqual({ sku: 'x', qty: 0 });
    expect(decoded(codec, '06 00 00 00 0801')).toEqual({ gift: true });
  });

  test('errors: an index past the messages, truncated bytes, a payload over the limit', () => {
    expect(codec.decode(bytesOf('02 04 0801'))).toEqual({ ok: false, message: 'Invalid message indexes: [2]' });
    // enums are not counted: Order has one nested message, so [0, 1] names nothing
    expect(codec.decode(bytesOf('04 00 02'))).toEqual({ ok: false, message: 'Invalid message indexes: [0, 1]' });
    expect(codec.decode(bytesOf('00 12 05 61'))).toMatchObject({ ok: false, message: expect.stringContaining('Error deserializing Protobuf message') });
    expect(codec.decode(new Uint8Array(PROTOBUF_PAYLOAD_BYTES_MAX + 1))).toMatchObject({ ok: false, message: expect.stringContaining(`more than ${PROTOBUF_PAYLOAD_BYTES_MAX}`) });
  });

  test('round trip: what encode writes decodes to the same value, defaults added', () => {
    const value = { id: 7, name: 'n', total: '123456789012345678', tags: [3], status: 'PAID', line: { sku: 's', qty: 2 }, counts: { k: 5 }, text: 't' };
    const bytes = codec.encode(value);
    if (!bytes.ok) throw new Error(bytes.message);
    expect(codec.decode(bytes.value)).toEqual({ ok: true, value: { ...ORDER_DEFAULTS, ...value } });
  });
});

describe('well-known types and references', () => {
  test('a Timestamp field reads and prints RFC 3339; a wrapper prints its value', () => {
    const codec = codecOf(`syntax = "proto3";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Int32Value n = 2;
}
`);
    // 2024-01-02T03:04:05Z = 1704164645 s: varint a5 d0 cf ac 06; Timestamp { seconds = 1 } in field 1
    expect(encoded(codec, { at: '2024-01-02T03:04:05Z', n: 5 })).toBe('00 0a06 08a5facdac06 1202 0805'.replace(/ /g, ''));
    expect(decoded(codec, '00 0a06 08a5facdac06 1202 0805')).toEqual({ at: '2024-01-02T03:04:05Z', n: 5 });
  });

  test('a well-known type used without its import resolves (as in Confluent): the same bytes', () => {
    const codec = codecOf('syntax = "proto3";\nmessage Event {\n  google.protobuf.Timestamp at = 1;\n}\n');
    expect(encoded(codec, { at: '2024-01-02T03:04:05Z' })).toBe('000a0608a5facdac06');
  });

  test('a schema importing another through a reference: the referenced types encode and decode', () => {
    const common = 'syntax = "proto3";\npackage shop;\nmessage Money {\n  int64 units = 1;\n  string currency_code = 2;\n}\n';
    const stored: Record<string, RegisteredSchema> = { 'money-value/1': { schemaType: 'PROTOBUF', schema: common, references: [] } };
    const resolve: SchemaResolver = (subject, version) => stored[`${subject}/${version}`];
    const codec = codecOf(
      'syntax = "proto3";\npackage shop;\nimport "shop/money.proto";\nmessage Price {\n  shop.Money amount = 1;\n}\n',
      [{ name: 'shop/money.proto', subject: 'money-value', version: 1 }],
      resolve,
    );
    // amount = { units 5, currency_code "EU" }: 0a 06 | 08 05 12 02 45 55
    expect(encoded(codec, { amount: { units: '5', currencyCode: 'EU' } })).toBe('000a060805120245' + '55');
    expect(decoded(codec, '00 0a06 0805 12024555')).toEqual({ amount: { units: '5', currencyCode: 'EU' } });
  });

  test('a schema registered as a base64 FileDescriptorProto (as confluent-kafka\'s serializers register) encodes the same bytes', () => {
    const text = 'syntax = "proto3";\npackage d;\nmessage M {\n  int32 id = 1;\n  string name = 2;\n}\n';
    const parsed = protobufSupport.parse(text, [], none, { isNew: true });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const base64 = parsed.schema.formatted('serialized');
    expect(base64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // id = 150: 08 96 01; name = "ab": 12 02 61 62
    expect(encoded(codecOf(base64 as string), { id: 150, name: 'ab' })).toBe('00089601' + '12026162');
    expect(decoded(codecOf(base64 as string), '00 089601')).toEqual({ id: 150, name: '' });
  });

  test('a missing reference, a schema that does not parse, and a non-PROTOBUF schema are factory errors', () => {
    const build = (s: CodecSchema) => protobufCodec(s, none);
    expect(build({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nimport "a.proto";\nmessage M { a.A x = 1; }\n', references: [{ name: 'a.proto', subject: 'a', version: 1 }] }))
      .toMatchObject({ ok: false, message: expect.stringContaining('Invalid schema of type PROTOBUF') });
    expect(build({ schemaType: 'PROTOBUF', schema: 'message {', references: [] })).toMatchObject({ ok: false });
    expect(build({ schemaType: 'JSON', schema: '{}', references: [] })).toMatchObject({ ok: false });
  });
});
