// The registry's serde codecs (src/registry/serde) cross-checked with a client we did not write:
// @kafkajs/confluent-schema-registry registers schemas (Protobuf, JSON Schema, Avro) in the node's registry (the compiled
// executable) and encodes and decodes records with the ids it gets; our codecs, built from the
// schemas as the registry serves them, must read what it wrote and write what it reads.
//
// One deviation of that client from Confluent's wire format is compensated here, not in the
// codec: it writes Protobuf records without message indexes (the bytes after the 5-byte header
// are the message alone) and skips leading 0 bytes when reading (its ProtoSchema.toBuffer /
// fromBuffer; kafkajs/confluent-schema-registry issue #248, "Encoding should include
// MessageIndexes for parity with Java"). So its payloads get the [0] index byte (Confluent's
// documented encoding of the first message) before our decode, and our [0] byte is what its
// reader skips.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { avroCodec } from '../../src/registry/serde/avro-codec.ts';
import { frame, unframe, type CodecFactory, type SchemaCodec } from '../../src/registry/serde/codec.ts';
import { jsonSchemaCodec } from '../../src/registry/serde/json-codec.ts';
import { protobufCodec } from '../../src/registry/serde/protobuf-codec.ts';
import type { RegisteredSchema, SchemaResolver, SchemaType as RegistrySchemaType } from '../../src/registry/schema-types.ts';
import type { SchemaReference } from '../../src/registry/schemas-records.ts';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';

setDefaultTimeout(60_000);

let broker: Broker;
let registryUrl: string;
beforeAll(async () => {
  broker = await startBroker({ registry: true });
  registryUrl = broker.registryUrl!;
});
afterAll(async () => {
  await broker?.dispose();
});

interface SchemaJson {
  schema: string;
  schemaType?: RegistrySchemaType;
  references?: SchemaReference[];
}

