// The replicas this node hosts, reconciled against the set it should host (Redpanda's
// controller_backend, Kafka's ReplicaManager.applyDelta): replicas missing here are opened or
// created (their log under `<data>/kafka/<topic>/<partition>`, as a single node lays it out, and
// their Raft group added to the node's RaftGroups with the partition's replicas as the bootstrap
// voters); replicas no longer wanted are stopped, their group removed from the journal and their
// log deleted. The input is a plain value, so the controller's metadata image can feed it.
//
// One reconcile at a time: a call made while one runs waits for it, and each works from the
// state the previous one left.

import type { Clock } from '../../base/clock.ts';
import type { TopicConfig } from '../../config/topic-config.ts';
import type { NodeId } from '../../raft/core/index.ts';
import type { RaftGroups } from '../../raft/raft-groups.ts';
import type { GroupId } from '../../raft/transport.ts';
import type { LogDamage } from '../../storage/damage.ts';
import type { LogConfig } from '../../storage/config.ts';
import type { PartitionLogDeps } from '../../storage/log-types.ts';
import { PartitionLog } from '../../storage/partition-log.ts';
import { groupIdOf, type ReplicaId, ReplicatedPartition } from './replicated-partition.ts';

/** One replica this node should host: from the controller's image (topic id, name, partition, its replicas) and the topic's config. */
export interface DesiredReplica extends ReplicaId {
  readonly replicas: readonly NodeId[];
  /** Where a reassignment moves the partition (the image's target replicas); absent or null: no move. */
  readonly targetReplicas?: readonly NodeId[] | null;
  /** The image's partition epoch the replicas and target are at (the voters report carries it); absent: -1. */
  readonly partitionEpoch?: number;
  readonly config: TopicConfig;
}

export interface ReplicaBackendOptions {
  /** The node's data directory: logs go under `<dataDir>/kafka`. */
  readonly dataDir: string;
  readonly groups: RaftGroups;
  readonly clock: Clock;
  /** How each log is opened (the node's open-file cache or fs, crc32c, decompress). */
  readonly logDeps: PartitionLogDeps;
  /** A topic config as the log's settings (the broker's logConfigOf). */
  readonly logConfig: (config: TopicConfig) => Partial<LogConfig>;
  readonly replicaLagTimeMaxMs?: number;
}

export interface ReconcileReport {
  readonly created: GroupId[];
  readonly removed: GroupId[];
  /** Replicas whose log could not be opened (damage found by recovery): not hosted; the next reconcile tries again. */
  readonly damaged: Array<{ readonly group: GroupId; readonly damage: LogDamage }>;
}

export class ReplicaBackend {
  private readonly replicas = new Map<GroupId, ReplicatedPartition>();
  /** The last desired set by group: the assignment (replicas, target, epoch) a leader moves its group to (reassigner.ts). */
  private desired = new Map<GroupId, DesiredReplica>();
  private running: Promise<unknown> = Promise.resolve();
  /** Reconciles asked for and not finished. */
  private inFlight = 0;

  constructor(private readonly opts: ReplicaBackendOptions) {}

  /** Whether a reconcile is asked for and not finished (its removals wait for the journal's sync). */
  get reconciling(): boolean {
    return this.inFlight > 0;
  }

  get size(): number {
    return this.replicas.size;
  }

  get(topicId: string, partition: number): ReplicatedPartition | undefined {
    return this.replicas.get(`${topicId}:${partition}`);
  }

  all(): IterableIterator<ReplicatedPartition> {
    return this.replicas.values();
  }

  /** The assignment of a hosted replica's partition as the last reconcile was given it. */
  assignmentOf(group: GroupId): DesiredReplica | undefined {
    return this.desired.get(group);
  }

  /** Makes the hosted replicas the `desired` ones. */
  reconcile(desired: readonly DesiredReplica[]): Promise<ReconcileReport> {
    this.inFlight++;
    const next = this.running.then(() => this.reconcileNow(desired)).finally(() => this.inFlight--);
    this.running = next.catch(() => {});
    return next;
  }

  /**
   * Stops every replica and closes its log (the node stops); the groups stay in the journal.
   * Stop the node's RaftGroups first: a group still driven would write to a closed log.
   */
  async close(): Promise<void> {
    await this.running;
    const closing: Promise<void>[] = [];
    for (const r of this.replicas.values()) {
      r.close();
      closing.push(r.log.close());
    }
    this.replicas.clear();
    await Promise.allSettled(closing);
  }

  private async reconcileNow(desired: readonly DesiredReplica[]): Promise<ReconcileReport> {
    const wanted = new Map<GroupId, DesiredReplica>();
    for (const d of desired) wanted.set(groupIdOf(d), d);
    this.desired = wanted;
    const removed: GroupId[] = [];
    // Removals first: a topic deleted and created again under its name gets a new id, and its
    // new replicas' directories are the old ones'.
    for (const [group, r] of [...this.replicas]) {
      if (wanted.has(group)) continue;
      this.replicas.delete(group);
      r.close();
      await this.opts.groups.remove(group);
      r.log.delete();
      removed.push(group);
    }
    const created: GroupId[] = [];
    const damaged: ReconcileReport['damaged'] = [];
    for (const [group, d] of wanted) {
      const existing = this.replicas.get(group);
      if (existing !== undefined) {
        // A changed replica list is not acted on here: moving a replica is a Raft membership
        // change its leader proposes (reassigner.ts, from assignmentOf), not a local reopen.
        existing.config = d.config;
        existing.replicas = d.replicas;
        existing.log.updateConfig(this.opts.logConfig(d.config));
        continue;
      }
      const opened = PartitionLog.tryOpen(this.logDir(d), this.opts.logConfig(d.config), this.opts.logDeps);
      if (!opened.ok) {
        damaged.push({ group, damage: opened.damage });
        continue;
      }
      const replica = new ReplicatedPartition({
        id: { topicId: d.topicId, topicName: d.topicName, partition: d.partition },
        replicas: d.replicas,
        log: opened.log,
        groups: this.opts.groups,
        config: d.config,
        clock: this.opts.clock,
        replicaLagTimeMaxMs: this.opts.replicaLagTimeMaxMs,
      });
      this.replicas.set(group, replica);
      created.push(group);
      // A new group's preferred replica (the first listed, Kafka's preferred leader) campaigns at
      // once: the partition gets its leader without waiting out an election timeout.
      if (replica.driver.term === 0 && d.replicas[0] === this.opts.groups.nodeId) replica.driver.campaign();
    }
    return { created, removed, damaged };
  }

  private logDir(d: ReplicaId): string {
    return `${this.opts.dataDir}/kafka/${d.topicName}/${d.partition}`;
  }
}
