// The Schema Registry built into the node, driven by registry clients we did not write, against
// the real executable: @kafkajs/confluent-schema-registry (kafkajs' registry client, run inside
// bun test) and confluent-kafka for Python's SchemaRegistryClient with its Avro, JSON Schema
// and Protobuf serializers (PyPI 2.x, py/registry_serde.py). Each registers schemas, encodes
// records with the registry's ids, sends them through the broker and decodes them back.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { consumeMessages, produceMessages } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PYPI_CLIENT, pypiJson } from '../helpers/pypi.ts';
import { testRequiring } from '../helpers/requirements.ts';

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

const userV1 = {
  type: 'record' as const,
  name: 'User',
  namespace: 'freshet.kjs',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
  ],
};

/** Sends `values` through the broker with kafkajs and reads them back, in order. */
async function roundTrip(topic: string, values: Buffer[]): Promise<Buffer[]> {
  await produceMessages(broker.bootstrap, topic, values.map((value) => ({ value })));
  return (await consumeMessages(broker.bootstrap, topic, values.length, `${topic}-group`)).map((m) => m.value!);
}

describe('@kafkajs/confluent-schema-registry', () => {
  test('Avro: registers, encodes, sends through the broker, decodes; the same schema keeps its id', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('kjs-avro') + '-value';
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV1) }, { subject });
    expect(id).toBeGreaterThan(0);
    const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV1) }, { subject });
    expect(again.id).toBe(id);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);

    const payloads = [
      { name: 'ada', age: 36 },
      { name: 'alan', age: 41 },
    ];
    const encoded = await Promise.all(payloads.map((p) => registry.encode(id, p)));
    // Confluent's wire format: magic 0, then the id.
    expect(encoded.map((b) => [b[0], b.readInt32BE(1)])).toEqual(payloads.map(() => [0, id]));
    const received = await roundTrip(subject.replace(/-value$/, ''), encoded);
    // A fresh client decodes: it must fetch the schema by id from the registry.
    const reader = new SchemaRegistry({ host: registryUrl });
    expect(await Promise.all(received.map((b) => reader.decode(b)))).toEqual(payloads);
  });

  test('Avro: a compatible evolution gets a new id; an incompatible one gets 409', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('kjs-evolve') + '-value';
    const v1 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userV1) }, { subject });
    // BACKWARD (the default): a new field with a default reads old data.
    const v2Schema = { ...userV1, fields: [...userV1.fields, { name: 'email', type: 'string', default: '' } as { name: string; type: string }] };
    const v2 = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v2Schema) }, { subject });
    expect(v2.id).toBeGreaterThan(v1.id);
    // Data written with v1, read with v2 as the reader's schema: the default fills the new field.
    const old = await registry.encode(v1.id, { name: 'grace', age: 85 });
    expect(await registry.decode(old, { [SchemaType.AVRO]: { readerSchema: v2Schema } })).toEqual({ name: 'grace', age: 85, email: '' });

    // A new field without a default cannot read v2 data: Confluent answers 409.
    const v3Schema = { ...v2Schema, fields: [...v2Schema.fields, { name: 'phone', type: 'string' }] };
    const error = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v3Schema) }, { subject }).then(
      () => null,
      (e: { status?: number; message?: string }) => e,
    );
    expect(error?.status).toBe(409);
    expect(await registry.getLatestSchemaId(subject)).toBe(v2.id);
  });

  test('JSON Schema: registers, encodes (validating), decodes', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('kjs-json') + '-value';
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { id: { type: 'integer' }, item: { type: 'string' } },
      required: ['id', 'item'],
    };
    const { id } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject });
    const payload = { id: 7, item: 'lamp' };
    const received = await roundTrip(subject.replace(/-value$/, ''), [await registry.encode(id, payload)]);
    expect(await new SchemaRegistry({ host: registryUrl }).decode(received[0])).toEqual(payload);
    // The library validates against the schema it fetched: a record without "item" is refused.
    expect(registry.encode(id, { id: 8 })).rejects.toThrow();
  });

  test('Protobuf: registers a .proto, encodes, decodes; a changed field type gets 409', async () => {
    const registry = new SchemaRegistry({ host: registryUrl });
    const subject = uniqueTopic('kjs-proto') + '-value';
    const proto = `syntax = "proto3";
package freshet.kjs;

message Reading {
  string sensor = 1;
  double value = 2;
}
`;
    const { id } = await registry.register({ type: SchemaType.PROTOBUF, schema: proto }, { subject });
    const payload = { sensor: 's1', value: 2.5 };
    const received = await roundTrip(subject.replace(/-value$/, ''), [await registry.encode(id, payload)]);
    expect(await new SchemaRegistry({ host: registryUrl }).decode(received[0])).toMatchObject(payload);

    // A new field is compatible; a field's type changed from string to int64 is not (Confluent's
    // FIELD_SCALAR_KIND_CHANGED).
    const v2 = await registry.register({ type: SchemaType.PROTOBUF, schema: proto.replace('}\n', '  int32 unit = 3;\n}\n') }, { subject });
    expect(v2.id).toBeGreaterThan(id);
    const bad = proto.replace('string sensor = 1;', 'int64 sensor = 1;');
    const error = await registry.register({ type: SchemaType.PROTOBUF, schema: bad }, { subject }).then(
      () => null,
      (e: { status?: number }) => e,
    );
    expect(error?.status).toBe(409);
  });
});

