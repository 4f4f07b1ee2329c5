// proxyFetch over an in-memory cluster (fake-client.ts): the v2 metadata routes, produce in the
// binary and json embedded formats, the stateless read, and every error answer. Expected answers
// follow confluentinc/kafka-rest: resources/v2 (TopicsResource, PartitionsResource,
// BrokersResource, ProduceToTopicAction, ProduceToPartitionAction, AbstractProduceAction),
// entities/v2, Errors.java, controllers/NoSchemaRecordSerializer, SchemaManagerThrowing, and
// rest-utils' exception mappers; keyed partitioning follows Kafka's murmur2 (UtilsTest vectors).

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { PRODUCE_BATCH_BYTES_MAX } from '../../../src/proxy/produce.ts';
import { READ_BYTES_MAX, READ_FETCHES_MAX, READ_FIRST_FETCH_BYTES } from '../../../src/proxy/read.ts';
import { b64, FakeCluster, text } from './fake-client.ts';

const BINARY = 'application/vnd.kafka.binary.v2+json';
const JSON_FORMAT = 'application/vnd.kafka.json.v2+json';
const V2 = 'application/vnd.kafka.v2+json';

function cluster() {
  const c = new FakeCluster().addTopic('events', 3, { 'cleanup.policy': 'delete', 'retention.ms': '604800000' }).addTopic('audit', 1);
  return { c, call: c.proxy() };
}

describe('topics, partitions, brokers', () => {
  test('GET / answers {} (RootResource) and GET /topics the names, internal topics left out', async () => {
    const { call } = cluster();
    expect((await call('GET', '/')).body).toEqual({});
    const r = await call('GET', '/topics');
    expect(r.status).toBe(200);
    expect(r.type).toBe(V2);
    expect(r.body).toEqual(['audit', 'events']);
  });

  test('GET /topics/{t}: name, configs as a map, partitions with leader and replicas (broker, leader, in_sync)', async () => {
    const { call } = cluster();
    const r = await call('GET', '/topics/audit');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      name: 'audit',
      configs: { 'cleanup.policy': 'delete' },
      partitions: [{ partition: 0, leader: 1, replicas: [{ broker: 1, leader: true, in_sync: true }, { broker: 2, leader: false, in_sync: false }] }],
    });
  });

  test('an unknown topic is 404 40401 "Topic not found." on every topic route', async () => {
    const { call } = cluster();
    for (const path of ['/topics/nope', '/topics/nope/partitions', '/topics/nope/partitions/0', '/topics/nope/partitions/0/offsets', '/topics/nope/partitions/0/records?offset=0']) {
      const r = await call('GET', path);
      expect([path, r.status, r.body]).toEqual([path, 404, { error_code: 40401, message: 'Topic not found.' }]);
    }
  });

  test('a partition the topic lacks is 404 40402 "Partition not found."; a partition that is not an int is Jersey\'s 404', async () => {
    const { call } = cluster();
    for (const path of ['/topics/events/partitions/3', '/topics/events/partitions/3/offsets', '/topics/events/partitions/7/records?offset=0']) {
      const r = await call('GET', path);
      expect([path, r.status, r.body]).toEqual([path, 404, { error_code: 40402, message: 'Partition not found.' }]);
    }
    const r = await call('GET', '/topics/events/partitions/zero');
    expect([r.status, r.body.error_code]).toEqual([404, 404]);
  });

  test('GET .../partitions lists them; GET .../offsets answers beginning_offset and end_offset', async () => {
    const { c, call } = cluster();
    expect((await call('GET', '/topics/events/partitions')).body.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
    c.log('events', 1).push({ key: null, value: null }, { key: null, value: null });
    expect((await call('GET', '/topics/events/partitions/1/offsets')).body).toEqual({ beginning_offset: 0, end_offset: 2 });
  });

  test('GET /brokers answers {"brokers": [ids]}', async () => {
    const { call } = cluster();
    const r = await call('GET', '/brokers');
    expect([r.status, r.type, r.body]).toEqual([200, V2, { brokers: [1, 2] }]);
  });
});

