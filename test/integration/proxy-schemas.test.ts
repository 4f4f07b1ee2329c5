// The HTTP proxy's schema formats (avro, protobuf, jsonschema: Confluent REST Proxy v2's
// embedded formats with a schema) through the node's own schema registry, on a real node
// (dist/freshet with the proxy and the registry on), against a registry client we did not
// write: @kafkajs/confluent-schema-registry. Records produced over HTTP as Avro JSON are decoded by the registry client after
// kafkajs consumes them; records the registry client encodes and kafkajs produces are read over
// HTTP as Avro JSON, by the stateless read and by a consumer instance. Expected answers:
// kafka-rest's ProduceToTopicAction / SchemaManagerImpl (value_schema registered under
// "<topic>-value", the ids answered), SchemaRecordSerializerImpl (42201 / 42202 data without a
// schema, 400 a value the schema refuses), Errors.java (42205 invalid schema, 42207 a schema id
// the registry lacks), and the Avro specification's JSON encoding (unions as {"type": value}).
//
// protobuf and jsonschema, the same both ways; expected answers: kafka-rest
// SchemaRecordSerializerImpl (ProtobufSchemaUtils.toObject: JsonFormat's parser, an
// unknown field refused; JsonSchemaUtils.toObject: the value validated) and the converters'
// JSON (ProtobufSchemaUtils.toJson: JsonFormat's printer with default values included, json
// names, int64 as strings, enums by name; JsonSchemaConverter: the JSON as written).
// That client writes Protobuf without Confluent's message indexes (its issue #248); records it
// encodes get the [0] index byte here before they are produced, as a Confluent serializer
// would have written them.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { consumeMessages, createTopic, produceMessages } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { b64, proxyCaller } from '../helpers/proxy.ts';

setDefaultTimeout(90_000);

const AVRO = 'application/vnd.kafka.avro.v2+json';
const PROTOBUF = 'application/vnd.kafka.protobuf.v2+json';
const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json';
const BINARY = 'application/vnd.kafka.binary.v2+json';
const V2 = 'application/vnd.kafka.v2+json';
/** GETs of records until a new consumer instance has joined and read what was produced. */
const READS_MAX = 20;

let node: Broker;
beforeAll(async () => {
  node = await startBroker({ proxy: true, registry: true, settings: { 'group.initial.rebalance.delay.ms': '0' } });
});
afterAll(async () => {
  await node?.dispose();
});

const http = proxyCaller(() => node.proxyUrl!);

/** Every value of `topic`, consumed with kafkajs from the beginning. */
const consumeValues = async (topic: string, count: number): Promise<Buffer[]> => (await consumeMessages(node.bootstrap, topic, count)).map((m) => m.value!);
const produceValues = (topic: string, values: Buffer[]): Promise<void> => produceMessages(node.bootstrap, topic, values.map((value) => ({ value })));

const user = {
  type: 'record',
  name: 'User',
  namespace: 'freshet.proxy',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
};
const keySchema = { type: 'record', name: 'UserKey', namespace: 'freshet.proxy', fields: [{ name: 'id', type: 'long' }] };