type Serde<T> = { result: T | null; error: string | null };

describe('confluent-kafka (Python) SchemaRegistryClient and serializers', () => {
  testRequiring(PYPI_CLIENT, 'Avro: serializer registers v1 and v2, the deserializer reads both; v3 is refused with 409', async () => {
    const topic = uniqueTopic('py-avro');
    const r = await pypiJson<Serde<any>>('registry_serde.py', ['avro', broker.bootstrap, registryUrl, topic], { timeoutMs: 90_000 });
    expect(r.error).toBeNull();
    const got = r.result;
    expect(got.ids.length).toBe(2);
    expect(got.versions).toEqual([1, 2]);
    expect(got.latest_id).toBe(got.ids[1]);
    expect(got.values).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => ({ name: `u${i}`, age: i, email: '' })),
      ...[0, 1, 2, 3, 4].map((i) => ({ name: `w${i}`, age: 100 + i, email: `w${i}@x` })),
    ]);
    expect(got.v3_compatible).toBe(false);
    expect(got.v3_register).toEqual({ http_status: 409, error_code: 409 });
    // Registering v1 again answers v1's id.
    expect(got.v1_again).toBe(got.ids[0]);
  }, 120_000);

  testRequiring(PYPI_CLIENT, 'JSON Schema: serializer and deserializer round trip; the schema is stored as JSON', async () => {
    const topic = uniqueTopic('py-json');
    const r = await pypiJson<Serde<any>>('registry_serde.py', ['json', broker.bootstrap, registryUrl, topic], { timeoutMs: 90_000 });
    expect(r.error).toBeNull();
    expect(r.result.ids.length).toBe(1);
    expect(r.result.schema_type).toBe('JSON');
    expect(r.result.values).toEqual([0, 1, 2, 3, 4].map((i) => ({ id: i, item: `thing ${i}` })));
    expect(r.result.invalid_refused).toBe(true);
  }, 120_000);

  testRequiring(PYPI_CLIENT, 'Protobuf: a message importing google/protobuf/timestamp.proto round trips', async () => {
    const topic = uniqueTopic('py-proto');
    const r = await pypiJson<Serde<any>>('registry_serde.py', ['protobuf', broker.bootstrap, registryUrl, topic], { timeoutMs: 90_000 });
    expect(r.error).toBeNull();
    expect(r.result.ids.length).toBe(1);
    expect(r.result.schema_type).toBe('PROTOBUF');
    expect(r.result.values).toEqual([0, 1, 2, 3, 4].map((i) => ({ sensor: `s${i}`, value: i * 1.5, at: 1_700_000_000 + i })));
  }, 120_000);
});
