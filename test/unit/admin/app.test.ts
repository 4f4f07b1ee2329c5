// The admin app through its fetch handler, over a fake node: Redpanda's paths, JSON shapes and
// error bodies (src/v/redpanda/admin/api-doc/*.json and admin/server.cc; Seastar's json errors
// are {"message", "code"}), without a process or a socket.

import { beforeEach, describe, expect, test } from 'bun:test';
import { type AdminApp, adminApp } from '../../../src/admin/app.ts';
import type { AdminNode } from '../../../src/admin/admin-node.ts';
import type { LevelStore } from '../../../src/admin/log-levels.ts';
import type { Level, LoggerName } from '../../../src/base/log.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { FakeAdminNode } from './fake-node.ts';

class MapLevels implements LevelStore {
  readonly levels = new Map<LoggerName, Level>();
  get(name: LoggerName): Level {
    return this.levels.get(name) ?? 'info';
  }
  set(name: LoggerName, level: Level): void {
    this.levels.set(name, level);
  }
}

let fake: FakeAdminNode;
let node: AdminNode | null;
let scheduler: SimScheduler;
let levels: MapLevels;
let app: AdminApp;
let metricsCalls: Array<[string, string]>;

beforeEach(() => {
  fake = new FakeAdminNode();
  node = fake;
  scheduler = new SimScheduler();
  levels = new MapLevels();
  metricsCalls = [];
  app = adminApp({
    node: () => node,
    clock: scheduler.clock,
    scheduler,
    levels,
    requestBytesMax: 4096,
    metrics: (set, format) => {
      metricsCalls.push([set, format]);
      return '# TYPE up gauge\nup 1\n';
    },
  });
});

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; json: unknown; text: string }> {
  const r = await app.fetch(new Request(`http://127.0.0.1:9644${path}`, { method, body, headers }));
  const text = await r.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: r.status, type: r.headers.get('content-type'), json, text };
}

describe('readiness', () => {
  test('503 {"status":"booting"} before the node serves, 200 {"status":"ready"} after', async () => {
    node = null;
    expect(await call('GET', '/v1/status/ready')).toMatchObject({ status: 503, json: { status: 'booting' } });
    node = fake;
    expect(await call('GET', '/v1/status/ready')).toMatchObject({ status: 200, json: { status: 'ready' }, type: 'application/json' });
  });

  test('routes that need the node answer 503 with a JSON error before it serves; log levels answer', async () => {
    node = null;
    expect(await call('GET', '/v1/brokers')).toMatchObject({ status: 503, json: { code: 503 } });
    expect((await call('GET', '/v1/config/log_level/raft')).status).toBe(200);
  });
});

describe('brokers and node config', () => {
  test('GET /v1/brokers lists every broker with broker_json fields', async () => {
    const r = await call('GET', '/v1/brokers');
    expect(r.status).toBe(200);
    const brokers = r.json as Array<Record<string, unknown>>;
    expect(brokers.map((b) => b.node_id)).toEqual([1, 2, 3]);
    expect(brokers[0]).toMatchObject({ node_id: 1, num_cores: 1, membership_status: 'active', is_alive: true, version: '0.1.0', internal_rpc_address: '127.0.0.1', internal_rpc_port: 33145 });
  });

  test('GET /v1/brokers/{id}: one broker; unknown 404, not a number 400, both {"message","code"}', async () => {
    expect(await call('GET', '/v1/brokers/2')).toMatchObject({ status: 200, json: { node_id: 2, is_alive: true } });
    expect(await call('GET', '/v1/brokers/7')).toMatchObject({ status: 404, json: { message: 'broker with id: 7 not found', code: 404 } });
    expect(await call('GET', '/v1/brokers/x')).toMatchObject({ status: 400, json: { code: 400 } });
  });

  test('a broker the controller does not hear from is not alive and makes the cluster unhealthy', async () => {
    fake.brokerList[2] = { ...fake.brokerList[2], alive: false };
    expect(await call('GET', '/v1/brokers/3')).toMatchObject({ json: { is_alive: false } });
    const h = (await call('GET', '/v1/cluster/health_overview')).json as Record<string, unknown>;
    expect(h).toMatchObject({ is_healthy: false, nodes_down: [3], unhealthy_reasons: ['nodes_down'] });
  });

  test('GET /v1/node_config is the node config as the node gives it', async () => {
    expect(await call('GET', '/v1/node_config')).toMatchObject({ status: 200, json: { node_id: 1, kafka_api: { port: 9092 } } });
  });
});

