// Consumer groups with librdkafka clients (kcat -G, confluent-kafka for Python 1.7) and raw
// protocol members, against a durable broker (no --dev): committed offsets survive kill -9;
// a silent member is expelled after session.timeout.ms; a member that does not rejoin within
// the rebalance timeout is removed and the group moves on.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, kcat, KCAT_TOOL, PYTHON, PYTHON_CLIENTS, run } from '../helpers/process.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { Heartbeat, JoinGroup, SyncGroup } from '../../src/protocol/messages/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';

setDefaultTimeout(90_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ dev: false, settings: { 'group.initial.rebalance.delay.ms': '0' } });
});
afterAll(async () => {
  await broker?.dispose();
});

async function produce(topic: string, values: string[], partitions = 1): Promise<void> {
  const producer = kafkaFor(broker.bootstrap).producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  await producer.disconnect();
}

describe('kcat balanced consumer', () => {
  testRequiring(KCAT_TOOL, '-G consumes, commits, and a second run starts after the commit', async () => {
    const topic = uniqueTopic('kcatg');
    await createTopic(broker.bootstrap, topic, 2);
    await produce(topic, ['k1', 'k2', 'k3', 'k4'], 2);
    const args = ['-b', broker.bootstrap, '-G', `g-${topic}`, '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=100', '-e', '-q', topic];
    const first = await kcat(args, { timeoutMs: 40_000 });
    expect(first.stdout.trim().split('\n').sort(), describeRun(first)).toEqual(['k1', 'k2', 'k3', 'k4']);
    await produce(topic, ['k5']);
    const second = await kcat(args, { timeoutMs: 40_000 });
    expect(second.stdout.trim(), describeRun(second)).toBe('k5');
  });
});

const PY_CONSUMER = `
import json, sys
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
bootstrap, topic, group, want, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
out = {}
if mode == 'consume':
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
                  'enable.auto.commit': False, 'session.timeout.ms': 6000})
    c.subscribe([topic])
    got = []
    for _ in range(200):
        m = c.poll(0.2)
        if m is None or m.error():
            if len(got) >= want: break
            continue
        got.append(m.value().decode())
    c.commit(asynchronous=False)
    out['values'] = got
    out['assignment'] = len(c.assignment())
    groups = AdminClient({'bootstrap.servers': bootstrap}).list_groups(timeout=10)
    out['listed'] = [g.id for g in groups]
    c.close()
else:
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group})
    tps = c.committed([TopicPartition(topic, 0)], timeout=10)
    out['committed'] = [tp.offset for tp in tps]
    c.close()
print(json.dumps(out))
`;
import { testRequiring } from '../helpers/requirements.ts';

async function py<T>(args: string[]): Promise<T> {
  const r = await run([PYTHON, '-c', PY_CONSUMER, ...args], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(describeRun(r));
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

describe('confluent-kafka (Python) consumer group', () => {
  testRequiring(PYTHON_CLIENTS, 'subscribe, consume, commit; the commit survives kill -9 of the broker', async () => {
    const topic = uniqueTopic('pyg');
    const group = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 1);
    await produce(topic, ['p1', 'p2', 'p3']);
    const r = await py<{ values: string[]; assignment: number; listed: string[] }>([broker.bootstrap, topic, group, '3', 'consume']);
    expect(r.values).toEqual(['p1', 'p2', 'p3']);
    expect(r.assignment).toBe(1);
    expect(r.listed).toContain(group);
    await broker.kill9();
    await broker.restart();
    const after = await py<{ committed: number[] }>([broker.bootstrap, topic, group, '0', 'committed']);
    expect(after.committed).toEqual([3]);
  });
});

// ------------------------------------------------------------------ raw members and timers

const enc = new TextEncoder();
const SESSION_MS = 6_000;

async function rawJoin(c: RawClient, groupId: string, memberId: string, rebalanceTimeoutMs: number) {
  return c.send(JoinGroup, 3, {
    groupId,
    sessionTimeoutMs: SESSION_MS,
    rebalanceTimeoutMs,
    memberId,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: enc.encode('m') }],
  });
}

