// The HTTP proxy on a real node (dist/freshet --proxy-addr), driven by curl, checked with kcat
// and kafkajs: what is produced over HTTP is what Kafka clients read, and what they produce the
// HTTP read returns. Expected answers: Confluent REST Proxy v2 (kafka-rest resources/v2 and
// entities/v2; Errors.java and rest-utils' mappers for the error codes), Kafka's murmur2 for
// keyed records; the stateless read is ours (src/proxy/README.md).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { freePort } from '../helpers/ports.ts';
import { kcat, KCAT_TOOL, run } from '../helpers/process.ts';
import { b64, type CurlAnswer, type CurlOptions, curlProxy } from '../helpers/proxy.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { REQUEST_BYTES_MAX_DEFAULT } from '../../src/proxy/wire.ts';

setDefaultTimeout(60_000);

const BINARY = 'application/vnd.kafka.binary.v2+json';
const JSON_FORMAT = 'application/vnd.kafka.json.v2+json';
const V2 = 'application/vnd.kafka.v2+json';

let node: Broker;
beforeAll(async () => {
  node = await startBroker({ proxy: true });
});
afterAll(async () => {
  await node?.dispose();
});

/** One request through curl to this node's proxy. */
const curl = (method: string, path: string, options: CurlOptions = {}): Promise<CurlAnswer> => curlProxy(node.proxyUrl!, method, path, options);

describe('served by the node', () => {
  test('the ready line names the proxy; GET /brokers answers this node; GET /topics and /topics/{t} describe what kafkajs created', async () => {
    expect(node.logs()).toContain(`proxy ${node.proxyUrl}`);
    const topic = uniqueTopic('proxy-meta');
    await createTopic(node.bootstrap, topic, 3);
    const admin = kafkaFor(node.bootstrap).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    const brokers = await curl('GET', '/brokers');
    expect([brokers.status, brokers.contentType, brokers.body]).toEqual([200, V2, { brokers: cluster.brokers.map((b) => b.nodeId) }]);
    expect((await curl('GET', '/topics')).body).toContain(topic);
    const t = await curl('GET', `/topics/${topic}`);
    expect(t.body.name).toBe(topic);
    expect(t.body.configs['cleanup.policy']).toBe('delete');
    const me = cluster.brokers[0].nodeId;
    expect(t.body.partitions).toEqual([0, 1, 2].map((partition) => ({ partition, leader: me, replicas: [{ broker: me, leader: true, in_sync: true }] })));
  });
});