describe('maintenance and decommission (broker.json\'s routes and shapes)', () => {
  test('PUT maintenance asks the node, answers {} and GET /v1/brokers/{id} shows maintenance_status while it drains', async () => {
    // Node 2 leads orders-1 (ISR 2,3,1): eligible to move until it leads nothing.
    const before = await call('GET', '/v1/brokers/2');
    expect(before.json).toMatchObject({ maintenance_status: { draining: false, finished: false, errors: false } });
    expect(await call('PUT', '/v1/brokers/2/maintenance')).toMatchObject({ status: 200, json: {} });
    expect(fake.memberCalls).toEqual([['maintenance on', 2]]);
    const draining = await call('GET', '/v1/brokers/2');
    expect(draining.json).toMatchObject({ maintenance_status: { draining: true, finished: false, errors: false, partitions: 3, eligible: 1, transferring: 1, failed: 0 } });
    fake.partitionList[1] = { ...fake.partitionList[1], leaderId: 3 };
    const done = (await call('GET', '/v1/brokers')).json as Array<{ node_id: number; maintenance_status: unknown }>;
    expect(done.find((b) => b.node_id === 2)?.maintenance_status).toMatchObject({ draining: true, finished: true, eligible: 0 });
    expect(await call('DELETE', '/v1/brokers/2/maintenance')).toMatchObject({ status: 200, json: {} });
    expect(fake.memberCalls.at(-1)).toEqual(['maintenance off', 2]);
  });

  test('GET /v1/maintenance is this node\'s own status', async () => {
    expect((await call('GET', '/v1/maintenance')).json).toMatchObject({ draining: false, finished: false });
    await call('PUT', '/v1/brokers/1/maintenance');
    // Node 1 leads orders-0 (ISR 1,2,3).
    expect((await call('GET', '/v1/maintenance')).json).toMatchObject({ draining: true, finished: false, eligible: 1 });
  });

  test('refusals keep the node\'s status and message; a bad id is 400', async () => {
    fake.memberAnswer = { ok: false, status: 400, message: 'can not update broker 3 state, invalid state transition requested' };
    expect(await call('PUT', '/v1/brokers/3/maintenance')).toMatchObject({ status: 400, json: { code: 400, message: 'can not update broker 3 state, invalid state transition requested' } });
    fake.memberAnswer = { ok: false, status: 404, message: 'broker with id 9 not found' };
    expect(await call('PUT', '/v1/brokers/9/decommission')).toMatchObject({ status: 404, json: { code: 404 } });
    expect((await call('PUT', '/v1/brokers/x/decommission')).status).toBe(400);
    expect(fake.memberCalls).toEqual([['maintenance on', 3], ['decommission', 9]]);
  });

  test('decommission, its progress (decommission_status) and recommission', async () => {
    expect(await call('PUT', '/v1/brokers/3/decommission')).toMatchObject({ status: 200, json: {} });
    expect(await call('GET', '/v1/brokers/3/decommission')).toMatchObject({ status: 400, json: { message: 'Node 3 is not decommissioning' } });
    fake.progress = { kind: 'unknown' };
    expect(await call('GET', '/v1/brokers/3/decommission')).toMatchObject({ status: 404, json: { message: 'Node 3 does not exists' } });
    fake.progress = { kind: 'progress', finished: false, replicasLeft: 2, moves: [{ topic: 'orders', partition: 0, movingTo: 4 }] };
    const p = await call('GET', '/v1/brokers/3/decommission');
    expect(p).toMatchObject({ status: 200, json: { finished: false, replicas_left: 2, allocation_failures: [] } });
    expect((p.json as { partitions: unknown[] }).partitions).toEqual([
      { ns: 'kafka', topic: 'orders', partition: 0, moving_to: { node_id: 4, core: 0 }, bytes_left_to_move: 4096, bytes_moved: 0, partition_size: 4096, reconfiguration_policy: 'full_local_retention' },
    ]);
    expect(await call('PUT', '/v1/brokers/3/recommission')).toMatchObject({ status: 200, json: {} });
    expect(fake.memberCalls).toEqual([['decommission', 3], ['recommission', 3]]);
  });

  test('local maintenance (PUT/DELETE /v1/maintenance) is not built: 501 naming the cluster routes', async () => {
    for (const method of ['PUT', 'DELETE']) {
      const r = await call(method, '/v1/maintenance');
      expect(r).toMatchObject({ status: 501, json: { code: 501 } });
      expect((r.json as { message: string }).message).toContain('/v1/brokers/{id}/maintenance');
    }
  });
});

