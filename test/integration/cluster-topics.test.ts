// Three real dist/freshet processes keep the cluster's topics in the controller's metadata:
// kafkajs creates a topic of 6 partitions through node 1; node 3's Metadata (kafkajs and
// `kcat -L`) shows it with its leaders spread over the three nodes; kafkajs produces and
// consumes through a bootstrap of one node only (it follows the leaders); Produce and Fetch to
// the wrong node name the leader and its endpoint (KIP-951); an idempotent producer gets its id
// from the controller; a topic config changed through one node is described by another; a
// consumer group commits offsets and a second consumer resumes from them; kcat produces and
// consumes; a group's coordinator restarted serves its partitions and the group's offsets
// again; a topic deleted through node 2
// disappears everywhere; a replication factor above the three brokers is refused with
// INVALID_REPLICATION_FACTOR; Metadata's auto-creation goes through the controller; a data
// directory with a single node's topics refuses to start with --seeds.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRESHET_BIN } from '../helpers/broker.ts';
import { type ClusterNodeProc, seedsFor, startClusterNode, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { errorTypes, kafkaFor } from '../helpers/kafkajs.ts';
import { freePort } from '../helpers/ports.ts';
import { KCAT_TOOL, kcat, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { Fetch, FindCoordinator, Metadata, Produce } from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/records.ts';

const SEED_IDS = [1, 2, 3];
/** Liveness bounds (generous for a loaded machine). */
const FORM_MS_MAX = 30_000;
const SEEN_MS_MAX = 15_000;
const TOPIC = 'spread';
const PARTITIONS = 6;

const nodes = new Map<number, ClusterNodeProc>();
let seeds = '';

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  seeds = s.seeds;
  const started = await startClusterNodes(SEED_IDS, s.ports, seeds);
  for (const n of started) nodes.set(n.id, n);
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;

/** The partitions' leaders of `topic` as node `via` reports them, once it lists all three brokers; null before. */
async function leadersVia(via: number, topic: string, partitions = PARTITIONS): Promise<number[] | null> {
  const admin = kafkaFor(bootstrapOf(via)).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics[0];
    return t.partitions.length === partitions ? t.partitions.sort((a, b) => a.partitionId - b.partitionId).map((p) => p.leader) : null;
  } catch {
    return null;
  } finally {
    await admin.disconnect();
  }
}

describe('topics of a three-node cluster', () => {
  test('kafkajs creates a topic through node 1; node 3 shows it with its leaders spread over the three nodes', async () => {
    const admin = kafkaFor(bootstrapOf(1)).admin();
    await admin.connect();
    try {
      // Every node registered in the metadata: three brokers seen from node 1.
      await waitFor(async () => ((await admin.describeCluster()).brokers.length === 3 ? true : null), FORM_MS_MAX, 'three registered brokers');
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const leaders = await waitFor(() => leadersVia(3, TOPIC), SEEN_MS_MAX, 'node 3 listing the topic');
    expect([...new Set(leaders)].sort()).toEqual(SEED_IDS);
    for (const id of SEED_IDS) expect(leaders.filter((l) => l === id).length).toBe(PARTITIONS / SEED_IDS.length);
  }, 60_000);

  testRequiring(KCAT_TOOL, 'kcat -L through node 3 lists the topic with every partition led by one of the three brokers', async () => {
    const r = await kcat(['-b', bootstrapOf(3), '-L', '-t', TOPIC, '-J']);
    expect(r.exitCode).toBe(0);
    const md = JSON.parse(r.stdout);
    expect(md.brokers.map((b: { id: number }) => b.id).sort()).toEqual(SEED_IDS);
    const t = md.topics.find((x: { topic: string }) => x.topic === TOPIC);
    expect(t.partitions.length).toBe(PARTITIONS);
    expect(new Set(t.partitions.map((p: { leader: number }) => p.leader))).toEqual(new Set(SEED_IDS));
  }, 30_000);

  test('kafkajs produces and consumes through a bootstrap of one node: every partition, on every node', async () => {
    const kafka = kafkaFor(bootstrapOf(2));
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({ partition: i % PARTITIONS, key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic: TOPIC, messages });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'spread-readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(async () => (seen.length >= messages.length ? true : null), 30_000, 'every message consumed');
    await consumer.disconnect();
    expect(seen.sort()).toEqual(messages.map((m) => m.value).sort());
  }, 60_000);

  test('Produce and Fetch to a node that does not host the partition: NOT_LEADER_OR_FOLLOWER naming the leader and its endpoint (KIP-951)', async () => {
    const leaders = (await leadersVia(1, TOPIC))!;
    const partition = leaders.findIndex((l) => l !== 1);
    const leader = leaders[partition];
    const client = await RawClient.connect(nodes.get(1)!.broker.port);
    try {
      const batch = buildBatch({ records: [{ value: new TextEncoder().encode('x'), timestamp: 1_700_000_000_000 }] });
      const produced = await client.send(Produce, 10, { transactionalId: null, acks: -1, timeoutMs: 5_000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: batch }] }] });
      const p = produced.responses[0].partitionResponses[0];
      expect(p.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(p.currentLeader?.leaderId).toBe(leader);
      expect(p.currentLeader?.leaderEpoch).toBeGreaterThan(0); // the Raft term its group elected it in
      expect(produced.nodeEndpoints).toEqual([{ nodeId: leader, host: '127.0.0.1', port: nodes.get(leader)!.broker.port, rack: null }]);
      const fetched = await client.send(Fetch, 16, {
        replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topicId: (await client.send(Metadata, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false })).topics[0].topicId, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      const f = fetched.responses[0].partitions[0];
      expect(f.errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      expect(f.currentLeader?.leaderId).toBe(leader);
      expect(f.currentLeader?.leaderEpoch).toBeGreaterThan(0);
      expect(fetched.nodeEndpoints.map((n) => n.nodeId)).toEqual([leader]);
    } finally {
      client.close();
    }
  }, 30_000);

  test('an idempotent producer gets its id from the controller and produces through one node', async () => {
    const producer = kafkaFor(bootstrapOf(3)).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const r = await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: PARTITIONS }, (_, i) => ({ partition: i, value: `idem${i}` })) });
      expect(r.map((x) => x.errorCode)).toEqual(Array(PARTITIONS).fill(0));
    } finally {
      await producer.disconnect();
    }
  }, 30_000);

  test("a topic config changed through node 1 is described by node 3 (the metadata's overrides)", async () => {
    const a1 = kafkaFor(bootstrapOf(1)).admin();
    const a3 = kafkaFor(bootstrapOf(3)).admin();
    await a1.connect();
    await a3.connect();
    try {
      await a1.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: TOPIC, configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
      // Node 3 applies the change when the leader tells it the entry committed (a heartbeat).
      const retentionVia3 = async () => {
        const d = await a3.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: TOPIC, configNames: ['retention.ms'] }] });
        return d.resources[0].configEntries.find((c) => c.configName === 'retention.ms')?.configValue ?? null;
      };
      expect(await waitFor(async () => ((await retentionVia3()) === '123456' ? '123456' : null), SEEN_MS_MAX, 'node 3 describing the new value')).toBe('123456');
    } finally {
      await a1.disconnect();
      await a3.disconnect();
    }
  }, 30_000);

  test('a consumer group commits offsets; a second consumer of the group resumes after them', async () => {
    const topic = 'resume';
    const kafka = kafkaFor(bootstrapOf(1));
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `a${i}` })) });
    const first = kafka.consumer({ groupId: 'resumers' });
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    let firstSeen = 0;
    await first.run({ autoCommit: true, eachMessage: async () => void firstSeen++ });
    await waitFor(async () => (firstSeen >= 30 ? true : null), 30_000, 'the first consumer reading 30');
    await first.disconnect(); // commits
    await producer.send({ topic, messages: Array.from({ length: 9 }, (_, i) => ({ partition: i % 3, value: `b${i}` })) });
    await producer.disconnect();
    const second = kafkaFor(bootstrapOf(3)).consumer({ groupId: 'resumers' });
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    const secondSeen: string[] = [];
    await second.run({ eachMessage: async ({ message }) => void secondSeen.push(message.value!.toString()) });
    await waitFor(async () => (secondSeen.length >= 9 ? true : null), 30_000, 'the second consumer reading the 9 new');
    await second.disconnect();
    expect(secondSeen.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `b${i}`).sort());
  }, 90_000);

  testRequiring(KCAT_TOOL, 'kcat produces through node 3 and consumes through node 1', async () => {
    const topic = 'kcat-spread';
    const admin = kafkaFor(bootstrapOf(2)).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    await waitFor(() => leadersVia(3, topic, 3), SEEN_MS_MAX, 'node 3 listing it');
    const lines = Array.from({ length: 12 }, (_, i) => `k${i}:v${i}`).join('\n');
    const p = await kcat(['-b', bootstrapOf(3), '-P', '-t', topic, '-K', ':'], { stdin: `${lines}\n` });
    expect(p.exitCode).toBe(0);
    const c = await kcat(['-b', bootstrapOf(1), '-C', '-t', topic, '-o', 'beginning', '-e', '-K', ':', '-q']);
    expect(c.exitCode).toBe(0);
    expect(c.stdout.trim().split('\n').sort()).toEqual(lines.split('\n').sort());
  }, 30_000);

  test("the coordinator of a group restarted (SIGTERM): it serves its partitions again and the group's committed offsets", async () => {
    // The node hosting the group's __consumer_offsets partition.
    const client = await RawClient.connect(nodes.get(1)!.broker.port);
    const found = await client.send(FindCoordinator, 1, { key: 'resumers', keyType: 0 });
    client.close();
    expect(found.errorCode).toBe(ErrorCode.NONE);
    const coordinator = nodes.get(found.nodeId)!;
    await coordinator.broker.stop();
    await coordinator.broker.restart();
    const kafka = kafkaFor(bootstrapOf(coordinator.id === 1 ? 2 : 1));
    const consumer = kafka.consumer({ groupId: 'after-restart' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await waitFor(async () => (seen.length >= 66 ? true : null), 30_000, 'every message consumed after the restart');
    await consumer.disconnect();
    expect(new Set(seen).size).toBe(66); // 60 from kafkajs, 6 from the idempotent producer
    // The group's offsets were loaded back by its restarted coordinator: it resumes after them.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'resume', messages: [{ partition: 0, value: 'c0' }, { partition: 1, value: 'c1' }] });
    await producer.disconnect();
    const resumer = kafka.consumer({ groupId: 'resumers' });
    await resumer.connect();
    await resumer.subscribe({ topic: 'resume', fromBeginning: true });
    const resumed: string[] = [];
    await resumer.run({ eachMessage: async ({ message }) => void resumed.push(message.value!.toString()) });
    await waitFor(async () => (resumed.length >= 2 ? true : null), 30_000, 'the group resuming after its committed offsets');
    await resumer.disconnect();
    expect(resumed.sort()).toEqual(['c0', 'c1']);
  }, 90_000);

  test('a topic deleted through node 2 disappears from every node', async () => {
    const admin = kafkaFor(bootstrapOf(2)).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [TOPIC] });
    } finally {
      await admin.disconnect();
    }
    for (const id of SEED_IDS) {
      await waitFor(
        async () => {
          const a = kafkaFor(bootstrapOf(id)).admin();
          await a.connect();
          try {
            return (await a.listTopics()).includes(TOPIC) ? null : true;
          } finally {
            await a.disconnect();
          }
        },
        SEEN_MS_MAX,
        `node ${id} no longer listing ${TOPIC}`,
      );
    }
  }, 60_000);

  test('a replication factor of 4 on three brokers is INVALID_REPLICATION_FACTOR', async () => {
    const admin = kafkaFor(bootstrapOf(3)).admin();
    await admin.connect();
    try {
      const e = (await admin.createTopics({ topics: [{ topic: 'four-copies', numPartitions: 1, replicationFactor: 4 }] }).catch((x: unknown) => x)) as { errors?: unknown[] };
      // kafkajs wraps each topic's error in an aggregate.
      const inner = e.errors?.[0] as { message?: string } | undefined;
      expect(errorTypes(inner)).toContain('INVALID_REPLICATION_FACTOR');
      // (kafkajs shows its own text for the code; the server's message is held by controller-ops.test.ts.)
    } finally {
      await admin.disconnect();
    }
  }, 30_000);
});

