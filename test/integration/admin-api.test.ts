// The admin API on a real node (dist/freshet --admin-addr), driven by curl, checked against
// Redpanda's shapes (src/v/redpanda/admin/api-doc/*.json: broker, cluster_health_overview,
// partition, get/set_log_level_response) and, for the cluster config, against what a Kafka
// client sees: kafkajs's describeConfigs on the broker must show a PUT's value with source
// DYNAMIC_DEFAULT_BROKER_CONFIG (KIP-226), and a refused PUT must leave it unchanged.

import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { START_DELAY_ENV } from '../../src/cli/start.ts';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { withAdmin, createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { type ClusterNodeProc, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { freePort } from '../helpers/ports.ts';
import { describeRun, PYTHON_CLIENTS, pythonJson, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { curlProxy as curl } from '../helpers/proxy.ts';

setDefaultTimeout(90_000);

const BROKER = 4;
/** DescribeConfigs ConfigSource (KIP-226). */
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;

let node: Broker;
let admin: string;
beforeAll(async () => {
  node = await startBroker({ admin: true });
  admin = node.adminUrl!;
});
afterAll(async () => {
  await node?.dispose();
});

async function describeBroker(name: string): Promise<{ value: string | null; source: number } | undefined> {
  return await withAdmin(node.bootstrap, async (a) => {
    const r = await a.describeConfigs({ resources: [{ type: BROKER, name: '0', configNames: [name] }], includeSynonyms: false });
    const e = r.resources[0]!.configEntries.find((c) => c.configName === name) as unknown as { configValue: string | null; configSource: number } | undefined;
    return e === undefined ? undefined : { value: e.configValue, source: e.configSource };
  });
}

describe('a lone node', () => {
  test('/v1/status/ready is 200 {"status":"ready"} once the node serves', async () => {
    expect(await curl(admin, 'GET', '/v1/status/ready')).toEqual({ status: 200, contentType: 'application/json', body: { status: 'ready' } });
  });

  test('/v1/brokers and /v1/brokers/0: the node, alive, with broker_json fields', async () => {
    const list = await curl(admin, 'GET', '/v1/brokers');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ node_id: 0, membership_status: 'active', is_alive: true });
    expect(typeof list.body[0].num_cores).toBe('number');
    expect(typeof list.body[0].version).toBe('string');
    expect((await curl(admin, 'GET', '/v1/brokers/0')).body).toEqual(list.body[0]);
    expect(await curl(admin, 'GET', '/v1/brokers/5')).toMatchObject({ status: 404, body: { code: 404 } });
  });

  test('/v1/node_config shows the listeners the node was started with', async () => {
    const r = await curl(admin, 'GET', '/v1/node_config');
    expect(r.body).toMatchObject({ node_id: 0, data_directory: node.dataDir, kafka_api: { address: '127.0.0.1', port: node.port }, admin_api: { port: Number(new URL(admin).port) } });
  });

  test('/v1/cluster/uuid is the cluster id Kafka clients see (kafkajs describeCluster)', async () => {
    const id = await withAdmin(node.bootstrap, async (a) => (await a.describeCluster()).clusterId);
    expect((await curl(admin, 'GET', '/v1/cluster/uuid')).body).toEqual({ cluster_uuid: id });
  });

  test('/v1/cluster/health_overview: healthy, itself the controller', async () => {
    const r = await curl(admin, 'GET', '/v1/cluster/health_overview');
    expect(r.body).toMatchObject({ is_healthy: true, unhealthy_reasons: [], controller_id: 0, all_nodes: [0], nodes_down: [], leaderless_partitions: [], under_replicated_partitions: [] });
  });

  test('/v1/partitions lists a new topic; a partition shows its leader, replicas, offsets and size', async () => {
    const topic = uniqueTopic('admin-partitions');
    await createTopic(node.bootstrap, topic, 2);
    const producer = kafkaFor(node.bootstrap).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}`, partition: 1 })) });
    await producer.disconnect();
    const list = (await curl(admin, 'GET', '/v1/partitions')).body as Array<Record<string, unknown>>;
    expect(list.filter((p) => p.topic === topic)).toEqual([
      { ns: 'kafka', topic, partition_id: 0, core: 0, materialized: false, leader: 0 },
      { ns: 'kafka', topic, partition_id: 1, core: 0, materialized: false, leader: 0 },
    ]);
    const p = await curl(admin, 'GET', `/v1/partitions/kafka/${topic}/1`);
    expect(p.body).toMatchObject({ ns: 'kafka', topic, partition_id: 1, status: 'done', leader_id: 0, replicas: [{ node_id: 0, core: 0 }], log_start_offset: 0, high_watermark: 5, log_end_offset: 5 });
    expect(p.body.size_bytes).toBeGreaterThan(0);
    expect(await curl(admin, 'GET', `/v1/partitions/kafka/${topic}/2`)).toMatchObject({ status: 404, body: { code: 404 } });
    const cluster = (await curl(admin, 'GET', `/v1/cluster/partitions/kafka/${topic}`)).body;
    expect(cluster).toEqual([0, 1].map((i) => ({ ns: 'kafka', topic, partition_id: i, leader_id: 0, replicas: [{ node_id: 0, core: 0 }], disabled: false })));
    // One replica: no leadership to hand over, and the answer says so.
    const t = await curl(admin, 'POST', `/v1/partitions/kafka/${topic}/0/transfer_leadership?target=1`);
    expect(t).toMatchObject({ status: 400, body: { code: 400 } });
    expect(t.body.message).toContain('runs alone');
  });

  test('PUT /v1/cluster_config changes what DescribeConfigs shows (kafkajs); dry_run and a refused PUT change nothing', async () => {
    const name = 'log.retention.bytes';
    expect((await describeBroker(name))?.value).toBe('-1');
    const dry = await curl(admin, 'PUT', '/v1/cluster_config?dry_run=true', { body: JSON.stringify({ upsert: { [name]: 777777 }, remove: [] }) });
    expect(dry.status).toBe(200);
    expect((await describeBroker(name))?.value).toBe('-1');
    const put = await curl(admin, 'PUT', '/v1/cluster_config', { body: JSON.stringify({ upsert: { [name]: 1234567 }, remove: [] }), contentType: 'application/json' });
    expect(put.status).toBe(200);
    expect(await describeBroker(name)).toEqual({ value: '1234567', source: DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect((await curl(admin, 'GET', `/v1/cluster_config?key=${name}`)).body).toEqual({ [name]: 1234567 });
    // One bad value refuses the whole request: the good one is not applied either.
    const refused = await curl(admin, 'PUT', '/v1/cluster_config', { body: JSON.stringify({ upsert: { [name]: 5, 'log.preallocate': 'maybe', 'no.such.property': 1 }, remove: [] }) });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body).sort()).toEqual(['log.preallocate', 'no.such.property']);
    expect((await describeBroker(name))?.value).toBe('1234567');
    expect((await describeBroker('log.preallocate'))?.value).toBe('false');
    const removed = await curl(admin, 'PUT', '/v1/cluster_config', { body: JSON.stringify({ upsert: {}, remove: [name] }) });
    expect(removed.status).toBe(200);
    expect((await describeBroker(name))?.value).toBe('-1');
  });

  // kafka-python is the installed client that names the cluster default "" (kafkajs refuses it).
  testRequiring(PYTHON_CLIENTS, 'a change made with Kafka AlterConfigs on BROKER "" (kafka-python) shows in GET /v1/cluster_config', async () => {
    const r = await pythonJson<{ resources: [number, string | null, number, string][] }>('kafka_python_configs.py', ['alter-default', node.bootstrap, 'log.segment.delete.delay.ms=30000']);
    expect(r.resources).toEqual([[0, null, BROKER, '']]);
    expect((await curl(admin, 'GET', '/v1/cluster_config?include_defaults=false')).body).toEqual({ 'log.segment.delete.delay.ms': 30000 });
  });

  test('/v1/cluster_config/schema describes each cluster property', async () => {
    const s = await curl(admin, 'GET', '/v1/cluster_config/schema');
    expect(s.body.properties['log.retention.bytes']).toMatchObject({ type: 'integer', needs_restart: false });
  });

  test('a log level set with PUT shows in GET, with the seconds until it expires', async () => {
    const put = await curl(admin, 'PUT', '/v1/config/log_level/storage?level=debug&expires=300');
    expect(put.body).toEqual({ name: 'storage', previous_level: 'info', new_level: 'debug', expiration: 300 });
    const get = await curl(admin, 'GET', '/v1/config/log_level/storage');
    expect(get.body).toMatchObject({ name: 'storage', level: 'debug' });
    expect(get.body.expiration).toBeGreaterThan(290);
    expect(await curl(admin, 'PUT', '/v1/config/log_level/storage?level=chatty')).toMatchObject({ status: 400, body: { code: 400 } });
    expect((await curl(admin, 'GET', '/v1/config/log_level/storage')).body.level).toBe('debug');
  });

  test('unknown paths are 404 JSON', async () => {
    expect(await curl(admin, 'GET', '/v1/no/such/thing')).toMatchObject({ status: 404, contentType: 'application/json', body: { code: 404 } });
  });

  test('/v1/status/ready is 503 {"status":"booting"} while the node opens its data directory, then 200', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dataDir = `${node.dataDir}-booting`;
    const argv = [FRESHET_BIN, 'start', '--dev', '--data-dir', dataDir, '--kafka-addr', `127.0.0.1:${await freePort()}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', `127.0.0.1:${port}`];
    // The test hook holds the node between binding its listeners and opening the data directory.
    const proc = Bun.spawn(argv, { env: { ...process.env, [START_DELAY_ENV]: '3000' }, stdout: 'ignore', stderr: 'pipe' });
    try {
      // curl exits 7 until the listener is bound.
      const booting = await waitFor(async () => ((await run(['curl', '-sS', `${url}/v1/status/ready`], { timeoutMs: 5_000 })).exitCode === 0 ? true : null), 10_000, 'the admin listener');
      expect(booting).toBe(true);
      expect(await curl(url, 'GET', '/v1/status/ready')).toEqual({ status: 503, contentType: 'application/json', body: { status: 'booting' } });
      expect(await curl(url, 'GET', '/v1/brokers')).toMatchObject({ status: 503, body: { code: 503 } });
      const ready = await waitFor(async () => {
        const r = await curl(url, 'GET', '/v1/status/ready');
        return r.status === 200 ? r : null;
      }, 20_000, 'ready');
      expect(ready.body).toEqual({ status: 'ready' });
    } finally {
      proc.kill('SIGTERM');
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a taken --admin-addr port is a clean start error naming the flag', async () => {
    const taken = Number(new URL(admin).port);
    const r = await run([FRESHET_BIN, 'start', '--data-dir', `${node.dataDir}-taken`, '--kafka-addr', `127.0.0.1:${await freePort()}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', `127.0.0.1:${taken}`], { timeoutMs: 15_000 });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`cannot listen for the admin API on 127.0.0.1:${taken} (--admin-addr): the address is in use`);
  });
});

describe('a three-node cluster', () => {
  const SEED_IDS = [1, 2, 3];
  /** A cluster forms and a topic gets its leaders within this (three processes on two cores). */
  const READY_MS_MAX = 60_000;
  let nodes: ClusterNodeProc[] = [];
  let rpcPorts = new Map<number, number>();
  beforeAll(async () => {
    const s = await seedsFor(SEED_IDS);
    rpcPorts = s.ports;
    nodes = await startClusterNodes(SEED_IDS, s.ports, s.seeds, [], { admin: true });
  });
  afterAll(async () => {
    await stopAll(nodes);
  });
  const url = (n: ClusterNodeProc) => n.broker.adminUrl!;

  test('every node lists the three brokers, alive, with their RPC addresses', async () => {
    for (const n of nodes) {
      const brokers = await waitFor(async () => {
        const r = await curl(url(n), 'GET', '/v1/brokers');
        return r.body.length === 3 && r.body.every((b: { is_alive: boolean }) => b.is_alive) ? r.body : null;
      }, READY_MS_MAX, `three live brokers seen by node ${n.id}`);
      expect(brokers.map((b: { node_id: number }) => b.node_id)).toEqual([1, 2, 3]);
      for (const b of brokers) expect(b).toMatchObject({ internal_rpc_address: '127.0.0.1', internal_rpc_port: rpcPorts.get(b.node_id), membership_status: 'active' });
    }
  });

  test('health_overview is healthy on every node, with one controller', async () => {
    const topic = uniqueTopic('admin-cluster-health');
    await withAdmin(nodes[0].broker.bootstrap, (a) => a.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true }));
    const views = [];
    for (const n of nodes) {
      views.push(
        await waitFor(async () => {
          const h = (await curl(url(n), 'GET', '/v1/cluster/health_overview')).body;
          return h.is_healthy ? h : null;
        }, READY_MS_MAX, `a healthy overview from node ${n.id}`),
      );
    }
    for (const h of views) expect(h).toMatchObject({ unhealthy_reasons: [], all_nodes: [1, 2, 3], nodes_down: [], leaderless_count: 0, under_replicated_count: 0 });
    expect(new Set(views.map((h) => h.controller_id)).size).toBe(1);
    expect(SEED_IDS).toContain(views[0].controller_id);
  });

  test('transfer_leadership moves a partition to the target; a node that does not lead says who does', async () => {
    const topic = uniqueTopic('admin-transfer');
    await withAdmin(nodes[0].broker.bootstrap, (a) => a.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true }));
    const before = await waitFor(async () => {
      const p = (await curl(url(nodes[0]), 'GET', `/v1/partitions/kafka/${topic}/0`)).body;
      return p.leader_id >= 0 && p.in_sync_replicas?.length === 3 ? p : null;
    }, READY_MS_MAX, `${topic}-0 with a leader and three in sync`);
    expect(before.replicas.map((r: { node_id: number }) => r.node_id).sort()).toEqual([1, 2, 3]);
    const leader = nodes.find((n) => n.id === before.leader_id)!;
    const other = nodes.find((n) => n.id !== before.leader_id)!;
    const target = nodes.find((n) => n.id !== before.leader_id && n.id !== other.id)!.id;
    const refused = await curl(url(other), 'POST', `/v1/partitions/kafka/${topic}/0/transfer_leadership?target=${target}`);
    expect(refused).toMatchObject({ status: 400, body: { code: 400 } });
    expect(refused.body.message).toContain(`node ${before.leader_id}`);
    const moved = await curl(url(leader), 'POST', `/v1/partitions/kafka/${topic}/0/transfer_leadership?target=${target}`);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await waitFor(async () => ((await curl(url(other), 'GET', `/v1/partitions/kafka/${topic}/0`)).body.leader_id === target ? true : null), READY_MS_MAX, `${topic}-0 led by node ${target}`);
  });

  test('a PUT /v1/cluster_config on one node reaches every node (through the controller)', async () => {
    const put = await curl(url(nodes[2]), 'PUT', '/v1/cluster_config', { body: JSON.stringify({ upsert: { 'log.cleaner.backoff.ms': 21000 }, remove: [] }) });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    for (const n of nodes) {
      await waitFor(async () => ((await curl(url(n), 'GET', '/v1/cluster_config?key=log.cleaner.backoff.ms')).body['log.cleaner.backoff.ms'] === 21000 ? true : null), READY_MS_MAX, `node ${n.id} sees the change`);
    }
  });

  test('a stopped node: the others list it as not alive and the overview names nodes_down', async () => {
    const victim = nodes[2];
    await victim.broker.stop();
    const h = await waitFor(async () => {
      const b = (await curl(url(nodes[0]), 'GET', '/v1/cluster/health_overview')).body;
      return b.nodes_down.includes(victim.id) ? b : null;
    }, READY_MS_MAX, `node ${victim.id} seen as down`);
    expect(h.is_healthy).toBe(false);
    expect(h.unhealthy_reasons).toContain('nodes_down');
    expect(h.all_nodes).toEqual([1, 2, 3]);
    expect((await curl(url(nodes[1]), 'GET', `/v1/brokers/${victim.id}`)).body).toMatchObject({ node_id: victim.id, is_alive: false });
  });
});