describe('avro over HTTP, read by the schema-registry client', () => {
  test('value_schema and key_schema are registered under <topic>-key/-value; kafkajs + the registry client decode the records', async () => {
    const topic = uniqueTopic('proxy-avro-out');
    await createTopic(node.bootstrap, topic, 1);
    const produced = await http('POST', `/topics/${topic}`, {
      key_schema: JSON.stringify(keySchema),
      value_schema: JSON.stringify(user),
      records: [
        { key: { id: 1 }, value: { name: 'ada', age: 36, email: { string: 'ada@example.org' } } },
        { key: { id: 2 }, value: { name: 'alan', age: 41, email: null } },
      ],
    }, AVRO);
    expect(produced.status).toBe(200);
    expect(produced.body.offsets.map((o: any) => [o.partition, o.offset, o.error_code])).toEqual([[0, 0, null], [0, 1, null]]);

    const registry = new SchemaRegistry({ host: node.registryUrl! });
    // The ids answered are the registry's for the topic's subjects (TopicNameStrategy).
    expect(produced.body.value_schema_id).toBe(await registry.getLatestSchemaId(`${topic}-value`));
    expect(produced.body.key_schema_id).toBe(await registry.getLatestSchemaId(`${topic}-key`));
    expect(produced.body.key_schema_id).not.toBe(produced.body.value_schema_id);

    const records = await consumeMessages(node.bootstrap, topic, 2);
    expect(records.length).toBe(2);
    // The registry client reads the magic byte and id, fetches the schema and decodes (avsc,
    // unions unwrapped in its default mode).
    expect(await registry.decode(records[0].value!)).toEqual({ name: 'ada', age: 36, email: 'ada@example.org' });
    expect(await registry.decode(records[1].value!)).toEqual({ name: 'alan', age: 41, email: null });
    expect(await registry.decode(records[0].key!)).toEqual({ id: 1 });
    expect(records[0].value!.readInt32BE(1)).toBe(produced.body.value_schema_id);

    // The same schema again: looked up, not registered anew; by id works too.
    const again = await http('POST', `/topics/${topic}`, { value_schema_id: produced.body.value_schema_id, records: [{ value: { name: 'grace', age: 85 } }] }, AVRO);
    expect(again.status).toBe(200);
    expect(again.body.value_schema_id).toBe(produced.body.value_schema_id);
    expect(again.body.key_schema_id).toBeNull();
    const third = await http('POST', `/topics/${topic}`, { value_schema: JSON.stringify(user), records: [{ value: { name: 'edsger', age: 72, email: null } }] }, AVRO);
    expect(third.body.value_schema_id).toBe(produced.body.value_schema_id);
  });
});

describe('avro produced with the registry client, read over HTTP as Avro JSON', () => {
  test('the stateless read and a consumer instance answer the Avro JSON encoding', async () => {
    const topic = uniqueTopic('proxy-avro-in');
    await createTopic(node.bootstrap, topic, 1);
    const registry = new SchemaRegistry({ host: node.registryUrl! });
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(user) }, { subject: `${topic}-value` });
    await produceMessages(node.bootstrap, topic, [
      { value: await registry.encode(id, { name: 'barbara', age: 86, email: 'bl@example.org' }) },
      { value: await registry.encode(id, { name: 'donald', age: 87, email: null }) },
    ]);
    const expected = [
      { name: 'barbara', age: 86, email: { string: 'bl@example.org' } },
      { name: 'donald', age: 87, email: null },
    ];

    // The stateless read, Avro by its Accept.
    const read = await http('GET', `/topics/${topic}/partitions/0/records?offset=0&count=2`, undefined, V2, AVRO);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.contentType).toBe(AVRO);
    expect(read.body.map((r: any) => r.value)).toEqual(expected);
    expect(read.body.map((r: any) => r.offset)).toEqual([0, 1]);

    // A consumer instance of format avro.
    const group = `${topic}-g`;
    const created = await http('POST', `/consumers/${group}`, { name: 'i1', format: 'avro', 'auto.offset.reset': 'earliest' });
    expect(created.status).toBe(200);
    const base = `/consumers/${group}/instances/i1`;
    expect((await http('POST', `${base}/subscription`, { topics: [topic] })).status).toBe(204);
    let values: unknown[] = [];
    for (let i = 0; i < READS_MAX && values.length < 2; i++) {
      const got = await http('GET', `${base}/records?timeout=1000`, undefined, V2, AVRO);
      expect(got.status).toBe(200);
      expect(got.contentType).toBe(AVRO);
      values = values.concat(got.body.map((r: any) => r.value));
    }
    expect(values).toEqual(expected);
    // Its Accept must name its format: binary is 40601.
    expect((await http('GET', `${base}/records`, undefined, V2, BINARY)).body.error_code).toBe(40601);
    expect((await http('DELETE', base)).status).toBe(204);

    // A record that is not Avro-framed (produced as binary) read as Avro: a Kafka error, the
    // deserializer's, and the proxy keeps serving.
    expect((await http('POST', `/topics/${topic}`, { records: [{ value: b64('plain') }] }, BINARY)).status).toBe(200);
    const plain = await http('GET', `/topics/${topic}/partitions/0/records?offset=2`, undefined, V2, AVRO);
    expect(plain.status).toBe(500);
    expect(plain.body.error_code).toBe(50002);
    expect(plain.body.message).toContain('Unknown magic byte');
    expect((await http('GET', `/topics/${topic}/partitions/0/records?offset=0`, undefined, V2, AVRO)).status).toBe(200);
  });
});