describe('health overview', () => {
  test('healthy cluster: every cluster_health_overview field', async () => {
    const r = await call('GET', '/v1/cluster/health_overview');
    expect(r.json).toEqual({
      is_healthy: true,
      unhealthy_reasons: [],
      controller_id: 1,
      all_nodes: [1, 2, 3],
      nodes_down: [],
      nodes_in_recovery_mode: [],
      leaderless_partitions: [],
      leaderless_count: 0,
      under_replicated_partitions: [],
      under_replicated_count: 0,
      bytes_in_cloud_storage: -1,
    });
  });

  test('leaderless and under-replicated partitions as ns/topic/partition; no controller', async () => {
    fake.partitionList[0] = { ...fake.partitionList[0], leaderId: -1 };
    fake.partitionList[2] = { ...fake.partitionList[2], isr: [3] };
    fake.controller = -1;
    const h = (await call('GET', '/v1/cluster/health_overview')).json as Record<string, unknown>;
    expect(h).toMatchObject({
      is_healthy: false,
      unhealthy_reasons: ['leaderless_partitions', 'under_replicated_partitions', 'no_elected_controller'],
      controller_id: -1,
      leaderless_partitions: ['kafka/orders/0'],
      leaderless_count: 1,
      under_replicated_partitions: ['kafka/audit/0'],
      under_replicated_count: 1,
    });
  });
});