describe('produce', () => {
  test('binary to a partition: base64 keys and values stored as bytes, offsets in order, no schema ids', async () => {
    const { c, call } = cluster();
    const body = JSON.stringify({ records: [{ key: b64('k'), value: b64('v1') }, { value: b64('v2') }, { key: b64('k3') }] });
    const r = await call('POST', '/topics/events/partitions/2', { body });
    expect(r.status).toBe(200);
    expect(r.type).toBe(V2);
    expect(r.body).toEqual({
      offsets: [0, 1, 2].map((offset) => ({ partition: 2, offset, error_code: null, error: null })),
      key_schema_id: null,
      value_schema_id: null,
    });
    expect(c.log('events', 2).map((x) => [text(x.key), text(x.value)])).toEqual([['k', 'v1'], [null, 'v2'], ['k3', null]]);
  });

  test("json to a topic: values stored as JSON text; a record's own partition wins", async () => {
    const { c, call } = cluster();
    const body = JSON.stringify({ records: [{ value: { a: [1, 'x'] }, partition: 1 }, { key: 'k', value: 7, partition: 1 }] });
    const r = await call('POST', '/topics/events', { body, contentType: JSON_FORMAT });
    expect(r.body.offsets).toEqual([
      { partition: 1, offset: 0, error_code: null, error: null },
      { partition: 1, offset: 1, error_code: null, error: null },
    ]);
    expect(c.log('events', 1).map((x) => [text(x.key), text(x.value)])).toEqual([[null, '{"a":[1,"x"]}'], ['"k"', '7']]);
  });

  test('json integers past 2^53 keep their digits both ways (Jackson reads them as BigIntegerNode)', async () => {
    const { c, call } = cluster();
    const body = '{"records": [{"value": {"id": 12345678901234567890, "n": -9007199254740993, "small": 5}, "partition": 0}]}';
    await call('POST', '/topics/events', { body, contentType: JSON_FORMAT });
    expect(text(c.log('events', 0)[0].value)).toBe('{"id":12345678901234567890,"n":-9007199254740993,"small":5}');
    const r = await call('GET', '/topics/events/partitions/0/records?offset=0', { accept: JSON_FORMAT });
    expect(r.text).toContain('"value":{"id":12345678901234567890,"n":-9007199254740993,"small":5}');
  });

  test("a keyed record goes where Kafka's producer puts it: toPositive(murmur2(key)) % partitions", async () => {
    const { call } = cluster();
    // UtilsTest.testMurmur2: murmur2("foobar") = -790332482, murmur2("21") = -973932308.
    const expected = [(-790332482 & 0x7fffffff) % 3, (-973932308 & 0x7fffffff) % 3];
    const r = await call('POST', '/topics/events', { body: JSON.stringify({ records: [{ key: b64('foobar'), value: b64('a') }, { key: b64('21'), value: b64('b') }] }) });
    expect(r.body.offsets.map((o: { partition: number }) => o.partition)).toEqual(expected);
  });

  test("the path's partition: a record with its own partition overrides it (AbstractProduceAction.serialize)", async () => {
    const { c, call } = cluster();
    await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: b64('x'), partition: 2 }] }) });
    expect(c.log('events', 2).length).toBe(1);
    expect(c.log('events', 0).length).toBe(0);
  });

  test("per-record Kafka errors: retriable 50003, authorization 40301 with status 403, a partition the topic lacks 50002", async () => {
    const { c, call } = cluster();
    c.produceError = ErrorCode.NOT_LEADER_OR_FOLLOWER;
    let r = await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: b64('x') }] }) });
    expect(r.status).toBe(200);
    expect(r.body.offsets).toEqual([{ partition: null, offset: null, error_code: 50003, error: 'NOT_LEADER_OR_FOLLOWER' }]);
    c.produceError = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
    r = await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: b64('x') }] }) });
    expect(r.status).toBe(403);
    expect(r.body.offsets[0].error_code).toBe(40301);
    c.produceError = 0;
    r = await call('POST', '/topics/events', { body: JSON.stringify({ records: [{ value: b64('x'), partition: 5 }, { value: b64('y'), partition: 0 }] }) });
    expect(r.status).toBe(200);
    expect(r.body.offsets[0]).toEqual({ partition: null, offset: null, error_code: 50002, error: 'Invalid partition given with record: 5 is not in the range [0...3).' });
    expect(r.body.offsets[1]).toEqual({ partition: 0, offset: 0, error_code: null, error: null });
  });

  test("a partition's records are sent as batches under PRODUCE_BATCH_BYTES_MAX, in order, offsets following on", async () => {
    const { c, call } = cluster();
    // 40 records of 20 KiB: 800 KiB, more than three batches' worth for one partition.
    const values = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(20 * 1024, 'x'));
    const r = await call('POST', '/topics/events/partitions/1', { body: JSON.stringify({ records: values.map((v) => ({ value: b64(v) })) }) });
    expect(r.body.offsets.map((o: { offset: number }) => o.offset)).toEqual(values.map((_, i) => i));
    expect(c.produceCalls).toBe(Math.ceil((40 * 20 * 1024) / PRODUCE_BATCH_BYTES_MAX));
    expect(c.log('events', 1).map((x) => text(x.value))).toEqual(values);
  });

  test('produce asks as a producer does: where auto.create.topics.enable is on, the topic is created; GET never creates', async () => {
    const { c, call } = cluster();
    c.autoCreatePartitions = 2;
    expect((await call('GET', '/topics/fresh')).status).toBe(404);
    expect(c.topics.has('fresh')).toBe(false);
    const r = await call('POST', '/topics/fresh', { body: JSON.stringify({ records: [{ value: b64('x') }] }) });
    expect(r.status).toBe(200);
    expect(r.body.offsets[0].error_code).toBeNull();
    expect(c.topics.get('fresh')?.partitions).toBe(2);
  });

  test('an unknown topic is 404 40401 and an unknown path partition 404 40402, nothing produced', async () => {
    const { c, call } = cluster();
    const body = JSON.stringify({ records: [{ value: b64('x') }] });
    expect((await call('POST', '/topics/nope', { body })).body).toEqual({ error_code: 40401, message: 'Topic not found.' });
    const r = await call('POST', '/topics/events/partitions/9', { body });
    expect([r.status, r.body]).toEqual([404, { error_code: 40402, message: 'Partition not found.' }]);
    expect(c.produceCalls).toBe(0);
  });

  test('a value that is not base64 fails the whole request with 400 "Bad Request: data=... is not a valid base64 string."', async () => {
    const { c, call } = cluster();
    const r = await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: b64('ok') }, { value: 'not base64!' }] }) });
    expect([r.status, r.body]).toEqual([400, { error_code: 400, message: 'Bad Request: data="not base64!" is not a valid base64 string.' }]);
    const n = await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: 12 }] }) });
    expect([n.status, n.body]).toEqual([400, { error_code: 400, message: 'Bad Request: data=12 is not a base64 string.' }]);
    expect(c.produceCalls).toBe(0);
  });

  test('Content-Type: application/json, text/plain or none is 415 (the produce resources consume only the embedded formats)', async () => {
    const { call } = cluster();
    const body = JSON.stringify({ records: [{ value: b64('x') }] });
    for (const contentType of ['application/json', 'text/plain', V2, null]) {
      const r = await call('POST', '/topics/events', { body, contentType });
      expect([contentType, r.status, r.body]).toEqual([contentType, 415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' }]);
    }
  });

  test('avro, jsonschema and protobuf: 422 as Confluent without a schema registry (42206 with a schema, 42207 without)', async () => {
    const { c, call } = cluster();
    for (const format of ['avro', 'jsonschema', 'protobuf']) {
      const contentType = `application/vnd.kafka.${format}.v2+json`;
      const withSchema = await call('POST', '/topics/events', { body: JSON.stringify({ value_schema: '"string"', records: [{ value: 'x' }] }), contentType });
      expect([withSchema.status, withSchema.body.error_code]).toEqual([422, 42206]);
      const without = await call('POST', '/topics/events', { body: JSON.stringify({ records: [{ value: 'x' }] }), contentType });
      expect([without.status, without.body.error_code]).toEqual([422, 42207]);
    }
    expect(c.produceCalls).toBe(0);
  });

  test('malformed JSON 400/400; a mistyped field 400/400; no body, null or no records 422/422', async () => {
    const { call } = cluster();
    for (const [body, status] of [
      ['{"records": [', 400],
      ['{"records": {}}', 400],
      ['{"records": [{"partition": "one"}]}', 400],
      ['[1]', 400],
      ['', 422],
      ['null', 422],
      ['{}', 422],
      ['{"records": []}', 422],
    ] as const) {
      const r = await call('POST', '/topics/events', { body });
      expect([body, r.status, r.body.error_code]).toEqual([body, status, status]);
      expect(typeof r.body.message).toBe('string');
    }
  });

  test('a body past requestBytesMax is 413, and the proxy keeps serving', async () => {
    const c = new FakeCluster().addTopic('events', 1);
    const call = c.proxy({ requestBytesMax: 1000 });
    const r = await call('POST', '/topics/events', { body: JSON.stringify({ records: [{ value: b64('x'.repeat(2000)) }] }) });
    expect([r.status, r.body.error_code]).toEqual([413, 413]);
    expect((await call('POST', '/topics/events', { body: JSON.stringify({ records: [{ value: b64('x') }] }) })).status).toBe(200);
  });
});