/** Two raw members in a Stable group; returns their clients and ids. */
async function stablePair(groupId: string, rebalanceTimeoutMs: number) {
  const a = await RawClient.connect(broker.port);
  const b = await RawClient.connect(broker.port);
  const ja = rawJoin(a, groupId, '', rebalanceTimeoutMs);
  const jb = rawJoin(b, groupId, '', rebalanceTimeoutMs);
  // Without an initial delay the first join may complete alone (generation 1); the second then
  // starts generation 2, which waits for the first member to join again. So whichever answered
  // first joins again unless the other answered in the same generation at once (waiting for
  // both first would hold generation 2 until the first member's session expired).
  const first = await Promise.race([ja.then((r) => ({ r, isA: true })), jb.then((r) => ({ r, isA: false }))]);
  const other = first.isA ? jb : ja;
  const sameGeneration = await Promise.race([other.then((r) => r.generationId === first.r.generationId), Bun.sleep(1_000).then(() => false)]);
  const rejoined = sameGeneration ? first.r : await rawJoin(first.isA ? a : b, groupId, first.r.memberId, rebalanceTimeoutMs);
  const otherAnswer = await other;
  const [ra, rb] = first.isA ? [rejoined, otherAnswer] : [otherAnswer, rejoined];
  expect(ra.errorCode).toBe(ErrorCode.NONE);
  expect(rb.errorCode).toBe(ErrorCode.NONE);
  expect(ra.generationId).toBe(rb.generationId);
  const gen = ra.generationId;
  await Promise.all([
    a.send(SyncGroup, 2, { groupId, generationId: gen, memberId: ra.memberId, assignments: [] }),
    b.send(SyncGroup, 2, { groupId, generationId: gen, memberId: rb.memberId, assignments: [] }),
  ]);
  return { a, b, ida: ra.memberId, idb: rb.memberId, gen };
}

describe('timers against the real broker', () => {
  test('a member that stops heartbeating is expelled after session.timeout.ms', async () => {
    const groupId = `g-${uniqueTopic('expire')}`;
    const { a, b, ida, gen } = await stablePair(groupId, 10_000);
    const start = Date.now();
    let code: number = ErrorCode.NONE;
    while (code === ErrorCode.NONE && Date.now() - start < SESSION_MS * 3) {
      await Bun.sleep(500);
      code = (await a.send(Heartbeat, 2, { groupId, generationId: gen, memberId: ida })).errorCode;
    }
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(Date.now() - start).toBeGreaterThanOrEqual(SESSION_MS - 1_000);
    a.close();
    b.close();
  });

  test('a member that does not rejoin within the rebalance timeout is removed; the group moves on', async () => {
    const groupId = `g-${uniqueTopic('slow')}`;
    const rebalanceMs = 4_000;
    const { a, b, ida, idb, gen } = await stablePair(groupId, rebalanceMs);
    // b keeps heartbeating (alive) but never rejoins.
    let stop = false;
    const beats = (async () => {
      while (!stop) {
        await b.send(Heartbeat, 2, { groupId, generationId: gen, memberId: idb });
        await Bun.sleep(500);
      }
    })();
    const start = Date.now();
    const r = await rawJoin(a, groupId, ida, rebalanceMs);
    const took = Date.now() - start;
    stop = true;
    await beats;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(gen + 1);
    expect(r.members.map((m) => m.memberId)).toEqual([ida]);
    expect(took).toBeGreaterThanOrEqual(rebalanceMs - 500);
    expect(took).toBeLessThan(rebalanceMs * 3);
    const hb = await b.send(Heartbeat, 2, { groupId, generationId: gen, memberId: idb });
    expect(hb.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    a.close();
    b.close();
  });
});