describe('bad input in the schema formats', () => {
  test('missing schemas, an invalid schema, an unknown id and a value the schema refuses get Confluent\'s codes; nothing is produced', async () => {
    const topic = uniqueTopic('proxy-avro-bad');
    await createTopic(node.bootstrap, topic, 1);
    const value = { name: 'x', age: 1, email: null };
    const noValueSchema = await http('POST', `/topics/${topic}`, { records: [{ value }] }, AVRO);
    expect([noValueSchema.status, noValueSchema.body.error_code]).toEqual([422, 42202]);
    const noKeySchema = await http('POST', `/topics/${topic}`, { value_schema: JSON.stringify(user), records: [{ key: { id: 1 }, value }] }, AVRO);
    expect([noKeySchema.status, noKeySchema.body.error_code]).toEqual([422, 42201]);
    const invalid = await http('POST', `/topics/${topic}`, { value_schema: '{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}', records: [{ value }] }, AVRO);
    expect([invalid.status, invalid.body.error_code]).toEqual([422, 42205]);
    const unknownId = await http('POST', `/topics/${topic}`, { value_schema_id: 987654, records: [{ value }] }, AVRO);
    expect([unknownId.status, unknownId.body.error_code]).toEqual([422, 42207]);
    // A string where the schema has an int; a union value not wrapped in its branch's name.
    for (const refused of [{ name: 'x', age: 'one', email: null }, { name: 'x', age: 1, email: 'unwrapped@example.org' }]) {
      const r = await http('POST', `/topics/${topic}`, { value_schema: JSON.stringify(user), records: [{ value }, { value: refused }] }, AVRO);
      expect([r.status, r.body.error_code]).toEqual([400, 400]);
      expect(r.body.message).toStartWith('Bad Request: ');
    }
    // Nothing of the refused requests was produced: the partition is empty.
    const offsets = await http('GET', `/topics/${topic}/partitions/0/offsets`);
    expect(offsets.body.end_offset).toBe(0);
    // A null value needs no schema (a tombstone).
    const tombstone = await http('POST', `/topics/${topic}`, { records: [{ value: null }] }, AVRO);
    expect(tombstone.status).toBe(200);
    expect(tombstone.body.value_schema_id).toBeNull();
  });
});

const ORDER = `syntax = "proto3";
package freshet.proxy;

message Order {
  int64 id = 1;
  string customer_name = 2;
  repeated string items = 3;
  Status status = 4;

  enum Status {
    NEW = 0;
    PAID = 1;
  }
}
`;

