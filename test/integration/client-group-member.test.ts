// The internal client's GroupMember (src/client/group-member.ts) against the compiled
// executable, with kafkajs 2.2.4 as the other client where the group must interoperate:
// - two members split a 4-partition topic (range: 2 + 2) and together read every record once;
// - one commits and leaves (LeaveGroup), the other takes all four and resumes the leaver's
//   partitions at its committed offsets (no record read twice);
// - a member that commits and closes is replaced by a new one that starts after the commit;
// - a kafkajs consumer and our member share a group's partitions, with kafkajs as the leader
//   in one run and ours in the other (the assignment crosses the consumer protocol both ways);
// - a pattern subscription picks up a matching topic created later;
// - manual assignment reads without joining, and seek moves the position.
// Expectations are Kafka's consumer-group semantics (each partition to one member per
// generation, committed offsets are where a new owner starts).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Consumer } from 'kafkajs';
import { PartitionAssigners } from 'kafkajs';
import { systemClock } from '../../src/base/clock.ts';
import { systemScheduler } from '../../src/base/scheduler.ts';
import { KafkaClient } from '../../src/client/client.ts';
import { GroupMember, type GroupMemberOptions } from '../../src/client/group-member.ts';
import { bunNetwork } from '../../src/net/bun-network.ts';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';

setDefaultTimeout(90_000);

const SESSION_TIMEOUT_MS = 6_000;
const HEARTBEAT_MS = 300;

let broker: Broker;
const clients: KafkaClient[] = [];
beforeAll(async () => {
  broker = await startBroker({ settings: { 'group.initial.rebalance.delay.ms': '0' } });
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await broker?.dispose();
});

async function newMember(groupId: string, options: Partial<GroupMemberOptions> = {}): Promise<GroupMember> {
  const client = await KafkaClient.connect({ bootstrap: [broker.bootstrap], clientId: 'member-test', io: { clock: systemClock, scheduler: systemScheduler, network: bunNetwork } });
  clients.push(client);
  return new GroupMember(client, { groupId, sessionTimeoutMs: SESSION_TIMEOUT_MS, heartbeatIntervalMs: HEARTBEAT_MS, rebalanceTimeoutMs: 10_000, autoOffsetReset: 'earliest', ...options });
}

/** Polls `m` until stopped, counting each value read in `counts`. */
function pollLoop(m: GroupMember, counts: Map<string, number>): { seen: string[]; stop: () => Promise<void> } {
  const seen: string[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      const r = await m.poll(1024 * 1024, 200);
      for (const rec of r.records) {
        const v = new TextDecoder().decode(rec.value!);
        seen.push(v);
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      if (r.error !== null) await Bun.sleep(100);
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

async function produce(topic: string, values: string[], partitions: number): Promise<void> {
  const producer = kafkaFor(broker.bootstrap).producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % partitions })) });
  await producer.disconnect();
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const names = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const partitionsOf = (m: GroupMember): number[] => m.assignment().map((p) => p.partition).sort();

