// Preferred leaders on a clustered node (src/cluster/replica/preferred-leader.ts has the rules):
// - ElectLeaders(PREFERRED): each named partition goes to the node that leads it (this one, or
//   over the `cluster.preferred_elections` RPC), whose replica hands leadership to the preferred
//   replica when it is in sync; the answer waits until the transfer happened or
//   TRANSFER_WAIT_MS passed, as Kafka's answer waits for the election's metadata change.
// - auto.leader.rebalance.enable: every leader.imbalance.check.interval.seconds each node looks
//   at every partition's leader as it knows it (its own replicas' and the published ones), finds
//   the brokers above leader.imbalance.per.broker.percentage, and transfers the partitions it
//   leads whose preferred replica is one of them and in sync. Each leader decides for its own
//   partitions, so no node needs another's state; the leaders' published view converges within
//   one publication, well inside the check interval.
// - maintenance mode (`drain`): a node whose maintenance flag is on in the metadata hands every
//   leadership it holds to an in-sync replica not in maintenance; a preferred election or the
//   rebalance never hands leadership to a node in maintenance (PREFERRED_LEADER_NOT_AVAILABLE).

import { logger } from '../base/log.ts';
import type { Scheduler } from '../base/scheduler.ts';
import type { ClusterNode } from '../cluster/quorum/cluster-node.ts';
import { PREFERRED_ELECTIONS_MAX, type PreferredElectionAnswer } from '../cluster/quorum/preferred-elections.ts';
import { imbalancedBrokers, type PartitionLeadership } from '../cluster/replica/preferred-leader.ts';
import type { ReplicatedPartition } from '../cluster/replica/replicated-partition.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { Broker } from './broker.ts';

const log = logger('kafka');

/** How often a node in maintenance mode hands away the leaderships it holds (Redpanda retries its drain in a loop too). */
export const MAINTENANCE_DRAIN_INTERVAL_MS = 500;
/** How long an elected transfer is waited for before the answer says it did not happen (two election timeouts and more). */
export const TRANSFER_WAIT_MS = 5_000;
/** How long the node a client asked waits for a leader's answer: its transfers' wait, and the way there and back. */
export const FORWARDED_ELECTION_TIMEOUT_MS = TRANSFER_WAIT_MS + 2_000;

export interface ElectionOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Errors.ELECTION_NOT_NEEDED's message, which ApiError(Errors) carries. */
export const ELECTION_NOT_NEEDED_MESSAGE = 'Leader election not needed for topic partition.';

export class PreferredLeaders {
  constructor(
    private readonly broker: Broker,
    private readonly node: ClusterNode,
  ) {}

  /** ElectLeaders(PREFERRED) for partitions that exist: the outcome of each, keyed `topic:partition`. */
  async elect(partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>): Promise<Map<string, ElectionOutcome>> {
    const out = new Map<string, ElectionOutcome>();
    const byLeader = new Map<number, Array<{ key: string; group: string }>>();
    for (const { topic, partition } of partitions) {
      const key = `${topic}:${partition}`;
      const leaderId = this.broker.leaderOf(topic, partition)?.leaderId ?? -1;
      const topicId = this.broker.topics.get(topic)?.id;
      if (leaderId < 0 || topicId === undefined) {
        out.set(key, { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: `${topic}-${partition} has no leader now` });
        continue;
      }
      const list = byLeader.get(leaderId) ?? [];
      list.push({ key, group: `${topicId}:${partition}` });
      byLeader.set(leaderId, list);
    }
    const requests: Array<[number, Array<{ key: string; group: string }>]> = [];
    for (const [leaderId, list] of byLeader) {
      for (let i = 0; i < list.length; i += PREFERRED_ELECTIONS_MAX) requests.push([leaderId, list.slice(i, i + PREFERRED_ELECTIONS_MAX)]);
    }
    await Promise.all(
      requests.map(async ([leaderId, list]) => {
        const groups = list.map((x) => x.group);
        const answers = leaderId === this.broker.config.nodeId ? await this.serve(groups) : await this.node.preferredElections(leaderId, groups, FORWARDED_ELECTION_TIMEOUT_MS);
        const byGroup = new Map((answers ?? []).map((a) => [a.group, a]));
        for (const { key, group } of list) {
          const a = byGroup.get(group);
          out.set(key, a === undefined
            ? { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: `the leader (node ${leaderId}) did not answer` }
            : { errorCode: a.errorCode, errorMessage: a.message });
        }
      }),
    );
    return out;
  }