describe('partitions', () => {
  test("GET /v1/partitions: this node's replicas as partition_summary", async () => {
    const r = await call('GET', '/v1/partitions');
    expect(r.json).toEqual([
      { ns: 'kafka', topic: 'orders', partition_id: 0, core: 0, materialized: false, leader: 1 },
      { ns: 'kafka', topic: 'orders', partition_id: 1, core: 0, materialized: false, leader: 2 },
    ]);
  });

  test('GET /v1/partitions/kafka/{topic}/{p}: replicas, leader, offsets and size', async () => {
    const r = await call('GET', '/v1/partitions/kafka/orders/0');
    expect(r.json).toMatchObject({
      ns: 'kafka',
      topic: 'orders',
      partition_id: 0,
      status: 'done',
      leader_id: 1,
      replicas: [{ node_id: 1, core: 0 }, { node_id: 2, core: 0 }, { node_id: 3, core: 0 }],
      disabled: false,
      high_watermark: 42,
      size_bytes: 4096,
    });
    // A partition this node holds no replica of: no offsets.
    expect((await call('GET', '/v1/partitions/kafka/audit/0')).json).not.toHaveProperty('high_watermark');
  });

  test("a topic's partitions, and every partition of the cluster, with cluster_partition fields", async () => {
    const topic = (await call('GET', '/v1/partitions/kafka/orders')).json as Array<Record<string, unknown>>;
    expect(topic.map((p) => [p.partition_id, p.leader_id, p.status])).toEqual([[0, 1, 'done'], [1, 2, 'done']]);
    const all = (await call('GET', '/v1/cluster/partitions')).json as Array<Record<string, unknown>>;
    expect(all).toHaveLength(3);
    expect(all[2]).toEqual({ ns: 'kafka', topic: 'audit', partition_id: 0, leader_id: 3, replicas: [{ node_id: 3, core: 0 }, { node_id: 2, core: 0 }], disabled: false });
    expect((await call('GET', '/v1/cluster/partitions/kafka/audit')).json).toEqual([all[2]]);
    expect(await call('GET', '/v1/partitions/kafka/nope')).toMatchObject({ status: 404, json: { message: 'Could not find topic: kafka/nope', code: 404 } });
    expect(await call('GET', '/v1/cluster/partitions/kafka/nope')).toMatchObject({ status: 404 });
  });

  test('GET /v1/cluster/uuid is the cluster id', async () => {
    expect((await call('GET', '/v1/cluster/uuid')).json).toEqual({ cluster_uuid: 'f8rNzeFfRW2Y0H7UO0T3Vw' });
  });

  test('unknown partition or namespace 404, a partition id that is not a number 400', async () => {
    expect(await call('GET', '/v1/partitions/kafka/orders/9')).toMatchObject({ status: 404, json: { message: 'Could not find ntp: {kafka/orders/9}', code: 404 } });
    expect(await call('GET', '/v1/partitions/redpanda/controller/0')).toMatchObject({ status: 404 });
    expect(await call('GET', '/v1/partitions/kafka/orders/zero')).toMatchObject({ status: 400, json: { code: 400 } });
  });

  test('transfer_leadership: the target is passed to the node; missing or bad target 400', async () => {
    expect((await call('POST', '/v1/partitions/kafka/orders/0/transfer_leadership?target=2')).status).toBe(200);
    expect(fake.transfers).toEqual([['orders', 0, 2]]);
    expect(await call('POST', '/v1/partitions/kafka/orders/0/transfer_leadership')).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/partitions/kafka/orders/0/transfer_leadership?target=x')).toMatchObject({ status: 400, json: { message: 'Target node id must be an integer: x' } });
    expect(await call('POST', '/v1/partitions/kafka/orders/0/transfer_leadership?target=-1')).toMatchObject({ status: 400, json: { message: 'Invalid target node id -1' } });
    expect(fake.transfers.length).toBe(1);
  });
});

describe('log levels', () => {
  test('PUT sets a level, GET shows it with the seconds left; it reverts when it expires', async () => {
    const put = await call('PUT', '/v1/config/log_level/raft?level=debug&expires=30');
    expect(put).toMatchObject({ status: 200, json: { name: 'raft', previous_level: 'info', new_level: 'debug', expiration: 30 } });
    expect((await call('GET', '/v1/config/log_level/raft')).json).toEqual({ name: 'raft', level: 'debug', expiration: 30 });
    scheduler.advance(10_000);
    expect((await call('GET', '/v1/config/log_level/raft')).json).toEqual({ name: 'raft', level: 'debug', expiration: 20 });
    scheduler.advance(20_000);
    expect((await call('GET', '/v1/config/log_level/raft')).json).toEqual({ name: 'raft', level: 'info', expiration: 0 });
  });

  test('without expires a level lasts 600 s (Redpanda); expires=0 never expires', async () => {
    expect((await call('PUT', '/v1/config/log_level/kafka?level=trace')).json).toMatchObject({ expiration: 600 });
    expect((await call('PUT', '/v1/config/log_level/storage?level=warn&expires=0')).json).toMatchObject({ expiration: 0 });
    scheduler.advance(601_000);
    expect(levels.get('kafka')).toBe('info');
    expect(levels.get('storage')).toBe('warn');
  });

  test('a second PUT before expiry keeps the original level to restore', async () => {
    await call('PUT', '/v1/config/log_level/raft?level=debug&expires=10');
    await call('PUT', '/v1/config/log_level/raft?level=trace&expires=20');
    scheduler.advance(10_000);
    expect(levels.get('raft')).toBe('trace');
    scheduler.advance(10_000);
    expect(levels.get('raft')).toBe('info');
  });

  test("unknown logger or level: 400 with Redpanda's message, nothing changes", async () => {
    expect(await call('PUT', '/v1/config/log_level/nope?level=debug')).toMatchObject({ status: 400, json: { message: 'Cannot set log level: unknown logger {nope}', code: 400 } });
    expect(await call('PUT', '/v1/config/log_level/raft?level=loud')).toMatchObject({ status: 400, json: { message: 'Cannot set log level for {raft}: unknown level {loud}' } });
    expect(await call('PUT', '/v1/config/log_level/raft?level=debug&expires=soon')).toMatchObject({ status: 400 });
    expect(await call('GET', '/v1/config/log_level/nope')).toMatchObject({ status: 400 });
    expect(levels.levels.size).toBe(0);
  });

  test('GET /v1/loggers lists the loggers, with levels when asked', async () => {
    const names = (await call('GET', '/v1/loggers')).json as Array<{ name: string }>;
    expect(names.map((n) => n.name)).toContain('raft');
    const withLevels = (await call('GET', '/v1/loggers?include-levels=true')).json as Array<{ name: string; level: string }>;
    expect(withLevels.find((n) => n.name === 'root')).toEqual({ name: 'root', level: 'info' });
  });
});

