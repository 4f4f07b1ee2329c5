// GET /v1/cluster/health_overview, Redpanda's rules (cluster/health_monitor_backend.cc,
// get_cluster_health_overview): the cluster is healthy unless a node is down, a partition has
// no leader, a partition has a replica out of sync, or no controller is elected; each cause is
// named in unhealthy_reasons. Partition lists are "ns/topic/partition" strings truncated at 128
// entries (cluster.json: "truncated at 128 entries"), the counts are not. Pure.

import type { AdminBroker, AdminPartition } from './admin-node.ts';

/** Redpanda's cap on the partition lists of the overview. */
export const HEALTH_PARTITIONS_LISTED_MAX = 128;

/** Kafka topics' namespace in Redpanda's ntp paths. */
export const KAFKA_NAMESPACE = 'kafka';

export interface HealthOverview {
  is_healthy: boolean;
  unhealthy_reasons: string[];
  controller_id: number;
  all_nodes: number[];
  nodes_down: number[];
  nodes_in_recovery_mode: number[];
  leaderless_partitions: string[];
  leaderless_count: number;
  under_replicated_partitions: string[];
  under_replicated_count: number;
  /** -1: "unable to obtain data" (no tiered storage yet). */
  bytes_in_cloud_storage: number;
}

export function healthOverview(selfId: number, controllerId: number, brokers: readonly AdminBroker[], partitions: readonly AdminPartition[]): HealthOverview {
  const all = brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  // Redpanda never counts the node answering as down: it is alive to answer.
  const down = brokers.filter((b) => b.nodeId !== selfId && !b.alive).map((b) => b.nodeId).sort((a, b) => a - b);
  const ntp = (p: AdminPartition) => `${KAFKA_NAMESPACE}/${p.topic}/${p.partition}`;
  const leaderless = partitions.filter((p) => p.leaderId < 0);
  const under = partitions.filter((p) => p.leaderId >= 0 && p.isr !== null && p.replicas.some((r) => !p.isr!.includes(r)));
  const reasons: string[] = [];
  if (down.length > 0) reasons.push('nodes_down');
  if (leaderless.length > 0) reasons.push('leaderless_partitions');
  if (under.length > 0) reasons.push('under_replicated_partitions');
  if (controllerId < 0) reasons.push('no_elected_controller');
  return {
    is_healthy: reasons.length === 0,
    unhealthy_reasons: reasons,
    controller_id: controllerId,
    all_nodes: all,
    nodes_down: down,
    nodes_in_recovery_mode: [],
    leaderless_partitions: leaderless.slice(0, HEALTH_PARTITIONS_LISTED_MAX).map(ntp),
    leaderless_count: leaderless.length,
    under_replicated_partitions: under.slice(0, HEALTH_PARTITIONS_LISTED_MAX).map(ntp),
    under_replicated_count: under.length,
    bytes_in_cloud_storage: -1,
  };
}