describe('GroupMember', () => {
  test('two members split 4 partitions and read every record once; after one commits and leaves, the other takes all and resumes from its commit', async () => {
    const topic = uniqueTopic('gm-split');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 4);
    const counts = new Map<string, number>();
    const a = await newMember(groupId, { assignors: ['range'] });
    expect(await a.subscribe({ topics: [topic] })).toBeNull();
    const la = pollLoop(a, counts);
    await until('a alone owns all 4', () => a.assignment().length === 4, 20_000);
    const b = await newMember(groupId, { assignors: ['range'] });
    await b.subscribe({ topics: [topic] });
    const lb = pollLoop(b, counts);
    await until('a 2 + 2 split', () => a.assignment().length === 2 && b.assignment().length === 2 && a.generationId === b.generationId, 20_000);
    // RangeAssignor: members in member-id order take [0, 1] and [2, 3].
    expect([partitionsOf(a), partitionsOf(b)].sort()).toEqual([[0, 1], [2, 3]]);
    expect(a.protocolName).toBe('range');

    const first = names(40, 'a');
    await produce(topic, first, 4);
    await until('every record', () => first.every((v) => counts.has(v)), 20_000);
    expect(first.filter((v) => counts.get(v) !== 1)).toEqual([]);
    expect(la.seen.length).toBe(20);
    expect(lb.seen.length).toBe(20);

    // a commits what it consumed and leaves: b owns all four at once (LeaveGroup, no session wait).
    await la.stop();
    const committed = await a.commit();
    expect(committed.error).toBeNull();
    expect(committed.partitions.map((p) => p.error)).toEqual([null, null]);
    expect(await a.close()).toBeNull();
    await until('b owns all 4', () => b.assignment().length === 4, SESSION_TIMEOUT_MS);
    const second = names(40, 'b');
    await produce(topic, second, 4);
    await until('every new record', () => second.every((v) => counts.has(v)), 20_000);
    await Bun.sleep(300);
    // a's partitions restart at a's commit, b's at b's own positions: nothing is read twice.
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    await lb.stop();
    await b.close();
  });

  test('a new member resumes from the offset its predecessor committed', async () => {
    const topic = uniqueTopic('gm-resume');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 1);
    await produce(topic, ['1', '2', '3'], 1);
    const c = await newMember(groupId);
    await c.subscribe({ topics: [topic] });
    const got: string[] = [];
    const first = Date.now() + 10_000;
    while (Date.now() < first && got.length < 3) for (const r of (await c.poll(1024, 200)).records) got.push(new TextDecoder().decode(r.value!));
    expect(got).toEqual(['1', '2', '3']);
    expect(c.position({ topic, partition: 0 })).toBe(3);
    expect((await c.commit()).partitions).toEqual([{ topic, partition: 0, error: null }]);
    expect((await c.committed([{ topic, partition: 0 }])).offsets.map((o) => o.offset)).toEqual([3]);
    await c.close();

    await produce(topic, ['4', '5'], 1);
    // earliest would give all five again if the commit were not where d starts.
    const d = await newMember(groupId);
    await d.subscribe({ topics: [topic] });
    const next: string[] = [];
    const end = Date.now() + 5_000;
    while (Date.now() < end && next.length < 2) for (const r of (await d.poll(1024, 200)).records) next.push(new TextDecoder().decode(r.value!));
    expect(next).toEqual(['4', '5']);
    await d.close();
  });

  test('a member that is not polling still rejoins when its heartbeat learns of a rebalance', async () => {
    // Java's consumer would rejoin only in its next poll(); ours rejoins from the heartbeat, so
    // a newcomer waits one heartbeat, not the idle member's rebalance timeout (10 s here).
    const topic = uniqueTopic('gm-idle');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 4);
    const changes: number[][] = [];
    const idle = await newMember(groupId, { onAssignmentChange: (c) => changes.push(c.assigned.map((p) => p.partition).sort()) });
    await idle.subscribe({ topics: [topic] });
    expect(await idle.join()).toBeNull();
    expect(idle.assignment()).toHaveLength(4);
    const other = await newMember(groupId);
    await other.subscribe({ topics: [topic] });
    const started = Date.now();
    expect(await other.join()).toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000);
    await until('the idle member to hold 2', () => idle.assignment().length === 2, 5_000);
    expect(changes[0]).toEqual([0, 1, 2, 3]);
    expect(changes.at(-1)!.length).toBe(2);
    await other.close();
    await idle.close();
  });

  test('two members on one shared client split a topic promptly (each has its own coordinator connection)', async () => {
    // On one shared connection, the second member's JoinGroup (held until the rebalance ends)
    // would queue the first member's heartbeat behind it: the group would wait out the
    // rebalance timeout (10 s) and expel the first member.
    const topic = uniqueTopic('gm-shared');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 4);
    const a = await newMember(groupId);
    const b = new GroupMember(clients.at(-1)!, { groupId, sessionTimeoutMs: SESSION_TIMEOUT_MS, heartbeatIntervalMs: HEARTBEAT_MS, rebalanceTimeoutMs: 10_000 });
    await a.subscribe({ topics: [topic] });
    expect(await a.join()).toBeNull();
    await b.subscribe({ topics: [topic] });
    const started = Date.now();
    expect(await b.join()).toBeNull();
    await until('2 + 2', () => a.assignment().length === 2 && b.assignment().length === 2, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    await Promise.all([a.close(), b.close()]);
  });

  test('poll returns at most maxBytes of keys and values (at least one record) and the next poll goes on from there; seekTo latest', async () => {
    const topic = uniqueTopic('gm-bytes');
    await createTopic(broker.bootstrap, topic, 1);
    await produce(topic, names(10, 'value-'), 1); // 7 or 8 bytes each, no keys
    const m = await newMember(`g-${topic}`);
    m.assign([{ topic, partition: 0 }]);
    const first = await m.poll(15, 200);
    expect(first.records.map((r) => r.offset)).toEqual([0, 1]); // 7 + 7 <= 15 < 7 + 7 + 7
    expect((await m.poll(1, 200)).records.map((r) => r.offset)).toEqual([2]); // one even over the limit
    expect((await m.poll(1024, 200)).records.map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(await m.seekTo([{ topic, partition: 0 }], 'earliest')).toEqual([]);
    expect(m.position({ topic, partition: 0 })).toBe(0);
    expect(await m.seekTo([{ topic, partition: 0 }], 'latest')).toEqual([]);
    expect(m.position({ topic, partition: 0 })).toBe(10);
    await m.close();
  });

  test('records a fetch brought beyond maxPollRecords are handed out by the next polls without fetching again; a seek drops them', async () => {
    const topic = uniqueTopic('gm-buffer');
    await createTopic(broker.bootstrap, topic, 1);
    await produce(topic, names(10, 'value-'), 1); // one batch of 10
    const client = await KafkaClient.connect({ bootstrap: [broker.bootstrap], clientId: 'member-test', io: { clock: systemClock, scheduler: systemScheduler, network: bunNetwork } });
    clients.push(client);
    const m = new GroupMember(client, { groupId: `g-${topic}`, autoOffsetReset: 'earliest', maxPollRecords: 4 });
    m.assign([{ topic, partition: 0 }]);
    // Every Fetch goes through a connection to the partition's leader.
    let fetches = 0;
    const core = client as unknown as { node(id: number): Promise<{ request: (...a: unknown[]) => Promise<unknown> }> };
    const node = core.node.bind(core);
    core.node = async (id) => {
      const conn = await node(id);
      return { ...conn, request: (...a: unknown[]) => ((a[0] as { name?: string }).name === 'Fetch' && fetches++, conn.request(...a)) } as typeof conn;
    };
    expect((await m.poll(1024, 200)).records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    const afterFirst = fetches;
    expect(afterFirst).toBeGreaterThan(0);
    expect((await m.poll(1024, 200)).records.map((r) => r.offset)).toEqual([4, 5, 6, 7]);
    expect((await m.poll(1024, 200)).records.map((r) => r.offset)).toEqual([8, 9]);
    expect(fetches).toBe(afterFirst);
    expect(m.position({ topic, partition: 0 })).toBe(10);
    // A seek back makes the position differ from what any buffer follows on from: a new fetch.
    expect(m.seek({ topic, partition: 0 }, 1)).toBeNull();
    expect((await m.poll(1024, 200)).records.map((r) => r.offset)).toEqual([1, 2, 3, 4]);
    expect(fetches).toBe(afterFirst + 1);
    await m.close();
  });

  test('a pattern subscription picks up a matching topic created later', async () => {
    const base = uniqueTopic('gm-pat');
    const groupId = `g-${base}`;
    await createTopic(broker.bootstrap, `${base}-one`, 1);
    await createTopic(broker.bootstrap, `${base}-x-other`, 1); // matches the prefix only: the whole name must match
    const m = await newMember(groupId, { patternRefreshMs: 300 });
    await m.subscribe({ pattern: new RegExp(`${base.replace(/[-]/g, '\\-')}-[a-z]+`) });
    expect(m.subscribedTopics()).toEqual([`${base}-one`]);
    const counts = new Map<string, number>();
    const loop = pollLoop(m, counts);
    await produce(`${base}-one`, ['p1'], 1);
    await until('the first topic\'s record', () => counts.has('p1'), 20_000);
    await createTopic(broker.bootstrap, `${base}-two`, 1);
    await produce(`${base}-two`, ['p2'], 1);
    await until('the later topic\'s record', () => counts.has('p2'), 20_000);
    expect(m.subscribedTopics()).toEqual([`${base}-one`, `${base}-two`]);
    expect(m.assignment().map((p) => p.topic).sort()).toEqual([`${base}-one`, `${base}-two`]);
    await loop.stop();
    await m.close();
  });

  test('manual assignment reads without joining; seek moves the position; out of range resets; subscribe is then refused', async () => {
    const topic = uniqueTopic('gm-assign');
    await createTopic(broker.bootstrap, topic, 2);
    await produce(topic, names(10, 'm'), 2); // m0, m2, ... to partition 0
    const m = await newMember(`g-${topic}`);
    expect(m.assign([{ topic, partition: 0 }])).toBeNull();
    expect(m.seek({ topic, partition: 1 }, 0)?.refusal).toBe('not_assigned');
    expect(m.seek({ topic, partition: 0 }, 3)).toBeNull();
    const r = await m.poll(1024, 200);
    expect(r.records.map((x) => [x.offset, new TextDecoder().decode(x.value!)])).toEqual([[3, 'm6'], [4, 'm8']]);
    expect(m.memberId).toBe('');
    // Past the end: OFFSET_OUT_OF_RANGE, and the next poll starts over by auto.offset.reset
    // (earliest here), as Kafka's consumer resets an out-of-range position.
    expect(m.seek({ topic, partition: 0 }, 1_000)).toBeNull();
    const out = await m.poll(1024, 200);
    expect(out.errors.map((e) => 'name' in e.error && e.error.name)).toEqual(['OFFSET_OUT_OF_RANGE']);
    expect(m.position({ topic, partition: 0 })).toBeNull();
    expect((await m.poll(1024, 200)).records[0]?.offset).toBe(0);
    expect((await m.subscribe({ topics: [topic] }))?.refusal).toBe('mutually_exclusive');
    await m.close();
  });
});

