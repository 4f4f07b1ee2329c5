// The HTTP proxy's consumer instances (/consumers, Confluent REST Proxy v2) on a real node
// (dist/freshet --proxy-addr), driven by curl, with kafkajs's admin describing the groups.
// Expected answers: kafka-rest's resources/v2/ConsumersResource and v2/KafkaConsumerState
// (commit of an offset N stores N + 1, the next to read; an empty commit body commits every
// position; subscribe/assign/seek/delete answer 204), Errors.java (40403 unknown instance,
// 40601 an Accept that is not the instance's format, 40902 a taken name), and Kafka's group
// semantics (a deleted or expired instance leaves its group: no members remain; a manually
// assigned one never joins; subscribe after assign is IllegalStateException, 40903).
// The node runs with FRESHET_TEST_PROXY_CONSUMER_TIMEOUT_MS so an idle instance expires in
// seconds, not consumer.instance.timeout.ms's five minutes.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { createTopic, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { b64, type CurlAnswer, curlProxy } from '../helpers/proxy.ts';

setDefaultTimeout(90_000);

const BINARY = 'application/vnd.kafka.binary.v2+json';
const JSON_FORMAT = 'application/vnd.kafka.json.v2+json';
const V2 = 'application/vnd.kafka.v2+json';
/** Idle instances expire after this (the test hook); every step below touches its instance well within it. */
const INSTANCE_TIMEOUT_MS = 6_000;
/** GETs of records until a new member has joined and read what was produced. */
const READS_MAX = 20;

let node: Broker;
beforeAll(async () => {
  node = await startBroker({
    proxy: true,
    settings: { 'group.initial.rebalance.delay.ms': '0' },
    env: { FRESHET_TEST_PROXY_CONSUMER_TIMEOUT_MS: String(INSTANCE_TIMEOUT_MS) },
  });
});
afterAll(async () => {
  await node?.dispose();
});

/** One request through curl to this node's proxy; a body that is not a string is sent as JSON,
 *  with the v2 Content-Type unless another is given. */
function curl(method: string, path: string, options: { body?: unknown; contentType?: string; accept?: string } = {}): Promise<CurlAnswer> {
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const contentType = body === undefined ? undefined : (options.contentType ?? V2);
  return curlProxy(node.proxyUrl!, method, path, { body, contentType, accept: options.accept });
}

/** GETs records until `count` came (the first GETs may answer [] while the member joins). */
async function readRecords(base: string, accept: string, count: number): Promise<any[]> {
  const got: any[] = [];
  for (let n = 0; n < READS_MAX && got.length < count; n++) {
    const r = await curl('GET', `${base}/records?timeout=1000`, { accept });
    expect([r.status, r.contentType]).toEqual([200, accept]);
    got.push(...r.body);
  }
  return got;
}

async function groupMembers(group: string): Promise<{ state: string; members: number }> {
  return withAdmin(node.bootstrap, async (admin) => {
    const d = (await admin.describeGroups([group])).groups[0];
    return { state: d.state, members: d.members.length };
  });
}

