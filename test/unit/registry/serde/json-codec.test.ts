// The JSON Schema codec against Confluent's behaviour: JsonSchemaUtils.toObject validates every
// value (a failure is the 400 of a ValidationException), the payload is the value as Jackson
// writes it compactly (no message indexes: those are Protobuf's), and reading gives the JSON back
// unvalidated (KafkaJsonSchemaDeserializer's json.fail.invalid.schema defaults to false) with
// integers past 2^53 exact (Jackson's BigIntegerNode).

import { describe, expect, test } from 'bun:test';
import { JSON_NESTING_DEPTH_MAX, JSON_PAYLOAD_BYTES_MAX, jsonSchemaCodec } from '../../../../src/registry/serde/json-codec.ts';
import type { SchemaCodec } from '../../../../src/registry/serde/codec.ts';
import type { RegisteredSchema, SchemaResolver } from '../../../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../../../src/registry/schemas-records.ts';

const none: SchemaResolver = () => undefined;

const USER = JSON.stringify({
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, id: { type: 'integer' } },
  required: ['name'],
  additionalProperties: false,
});

function codecOf(schema: string, references: readonly SchemaReference[] = [], resolve: SchemaResolver = none): SchemaCodec {
  const built = jsonSchemaCodec({ schemaType: 'JSON', schema, references }, resolve);
  if (!built.ok) throw new Error(built.message);
  return built.value;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const rawJSON = (JSON as unknown as { rawJSON(t: string): unknown }).rawJSON;

function encodedText(codec: SchemaCodec, value: unknown): string {
  const out = codec.encode(value);
  if (!out.ok) throw new Error(out.message);
  return text(out.value);
}

describe('encode', () => {
  const codec = codecOf(USER);

  test('a valid value is its compact JSON text, keys in the order given, nothing before it', () => {
    expect(encodedText(codec, { name: 'ada', age: 36 })).toBe('{"name":"ada","age":36}');
  });

  test('an integer past 2^53 keeps its digits (validated as an integer)', () => {
    expect(encodedText(codec, { name: 'x', id: rawJSON('12345678901234567890') })).toBe('{"name":"x","id":12345678901234567890}');
  });

  // everit's ValidationException messages (Confluent validates drafts 4-7 with everit):
  // "#/x: expected type: Integer, found: String", "#: required key [x] not found",
  // "-1 is not greater or equal to 0", "expected minLength: 2, actual: 1", "1 is not a valid enum
  // value", "expected minimum item count: 3, found: 2", "#/years/0: 5 schema violations found".
  test('invalid values are refused with everit\'s pointer and words', () => {
    expect(codec.encode({ name: 'ada', age: 'old' })).toEqual({ ok: false, message: '#/age: expected type: Integer, found: String' });
    expect(codec.encode({ age: 3 })).toEqual({ ok: false, message: '#: required key [name] not found' });
    expect(codec.encode({ name: 'a', extra: 1 })).toEqual({ ok: false, message: '#: extraneous key [extra] is not permitted' });
    expect(codec.encode({ name: 'a', age: -1 })).toEqual({ ok: false, message: '#/age: -1 is not greater or equal to 0' });
    expect(codec.encode('ada')).toEqual({ ok: false, message: '#: expected type: JSONObject, found: String' });
  });

  test('more than one failure: the count at the deepest value holding them all', () => {
    const nested = codecOf(JSON.stringify({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 2 },
        sex: { enum: [0, 1] },
        years: { type: 'array', minItems: 3, items: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } } } },
      },
    }));
    expect(nested.encode({ name: 'x', sex: 1 })).toEqual({ ok: false, message: '#/name: expected minLength: 2, actual: 1' });
    expect(nested.encode({ sex: 5 })).toEqual({ ok: false, message: '#/sex: 5 is not a valid enum value' });
    expect(nested.encode({ years: [{}, {}] })).toEqual({ ok: false, message: '#/years: expected minimum item count: 3, found: 2' });
    expect(nested.encode({ years: [{ a: 's', b: 1 }, {}, {}] })).toEqual({ ok: false, message: '#/years/0: 2 schema violations found' });
    expect(nested.encode({ name: 'x', sex: 5 })).toEqual({ ok: false, message: '#: 2 schema violations found' });
  });

  test('null is a value like any other: written when the schema allows it, refused otherwise', () => {
    expect(encodedText(codecOf('{"type":["object","null"]}'), null)).toBe('null');
    expect(codec.encode(null)).toEqual({ ok: false, message: '#: expected type: JSONObject, found: Null' });
  });

  test(`a value nested deeper than ${JSON_NESTING_DEPTH_MAX} is refused`, () => {
    let deep: unknown = 1;
    for (let i = 0; i <= JSON_NESTING_DEPTH_MAX; i++) deep = [deep];
    expect(codecOf('{}').encode(deep)).toEqual({ ok: false, message: `the value is nested deeper than ${JSON_NESTING_DEPTH_MAX}` });
  });
});