// kafkajs names its round-robin assigner "RoundRobinAssigner"; Java and we call it
// "roundrobin". A group needs one protocol every member announces, so kafkajs's assigner is
// given Kafka's name here (kafkajs documents custom assigners with a name and protocol()).
const KafkaNamedRoundRobin: typeof PartitionAssigners.roundRobin = (config) => ({ ...PartitionAssigners.roundRobin(config), name: 'roundrobin' });

describe('GroupMember with a kafkajs consumer in the same group', () => {
  for (const leader of ['kafkajs', 'ours'] as const) {
    test(`they share 4 partitions and read every record once (${leader} leads)`, async () => {
      const topic = uniqueTopic(`gm-mix-${leader}`);
      const groupId = `g-${topic}`;
      await createTopic(broker.bootstrap, topic, 4);
      const counts = new Map<string, number>();
      let theirs = 0;
      const kjsSeen: string[] = [];
      const startKafkajs = async (): Promise<Consumer> => {
        const consumer = kafkaFor(broker.bootstrap).consumer({ groupId, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200, partitionAssigners: [KafkaNamedRoundRobin] });
        consumer.on(consumer.events.GROUP_JOIN, (e) => {
          theirs = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + (ps as number[]).length, 0);
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const v = message.value!.toString();
            kjsSeen.push(v);
            counts.set(v, (counts.get(v) ?? 0) + 1);
          },
        });
        return consumer;
      };
      const ours = await newMember(groupId, { assignors: ['roundrobin'] });
      let consumer: Consumer;
      let loop: ReturnType<typeof pollLoop>;
      if (leader === 'kafkajs') {
        consumer = await startKafkajs();
        await until('kafkajs owns all 4', () => theirs === 4, 20_000);
        await ours.subscribe({ topics: [topic] });
        loop = pollLoop(ours, counts);
      } else {
        await ours.subscribe({ topics: [topic] });
        loop = pollLoop(ours, counts);
        await until('ours owns all 4', () => ours.assignment().length === 4, 20_000);
        consumer = await startKafkajs();
      }
      await until('a 2 + 2 split', () => theirs === 2 && ours.assignment().length === 2, 30_000);
      expect(ours.isLeader).toBe(leader === 'ours');
      expect(ours.protocolName).toBe('roundrobin');
      const values = names(40, 'k');
      await produce(topic, values, 4);
      await until('every record', () => values.every((v) => counts.has(v)), 20_000);
      await Bun.sleep(300);
      expect(values.filter((v) => counts.get(v) !== 1)).toEqual([]);
      expect(kjsSeen.length).toBe(20);
      expect(loop.seen.length).toBe(20);
      await loop.stop();
      await ours.close();
      await consumer.disconnect();
    });
  }
  test('closing a member whose JoinGroup is held by the rebalance leaves at once', async () => {
    // kafkajs rejoins only at its next heartbeat (every 5 s here), so our JoinGroup is held
    // that long; close() must not wait for it, and the pending join answers that the member
    // left. (Apache Kafka reads nothing more from a connection while it holds a request, so
    // LeaveGroup goes on a fresh connection; our broker reads on, so this run cannot tell.)
    const topic = uniqueTopic('gm-close-joining');
    const groupId = `g-${topic}`;
    await createTopic(broker.bootstrap, topic, 2);
    let theirs = 0;
    const consumer = kafkaFor(broker.bootstrap).consumer({ groupId, sessionTimeout: 20_000, heartbeatInterval: 5_000, rebalanceTimeout: 20_000, maxWaitTimeInMs: 200, partitionAssigners: [KafkaNamedRoundRobin] });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      theirs = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + (ps as number[]).length, 0);
    });
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({ eachMessage: async () => {} });
    await until('kafkajs owns both', () => theirs === 2, 20_000);
    const ours = await newMember(groupId, { assignors: ['roundrobin'] });
    await ours.subscribe({ topics: [topic] });
    const joining = ours.join();
    await Bun.sleep(300);
    const started = Date.now();
    expect(await ours.close()).toBeNull();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect((await joining)?.message).toBe('the member left its group');
    await consumer.disconnect();
  });
});
