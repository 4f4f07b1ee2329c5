// The HTTP proxy on a three-node cluster of real dist/freshet processes: every node's proxy
// reaches every partition through its internal client (DESIGN.md section 6: the proxy talks to
// the cluster through the client, so it works the same on any node). Oracles: Confluent's v2
// entities (BrokerList, GetPartitionResponse: a replica's leader and in_sync flags) and Kafka's
// semantics: a record acknowledged through one node is read at the same offset through any other.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type ClusterNodeProc, partitionsVia, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';

setDefaultTimeout(120_000);

const SEED_IDS = [1, 2, 3];
/** A cluster forms and a topic gets its leaders within this (three processes on two cores). */
const READY_MS_MAX = 60_000;

let nodes: ClusterNodeProc[] = [];
beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  nodes = await startClusterNodes(SEED_IDS, s.ports, s.seeds, [], { proxy: true });
  // The quorum formed: the three nodes registered (the proxy's own view is tested below).
  const admin = kafkaFor(nodes[0].broker.bootstrap).admin();
  await admin.connect();
  try {
    await waitFor(async () => ((await admin.describeCluster()).brokers.length === 3 ? true : null), READY_MS_MAX, 'three registered brokers');
  } finally {
    await admin.disconnect();
  }
});
afterAll(async () => {
  await stopAll(nodes);
});

async function call(node: ClusterNodeProc, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${node.broker.proxyUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/vnd.kafka.binary.v2+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Three partitions, three replicas each, every partition with a leader. */
async function createReplicated(topic: string): Promise<void> {
  const admin = kafkaFor(nodes[0].broker.bootstrap).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  await waitFor(() => partitionsVia(nodes[0].broker.bootstrap, topic, 3), READY_MS_MAX, `${topic} with leaders`);
}

describe('the proxy on a cluster', () => {
  test('every node lists the three brokers and the same partitions, each replicated to three', async () => {
    const topic = uniqueTopic('proxy-cluster-meta');
    await createReplicated(topic);
    for (const n of nodes) {
      expect((await call(n, 'GET', '/brokers')).body).toEqual({ brokers: SEED_IDS });
      const partitions = await waitFor(async () => {
        const r = await call(n, 'GET', `/topics/${topic}/partitions`);
        return r.status === 200 && r.body.every((p: { leader: number }) => p.leader >= 0) ? r.body : null;
      }, READY_MS_MAX, `node ${n.id}'s proxy seeing the leaders`);
      for (const p of partitions) {
        expect(p.replicas.map((r: { broker: number }) => r.broker).sort()).toEqual(SEED_IDS);
        expect(p.replicas.filter((r: { leader: boolean }) => r.leader).map((r: { broker: number }) => r.broker)).toEqual([p.leader]);
      }
    }
  });

  test('records produced through each node are read at the same offsets through every other', async () => {
    const topic = uniqueTopic('proxy-cluster-data');
    await createReplicated(topic);
    // Every node's proxy writes to every partition: whatever the leaders, each node sends to
    // partitions another node leads (checked below), through its own client.
    const written: Array<{ partition: number; offset: number; value: string }> = [];
    for (const n of nodes) {
      for (const partition of [0, 1, 2]) {
        const value = `via node ${n.id} to ${partition}`;
        const r = await waitFor(async () => {
          const a = await call(n, 'POST', `/topics/${topic}/partitions/${partition}`, { records: [{ value: b64(value) }] });
          return a.status === 200 && a.body.offsets[0].error_code === null ? a : null;
        }, READY_MS_MAX, `a produce through node ${n.id}`);
        written.push({ partition, offset: r.body.offsets[0].offset, value });
      }
    }
    const leaders: number[] = (await call(nodes[0], 'GET', `/topics/${topic}/partitions`)).body.map((p: { leader: number }) => p.leader);
    // Writes that went through a node other than the partition's leader.
    expect(nodes.flatMap((n) => leaders.filter((l) => l !== n.id)).length).toBeGreaterThanOrEqual(6);
    for (const n of nodes) {
      for (const w of written) {
        const r = await call(n, 'GET', `/topics/${topic}/partitions/${w.partition}/records?offset=${w.offset}`);
        expect([n.id, r.status, r.body.map((x: { value: string; offset: number }) => [x.offset, Buffer.from(x.value, 'base64').toString()])]).toEqual([n.id, 200, [[w.offset, w.value]]]);
      }
    }
  });
});
