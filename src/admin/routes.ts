// The admin API's routes: Redpanda's paths and JSON shapes (src/v/redpanda/admin/api-doc/*.json
// and the handlers in admin/server.cc, partition.cc, kafka.cc), answered from an AdminNode.
// Freshet additions to a Redpanda shape are named in the route's comment.

import { clusterConfigBody, clusterConfigSchema, parsePatch } from './cluster-config.ts';
import type { AdminBroker, AdminNode, AdminPartition } from './admin-node.ts';
import { healthOverview, KAFKA_NAMESPACE } from './health.ts';
import { inMaintenanceOf, maintenanceStatus, MEMBER_ROUTES } from './members.ts';
import type { LogLevels } from './log-levels.ts';
import { adminError, boolParam, intParam, json } from './wire.ts';

/** The metrics exposition the node provides (src/base/metrics), if any. */
export type MetricsSource = (set: 'all' | 'public', format: 'prometheus' | 'openmetrics') => string;

export interface RouteEnv {
  /** Null until the node serves Kafka: /v1/status/ready answers 503 and node routes 503. */
  readonly node: () => AdminNode | null;
  readonly logLevels: LogLevels;
  readonly metrics: MetricsSource | null;
}

export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  /** The body's text, for routes that read one (bounded by ADMIN_REQUEST_BYTES_MAX). */
  readonly body: string;
}

export interface Route {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: boolean;
  /** Answers without the node (before it serves): readiness, log levels, metrics. */
  readonly early?: boolean;
  handle(req: RouteRequest, env: RouteEnv, node: AdminNode): Response | Promise<Response>;
}

/** Prometheus' text format 0.0.4 and OpenMetrics 1.0.0 content types (the exposition specs). */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TEXT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Redpanda's broker_json::broker; num_cores is 1 (one event loop). */
function brokerBody(b: AdminBroker, partitions: readonly AdminPartition[], inMaintenance: ReadonlySet<number>): Record<string, unknown> {
  return {
    node_id: b.nodeId,
    num_cores: 1,
    ...(b.rack === null ? {} : { rack: b.rack }),
    ...(b.rpc === null ? {} : { internal_rpc_address: b.rpc.host, internal_rpc_port: b.rpc.port }),
    membership_status: b.membership,
    is_alive: b.alive,
    ...(b.version === null ? {} : { version: b.version }),
    maintenance_status: maintenanceStatus(b, partitions, inMaintenance),
  };
}

function brokersBody(node: AdminNode): Array<Record<string, unknown>> {
  const brokers = node.brokers();
  const partitions = node.partitions();
  const inMaintenance = inMaintenanceOf(brokers);
  return brokers.map((b) => brokerBody(b, partitions, inMaintenance));
}

const ntpText = (topic: string, partition: number) => `{${KAFKA_NAMESPACE}/${topic}/${partition}}`;

function metricsRoute(set: 'all' | 'public'): Route['handle'] {
  return (req, env) => {
    if (env.metrics === null) return adminError(404, 'Metrics are not available on this node');
    // OpenMetrics when the scraper asks for it (Prometheus sends application/openmetrics-text first).
    const open = (req.headers.get('accept') ?? '').includes('application/openmetrics-text');
    const text = env.metrics(set, open ? 'openmetrics' : 'prometheus');
    return new Response(text, { status: 200, headers: { 'content-type': open ? OPENMETRICS_TEXT : PROMETHEUS_TEXT } });
  };
}

/** The partition named by the path; the namespace is always "kafka" here. */
function partitionOf(req: RouteRequest): { topic: string; partition: number } | Response {
  const partition = intParam(req.params.partition);
  if (partition === null || partition < 0) return adminError(400, `Partition id must be an integer: ${req.params.partition}`);
  if (req.params.ns !== KAFKA_NAMESPACE) return adminError(404, `Could not find ntp: {${req.params.ns}/${req.params.topic}/${partition}}`);
  return { topic: req.params.topic, partition };
}

/** Redpanda's partition_summary (GET /v1/partitions): the partitions this node holds a replica of. */
function summaryBody(p: AdminPartition): Record<string, unknown> {
  return { ns: KAFKA_NAMESPACE, topic: p.topic, partition_id: p.partition, core: 0, materialized: false, leader: p.leaderId };
}

