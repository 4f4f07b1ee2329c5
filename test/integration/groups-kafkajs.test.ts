// Consumer groups with kafkajs 2.2.4 against the real executable: a group of 3 splits 6
// partitions and every record is delivered once; when one member leaves, the others take its
// partitions within the session timeout; a committed position survives the member; admin APIs
// (listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups);
// GROUP_MAX_SIZE_REACHED with a small group.max.size.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { createTopic, kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';

setDefaultTimeout(90_000);

const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_MS = 500;

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ settings: { 'group.initial.rebalance.delay.ms': '0', 'group.max.size': '4' } });
});
afterAll(async () => {
  await broker?.dispose();
});

async function produce(topic: string, values: string[], partitions: number): Promise<void> {
  const producer = kafkaFor(broker.bootstrap).producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  await producer.disconnect();
}

type Member = { consumer: Consumer; seen: string[]; assigned: () => number };

async function member(groupId: string, topic: string, sink: Map<string, number>): Promise<Member> {
  const consumer = kafkaFor(broker.bootstrap).consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
  const seen: string[] = [];
  let assignedCount = 0;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assignedCount = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + (ps as number[]).length, 0);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }: EachMessagePayload) => {
      const v = message.value!.toString();
      seen.push(v);
      sink.set(v, (sink.get(v) ?? 0) + 1);
    },
  });
  return { consumer, seen, assigned: () => assignedCount };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe('kafkajs consumer group', () => {
  test('3 members split 6 partitions, each record once; a leaver\'s partitions move within the session timeout', async () => {
    const topic = uniqueTopic('grp');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 6);
    const counts = new Map<string, number>();
    const members = [await member(groupId, topic, counts), await member(groupId, topic, counts), await member(groupId, topic, counts)];
    await until('a stable 2/2/2 assignment', () => members.every((m) => m.assigned() === 2), 30_000);
    const first = Array.from({ length: 60 }, (_, i) => `a${i}`);
    await produce(topic, first, 6);
    await until('every record', () => first.every((v) => counts.has(v)), 20_000);
    expect(first.every((v) => counts.get(v) === 1)).toBe(true);
    for (const m of members) expect(m.seen.length).toBeGreaterThan(0);

    const desc = await withAdmin(broker.bootstrap, (a) => a.describeGroups([groupId]));
    expect(desc.groups[0].state).toBe('Stable');
    expect(desc.groups[0].protocolType).toBe('consumer');
    expect(desc.groups[0].members).toHaveLength(3);

    // One member leaves; the other two take its partitions and read new records.
    const leftAt = Date.now();
    await members[2].consumer.disconnect();
    await until('3/3 over the remaining members', () => members[0].assigned() + members[1].assigned() === 6 && members[0].assigned() > 0 && members[1].assigned() > 0, SESSION_TIMEOUT_MS * 3);
    expect(Date.now() - leftAt).toBeLessThan(SESSION_TIMEOUT_MS * 3);
    const second = Array.from({ length: 30 }, (_, i) => `b${i}`);
    await produce(topic, second, 6);
    await until('every new record', () => second.every((v) => counts.has(v)), 20_000);
    expect(second.every((v) => counts.get(v) === 1)).toBe(true);
    await Promise.all(members.slice(0, 2).map((m) => m.consumer.disconnect()));
  });

  test('a consumer that commits, leaves and is replaced resumes after the committed offset', async () => {
    const topic = uniqueTopic('resume');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 1);
    await produce(topic, ['1', '2', '3'], 1);
    const counts = new Map<string, number>();
    const a = await member(groupId, topic, counts);
    await until('the first three', () => a.seen.length === 3, 20_000);
    await a.consumer.disconnect(); // commits on the way out
    const offsets = await withAdmin(broker.bootstrap, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    expect(offsets[0].partitions[0].offset).toBe('3');
    await produce(topic, ['4', '5'], 1);
    const b = await member(groupId, topic, counts);
    await until('the next two', () => b.seen.length === 2, 20_000);
    await Bun.sleep(500);
    expect(b.seen).toEqual(['4', '5']);
    await b.consumer.disconnect();
  });
});

describe('kafkajs admin', () => {
  test('listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups', async () => {
    const topic = uniqueTopic('adm');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 2);
    await produce(topic, ['x', 'y', 'z', 'w'], 2);
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
      const listed = await admin.listGroups();
      // kafkajs's setOffsets joins the group as a consumer to commit, so the type is "consumer".
      expect(listed.groups.find((g) => g.groupId === groupId)?.protocolType).toBe('consumer');
      const fetched = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(fetched[0].partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset)).toEqual(['1', '2']);
      await admin.resetOffsets({ groupId, topic, earliest: true });
      const reset = await admin.fetchOffsets({ groupId, topics: [topic] });
      // kafkajs commits its EARLIEST sentinel (-2), which Kafka stores as given too.
      expect(reset[0].partitions.map((p) => p.offset)).toEqual(['-2', '-2']);
      const d = await admin.describeGroups([groupId]);
      expect(d.groups[0].state).toBe('Empty');
      await admin.deleteGroups([groupId]);
      expect((await admin.listGroups()).groups.find((g) => g.groupId === groupId)).toBeUndefined();
      const gone = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(gone[0].partitions.map((p) => p.offset)).toEqual(['-1', '-1']);
    });
  });

  test('GROUP_MAX_SIZE_REACHED beyond group.max.size (4)', async () => {
    const topic = uniqueTopic('max');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 1);
    const counts = new Map<string, number>();
    const members: Member[] = [];
    for (let i = 0; i < 4; i++) members.push(await member(groupId, topic, counts));
    await until('4 members', async () => (await withAdmin(broker.bootstrap, (a) => a.describeGroups([groupId]))).groups[0].members.length === 4, 30_000);
    const extra = kafkaFor(broker.bootstrap).consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, retry: { retries: 0 } });
    let crashed: string | null = null;
    extra.on(extra.events.CRASH, (e) => {
      const err = e.payload.error as Error & { type?: string };
      crashed = String(err?.type ?? err?.message);
    });
    await extra.connect();
    await extra.subscribe({ topic });
    await extra.run({ eachMessage: async () => {} });
    await until('the fifth member to fail', () => crashed !== null, 20_000);
    expect(crashed!).toContain('GROUP_MAX_SIZE_REACHED');
    await extra.disconnect();
    await Promise.all(members.map((m) => m.consumer.disconnect()));
  });
});
