// The Avro codec and Confluent's framing, against bytes worked out by hand from the Avro
// specification ("Binary Encoding": zigzag varint ints and longs, a string as its length then
// UTF-8, a union as the branch index then the value; "JSON Encoding": a union value as
// {"<branch>": value}, bytes as code points 0-255) and Confluent's wire format (magic byte 0,
// the schema id as a 4-byte big-endian int).

import { describe, expect, test } from 'bun:test';
import { avroCodec } from '../../../../src/registry/serde/avro-codec.ts';
import { frame, unframe, type SchemaCodec } from '../../../../src/registry/serde/codec.ts';
import type { RegisteredSchema } from '../../../../src/registry/schema-types.ts';

const user = JSON.stringify({
  type: 'record',
  name: 'User',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'email', type: ['null', 'string'] },
  ],
});

function codecOf(schema: string, references: RegisteredSchema['references'] = [], registered: Record<string, RegisteredSchema> = {}): SchemaCodec {
  const built = avroCodec({ schemaType: 'AVRO', schema, references }, (subject, version) => registered[`${subject}/${version}`]);
  if (!built.ok) throw new Error(built.message);
  return built.value;
}

const bytes = (...b: number[]) => new Uint8Array(b);

describe('avroCodec', () => {
  test('encodes Avro JSON to the binary encoding and back', () => {
    const codec = codecOf(user);
    // "ada": length 3 (zigzag 6), 'a' 'd' 'a'; 36: zigzag 72; union branch 0 (null).
    const ada = codec.encode({ name: 'ada', age: 36, email: null });
    expect(ada).toEqual({ ok: true, value: bytes(0x06, 0x61, 0x64, 0x61, 0x48, 0x00) });
    // Branch 1 (string) "x": 02, then length 1 (02) and 'x'.
    const x = codec.encode({ name: '', age: -1, email: { string: 'x' } });
    expect(x).toEqual({ ok: true, value: bytes(0x00, 0x01, 0x02, 0x02, 0x78) });
    expect(codec.decode(bytes(0x00, 0x01, 0x02, 0x02, 0x78))).toEqual({ ok: true, value: { name: '', age: -1, email: { string: 'x' } } });
  });

  test('bytes are strings of code points 0-255 both ways', () => {
    const codec = codecOf('"bytes"');
    expect(codec.encode('\u00ff\u0000A')).toEqual({ ok: true, value: bytes(0x06, 0xff, 0x00, 0x41) });
    expect(codec.decode(bytes(0x04, 0xff, 0x41))).toEqual({ ok: true, value: '\u00ffA' });
  });

  test('a value the schema refuses is a failure with a message, never a throw', () => {
    const codec = codecOf(user);
    for (const refused of [{ name: 'a', age: 'one', email: null }, { name: 'a', age: 1, email: 'unwrapped' }, { age: 1, email: null }, 'text', null]) {
      const r = codec.encode(refused);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toStartWith('Conversion of JSON to Avro failed: ');
    }
  });

  test('a payload that ends inside the datum, or holds a bad union index, fails to decode', () => {
    const codec = codecOf(user);
    expect(codec.decode(bytes(0x06, 0x61)).ok).toBe(false);
    expect(codec.decode(bytes(0x00, 0x02, 0x08)).ok).toBe(false);
    // Bytes after the datum are ignored, as Avro's BinaryDecoder leaves them.
    expect(codec.decode(bytes(0x00, 0x02, 0x00, 0xff))).toEqual({ ok: true, value: { name: '', age: 1, email: null } });
  });

  test('a schema naming a type its reference defines', () => {
    const address = JSON.stringify({ type: 'record', name: 'Address', namespace: 'n', fields: [{ name: 'city', type: 'string' }] });
    const person = JSON.stringify({ type: 'record', name: 'Person', namespace: 'n', fields: [{ name: 'home', type: 'n.Address' }] });
    const codec = codecOf(person, [{ name: 'n.Address', subject: 'address', version: 1 }], {
      'address/1': { schemaType: 'AVRO', schema: address, references: [] },
    });
    expect(codec.encode({ home: { city: 'Oslo' } })).toEqual({ ok: true, value: bytes(0x08, 0x4f, 0x73, 0x6c, 0x6f) });
    expect(avroCodec({ schemaType: 'AVRO', schema: person, references: [{ name: 'n.Address', subject: 'gone', version: 1 }] }, () => undefined).ok).toBe(false);
  });

  test('refuses a schema of another type', () => {
    expect(avroCodec({ schemaType: 'JSON', schema: '{}', references: [] }, () => undefined).ok).toBe(false);
  });
});

describe('Confluent framing', () => {
  test('magic byte 0 and the id big-endian before the payload', () => {
    expect(frame(258, bytes(0xaa))).toEqual(bytes(0x00, 0x00, 0x00, 0x01, 0x02, 0xaa));
    expect(unframe(bytes(0x00, 0x00, 0x00, 0x01, 0x02, 0xaa))).toEqual({ ok: true, value: { id: 258, payload: bytes(0xaa) } });
  });

  test('another magic byte or fewer than 5 bytes is refused', () => {
    expect(unframe(bytes(0x01, 0x00, 0x00, 0x00, 0x01))).toEqual({ ok: false, message: 'Unknown magic byte!' });
    expect(unframe(bytes(0x00, 0x00, 0x00)).ok).toBe(false);
  });
});
