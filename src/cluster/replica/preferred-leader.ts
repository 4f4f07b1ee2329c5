// Preferred leaders (pure): whether a leader should hand its partition to the preferred replica,
// and which brokers lead too few of the partitions they are preferred for.
//
// Kafka's preferred leader is the first replica of the assignment. A failover moves leadership
// to a survivor and nothing moves it back; Kafka's controller does, two ways:
// - ElectLeaders(PREFERRED) (kafka-leader-election.sh, Admin.electLeaders): for each partition,
//   ELECTION_NOT_NEEDED where the preferred replica leads, PREFERRED_LEADER_NOT_AVAILABLE where
//   it is not alive or not in the ISR (ReplicationControlManager.electLeader and
//   PartitionChangeBuilder's preferred election), else a new leader;
// - auto.leader.rebalance.enable: every leader.imbalance.check.interval.seconds, for each broker
//   the share of the partitions it is preferred for that it does not lead ("imbalance ratio",
//   KafkaController.checkAndTriggerAutoLeaderRebalance in the ZooKeeper controller); above
//   leader.imbalance.per.broker.percentage, a preferred election for those partitions. (KRaft's
//   QuorumController.maybeBalancePartitionLeaders elects every imbalanced partition and ignores
//   the percentage; we keep the percentage, which the documented config promises.)
// In Raft per partition there is no controller write that names a leader: the current leader
// hands leadership over with a leadership transfer (dissertation 3.10, TimeoutNow), which first
// brings the target's log up to date; so a transfer never loses a committed entry.

import type { NodeId } from '../../raft/core/index.ts';

/** leader.imbalance.per.broker.percentage default. */
export const LEADER_IMBALANCE_PER_BROKER_PERCENTAGE_DEFAULT = 10;

export type PreferredElection =
  /** This node is the preferred replica: ELECTION_NOT_NEEDED. */
  | { readonly kind: 'not_needed' }
  /** The preferred replica is not a voter or not in this leader's ISR: PREFERRED_LEADER_NOT_AVAILABLE. */
  | { readonly kind: 'not_available'; readonly reason: string }
  /** Hand leadership to `to`. */
  | { readonly kind: 'transfer'; readonly to: NodeId };

/**
 * What the leader `self` of a partition with `replicas` (preferred first) does on a preferred
 * election, given the group's voters and its ISR (isr.ts: alive and caught up).
 */
export function preferredElection(
  self: NodeId,
  replicas: readonly NodeId[],
  voters: readonly NodeId[],
  isr: readonly NodeId[],
  inMaintenance: ReadonlySet<NodeId> = new Set(),
): PreferredElection {
  const preferred = replicas[0];
  if (preferred === undefined || preferred === self) return { kind: 'not_needed' };
  // Redpanda's drain: a node in maintenance mode takes no leadership (block_new_leadership).
  if (inMaintenance.has(preferred)) return { kind: 'not_available', reason: `the preferred replica ${preferred} is in maintenance mode` };
  if (!voters.includes(preferred)) return { kind: 'not_available', reason: `the preferred replica ${preferred} is not a voter of the partition's group` };
  if (!isr.includes(preferred)) return { kind: 'not_available', reason: `the preferred replica ${preferred} is not in sync` };
  return { kind: 'transfer', to: preferred };
}

/**
 * Where a leader in maintenance mode hands its partition (Redpanda's drain_manager, which
 * transfers every partition it leads that has followers): the first replica in assignment
 * order that is a voter, in sync and not in maintenance; null when none (nothing can move).
 */
export function drainTarget(self: NodeId, replicas: readonly NodeId[], voters: readonly NodeId[], isr: readonly NodeId[], inMaintenance: ReadonlySet<NodeId>): NodeId | null {
  const order = [...replicas, ...voters];
  return order.find((id) => id !== self && voters.includes(id) && isr.includes(id) && !inMaintenance.has(id)) ?? null;
}

export interface PartitionLeadership {
  /** The assignment, preferred replica first. */
  readonly replicas: readonly NodeId[];
  /** The current leader, -1 when unknown. */
  readonly leaderId: NodeId;
}

/**
 * The brokers whose imbalance ratio (partitions they are preferred for and do not lead, over
 * partitions they are preferred for) is above `percentage`% (checkAndTriggerAutoLeaderRebalance).
 * A partition without a known leader counts as not led by its preferred replica.
 */
export function imbalancedBrokers(partitions: Iterable<PartitionLeadership>, percentage: number): Set<NodeId> {
  const preferredFor = new Map<NodeId, number>();
  const notLed = new Map<NodeId, number>();
  for (const p of partitions) {
    const preferred = p.replicas[0];
    if (preferred === undefined) continue;
    preferredFor.set(preferred, (preferredFor.get(preferred) ?? 0) + 1);
    if (p.leaderId !== preferred) notLed.set(preferred, (notLed.get(preferred) ?? 0) + 1);
  }
  const out = new Set<NodeId>();
  for (const [broker, total] of preferredFor) {
    if ((notLed.get(broker) ?? 0) / total > percentage / 100) out.add(broker);
  }
  return out;
}
