// Admin clients of the cluster simulation: every 300-900 ms one asks a random live node to create
// a topic, delete one it created, change a topic's config or add a partition, through the
// node's controller channel (what its CreateTopics, DeleteTopics, IncrementalAlterConfigs and
// CreatePartitions handlers call), so requests are run locally on the leader or forwarded,
// through churn. What they check:
//
// - after every apply, every node's image at an applied index is the same state (toState) as
//   any other node's at that index: each is a prefix of the one log (state machine safety on
//   the metadata itself, not only on entry ids);
// - an operation answered as done is applied on the node that answered before the answer (the
//   client sees its topic in the next Metadata from that node);
// - every topic answered as created is in the committed log exactly once (a name is created by
//   one `topic` record, never two), and at the end every topic answered as created and not
//   answered as deleted is in every image, none answered as deleted is, and every node's disk
//   holds exactly the partition directories the metadata places on it.

import type { Entry } from '../../../src/raft/core/index.ts';
import { CREATE_PARTITIONS, CREATE_TOPICS, DELETE_TOPICS, INCREMENTAL_ALTER_CONFIGS } from '../../../src/cluster/quorum/controller-ops.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import { type ClusterSim, recordsOf } from './cluster-sim.ts';
import type { SimClusterNode } from './sim-cluster-node.ts';

export interface AdminStats {
  asked: number;
  created: number;
  deleted: number;
  altered: number;
  grown: number;
  refused: number;
}

export class AdminClients {
  readonly stats: AdminStats = { asked: 0, created: 0, deleted: 0, altered: 0, grown: 0, refused: 0 };
  private running = false;
  private seq = 0;
  /** Topics answered as created (and not yet answered as deleted). */
  private readonly live = new Set<string>();
  private readonly deleted = new Set<string>();
  /** Topics asked to be deleted and not answered as done: either way at the end. */
  private readonly doubtful = new Set<string>();
  /** The index of the `topic` record that created each name, from the committed log. */
  private readonly createdAt = new Map<string, number>();
  /** toState() of the image at each applied index, as the first node to reach it had it. */
  private readonly stateAt = new Map<number, number | bigint>();
  /** Requests not answered yet, with the node life that took them. */
  private readonly inFlight = new Set<{ readonly node: SimClusterNode; readonly life: number }>();

  constructor(private readonly sim: ClusterSim) {}

  start(): void {
    this.running = true;
    const next = (): void => {
      if (!this.running) return;
      this.ask();
      this.sim.world.scheduler.after(this.sim.prng.int(300, 900), next);
    };
    next();
  }

  stop(): void {
    this.running = false;
  }

  /** No request is in flight on a live node (a crashed node's requests died with it). */
  get settled(): boolean {
    for (const r of this.inFlight) if (r.node.incarnation === r.life && r.node.alive) return false;
    return true;
  }

  /** A node applied `entries`: its image must be the log's state at its applied index. */
  applied(n: SimClusterNode, entries: readonly Entry[]): void {
    const sm = n.stateMachine;
    if (sm === null || !entries.some((e) => e.kind === 'data')) return; // control entries change no metadata
    for (const e of entries) {
      if (e.kind !== 'data') continue;
      for (const r of recordsOf(e)) {
        if (r.type !== 'topic') continue;
        const at = this.createdAt.get(r.name);
        if (at !== undefined && at !== e.firstIndex) throw new InvariantViolation(`topic ${r.name} created twice in the log: at ${at} and at ${e.firstIndex}`);
        this.createdAt.set(r.name, e.firstIndex);
      }
    }
    const state = Bun.hash(JSON.stringify(sm.image.toState()));
    const seen = this.stateAt.get(sm.appliedIndex);
    if (seen === undefined) this.stateAt.set(sm.appliedIndex, state);
    else if (seen !== state) throw new InvariantViolation(`n${n.id}'s metadata at index ${sm.appliedIndex} differs from another node's at the same index`);
  }

  /** A node installed the leader's snapshot: its image at that index must be any other node's there. */
  loaded(n: SimClusterNode): void {
    const sm = n.stateMachine;
    if (sm === null) return;
    const state = Bun.hash(JSON.stringify(sm.image.toState()));
    const seen = this.stateAt.get(sm.appliedIndex);
    if (seen === undefined) this.stateAt.set(sm.appliedIndex, state);
    else if (seen !== state) throw new InvariantViolation(`n${n.id}'s metadata after installing the snapshot at ${sm.appliedIndex} differs from another node's at the same index`);
  }