describe('auto-creation on a cluster', () => {
  test('a producer to an unknown topic on a node with auto.create.topics.enable: created through the controller, with its default partitions', async () => {
    const { ports, seeds: one } = await seedsFor([9]);
    const node = await startClusterNode(9, ports.get(9)!, one, ['--set', 'auto.create.topics.enable=true', '--set', 'num.partitions=2']);
    try {
      const kafka = kafkaFor(node.broker.bootstrap);
      const admin = kafka.admin();
      await admin.connect();
      try {
        // A fresh quorum: wait for its controller and this node's registration (the brokers
        // Metadata lists are the registered ones; before this node's register_broker record
        // commits, a topic of replication factor 1 has no broker to go to).
        // Registered is not enough: a new registration is fenced until its first
        // heartbeat unfences it (KIP-631), and placement needs an unfenced broker ("All brokers
        // are currently fenced", INVALID_REPLICATION_FACTOR, as Kafka answers): a topic created
        // with replication factor 1 proves one is there.
        await waitFor(async () => {
          const c = await admin.describeCluster();
          if (!(c.controller === 9 && c.brokers.some((b) => b.nodeId === 9))) return null;
          try {
            await admin.createTopics({ topics: [{ topic: 'placement-probe', numPartitions: 1, replicationFactor: 1 }] });
            return true;
          } catch {
            return null;
          }
        }, FORM_MS_MAX, 'a controller and this node registered and unfenced');
        const producer = kafka.producer({ allowAutoTopicCreation: true });
        await producer.connect();
        await producer.send({ topic: 'made-on-demand', messages: [{ value: 'first' }] });
        await producer.disconnect();
        const md = await admin.fetchTopicMetadata({ topics: ['made-on-demand'] });
        expect(md.topics[0].partitions.map((p) => p.leader)).toEqual([9, 9]);
      } finally {
        await admin.disconnect();
      }
      expect(node.broker.logs()).toMatch(/topic made-on-demand \(id \S+, 2 partition\(s\)\) from the metadata/);
    } finally {
      await stopAll([node]);
    }
  }, 60_000);
});

describe('a data directory from a single node', () => {
  test('with topics in cluster/topics.json, a node started with --seeds refuses to start and says why', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'freshet-single-'));
    mkdirSync(join(dataDir, 'cluster'));
    writeFileSync(join(dataDir, 'cluster', 'topics.json'), JSON.stringify({ topics: [{ name: 'old', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1, configs: {} }] }));
    const rpc = await freePort();
    const kafkaPort = await freePort();
    const r = await run([FRESHET_BIN, 'start', '--node-id', '9', '--data-dir', dataDir, '--kafka-addr', `127.0.0.1:${kafkaPort}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none', '--seeds', `9@127.0.0.1:${rpc}`], { timeoutMs: 15_000 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr + r.stdout).toContain('topics.json holds 1 topic(s)');
    expect(r.stderr + r.stdout).toContain('Start the node without --seeds');
  }, 30_000);
});