const replicasBody = (p: AdminPartition) => p.replicas.map((id) => ({ node_id: id, core: 0 }));

function clusterPartitionBody(p: AdminPartition): Record<string, unknown> {
  return { ns: KAFKA_NAMESPACE, topic: p.topic, partition_id: p.partition, leader_id: p.leaderId, replicas: replicasBody(p), disabled: false };
}

/** A topic's partitions, or 404 as Redpanda ("Could not find topic"). */
function topicPartitions(node: AdminNode, ns: string, topic: string): readonly AdminPartition[] | Response {
  const list = ns === KAFKA_NAMESPACE ? node.partitions().filter((p) => p.topic === topic) : [];
  return list.length === 0 ? adminError(404, `Could not find topic: ${ns}/${topic}`) : list;
}

/**
 * Redpanda's local maintenance (drain_manager drain/restore without the controller, to force a
 * node out of maintenance when the controller is unreachable) is not built: 501, pointing to the
 * cluster-wide routes.
 */
const NOT_BUILT: ReadonlyArray<readonly ['GET' | 'PUT' | 'DELETE', string]> = [
  ['PUT', '/v1/maintenance'],
  ['DELETE', '/v1/maintenance'],
];

export const ROUTES: readonly Route[] = [
  {
    // Redpanda answers {"status": "booting"} with 200 before it serves; we answer it with 503,
    // so a plain HTTP probe (curl -f, Docker's HEALTHCHECK, Kubernetes) sees "not ready".
    method: 'GET',
    path: '/v1/status/ready',
    early: true,
    handle: (_req, env) => (env.node() === null ? json(503, { status: 'booting' }) : json(200, { status: 'ready' })),
  },
  { method: 'GET', path: '/metrics', early: true, handle: metricsRoute('all') },
  { method: 'GET', path: '/public_metrics', early: true, handle: metricsRoute('public') },
  { method: 'GET', path: '/v1/brokers', handle: (_req, _env, node) => json(200, brokersBody(node)) },
  {
    method: 'GET',
    path: '/v1/brokers/:id',
    handle: (req, _env, node) => {
      const id = intParam(req.params.id);
      if (id === null) return adminError(400, `Broker id must be an integer: ${req.params.id}`);
      const b = brokersBody(node).find((x) => x.node_id === id);
      return b === undefined ? adminError(404, `broker with id: ${id} not found`) : json(200, b);
    },
  },
  ...MEMBER_ROUTES,
  ...NOT_BUILT.map(([method, path]): Route => ({ method, path, handle: () => adminError(501, `${method} ${path}: local maintenance is not built in Freshet; use PUT/DELETE /v1/brokers/{id}/maintenance`) })),
  { method: 'GET', path: '/v1/node_config', handle: (_req, _env, node) => json(200, node.nodeConfig()) },
  {
    method: 'GET',
    path: '/v1/cluster/health_overview',
    handle: (_req, _env, node) => json(200, healthOverview(node.nodeId, node.controllerId(), node.brokers(), node.partitions())),
  },
  {
    method: 'GET',
    path: '/v1/partitions',
    handle: (_req, _env, node) => json(200, node.partitions().filter((p) => p.replicas.includes(node.nodeId)).map(summaryBody)),
  },
  {
    // Redpanda's partition_json::partition for each partition of one topic.
    method: 'GET',
    path: '/v1/partitions/:ns/:topic',
    handle: (req, _env, node) => {
      const list = topicPartitions(node, req.params.ns, req.params.topic);
      return list instanceof Response ? list : json(200, list.map((p) => ({ ns: KAFKA_NAMESPACE, topic: p.topic, partition_id: p.partition, status: 'done', leader_id: p.leaderId, replicas: replicasBody(p), disabled: false })));
    },
  },
  {
    // cluster_json::cluster_partition for every partition of every topic.
    method: 'GET',
    path: '/v1/cluster/partitions',
    handle: (_req, _env, node) => json(200, node.partitions().map(clusterPartitionBody)),
  },
  {
    method: 'GET',
    path: '/v1/cluster/partitions/:ns/:topic',
    handle: (req, _env, node) => {
      const list = topicPartitions(node, req.params.ns, req.params.topic);
      return list instanceof Response ? list : json(200, list.map(clusterPartitionBody));
    },
  },
  { method: 'GET', path: '/v1/cluster/uuid', handle: (_req, _env, node) => json(200, { cluster_uuid: node.clusterId }) },
  {
    method: 'GET',
    path: '/v1/partitions/:ns/:topic/:partition',
    // Redpanda's partition_json::partition; Freshet adds leader_epoch, in_sync_replicas and,
    // where this node holds a replica, its offsets and size (log_start_offset, high_watermark,
    // log_end_offset, size_bytes). There is no numeric raft_group_id: groups are named by topic id.
    handle: (req, _env, node) => {
      const at = partitionOf(req);
      if (at instanceof Response) return at;
      const p = node.partition(at.topic, at.partition);
      if (p === null) return adminError(404, `Could not find ntp: ${ntpText(at.topic, at.partition)}`);
      return json(200, {
        ns: KAFKA_NAMESPACE,
        topic: p.topic,
        partition_id: p.partition,
        status: 'done',
        leader_id: p.leaderId,
        replicas: replicasBody(p),
        disabled: false,
        leader_epoch: p.leaderEpoch,
        in_sync_replicas: p.isr,
        ...(p.log === null
          ? {}
          : { log_start_offset: p.log.logStartOffset, high_watermark: p.log.highWatermark, log_end_offset: p.log.logEndOffset, size_bytes: p.log.sizeBytes }),
      });
    },
  },
  {
    method: 'POST',
    path: '/v1/partitions/:ns/:topic/:partition/transfer_leadership',
    handle: (req, _env, node) => {
      const at = partitionOf(req);
      if (at instanceof Response) return at;
      const text = req.query.get('target');
      if (text === null || text === '') return adminError(400, 'A target node id is required (?target=N): this node does not pick one');
      const target = intParam(text);
      if (target === null) return adminError(400, `Target node id must be an integer: ${text}`);
      if (target < 0) return adminError(400, `Invalid target node id ${target}`);
      const r = node.transferLeadership(at.topic, at.partition, target);
      return r.ok ? json(200, {}) : adminError(r.status, r.message);
    },
  },
  {
    method: 'GET',
    path: '/v1/loggers',
    early: true,
    handle: (req, env) => {
      const levels = boolParam(req.query.get('include-levels'));
      return json(200, env.logLevels.names().map((name) => (levels ? { name, level: env.logLevels.level(name) } : { name })));
    },
  },
  {
    method: 'GET',
    path: '/v1/config/log_level/:name',
    early: true,
    handle: (req, env) => {
      const r = env.logLevels.get(req.params.name);
      return r.ok ? json(200, r.body) : adminError(400, r.message);
    },
  },
  {
    method: 'PUT',
    path: '/v1/config/log_level/:name',
    early: true,
    handle: (req, env) => {
      const r = env.logLevels.set(req.params.name, req.query.get('level'), req.query.get('expires'));
      return r.ok ? json(200, r.body) : adminError(400, r.message);
    },
  },
  {
    method: 'GET',
    path: '/v1/cluster_config',
    handle: (req, _env, node) => {
      // Redpanda: include_defaults is true unless given as false; key= picks one property.
      const includeDefaults = req.query.get('include_defaults') === null || boolParam(req.query.get('include_defaults'));
      return json(200, clusterConfigBody(node.clusterConfig(), includeDefaults, req.query.get('key')));
    },
  },
  { method: 'GET', path: '/v1/cluster_config/schema', handle: () => json(200, clusterConfigSchema()) },
  {
    method: 'PUT',
    path: '/v1/cluster_config',
    body: true,
    handle: async (req, _env, node) => {
      const parsed = parsePatch(req.body);
      if (!parsed.ok) return parsed.kind === 'body' ? adminError(400, parsed.message) : json(400, parsed.errors);
      const dryRun = boolParam(req.query.get('dry_run'));
      const r = await node.alterClusterConfig(parsed.changes, dryRun);
      // Redpanda answers cluster_config_write_result; Freshet has no config version counter.
      return r.ok ? json(200, {}) : adminError(r.status, r.message);
    },
  },
];