async function getJson(path: string): Promise<SchemaJson> {
  const res = await fetch(`${registryUrl}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SchemaJson;
}

/** Our codec for schema `id`, as the registry serves it (GET /schemas/ids/{id}), its references
 *  fetched through GET /subjects/{s}/versions/{v} first so the resolver can answer at once. */
async function codecFor(id: number, factory: CodecFactory): Promise<SchemaCodec> {
  const byId = await getJson(`/schemas/ids/${id}`);
  const stored = new Map<string, RegisteredSchema>();
  const fetchRefs = async (refs: readonly SchemaReference[]): Promise<void> => {
    for (const ref of refs) {
      const key = `${ref.subject}/${ref.version}`;
      if (stored.has(key)) continue;
      const got = await getJson(`/subjects/${encodeURIComponent(ref.subject)}/versions/${ref.version}`);
      stored.set(key, { schemaType: got.schemaType ?? 'AVRO', schema: got.schema, references: got.references ?? [] });
      await fetchRefs(got.references ?? []);
    }
  };
  await fetchRefs(byId.references ?? []);
  const resolve: SchemaResolver = (subject, version) => stored.get(`${subject}/${version}`);
  const built = factory({ schemaType: byId.schemaType ?? 'AVRO', schema: byId.schema, references: byId.references ?? [] }, resolve);
  if (!built.ok) throw new Error(built.message);
  return built.value;
}

/** The payload of framed bytes, checking the id. */
function payloadOf(bytes: Uint8Array, id: number): Uint8Array {
  const out = unframe(bytes);
  if (!out.ok) throw new Error(out.message);
  expect(out.value.id).toBe(id);
  return out.value.payload;
}

function decodedBy(codec: SchemaCodec, payload: Uint8Array): unknown {
  const out = codec.decode(payload);
  if (!out.ok) throw new Error(out.message);
  return out.value;
}

function framedBy(codec: SchemaCodec, id: number, value: unknown): Buffer {
  const out = codec.encode(value);
  if (!out.ok) throw new Error(out.message);
  return Buffer.from(frame(id, out.value));
}

/** What kafkajs's client decodes, as plain JSON (protobufjs messages: toJSON, longs and enums as strings). */
async function clientDecoded(registry: SchemaRegistry, bytes: Buffer): Promise<unknown> {
  const value = (await registry.decode(bytes)) as { toJSON?(): unknown };
  return typeof value?.toJSON === 'function' ? value.toJSON() : value;
}

const withIndexZero = (payload: Uint8Array): Uint8Array => Uint8Array.from([0, ...payload]);

describe('Protobuf codec against @kafkajs/confluent-schema-registry', () => {
  const ORDER = `syntax = "proto3";
package freshet.serde;

message Order {
  int64 id = 1;
  string customer_name = 2;
  repeated string items = 3;
  Status status = 4;
  Line first = 5;

  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  enum Status {
    NEW = 0;
    PAID = 1;
  }
}
`;

  test('its encoding decodes with our codec; our encoding decodes with it', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('serde-proto') + '-value';
    const { id } = await registry.register({ type: SchemaType.PROTOBUF, schema: ORDER }, { subject });
    const codec = await codecFor(id, protobufCodec);

    // protobufjs (its parser) names fields in lowerCamelCase, as JsonFormat's json names; its
    // verify wants enums as numbers.
    const theirs = await registry.encode(id, { id: 42, customerName: 'ada', items: ['a', 'b'], status: 1, first: { sku: 'x', qty: 2 } });
    expect(decodedBy(codec, withIndexZero(payloadOf(theirs, id)))).toEqual({
      id: '42', customerName: 'ada', items: ['a', 'b'], status: 'PAID', first: { sku: 'x', qty: 2 },
    });

    const ours = framedBy(codec, id, { id: '9007199254740993', customer_name: 'grace', items: ['c'], status: 'PAID', first: { sku: 'y', qty: 3 } });
    expect(ours[5]).toBe(0); // the message indexes [0]
    expect(await clientDecoded(new SchemaRegistry({ host: registryUrl }), ours)).toEqual({
      id: '9007199254740993', customerName: 'grace', items: ['c'], status: 'PAID', first: { sku: 'y', qty: 3 },
    });
  });

  test('a schema importing another through a reference: both ways', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const moneySubject = uniqueTopic('serde-money') + '-value';
    const money = 'syntax = "proto3";\npackage freshet.money;\n\nmessage Money {\n  int64 units = 1;\n  string currency = 2;\n}\n';
    await registry.register({ type: SchemaType.PROTOBUF, schema: money }, { subject: moneySubject });
    const price = 'syntax = "proto3";\npackage freshet.price;\n\nimport "freshet/money.proto";\n\nmessage Price {\n  string sku = 1;\n  freshet.money.Money amount = 2;\n}\n';
    const subject = uniqueTopic('serde-price') + '-value';
    const { id } = await registry.register(
      { type: SchemaType.PROTOBUF, schema: price, references: [{ name: 'freshet/money.proto', subject: moneySubject, version: 1 }] },
      { subject },
    );
    const codec = await codecFor(id, protobufCodec);

    const theirs = await registry.encode(id, { sku: 'lamp', amount: { units: 12, currency: 'EUR' } });
    expect(decodedBy(codec, withIndexZero(payloadOf(theirs, id)))).toEqual({ sku: 'lamp', amount: { units: '12', currency: 'EUR' } });

    const ours = framedBy(codec, id, { sku: 'desk', amount: { units: '250', currency: 'NOK' } });
    expect(await clientDecoded(new SchemaRegistry({ host: registryUrl }), ours)).toEqual({ sku: 'desk', amount: { units: '250', currency: 'NOK' } });
  });
});

describe('JSON Schema codec against @kafkajs/confluent-schema-registry', () => {
  test('its encoding decodes with our codec; our encoding decodes with it (it validates on read)', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('serde-json') + '-value';
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { id: { type: 'integer' }, item: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['id', 'item'],
    };
    const { id } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject });
    const codec = await codecFor(id, jsonSchemaCodec);

    const value = { id: 7, item: 'lamp', tags: ['new'] };
    const theirs = await registry.encode(id, value);
    expect(decodedBy(codec, payloadOf(theirs, id))).toEqual(value);

    const mine = { id: 8, item: 'desk', tags: [] };
    expect(await clientDecoded(new SchemaRegistry({ host: registryUrl }), framedBy(codec, id, mine))).toEqual(mine);
    // Both refuse the same invalid value.
    expect(codec.encode({ id: 9 })).toMatchObject({ ok: false, message: '#: required key [item] not found' });
    expect(registry.encode(id, { id: 9 })).rejects.toThrow();
  });

  test('a schema referencing another: both ways', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const addressSubject = uniqueTopic('serde-address') + '-value';
    // The client resolves a reference by the referenced schema's "$id"; the registry by the
    // reference's name: the two are the same here.
    const address = { $id: 'address.json', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(address) }, { subject: addressSubject });
    const person = { type: 'object', properties: { name: { type: 'string' }, home: { $ref: 'address.json' } }, required: ['name', 'home'] };
    const subject = uniqueTopic('serde-person') + '-value';
    const { id } = await registry.register(
      { type: SchemaType.JSON, schema: JSON.stringify(person), references: [{ name: 'address.json', subject: addressSubject, version: 1 }] },
      { subject },
    );
    const codec = await codecFor(id, jsonSchemaCodec);

    const value = { name: 'ada', home: { city: 'London' } };
    expect(decodedBy(codec, payloadOf(await registry.encode(id, value), id))).toEqual(value);
    expect(await clientDecoded(new SchemaRegistry({ host: registryUrl }), framedBy(codec, id, value))).toEqual(value);
    expect(codec.encode({ name: 'ada', home: {} })).toMatchObject({ ok: false, message: '#/home: required key [city] not found' });
  });
});

describe('Avro codec against @kafkajs/confluent-schema-registry', () => {
  test('its encoding decodes with our codec (Avro JSON: unions wrapped); our encoding decodes with it', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('serde-avro') + '-value';
    const user = {
      type: 'record',
      name: 'User',
      namespace: 'freshet.serde',
      fields: [
        { name: 'name', type: 'string' },
        { name: 'age', type: 'int' },
        { name: 'email', type: ['null', 'string'], default: null },
      ],
    };
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(user) }, { subject });
    const codec = await codecFor(id, avroCodec);

    // avsc (the client's Avro library) takes unions unwrapped; Avro's JSON encoding wraps a
    // non-null branch in its type name (the Avro specification, "JSON Encoding").
    const theirs = await registry.encode(id, { name: 'ada', age: 36, email: 'ada@example.com' });
    expect(decodedBy(codec, payloadOf(theirs, id))).toEqual({ name: 'ada', age: 36, email: { string: 'ada@example.com' } });

    const ours = framedBy(codec, id, { name: 'alan', age: 41, email: null });
    expect(await clientDecoded(new SchemaRegistry({ host: registryUrl }), ours)).toEqual({ name: 'alan', age: 41, email: null });
  });
});