describe('cluster config', () => {
  test('GET lists the cluster-wide properties by Kafka name; include_defaults=false only those set', async () => {
    const all = (await call('GET', '/v1/cluster_config')).json as Record<string, unknown>;
    expect(all['log.retention.bytes']).toBe(-1);
    expect(all['compression.type']).toBe('producer');
    expect(all).not.toHaveProperty('node.id'); // static, not cluster config
    expect((await call('GET', '/v1/cluster_config?include_defaults=false')).json).toEqual({});
    expect((await call('GET', '/v1/cluster_config?key=compression.type')).json).toEqual({ 'compression.type': 'producer' });
  });

  test('PUT upsert and remove change the cluster default layer', async () => {
    const put = await call('PUT', '/v1/cluster_config', JSON.stringify({ upsert: { 'log.retention.bytes': 1048576, 'log.preallocate': true }, remove: [] }));
    expect(put.status).toBe(200);
    expect((await call('GET', '/v1/cluster_config?include_defaults=false')).json).toEqual({ 'log.retention.bytes': 1048576, 'log.preallocate': true });
    expect((await call('PUT', '/v1/cluster_config', JSON.stringify({ upsert: {}, remove: ['log.preallocate'] }))).status).toBe(200);
    expect((await call('GET', '/v1/cluster_config?include_defaults=false')).json).toEqual({ 'log.retention.bytes': 1048576 });
  });

  test('the body is read whatever its declared type (curl -d sends form-urlencoded)', async () => {
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
      const r = await call('PUT', '/v1/cluster_config', JSON.stringify({ upsert: { 'log.retention.bytes': 99 }, remove: [] }), { 'content-type': type });
      expect(r.status, type).toBe(200);
    }
    expect(fake.alterCalls.map((c) => c.changes)).toEqual([0, 1, 2].map(() => [{ name: 'log.retention.bytes', value: '99' }]));
  });

  test('dry_run=true validates and changes nothing', async () => {
    expect((await call('PUT', '/v1/cluster_config?dry_run=true', JSON.stringify({ upsert: { 'log.retention.bytes': 5 }, remove: [] }))).status).toBe(200);
    expect(fake.alterCalls[0].validateOnly).toBe(true);
    expect((await call('GET', '/v1/cluster_config?include_defaults=false')).json).toEqual({});
  });

  test('bad keys and values: 400 with a JSON object of name -> reason (as Redpanda), nothing applied', async () => {
    const r = await call(
      'PUT',
      '/v1/cluster_config',
      JSON.stringify({ upsert: { 'log.retention.bytes': 'lots', 'no.such.key': 1, 'node.id': 4, 'compression.type': 'gzip' }, remove: ['also.unknown'] }),
    );
    expect(r.status).toBe(400);
    const errors = r.json as Record<string, string>;
    expect(Object.keys(errors).sort()).toEqual(['also.unknown', 'log.retention.bytes', 'no.such.key', 'node.id']);
    expect(errors['no.such.key']).toBe('Unknown property');
    expect(errors['log.retention.bytes']).toContain('Invalid value lots');
    expect(fake.alterCalls).toEqual([]);
    expect((await call('GET', '/v1/cluster_config?include_defaults=false')).json).toEqual({});
  });

  test('malformed bodies: 400 {"message","code"}; past the limit 413', async () => {
    for (const body of ['{', '[]', '{"upsert":{}}', '{"upsert":{},"remove":[1]}', '{"upsert":[],"remove":[]}', '{"upsert":{},"remove":[],"force":true}']) {
      const r = await call('PUT', '/v1/cluster_config', body, { 'content-type': 'application/json' });
      expect(r.status, body).toBe(400);
      expect(r.json, body).toMatchObject({ code: 400 });
    }
    const big = JSON.stringify({ upsert: { 'compression.type': 'x'.repeat(5000) }, remove: [] });
    expect(await call('PUT', '/v1/cluster_config', big)).toMatchObject({ status: 413, json: { code: 413 } });
    expect(fake.alterCalls).toEqual([]);
  });

  test("a value out of Kafka's range is refused before the node is asked, with Kafka's reason", async () => {
    const r = await call('PUT', '/v1/cluster_config', JSON.stringify({ upsert: { 'min.insync.replicas': 0 }, remove: [] }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.json as object)).toEqual(['min.insync.replicas']);
    expect(fake.alterCalls).toEqual([]);
  });

  test('a refusal from the node (the whole change checked by Kafka\'s path) is a 400 {"message","code"}', async () => {
    fake.alterClusterConfig = () => Promise.resolve({ ok: false, status: 400, message: 'Cannot update these configs dynamically: [x]' });
    const r = await call('PUT', '/v1/cluster_config', JSON.stringify({ upsert: { 'log.retention.bytes': 10 }, remove: [] }));
    expect(r).toMatchObject({ status: 400, json: { message: 'Cannot update these configs dynamically: [x]', code: 400 } });
  });

  test('GET /v1/cluster_config/schema: cluster_config_property_metadata per property', async () => {
    const s = (await call('GET', '/v1/cluster_config/schema')).json as { properties: Record<string, Record<string, unknown>> };
    expect(s.properties['log.retention.bytes']).toMatchObject({ type: 'integer', needs_restart: false, nullable: false, visibility: 'user' });
    expect(s.properties['log.cleanup.policy']).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(s.properties['log.preallocate']).toMatchObject({ type: 'boolean' });
    expect(typeof s.properties['compression.type'].description).toBe('string');
  });
});

