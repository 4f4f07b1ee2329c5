// The node's metrics, put together in the shell: what the Kafka listener and the storage
// wrapper count as they go (broker/kafka-metrics.ts, storage/metered-fs.ts), plus families read
// from the node's state at scrape time (partitions, consumer group lag, Raft leadership, disk
// space) and from the process (memory, event-loop lag, uptime, build). The admin API serves the
// function `nodeMetrics` returns at GET /metrics and GET /public_metrics.
//
// Scrape-time families cost nothing between scrapes; a scrape walks the hosted partitions and
// the groups once per family, each capped at its labelSetsMax (base/metrics.ts).

import type { NodeDeps } from '../base/deps.ts';
import { LATENCY_BUCKETS_SECONDS, type MetricSet, type MetricsRegistry } from '../base/metrics.ts';
import { type MetricsFormat, renderMetrics } from '../base/metrics-text.ts';
import { type Cancel, every } from '../base/scheduler.ts';
import type { Broker } from '../broker/broker.ts';
import type { NodeConfig } from '../config/node-config.ts';
import { VERSION } from '../version.ts';
import type { ClusterNode } from '../cluster/quorum/cluster-node.ts';
import type { RunningNode } from './node.ts';

/** What GET /metrics and GET /public_metrics call (the admin API's injected function). */
export type MetricsFunction = (set: MetricSet, format: MetricsFormat) => string;

/** How often the event-loop probe measures how late a timer fires. */
export const EVENT_LOOP_PROBE_INTERVAL_MS = 500;
/** Per-partition and per-group families keep at most this many label sets per scrape. */
export const PARTITION_LABEL_SETS_MAX = 2_000;

export interface NodeMetrics {
  readonly render: MetricsFunction;
  /** Stops the event-loop probe (the node is stopping). */
  stop(): void;
}

/** Registers the node's scrape-time families on its registry and starts the event-loop probe. */
export function nodeMetrics(node: RunningNode, config: NodeConfig, deps: NodeDeps): NodeMetrics {
  const r = deps.metrics;
  const startedMs = deps.clock.monotonicMs();
  r.info({ name: 'freshet_build_info', help: 'The running build: a constant 1 labelled by version.', labels: ['version'], public: true }, [VERSION]);
  r.callback('gauge', { name: 'freshet_uptime_seconds', help: 'Seconds since the node started.', public: true }, (emit) =>
    emit([], (deps.clock.monotonicMs() - startedMs) / 1000),
  );
  registerPartitionMetrics(r, node.broker);
  registerGroupMetrics(r, node.broker);
  if (node.cluster !== null) registerRaftMetrics(r, node.cluster);
  registerDiskMetrics(r, config, deps);
  registerProcessMetrics(r);
  const stopProbe = eventLoopProbe(r, deps);
  const render: MetricsFunction = (set, format) => {
    forgetDeletedTopics(node);
    return renderMetrics(r, set, format);
  };
  return { render, stop: stopProbe };
}

/**
 * Drops the byte series of topics deleted since the last scrape, so a CI run that creates and
 * deletes thousands of topics does not fill the per-topic families up to their overflow series.
 * A topic deleted and created again between two scrapes keeps its series.
 */
function forgetDeletedTopics(node: RunningNode): void {
  const m = node.server.metrics;
  for (const t of m.topicsCounted()) if (node.broker.topics.get(t) === undefined) m.forgetTopic(t);
}

/** The partitions this node hosts (replicas on a cluster, the local ones on a single node). */
function* hostedPartitions(broker: Broker): Iterable<{ topic: string; index: number; hw: number; start: number; end: number; leader: boolean }> {
  let replicated = false;
  for (const p of broker.hostedReplicas()) {
    replicated = true;
    yield { topic: p.id.topicName, index: p.id.partition, hw: p.highWatermark, start: p.logStartOffset, end: p.logEndOffset, leader: p.isLeader };
  }
  if (replicated) return;
  for (const t of broker.topics.all()) {
    for (const p of broker.partitionsOf(t.name)) {
      yield { topic: t.name, index: p.index, hw: p.highWatermark, start: p.logStartOffset, end: p.logEndOffset, leader: true };
    }
  }
}