  /** Serves `cluster.preferred_elections` for the groups this node leads. */
  async serve(groups: readonly string[]): Promise<PreferredElectionAnswer[]> {
    return Promise.all(
      groups.map(async (group) => {
        const o = await this.electOne(group);
        return { group, errorCode: o.errorCode, message: o.errorMessage };
      }),
    );
  }

  /** One auto.leader.rebalance check (checkAndTriggerAutoLeaderRebalance): transfers, never waits. */
  check(imbalancePercentage: number): void {
    const all: PartitionLeadership[] = [];
    for (const t of this.broker.topics.all()) {
      for (let i = 0; i < t.partitions; i++) {
        all.push({ replicas: this.broker.replicasOf(t.name, i), leaderId: this.broker.leaderOf(t.name, i)?.leaderId ?? -1 });
      }
    }
    const imbalanced = imbalancedBrokers(all, imbalancePercentage);
    if (imbalanced.size === 0) return;
    const inMaintenance = this.inMaintenance();
    for (const r of this.broker.hostedReplicas()) {
      if (!r.isLeader || !imbalanced.has(r.replicas[0])) continue;
      const e = r.electPreferred(inMaintenance);
      if (e.kind === 'transfer') log.info(`leader rebalance: ${r.name} moves to its preferred replica ${e.to}`);
    }
  }

  /** Brokers in maintenance mode, which are handed no leadership (the metadata image's flags). */
  private inMaintenance(): Set<number> {
    return new Set(this.node.stateMachine.image.inMaintenance());
  }

  /**
   * Maintenance mode (Redpanda's drain_manager): while this node is in maintenance, every
   * partition it leads is handed to an in-sync replica on a broker not in maintenance. Run every
   * MAINTENANCE_DRAIN_INTERVAL_MS, so a leadership this node wins again in an election (a
   * leader failed and it was the only candidate in time) moves away within one interval.
   */
  drain(): void {
    const inMaintenance = this.inMaintenance();
    if (!inMaintenance.has(this.broker.config.nodeId)) return;
    for (const r of this.broker.hostedReplicas()) {
      const to = r.drainLeadership(inMaintenance);
      if (to !== null) log.info(`maintenance mode: ${r.name} leadership moves to node ${to}`);
    }
  }

  private async electOne(group: string): Promise<ElectionOutcome> {
    const r = this.broker.replicaByGroup(group);
    if (r === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `this node has no replica of ${group}` };
    const e = r.electPreferred(this.inMaintenance());
    switch (e.kind) {
      case 'not_needed':
        return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: ELECTION_NOT_NEEDED_MESSAGE };
      case 'not_available':
        return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: `${r.name}: ${e.reason}` };
      case 'not_leader':
        return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, errorMessage: `${r.name}: leadership moved (node ${e.leaderId ?? 'unknown'} leads now); retry` };
      case 'transfer':
        return (await leadershipLeft(r, this.broker.deps.scheduler, TRANSFER_WAIT_MS))
          ? { errorCode: ErrorCode.NONE, errorMessage: null }
          : { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: `${r.name}: the transfer to ${e.to} did not complete within ${TRANSFER_WAIT_MS} ms` };
    }
  }
}

/** Resolves true once `r` no longer leads, false after `timeoutMs`. */
function leadershipLeft(r: ReplicatedPartition, scheduler: Scheduler, timeoutMs: number): Promise<boolean> {
  if (!r.isLeader) return Promise.resolve(true);
  return new Promise((resolve) => {
    const cancel = scheduler.after(timeoutMs, () => {
      remove();
      resolve(false);
    });
    const remove = r.onProgress(() => {
      if (r.isLeader) return;
      cancel();
      remove();
      resolve(true);
    });
  });
}
