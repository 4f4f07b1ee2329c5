// The admin API on a real node (dist/freshet --admin-addr), driven by curl, checked against
// Redpanda's shapes (src/v/redpanda/admin/api-doc/*.json: broker, cluster_health_overview,
// partition, get/set_log_level_response) and, for the cluster config, against what a Kafka
// client sees: kafkajs's describeConfigs on the broker must show a PUT's value with source
// DYNAMIC_DEFAULT_BROKER_CONFIG (KIP-226), and a refused PUT must leave it unchanged.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { withAdmin, createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
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

  test('a taken --admin-addr port is a clean start error naming the flag', async () => {
    const taken = Number(new URL(admin).port);
    const r = await run([FRESHET_BIN, 'start', '--data-dir', `${node.dataDir}-taken`, '--kafka-addr', `127.0.0.1:${await freePort()}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', `127.0.0.1:${taken}`], { timeoutMs: 15_000 });
    expect(r.exitCode, describeRun(r)).toBe(1);
    expect(r.stderr).toContain(`cannot listen for the admin API on 127.0.0.1:${taken} (--admin-addr): the address is in use`);
  });
});