function registerPartitionMetrics(r: MetricsRegistry, broker: Broker): void {
  const labels = ['topic', 'partition'];
  const perPartition = (name: string, help: string, value: (p: { hw: number; start: number; end: number }) => number, pub = false): void =>
    r.callback('gauge', { name, help, labels, labelSetsMax: PARTITION_LABEL_SETS_MAX, public: pub }, (emit) => {
      for (const p of hostedPartitions(broker)) emit([p.topic, String(p.index)], value(p));
    });
  perPartition('freshet_partition_high_watermark', 'High watermark (committed offset + 1) of each hosted partition.', (p) => p.hw, true);
  perPartition('freshet_partition_log_end_offset', 'Log end offset of each hosted partition.', (p) => p.end);
  perPartition('freshet_partition_log_start_offset', 'Log start offset of each hosted partition.', (p) => p.start);
  // A single node's partitions expose their log; replicas do not (yet): sizes are the local ones.
  r.callback('gauge', { name: 'freshet_partition_size_bytes', help: 'Bytes of the segments of each local partition (single node).', labels, labelSetsMax: PARTITION_LABEL_SETS_MAX, public: true }, (emit) => {
    for (const t of broker.topics.all()) for (const p of broker.partitionsOf(t.name)) emit([t.name, String(p.index)], p.log.sizeBytes);
  });
  r.callback('gauge', { name: 'freshet_storage_segments', help: 'Segments of the local partitions (single node).' }, (emit) => {
    let n = 0;
    for (const t of broker.topics.all()) for (const p of broker.partitionsOf(t.name)) n += p.log.segmentCount;
    emit([], n);
  });
  r.callback('gauge', { name: 'freshet_raft_leader_partitions', help: 'Hosted partitions this node leads (every local partition on a single node).', public: true }, (emit) => {
    let n = 0;
    for (const p of hostedPartitions(broker)) if (p.leader) n++;
    emit([], n);
  });
  r.callback('gauge', { name: 'freshet_raft_uncommitted_offsets', help: 'Sum over the partitions this node leads of log end minus high watermark: appended, not yet committed (commit lag).' }, (emit) => {
    let n = 0;
    for (const p of hostedPartitions(broker)) if (p.leader) n += Math.max(0, p.end - p.hw);
    emit([], n);
  });
}

/** The Raft shell's own counts (raft/raft-groups.ts stats) on a clustered node. */
function registerRaftMetrics(r: MetricsRegistry, cluster: ClusterNode): void {
  const stats = () => cluster.raftGroups.stats;
  r.callback('counter', { name: 'freshet_raft_elections_started_total', help: 'Elections this node\'s Raft groups started (voted for itself in a new term; PreVotes not counted).', public: true }, (emit) =>
    emit([], stats().electionsStarted),
  );
  r.callback('counter', { name: 'freshet_raft_leaderships_won_total', help: 'Times one of this node\'s Raft groups became leader.' }, (emit) => emit([], stats().leadershipsWon));
  r.callback('gauge', { name: 'freshet_raft_groups', help: 'Raft groups this node drives (the controller\'s and each hosted replica\'s).' }, (emit) => emit([], cluster.raftGroups.size));
  r.callback('gauge', { name: 'freshet_raft_controller_term', help: 'Current term of the controller quorum as this node knows it.', public: true }, (emit) => {
    const c = cluster.controller;
    if (c !== null) emit([], c.term);
  });
}