describe('consumer instances', () => {
  test('json: create, subscribe, read, commit, committed offsets, delete (the group is left empty)', async () => {
    const topic = uniqueTopic('proxy-cons-json');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    const values = [{ n: 1, s: 'a' }, { n: 2, s: 'b' }, [1, 2, 3]];
    const produced = await curl('POST', `/topics/${topic}`, { body: { records: values.map((value) => ({ value })) }, contentType: JSON_FORMAT });
    expect(produced.status).toBe(200);

    const created = await curl('POST', `/consumers/${group}`, { body: { name: 'c1', format: 'json', 'auto.offset.reset': 'earliest' } });
    expect([created.status, created.body]).toEqual([200, { instance_id: 'c1', base_uri: `${node.proxyUrl}/consumers/${group}/instances/c1` }]);
    // The same name again in the same group: 40902.
    const again = await curl('POST', `/consumers/${group}`, { body: { name: 'c1', format: 'json' } });
    expect([again.status, again.body.error_code]).toEqual([409, 40902]);

    const base = `/consumers/${group}/instances/c1`;
    expect((await curl('POST', `${base}/subscription`, { body: { topics: [topic] } })).status).toBe(204);
    expect((await curl('GET', `${base}/subscription`)).body).toEqual({ topics: [topic] });
    // topics and topic_pattern together: 40903.
    const both = await curl('POST', `${base}/subscription`, { body: { topics: [topic], topic_pattern: 'x.*' } });
    expect([both.status, both.body.error_code]).toEqual([409, 40903]);

    const records = await readRecords(base, JSON_FORMAT, values.length);
    expect(records).toEqual(values.map((value, offset) => ({ topic, key: null, value, partition: 0, offset })));
    expect((await curl('GET', `${base}/assignments`)).body).toEqual({ partitions: [{ topic, partition: 0 }] });

    // An empty body commits every position: the next offset to read, 3.
    const commit = await curl('POST', `${base}/offsets`);
    expect([commit.status, commit.body]).toEqual([200, { offsets: [] }]);
    const committed = await curl('GET', `${base}/offsets`, { body: { partitions: [{ topic, partition: 0 }] } });
    expect(committed.body).toEqual({ offsets: [{ topic, partition: 0, offset: 3, metadata: '' }] });
    // An explicit offset N is the last consumed: Kafka stores N + 1.
    expect((await curl('POST', `${base}/offsets`, { body: { offsets: [{ topic, partition: 0, offset: 0 }] } })).status).toBe(200);
    expect((await curl('GET', `${base}/offsets`, { body: { partitions: [{ topic, partition: 0 }] } })).body.offsets[0].offset).toBe(1);

    expect((await groupMembers(group)).members).toBe(1);
    expect((await curl('DELETE', base)).status).toBe(204);
    expect(await groupMembers(group)).toEqual({ state: 'Empty', members: 0 });
    const gone = await curl('GET', `${base}/subscription`);
    expect([gone.status, gone.body.error_code]).toEqual([404, 40403]);
  });

  test('binary: records come base64; an Accept of another format is 406 40601; seek to the beginning reads again', async () => {
    const topic = uniqueTopic('proxy-cons-bin');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    const produced = await curl('POST', `/topics/${topic}`, { body: { records: [{ key: b64('k'), value: b64('v1') }, { value: b64('v2') }] }, contentType: BINARY });
    expect(produced.status).toBe(200);
    const created = await curl('POST', `/consumers/${group}`, { body: { format: 'binary', 'auto.offset.reset': 'earliest' } });
    expect(created.status).toBe(200);
    const base = `/consumers/${group}/instances/${created.body.instance_id}`;
    expect(created.body.instance_id).toStartWith('rest-consumer-');

    const mismatch = await curl('GET', `${base}/records`, { accept: JSON_FORMAT });
    expect([mismatch.status, mismatch.body.error_code, mismatch.body.message]).toEqual([
      406,
      40601,
      'The requested embedded data format does not match the deserializer for this consumer instance',
    ]);

    expect((await curl('POST', `${base}/subscription`, { body: { topics: [topic] } })).status).toBe(204);
    const records = await readRecords(base, BINARY, 2);
    expect(records).toEqual([
      { topic, key: b64('k'), value: b64('v1'), partition: 0, offset: 0 },
      { topic, key: null, value: b64('v2'), partition: 0, offset: 1 },
    ]);
    expect((await curl('POST', `${base}/positions/beginning`, { body: { partitions: [{ topic, partition: 0 }] } })).status).toBe(204);
    expect((await readRecords(base, BINARY, 2)).map((r) => r.offset)).toEqual([0, 1]);
    expect((await curl('DELETE', base)).status).toBe(204);
  });

  test('auto.commit.enable: on by default (Kafka\'s enable.auto.commit), the positions are committed when the instance goes; "false" commits nothing; another value is 42204', async () => {
    const topic = uniqueTopic('proxy-cons-auto');
    await createTopic(node.bootstrap, topic);
    expect((await curl('POST', `/topics/${topic}`, { body: { records: [{ value: b64('a') }, { value: b64('b') }] }, contentType: BINARY })).status).toBe(200);
    const committedOf = (group: string) =>
      withAdmin(node.bootstrap, async (admin) => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions[0].offset);
    for (const [setting, expected] of [[undefined, '2'], ['false', '-1'], [true, '2']] as const) {
      const group = `${topic}-${String(setting)}`;
      const body = { name: 'a', format: 'binary', 'auto.offset.reset': 'earliest', ...(setting === undefined ? {} : { 'auto.commit.enable': setting }) };
      expect((await curl('POST', `/consumers/${group}`, { body })).status).toBe(200);
      const base = `/consumers/${group}/instances/a`;
      expect((await curl('POST', `${base}/subscription`, { body: { topics: [topic] } })).status).toBe(204);
      expect((await readRecords(base, BINARY, 2)).length).toBe(2);
      expect((await curl('DELETE', base)).status).toBe(204);
      expect(await committedOf(group)).toBe(expected);
    }
    const bad = await curl('POST', `/consumers/${topic}-bad`, { body: { 'auto.commit.enable': 'maybe' } });
    expect([bad.status, bad.body.error_code]).toEqual([422, 42204]);
  });

  test('manual assignment reads without joining; positions seek to an offset and to the end; a pattern subscription after it is 40903', async () => {
    const topic = uniqueTopic('proxy-cons-assign');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    const values = ['a', 'b', 'c'].map(b64);
    expect((await curl('POST', `/topics/${topic}`, { body: { records: values.map((value) => ({ value })) }, contentType: BINARY })).status).toBe(200);
    expect((await curl('POST', `/consumers/${group}`, { body: { name: 'm', 'auto.offset.reset': 'earliest' } })).status).toBe(200);
    const base = `/consumers/${group}/instances/m`;
    expect((await curl('POST', `${base}/assignments`, { body: { partitions: [{ topic, partition: 0 }] } })).status).toBe(204);
    expect((await curl('GET', `${base}/assignments`)).body).toEqual({ partitions: [{ topic, partition: 0 }] });
    // KafkaConsumer.subscribe after assign: IllegalStateException, 40903.
    const sub = await curl('POST', `${base}/subscription`, { body: { topic_pattern: `${topic}.*` } });
    expect([sub.status, sub.body.error_code]).toEqual([409, 40903]);
    // The position is resolved at the first read (earliest), then moved to offset 1.
    expect((await readRecords(base, BINARY, 3)).map((r) => r.value)).toEqual(values);
    expect((await curl('POST', `${base}/positions`, { body: { offsets: [{ topic, partition: 0, offset: 1 }] } })).status).toBe(204);
    expect((await readRecords(base, BINARY, 2)).map((r) => r.offset)).toEqual([1, 2]);
    expect((await curl('POST', `${base}/positions/end`, { body: { partitions: [{ topic, partition: 0 }] } })).status).toBe(204);
    expect((await curl('GET', `${base}/records?timeout=200`, { accept: BINARY })).body).toEqual([]);
    // Not a member: a manual assignment never joins the group.
    expect((await groupMembers(group)).members).toBe(0);
    expect((await curl('DELETE', base)).status).toBe(204);
  });

  test('fetch.min.bytes holds a read until that much is there: a record produced while the read waits comes in the same answer; a bad value is 42204', async () => {
    const topic = uniqueTopic('proxy-cons-minbytes');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    expect((await curl('POST', `/topics/${topic}`, { body: { records: [{ value: b64('small') }] }, contentType: BINARY })).status).toBe(200);
    const body = { name: 'w', format: 'binary', 'auto.offset.reset': 'earliest', 'fetch.min.bytes': '2048', 'consumer.request.timeout.ms': 15_000 };
    expect((await curl('POST', `/consumers/${group}`, { body })).status).toBe(200);
    const base = `/consumers/${group}/instances/w`;
    expect((await curl('POST', `${base}/assignments`, { body: { partitions: [{ topic, partition: 0 }] } })).status).toBe(204);
    // The first read resolves the position (earliest) and then waits: 5 bytes are not 2048.
    const reading = curl('GET', `${base}/records?timeout=15000`, { accept: BINARY });
    await Bun.sleep(500);
    const big = b64('x'.repeat(4096));
    expect((await curl('POST', `/topics/${topic}`, { body: { records: [{ value: big }] }, contentType: BINARY })).status).toBe(200);
    const got = await reading;
    expect(got.status).toBe(200);
    expect(got.body.map((r: { offset: number }) => r.offset)).toEqual([0, 1]);
    expect((await curl('DELETE', base)).status).toBe(204);
    const bad = await curl('POST', `/consumers/${group}`, { body: { 'fetch.min.bytes': 'lots' } });
    expect([bad.status, bad.body.error_code]).toEqual([422, 42204]);
  });

  test('a pattern subscription reads the matching topic', async () => {
    const topic = uniqueTopic('proxy-cons-pattern');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    expect((await curl('POST', `/topics/${topic}`, { body: { records: [{ value: { p: 1 } }] }, contentType: JSON_FORMAT })).status).toBe(200);
    expect((await curl('POST', `/consumers/${group}`, { body: { name: 'p', format: 'json', 'auto.offset.reset': 'earliest' } })).status).toBe(200);
    const base = `/consumers/${group}/instances/p`;
    const pattern = `${topic.slice(0, -2)}.*`;
    expect((await curl('POST', `${base}/subscription`, { body: { topic_pattern: pattern } })).status).toBe(204);
    expect(await readRecords(base, JSON_FORMAT, 1)).toEqual([{ topic, key: null, value: { p: 1 }, partition: 0, offset: 0 }]);
    expect((await curl('GET', `${base}/subscription`)).body.topics).toContain(topic);
    expect((await curl('DELETE', base)).status).toBe(204);
  });

  test('an unknown instance is 40403 on every route', async () => {
    const base = '/consumers/no-such-group/instances/nobody';
    for (const [method, path, body] of [
      ['GET', `${base}/records`, undefined],
      ['POST', `${base}/subscription`, { topics: ['t'] }],
      ['POST', `${base}/offsets`, undefined],
      ['DELETE', base, undefined],
    ] as const) {
      const r = await curl(method, path, { body });
      expect([method, path, r.status, r.body.error_code]).toEqual([method, path, 404, 40403]);
    }
  });

  test('an instance left idle past the timeout is closed: 40403, and its group has no members', async () => {
    const topic = uniqueTopic('proxy-cons-idle');
    const group = `${topic}-g`;
    await createTopic(node.bootstrap, topic);
    const created = await curl('POST', `/consumers/${group}`, { body: { name: 'idle', format: 'binary' } });
    expect(created.status).toBe(200);
    const base = `/consumers/${group}/instances/idle`;
    expect((await curl('POST', `${base}/subscription`, { body: { topics: [topic] } })).status).toBe(204);
    // Joined: the group has this member.
    for (let n = 0; n < READS_MAX && (await groupMembers(group)).members === 0; n++) await curl('GET', `${base}/records?timeout=500`);
    expect((await groupMembers(group)).members).toBe(1);

    await Bun.sleep(INSTANCE_TIMEOUT_MS + 2_500);
    const gone = await curl('GET', `${base}/subscription`);
    expect([gone.status, gone.body.error_code]).toEqual([404, 40403]);
    expect(await groupMembers(group)).toEqual({ state: 'Empty', members: 0 });
  });
});