  /**
   * At the end, on every node: the topics answered as created are there, those answered as
   * deleted are not, and its disk holds exactly the partition directories the metadata places
   * on it (none left of deleted topics, none missing).
   */
  finalCheck(): void {
    for (const n of this.sim.nodes) {
      const image = n.stateMachine!.image;
      const placed = image.topics().flatMap((t) => t.partitions.flatMap((p, i) => (p.replicas.includes(n.id) ? [`${t.name}/${i}`] : [])));
      const kafkaDir = `/${n.host}/data/kafka`;
      const onDisk = n.disk.exists(kafkaDir) ? n.disk.readdir(kafkaDir).flatMap((t) => n.disk.readdir(`${kafkaDir}/${t}`).map((p) => `${t}/${p}`)) : [];
      if (JSON.stringify(onDisk.sort()) !== JSON.stringify(placed.sort())) {
        throw new InvariantViolation(`n${n.id}'s partition directories ${onDisk.join(' ')} are not the ones the metadata places on it: ${placed.join(' ')}`);
      }
      for (const name of this.live) if (image.topic(name) === undefined) throw new InvariantViolation(`n${n.id} lacks topic ${name}, answered as created`);
      for (const name of this.deleted) if (image.topic(name) !== undefined) throw new InvariantViolation(`n${n.id} still has topic ${name}, answered as deleted`);
    }
  }

  private ask(): void {
    const nodes = this.sim.live().filter((n) => n.cluster !== null);
    if (nodes.length === 0) return;
    const n = this.sim.prng.pick(nodes);
    const life = n.incarnation;
    const request = { node: n, life };
    this.inFlight.add(request);
    const done = () => this.inFlight.delete(request);
    const roll = this.sim.prng.int(0, 9);
    const names = [...this.live];
    this.stats.asked++;
    if (roll < 5 || names.length === 0) {
      const name = `t${this.seq++}`;
      const req = { topics: [{ name, numPartitions: this.sim.prng.int(1, 3), replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 0, validateOnly: false };
      void n.cluster!.channel.call(CREATE_TOPICS, req, 7).then((a) => {
        done();
        if (n.incarnation !== life) return;
        this.answered(a.topics![0].errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, () => {
          this.stats.created++;
          this.live.add(name);
          if (n.stateMachine!.image.topic(name) === undefined) this.fail(`n${n.id} answered topic ${name} created before applying it`);
        });
      });
    } else if (roll < 7) {
      const name = this.sim.prng.pick(names);
      // Refused or unanswered, the deletion may still have committed (a lost leader's entry).
      this.live.delete(name);
      this.doubtful.add(name);
      void n.cluster!.channel.call(DELETE_TOPICS, { topics: [], topicNames: [name], timeoutMs: 0 }, 5).then((a) => {
        done();
        if (n.incarnation !== life) return;
        this.answered(a.responses![0].errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, () => {
          this.stats.deleted++;
          this.doubtful.delete(name);
          this.deleted.add(name);
          if (n.stateMachine!.image.topic(name) !== undefined) this.fail(`n${n.id} answered topic ${name} deleted before applying it`);
        });
      });
    } else if (roll < 8) {
      const name = this.sim.prng.pick(names);
      const value = String(this.sim.prng.int(60_000, 600_000));
      const req = { resources: [{ resourceType: 2, resourceName: name, configs: [{ name: 'retention.ms', configOperation: 0, value }] }], validateOnly: false };
      void n.cluster!.channel.call(INCREMENTAL_ALTER_CONFIGS, req, 1).then((a) => {
        done();
        if (n.incarnation !== life) return;
        this.answered(a.responses![0].errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, () => {
          this.stats.altered++;
          // A topic deleted meanwhile is UNKNOWN_TOPIC_OR_PARTITION; done means applied here.
          const image = n.stateMachine!.image;
          if (image.topic(name) !== undefined && image.configsOf(2, name).get('retention.ms') === undefined) this.fail(`n${n.id} answered retention.ms of ${name} changed before applying it`);
        });
      });
    } else {
      // CreatePartitions to one more than this node knows (a stale count is INVALID_PARTITIONS).
      const name = this.sim.prng.pick(names);
      const count = (n.stateMachine!.image.topic(name)?.partitions.length ?? 1) + 1;
      const req = { topics: [{ name, count, assignments: null }], timeoutMs: 0, validateOnly: false };
      void n.cluster!.channel.call(CREATE_PARTITIONS, req, 3).then((a) => {
        done();
        if (n.incarnation !== life) return;
        this.answered(a.results![0].errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, () => {
          this.stats.grown++;
          const t = n.stateMachine!.image.topic(name);
          if (t !== undefined && t.partitions.length < count) this.fail(`n${n.id} answered ${name} grown to ${count} partitions before applying it`);
        });
      });
    }
  }

  private answered(errorCode: number, done: () => void): void {
    if (errorCode === ErrorCode.NONE) done();
    else this.stats.refused++;
  }

  /** A violation seen in a callback: kept by the simulation and thrown by its next wait. */
  private fail(message: string): void {
    this.sim.fail(new InvariantViolation(message));
  }
}