/** Consumer group lag as Redpanda's public metrics have it: max and sum over a group's partitions. */
function registerGroupMetrics(r: MetricsRegistry, broker: Broker): void {
  const lags = (): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const g of broker.groups.listGroups([], [])) {
      const per: number[] = [];
      for (const t of broker.groups.fetchOffsets(g.groupId, null)) {
        for (const p of t.partitions) {
          const hw = broker.readable(t.name, p.partitionIndex)?.highWatermark;
          if (hw !== undefined && p.committedOffset >= 0) per.push(Math.max(0, hw - p.committedOffset));
        }
      }
      out.set(g.groupId, per);
    }
    return out;
  };
  const spec = (name: string, help: string) => ({ name, help, labels: ['group'], labelSetsMax: PARTITION_LABEL_SETS_MAX, public: true });
  r.callback('gauge', spec('freshet_kafka_consumer_group_lag_max', 'Largest lag (high watermark minus committed offset) over a group\'s committed partitions hosted here.'), (emit) => {
    for (const [g, per] of lags()) emit([g], per.reduce((a, b) => Math.max(a, b), 0));
  });
  r.callback('gauge', spec('freshet_kafka_consumer_group_lag_sum', 'Sum of lags over a group\'s committed partitions hosted here.'), (emit) => {
    for (const [g, per] of lags()) emit([g], per.reduce((a, b) => a + b, 0));
  });
}

function registerDiskMetrics(r: MetricsRegistry, config: NodeConfig, deps: NodeDeps): void {
  // statfs at each scrape; a data directory that cannot be read is left out, not an error.
  const space = () => {
    try {
      return deps.fs.space(config.dataDir);
    } catch {
      return null;
    }
  };
  r.callback('gauge', { name: 'freshet_storage_disk_free_bytes', help: 'Bytes an unprivileged writer may still use on the data directory\'s file system.', public: true }, (emit) => {
    const s = space();
    if (s !== null) emit([], s.availableBytes);
  });
  r.callback('gauge', { name: 'freshet_storage_disk_total_bytes', help: 'Size of the data directory\'s file system.', public: true }, (emit) => {
    const s = space();
    if (s !== null) emit([], s.totalBytes);
  });
}

function registerProcessMetrics(r: MetricsRegistry): void {
  r.callback('gauge', { name: 'freshet_process_resident_memory_bytes', help: 'Resident set size of the process.', public: true }, (emit) => emit([], process.memoryUsage().rss));
  r.callback('gauge', { name: 'freshet_process_heap_used_bytes', help: 'JavaScript heap in use.' }, (emit) => emit([], process.memoryUsage().heapUsed));
  r.callback('gauge', { name: 'freshet_process_heap_total_bytes', help: 'JavaScript heap reserved.' }, (emit) => emit([], process.memoryUsage().heapTotal));
  r.callback('counter', { name: 'freshet_process_cpu_seconds_total', help: 'User and system CPU time of the process.', public: true }, (emit) => {
    const u = process.cpuUsage();
    emit([], (u.user + u.system) / 1e6);
  });
}

/**
 * Event-loop lag: a timer is asked for every EVENT_LOOP_PROBE_INTERVAL_MS and how late it fires
 * is observed (Node's monitorEventLoopDelay idea, on the node's own Scheduler and Clock so a
 * simulation sees zero lag). A busy loop (a long compaction slice, a huge decode) shows here.
 */
export function eventLoopProbe(r: MetricsRegistry, deps: Pick<NodeDeps, 'clock' | 'scheduler'>): Cancel {
  const lag = r.histogram({
    name: 'freshet_event_loop_lag_seconds',
    help: `How late a timer fires on the event loop, sampled every ${EVENT_LOOP_PROBE_INTERVAL_MS} ms.`,
    buckets: LATENCY_BUCKETS_SECONDS,
    public: true,
  }).labels();
  let due = deps.clock.monotonicMs() + EVENT_LOOP_PROBE_INTERVAL_MS;
  return every(deps.scheduler, EVENT_LOOP_PROBE_INTERVAL_MS, () => {
    const now = deps.clock.monotonicMs();
    lag.observe(Math.max(0, now - due) / 1000);
    due = now + EVENT_LOOP_PROBE_INTERVAL_MS;
  });
}