describe('protobuf over HTTP', () => {
  test('produced as JSON, decoded by the registry client; its records read back as JsonFormat prints them', async () => {
    const topic = uniqueTopic('proxy-proto');
    await createTopic(node.bootstrap, topic, 1);
    const produced = await http('POST', `/topics/${topic}`, {
      value_schema: ORDER,
      records: [{ value: { id: '9007199254740993', customer_name: 'ada', items: ['lamp'], status: 'PAID' } }, { value: { customerName: 'alan' } }],
    }, PROTOBUF);
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    const registry = new SchemaRegistry({ host: node.registryUrl! });
    expect(produced.body.value_schema_id).toBe(await registry.getLatestSchemaId(`${topic}-value`));

    const values = await consumeValues(topic, 2);
    expect(values.length).toBe(2);
    expect(values[0]![5]).toBe(0); // Confluent's message indexes [0]
    const asJson = async (b: Buffer) => ((await registry.decode(b)) as { toJSON(): unknown }).toJSON();
    expect(await asJson(values[0]!)).toEqual({ id: '9007199254740993', customerName: 'ada', items: ['lamp'], status: 'PAID' });
    expect(await asJson(values[1]!)).toEqual({ customerName: 'alan' });

    // Records the client encodes (the index byte added), read over HTTP: defaults included.
    const id = produced.body.value_schema_id as number;
    const encoded = await registry.encode(id, { id: 7, customerName: 'grace', items: [], status: 0 });
    await produceValues(topic, [Buffer.concat([encoded.subarray(0, 5), Buffer.of(0), encoded.subarray(5)])]);
    const read = await http('GET', `/topics/${topic}/partitions/0/records?offset=0&count=3`, undefined, V2, PROTOBUF);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.map((r: any) => r.value)).toEqual([
      { id: '9007199254740993', customerName: 'ada', items: ['lamp'], status: 'PAID' },
      { id: '0', customerName: 'alan', items: [], status: 'NEW' },
      { id: '7', customerName: 'grace', items: [], status: 'NEW' },
    ]);

    // A consumer instance of format protobuf answers the same JSON.
    const group = `${topic}-g`;
    expect((await http('POST', `/consumers/${group}`, { name: 'i1', format: 'protobuf', 'auto.offset.reset': 'earliest' })).status).toBe(200);
    const base = `/consumers/${group}/instances/i1`;
    expect((await http('POST', `${base}/subscription`, { topics: [topic] })).status).toBe(204);
    let fromInstance: unknown[] = [];
    for (let i = 0; i < READS_MAX && fromInstance.length < 3; i++) {
      const got = await http('GET', `${base}/records?timeout=1000`, undefined, V2, PROTOBUF);
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      fromInstance = fromInstance.concat(got.body.map((r: any) => r.value));
    }
    expect(fromInstance).toEqual(read.body.map((r: any) => r.value));
    expect((await http('DELETE', base)).status).toBe(204);
  });

  test('an unknown field is refused with JsonFormat\'s message and nothing is produced', async () => {
    const topic = uniqueTopic('proxy-proto-bad');
    await createTopic(node.bootstrap, topic, 1);
    const r = await http('POST', `/topics/${topic}`, { value_schema: ORDER, records: [{ value: { bogus: 1 } }] }, PROTOBUF);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('Cannot find field: bogus in message freshet.proxy.Order');
    expect((await http('GET', `/topics/${topic}/partitions/0/offsets`)).body.end_offset).toBe(0);
  });
});

describe('jsonschema over HTTP', () => {
  const schema = JSON.stringify({
    type: 'object',
    properties: { id: { type: 'integer' }, item: { type: 'string' } },
    required: ['id', 'item'],
    additionalProperties: false,
  });

  test('produced as JSON (validated), decoded by the registry client; its records read back as written', async () => {
    const topic = uniqueTopic('proxy-jsonschema');
    await createTopic(node.bootstrap, topic, 1);
    // As text: a JavaScript number would round the integer past 2^53.
    const body = `{"value_schema":${JSON.stringify(schema)},"records":[{"value":{"id":12345678901234567890,"item":"lamp"}},{"value":{"id":2,"item":"desk"}}]}`;
    const produced = await http('POST', `/topics/${topic}`, body, JSONSCHEMA);
    expect(produced.status, JSON.stringify(produced.body)).toBe(200);
    const values = await consumeValues(topic, 2);
    // The payload is the JSON text itself, the big integer's digits kept.
    expect(values[0]!.subarray(5).toString()).toBe('{"id":12345678901234567890,"item":"lamp"}');
    const registry = new SchemaRegistry({ host: node.registryUrl! });
    expect(await registry.decode(values[1]!)).toEqual({ id: 2, item: 'desk' });

    const id = produced.body.value_schema_id as number;
    await produceValues(topic, [await registry.encode(id, { id: 3, item: 'chair' })]);
    const read = await http('GET', `/topics/${topic}/partitions/0/records?offset=1&count=2`, undefined, V2, JSONSCHEMA);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.map((r: any) => r.value)).toEqual([{ id: 2, item: 'desk' }, { id: 3, item: 'chair' }]);
  });

  test('a value the schema refuses is a 400 naming what is wrong; nothing is produced', async () => {
    const topic = uniqueTopic('proxy-jsonschema-bad');
    await createTopic(node.bootstrap, topic, 1);
    const r = await http('POST', `/topics/${topic}`, { value_schema: schema, records: [{ value: { id: 1, item: 'ok' } }, { value: { id: 'one', item: 'x' } }] }, JSONSCHEMA);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('#/id: expected type: Integer, found: String');
    expect((await http('GET', `/topics/${topic}/partitions/0/offsets`)).body.end_offset).toBe(0);
  });
});