describe('decode', () => {
  const codec = codecOf(USER);

  test('the payload JSON, unvalidated (the deserializer does not validate by default)', () => {
    expect(codec.decode(utf8('{"name":"ada","age":36}'))).toEqual({ ok: true, value: { name: 'ada', age: 36 } });
    expect(codec.decode(utf8('{"age":"old"}'))).toEqual({ ok: true, value: { age: 'old' } });
  });

  test('integers past 2^53 come back exact', () => {
    const out = codec.decode(utf8('{"id":12345678901234567890}'));
    if (!out.ok) throw new Error(out.message);
    expect(JSON.stringify(out.value)).toBe('{"id":12345678901234567890}');
  });

  test('errors: not JSON, not UTF-8, too large, too deep', () => {
    expect(codec.decode(utf8('{"name":'))).toMatchObject({ ok: false, message: expect.stringContaining('Error deserializing JSON message') });
    expect(codec.decode(Uint8Array.of(0x22, 0xff, 0x22))).toMatchObject({ ok: false, message: expect.stringContaining('Error deserializing JSON message') });
    expect(codec.decode(new Uint8Array(JSON_PAYLOAD_BYTES_MAX + 1))).toMatchObject({ ok: false, message: expect.stringContaining(`more than ${JSON_PAYLOAD_BYTES_MAX}`) });
    const deep = '['.repeat(JSON_NESTING_DEPTH_MAX + 1) + ']'.repeat(JSON_NESTING_DEPTH_MAX + 1);
    expect(codec.decode(utf8(deep))).toEqual({ ok: false, message: `the value is nested deeper than ${JSON_NESTING_DEPTH_MAX}` });
  });

  test('round trip: what encode writes decodes to the same value', () => {
    const value = { name: 'Zoë "z"\n', age: 7 };
    const bytes = codec.encode(value);
    if (!bytes.ok) throw new Error(bytes.message);
    expect(codec.decode(bytes.value)).toEqual({ ok: true, value });
  });
});

describe('references and schemas', () => {
  test('a schema referencing another by its reference name validates through it', () => {
    const address = JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
    const stored: Record<string, RegisteredSchema> = { 'address-value/1': { schemaType: 'JSON', schema: address, references: [] } };
    const resolve: SchemaResolver = (subject, version) => stored[`${subject}/${version}`];
    const codec = codecOf(
      JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } }),
      [{ name: 'address.json', subject: 'address-value', version: 1 }],
      resolve,
    );
    expect(encodedText(codec, { home: { city: 'Oslo' } })).toBe('{"home":{"city":"Oslo"}}');
    expect(codec.encode({ home: {} })).toEqual({ ok: false, message: '#/home: required key [city] not found' });
  });

  test('a missing reference, a schema that is not JSON, and a non-JSON schema type are factory errors', () => {
    const withRef = { schemaType: 'JSON' as const, schema: '{"$ref":"a.json"}', references: [{ name: 'a.json', subject: 'a', version: 1 }] };
    expect(jsonSchemaCodec(withRef, none)).toMatchObject({ ok: false, message: expect.stringContaining('Invalid schema of type JSON') });
    expect(jsonSchemaCodec({ schemaType: 'JSON', schema: '{', references: [] }, none)).toMatchObject({ ok: false, message: expect.stringContaining('Invalid schema of type JSON') });
    expect(jsonSchemaCodec({ schemaType: 'PROTOBUF', schema: '{}', references: [] }, none)).toMatchObject({ ok: false });
  });
});