describe('stateless read', () => {
  async function seeded() {
    const { c, call } = cluster();
    const body = JSON.stringify({ records: [{ key: 'k', value: { n: 1 } }, { value: { n: 2 } }, { value: [3] }] });
    await call('POST', '/topics/events/partitions/0', { body, contentType: JSON_FORMAT });
    return { c, call };
  }

  test('binary by default: base64 keys and values, topic, partition, offset', async () => {
    const { call } = await seeded();
    const r = await call('GET', '/topics/events/partitions/0/records?offset=0&count=2');
    expect(r.status).toBe(200);
    expect(r.type).toBe(BINARY);
    expect(r.body).toEqual([
      { topic: 'events', key: b64('"k"'), value: b64('{"n":1}'), partition: 0, offset: 0 },
      { topic: 'events', key: null, value: b64('{"n":2}'), partition: 0, offset: 1 },
    ]);
  });

  test('Accept: the json format answers the values as JSON; count defaults to 1; the end of the log is []', async () => {
    const { call } = await seeded();
    const r = await call('GET', '/topics/events/partitions/0/records?offset=1&count=10', { accept: JSON_FORMAT });
    expect(r.type).toBe(JSON_FORMAT);
    expect(r.body).toEqual([
      { topic: 'events', key: null, value: { n: 2 }, partition: 0, offset: 1 },
      { topic: 'events', key: null, value: [3], partition: 0, offset: 2 },
    ]);
    expect((await call('GET', '/topics/events/partitions/0/records?offset=0', { accept: JSON_FORMAT })).body.length).toBe(1);
    expect((await call('GET', '/topics/events/partitions/0/records?offset=3')).body).toEqual([]);
  });

  test('count is filled across fetches that each answer fewer records, up to READ_FETCHES_MAX fetches', async () => {
    const { c, call } = await seeded();
    c.fetchRecordsMax = 1;
    c.fetchCalls = 0;
    const r = await call('GET', '/topics/events/partitions/0/records?offset=0&count=3');
    expect(r.body.map((x: { offset: number }) => x.offset)).toEqual([0, 1, 2]);
    expect(c.fetchCalls).toBe(3);
    // 20 more records, one per fetch: a read of 20 stops after READ_FETCHES_MAX fetches.
    await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: Array.from({ length: 20 }, () => ({ value: b64('x') })) }) });
    c.fetchCalls = 0;
    const capped = await call('GET', '/topics/events/partitions/0/records?offset=0&count=20');
    expect([capped.body.length, c.fetchCalls]).toEqual([READ_FETCHES_MAX, READ_FETCHES_MAX]);
  });

  test('the first fetch asks for at most READ_FIRST_FETCH_BYTES whatever max_bytes allows; the next is sized for the records still wanted', async () => {
    const { c, call } = await seeded();
    c.fetchRecordsMax = 2;
    c.fetchBytesAsked = [];
    const r = await call('GET', `/topics/events/partitions/0/records?offset=0&count=3&max_bytes=${READ_BYTES_MAX}`);
    expect(r.body.length).toBe(3);
    expect(c.fetchBytesAsked[0]).toBe(READ_FIRST_FETCH_BYTES);
    expect(c.fetchBytesAsked.length).toBe(2);
    expect(c.fetchBytesAsked[1]).toBeLessThanOrEqual(READ_BYTES_MAX);
    // A small max_bytes is asked for as it is.
    c.fetchBytesAsked = [];
    await call('GET', '/topics/events/partitions/0/records?offset=0&max_bytes=100');
    expect(c.fetchBytesAsked).toEqual([100]);
  });

  test('max_bytes bounds keys and values, the first record always returned', async () => {
    const { call } = await seeded();
    // Record 0 is 3 + 7 bytes, record 1 is 7.
    expect((await call('GET', '/topics/events/partitions/0/records?offset=0&count=3&max_bytes=1')).body.length).toBe(1);
    expect((await call('GET', '/topics/events/partitions/0/records?offset=0&count=3&max_bytes=17')).body.length).toBe(2);
  });

  test('a missing or bad offset, count or max_bytes is 400; an offset past the end 400 40002; an Accept we cannot meet 406', async () => {
    const { call } = await seeded();
    for (const q of ['', '?offset=-1', '?offset=x', '?offset=0&count=0', '?offset=0&count=100000', '?offset=0&max_bytes=0']) {
      const r = await call('GET', `/topics/events/partitions/0/records${q}`);
      expect([q, r.status, r.body.error_code]).toEqual([q, 400, 400]);
    }
    const past = await call('GET', '/topics/events/partitions/0/records?offset=99');
    expect([past.status, past.body.error_code]).toEqual([400, 40002]);
    const r = await call('GET', '/topics/events/partitions/0/records?offset=0', { accept: 'text/html' });
    expect([r.status, r.body.error_code]).toEqual([406, 406]);
  });

  test('json format over bytes that are not JSON is 422 42203 (Errors.jsonConversionException)', async () => {
    const { call } = cluster();
    await call('POST', '/topics/events/partitions/0', { body: JSON.stringify({ records: [{ value: b64('not json') }] }) });
    const r = await call('GET', '/topics/events/partitions/0/records?offset=0', { accept: JSON_FORMAT });
    expect([r.status, r.body.error_code]).toEqual([422, 42203]);
  });
});

