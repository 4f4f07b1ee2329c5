// The HTTP proxy's protobuf and jsonschema embedded formats end to end on a real node (the
// compiled executable with the proxy and the registry on): records produced over HTTP are
// decoded by a registry client we did not write (@kafkajs/confluent-schema-registry, after
// kafkajs consumes them), and records it encodes are read back over HTTP. Expected answers:
// kafka-rest SchemaRecordSerializerImpl (ProtobufSchemaUtils.toObject: JsonFormat's parser, an
// unknown field refused; JsonSchemaUtils.toObject: the value validated) and the converters'
// JSON (ProtobufSchemaUtils.toJson: JsonFormat's printer with default values included, json
// names, int64 as strings, enums by name; JsonSchemaConverter: the JSON as written).
// That client writes Protobuf without Confluent's message indexes (its issue #248); records it
// encodes get the [0] index byte here before they are produced, as a Confluent serializer
// would have written them.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { type CurlAnswer, curlProxy } from '../helpers/proxy.ts';

setDefaultTimeout(90_000);

const PROTOBUF = 'application/vnd.kafka.protobuf.v2+json';
const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json';
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

function http(method: string, path: string, body?: unknown, contentType = V2, accept?: string): Promise<CurlAnswer> {
  return curlProxy(node.proxyUrl!, method, path, {
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), contentType }),
    ...(accept === undefined ? {} : { accept }),
  });
}

/** Every value of `topic`, consumed with kafkajs from the beginning. */
async function consumeValues(topic: string, count: number): Promise<Buffer[]> {
  const consumer = kafkaFor(node.bootstrap, 'proxy-schemas-pj').consumer({ groupId: `${topic}-kjs` });
  const got: Buffer[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!);
          if (got.length === count) resolve();
        },
      });
    });
    await Promise.race([done, Bun.sleep(30_000)]);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

async function produceValues(topic: string, values: Buffer[]): Promise<void> {
  const producer = kafkaFor(node.bootstrap, 'proxy-schemas-pj').producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

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