describe('metrics and errors', () => {
  test('GET /metrics: Prometheus text 0.0.4, or OpenMetrics when the Accept header asks', async () => {
    expect(await call('GET', '/metrics')).toMatchObject({ status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', text: '# TYPE up gauge\nup 1\n' });
    const om = await call('GET', '/public_metrics', undefined, { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' });
    expect(om).toMatchObject({ status: 200, type: 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
    expect(metricsCalls).toEqual([['all', 'prometheus'], ['public', 'openmetrics']]);
  });

  test('without a metrics source /metrics is a 404 JSON error', async () => {
    const bare = adminApp({ node: () => fake, clock: scheduler.clock, scheduler, levels });
    const r = await bare.fetch(new Request('http://127.0.0.1:9644/metrics'));
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ code: 404 });
  });

  test('unknown path 404 and wrong method 405, both JSON', async () => {
    expect(await call('GET', '/v1/nothing')).toMatchObject({ status: 404, json: { code: 404 }, type: 'application/json' });
    expect(await call('DELETE', '/v1/brokers')).toMatchObject({ status: 405, json: { code: 405 } });
  });

  test('a node that throws is a 500 JSON error without a stack', async () => {
    fake.brokers = () => {
      throw new Error('boom at secret/place.ts:12');
    };
    const r = await call('GET', '/v1/brokers');
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ message: 'Internal error', code: 500 });
  });
});