describe('what is not served', () => {
  test('consumer-instance routes answer 501 at once, whatever the method', async () => {
    const { call } = cluster();
    for (const [method, path] of [
      ['POST', '/consumers/g'],
      ['GET', '/consumers/g/instances/i/records'],
      ['DELETE', '/consumers/g/instances/i'],
      ['POST', '/consumers/g/instances/i/subscription'],
    ] as const) {
      const r = await call(method, path, method === 'POST' ? { body: '{}', contentType: V2 } : {});
      expect([path, r.status, r.body.error_code]).toEqual([path, 501, 501]);
      expect(r.body.message).toContain('not built yet');
    }
  });

  test('an unknown path is 404 "HTTP 404 Not Found"; a known path with another method 405', async () => {
    const { call } = cluster();
    expect((await call('GET', '/topicz')).body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    const r = await call('DELETE', '/topics/events');
    expect([r.status, r.body.error_code]).toEqual([405, 405]);
  });

  test('an unreachable cluster is 500 50003 (retriable); a bug is 500 without a stack; the next request is served', async () => {
    const { c, call } = cluster();
    c.unreachable = true;
    const r = await call('GET', '/topics');
    expect([r.status, r.body.error_code]).toEqual([500, 50003]);
    c.unreachable = false;
    c.broken = true;
    const bug = await call('GET', '/brokers');
    expect([bug.status, bug.body]).toEqual([500, { error_code: 500, message: 'Internal Server Error' }]);
    expect(bug.text).not.toContain('stack');
    c.broken = false;
    expect((await call('GET', '/brokers')).status).toBe(200);
  });
});