describe('produce over HTTP, read by Kafka clients and back over HTTP', () => {
  testRequiring(KCAT_TOOL, 'binary records produced with curl are what kcat reads, and the stateless read returns them', async () => {
    const topic = uniqueTopic('proxy-binary');
    await createTopic(node.bootstrap, topic, 2);
    const body = JSON.stringify({ records: [{ key: b64('k1'), value: b64('hello') }, { value: b64('world') }] });
    const p = await curl('POST', `/topics/${topic}/partitions/1`, { body, contentType: BINARY });
    expect([p.status, p.contentType]).toEqual([200, V2]);
    expect(p.body).toEqual({ offsets: [0, 1].map((offset) => ({ partition: 1, offset, error_code: null, error: null })), key_schema_id: null, value_schema_id: null });
    const read = await kcat(['-C', '-b', node.bootstrap, '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%o\n'], { timeoutMs: 20_000 });
    expect(read.stdout.trim().split('\n')).toEqual(['k1|hello|0', '|world|1']);
    const back = await curl('GET', `/topics/${topic}/partitions/1/records?offset=0&count=10`, { accept: BINARY });
    expect([back.status, back.contentType]).toEqual([200, BINARY]);
    expect(back.body).toEqual([
      { topic, key: b64('k1'), value: b64('hello'), partition: 1, offset: 0 },
      { topic, key: null, value: b64('world'), partition: 1, offset: 1 },
    ]);
    expect((await curl('GET', `/topics/${topic}/partitions/1/offsets`)).body).toEqual({ beginning_offset: 0, end_offset: 2 });
  });

  testRequiring(KCAT_TOOL, 'json records go where Kafka puts their key (murmur2), kcat reads JSON text, the json read returns the values', async () => {
    const topic = uniqueTopic('proxy-json');
    await createTopic(node.bootstrap, topic, 3);
    // The key's bytes are its JSON text ("user-1" with its quotes): kcat reads the partition
    // the proxy answered and finds the record there, at the offset it answered.
    const body = JSON.stringify({ records: [{ key: 'user-1', value: { n: 1, tags: ['a'] } }] });
    const p = await curl('POST', `/topics/${topic}`, { body, contentType: JSON_FORMAT });
    expect(p.status).toBe(200);
    const { partition, offset } = p.body.offsets[0];
    const read = await kcat(['-C', '-b', node.bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%k|%s|%o\n'], { timeoutMs: 20_000 });
    expect(read.stdout.trim()).toBe(`"user-1"|{"n":1,"tags":["a"]}|${offset}`);
    const back = await curl('GET', `/topics/${topic}/partitions/${partition}/records?offset=${offset}`, { accept: JSON_FORMAT });
    expect([back.contentType, back.body]).toEqual([JSON_FORMAT, [{ topic, key: 'user-1', value: { n: 1, tags: ['a'] }, partition, offset }]]);
  });

  test('4 MiB of small records to one partition are all produced, in order (batches under the broker\'s max.message.bytes)', async () => {
    const topic = uniqueTopic('proxy-many');
    await createTopic(node.bootstrap, topic, 1);
    const values = Array.from({ length: 400 }, (_, i) => `${i}:`.padEnd(10 * 1024, 'v'));
    const p = await curl('POST', `/topics/${topic}`, { body: JSON.stringify({ records: values.map((v) => ({ value: b64(v) })) }), contentType: BINARY });
    expect(p.status).toBe(200);
    expect(p.body.offsets.map((o: { offset: number; error_code: number | null }) => [o.offset, o.error_code])).toEqual(values.map((_, i) => [i, null]));
    const back = await curl('GET', `/topics/${topic}/partitions/0/records?offset=395&count=10`);
    expect(back.body.map((r: { value: string; offset: number }) => [r.offset, Buffer.from(r.value, 'base64').toString()])).toEqual(values.slice(395).map((v, i) => [395 + i, v]));
  });

  testRequiring(KCAT_TOOL, 'produce to a topic nobody created: the node (--dev: auto.create.topics.enable) creates it, as Kafka does for a producer', async () => {
    const topic = uniqueTopic('proxy-auto');
    expect((await curl('GET', `/topics/${topic}`)).status).toBe(404);
    const p = await curl('POST', `/topics/${topic}/partitions/0`, { body: JSON.stringify({ records: [{ value: b64('first') }] }), contentType: BINARY });
    expect([p.status, p.body.offsets]).toEqual([200, [{ partition: 0, offset: 0, error_code: null, error: null }]]);
    const read = await kcat(['-C', '-b', node.bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeoutMs: 20_000 });
    expect(read.stdout.trim()).toBe('first');
  });

  test('a keyed record lands on the partition kafkajs (murmur2, as the Java producer) picks for the same key', async () => {
    const topic = uniqueTopic('proxy-keyed');
    await createTopic(node.bootstrap, topic, 5);
    const producer = kafkaFor(node.bootstrap).producer();
    await producer.connect();
    const [sent] = await producer.send({ topic, acks: -1, messages: [{ key: 'order-42', value: 'from kafkajs' }] });
    await producer.disconnect();
    const p = await curl('POST', `/topics/${topic}`, { body: JSON.stringify({ records: [{ key: b64('order-42'), value: b64('from http') }] }), contentType: BINARY });
    expect(p.body.offsets[0].partition).toBe(sent.partition);
    // The HTTP read returns what kafkajs produced, then what the proxy did.
    const back = await curl('GET', `/topics/${topic}/partitions/${sent.partition}/records?offset=0&count=5`);
    expect(back.body.map((r: { value: string }) => Buffer.from(r.value, 'base64').toString())).toEqual(['from kafkajs', 'from http']);
  });
});

describe('errors', () => {
  test('each with its status and error_code; the proxy keeps serving', async () => {
    const topic = uniqueTopic('proxy-errors');
    await createTopic(node.bootstrap, topic, 1);
    const record = JSON.stringify({ records: [{ value: b64('x') }] });
    const cases: Array<[string, Promise<CurlAnswer>, number, number]> = [
      ['unknown topic', curl('GET', `/topics/${topic}-missing`), 404, 40401],
      // A name Kafka refuses: not auto-created even under --dev.
      ['produce to a topic that cannot exist', curl('POST', `/topics/${topic}%21`, { body: record, contentType: BINARY }), 404, 40401],
      ['unknown partition', curl('GET', `/topics/${topic}/partitions/4`), 404, 40402],
      ['produce to an unknown partition', curl('POST', `/topics/${topic}/partitions/4`, { body: record, contentType: BINARY }), 404, 40402],
      ['produce as application/json', curl('POST', `/topics/${topic}`, { body: record, contentType: 'application/json' }), 415, 415],
      ['produce avro without a registry', curl('POST', `/topics/${topic}`, { body: record, contentType: 'application/vnd.kafka.avro.v2+json' }), 422, 42207],
      ['malformed JSON', curl('POST', `/topics/${topic}`, { body: '{"records": [', contentType: BINARY }), 400, 400],
      ['no records', curl('POST', `/topics/${topic}`, { body: '{}', contentType: BINARY }), 422, 422],
      ['bad base64', curl('POST', `/topics/${topic}`, { body: '{"records":[{"value":"%%%"}]}', contentType: BINARY }), 400, 400],
      ['read without offset', curl('GET', `/topics/${topic}/partitions/0/records`), 400, 400],
      ['unknown consumer instance', curl('GET', '/consumers/group-1/instances/nobody/subscription'), 404, 40403],
      ['unknown path', curl('GET', '/nope'), 404, 404],
    ];
    for (const [what, answer, status, code] of cases) {
      const a = await answer;
      expect([what, a.status, a.body.error_code, a.contentType]).toEqual([what, status, code, V2]);
      expect(typeof a.body.message).toBe('string');
    }
    expect((await curl('GET', `/topics/${topic}/partitions/0/offsets`)).body).toEqual({ beginning_offset: 0, end_offset: 0 });
  });

  test("a body past the proxy's limit is answered 413 by the handler, not cut by the server; then it serves on", async () => {
    const file = join(node.dataDir, '..', `proxy-big-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ records: [{ value: 'A'.repeat(REQUEST_BYTES_MAX_DEFAULT + 1024) }] }));
    const r = await curl('POST', '/topics/anything', { bodyFile: file, contentType: BINARY });
    expect([r.status, r.body.error_code]).toEqual([413, 413]);
    expect((await curl('GET', '/brokers')).status).toBe(200);
  });

  test('a proxy port another process holds is a clear startup error (exit 1) naming the flag', async () => {
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    try {
      const r = await run([FRESHET_BIN, 'start', '--data-dir', `${node.dataDir}-taken`, '--kafka-addr', `127.0.0.1:${await freePort()}`, '--schema-registry-addr', 'none', '--proxy-addr', `127.0.0.1:${port}`, '--admin-addr', 'none'], {
        timeoutMs: 15_000,
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`cannot listen for the HTTP proxy on 127.0.0.1:${port} (--proxy-addr): the address is in use`);
    } finally {
      holder.close();
    }
  });
});
