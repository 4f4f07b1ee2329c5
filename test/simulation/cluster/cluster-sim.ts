// A deterministic simulation of cluster formation: N seeds (3 or 5) and one node that joins
// later, each the real node wiring (KafkaServer, Broker, ClusterNode: RPC endpoint over the
// simulated network, RaftGroups, quorum-state journal, the controller log on a simulated disk)
// in one process from one seed. The story of a run (story.ts) starts the seeds one by one,
// crashes the leader, restarts it, cuts a minority off and heals it, and lets a learner join,
// while a writer proposes metadata batches to whoever leads. A RaftChecker watches the controller
// group (election safety: one leader per term; log matching; leader completeness; state
// machine safety; acknowledged batches kept in order) after every step; the story asserts
// what the cluster must do (elect once a majority is up, never with a minority, re-elect after
// a crash, keep a healthy leader through a cut-off follower, catch up, admit the learner, agree
// on the controller and the brokers). `bun test/simulation/cluster/run.ts --seed N` replays one.

import { log } from '../../../src/base/log.ts';
import type { Entry, Term } from '../../../src/raft/core/index.ts';
import type { GroupListener } from '../../../src/raft/group-driver.ts';
import { ConfigResourceType, decodeMetadataBatch, describeRecord, encodeMetadataBatch, type MetadataRecord } from '../../../src/cluster/controller/index.ts';
import { InvariantViolation, RaftChecker } from '../raft-core/checker.ts';
import { refOf as rawRefOf } from '../raft-shell/clients.ts';
import { SimWorld } from '../node/sim-node.ts';
import { hostOf, RPC_PORT, SimClusterNode } from './sim-cluster-node.ts';
import { AdminClients } from './admin-clients.ts';
import { KafkaClients } from './kafka-clients.ts';
import { failureKeeper, LivenessFailure } from '../seed-sweep.ts';

export { LivenessFailure };

export interface ClusterSimOptions {
  /** Seeds (voters): 3 or 5. */
  readonly voters: number;
  /** The churn phase: how long, and the pause between its faults (ms, drawn uniformly). */
  readonly churn?: { readonly durationMs: readonly [number, number]; readonly stepMs: readonly [number, number] };
  /** Kafka clients producing to and consuming from a topic of replication factor 3 (kafka-clients.ts). */
  readonly clients?: boolean;
  /**
   * metadata.log.max.record.bytes.between.snapshots for every node: a tiny value makes the nodes
   * snapshot and compact the controller log every few seconds, so a node down for a while and
   * the learner come back through InstallSnapshot and a snapshot fetch.
   */
  readonly snapshotBytes?: number;
  /** metadata.log.max.snapshot.interval.ms for every node (Kafka's 1 h otherwise: never in a run). */
  readonly snapshotIntervalMs?: number;
  readonly trace?: (line: string) => void;
}

export const DEFAULT_CHURN = { durationMs: [2_000, 4_000], stepMs: [100, 500] } as const;

export interface ClusterSimStats {
  elections: number;
  crashes: number;
  partitions: number;
  proposed: number;
  acknowledged: number;
  steps: number;
  simulatedMs: number;
  /** Admin requests answered as done: topics created and deleted, configs changed. */
  topicsCreated: number;
  topicsDeleted: number;
  configsChanged: number;
  partitionsAdded: number;
  /** The Kafka clients' records: acknowledged to producers, read by the consumer. */
  producedRecords: number;
  consumedRecords: number;
  produceRetries: number;
  /** The controller snapshots: written, installed from a leader, log compactions (every node, every life). */
  snapshotsWritten: number;
  snapshotsInstalled: number;
  compactions: number;
}

interface Proposal {
  readonly seq: number;
  readonly node: number;
  readonly incarnation: number;
  readonly firstIndex: number;
  readonly term: Term;
  readonly atMs: number;
}

/** The group whose config the writer's batches set (the id of each batch is the value). */
const WRITER_GROUP = 'sim-writer';

/** Each batch decoded once for the checkers (every node's listeners get the same entry objects). */
const decoded = new WeakMap<Uint8Array, MetadataRecord[]>();

/** The metadata records of a data entry. */
export function recordsOf(e: Entry & { kind: 'data' }): MetadataRecord[] {
  let records = decoded.get(e.payload);
  if (records === undefined) {
    records = decodeMetadataBatch(e.payload)!.records;
    decoded.set(e.payload, records);
  }
  return records;
}

/** An entry as the checker names it: the writer's id, else its first metadata record. */
function refOf(e: Entry) {
  if (e.kind === 'control') return rawRefOf(e);
  const first = recordsOf(e)[0];
  const id = first.type === 'config' && first.resourceName === WRITER_GROUP ? first.value! : describeRecord(first);
  return { firstIndex: e.firstIndex, lastIndex: e.lastIndex, term: e.term, id };
}

/** A proposal not applied by its leader within this long is given up (that leader lost it). */
const PROPOSAL_GIVE_UP_MS = 2_000;

export class ClusterSim {
  readonly world: SimWorld;
  readonly nodes: SimClusterNode[] = [];
  readonly checker = new RaftChecker();
  readonly stats: ClusterSimStats = { elections: 0, crashes: 0, partitions: 0, proposed: 0, acknowledged: 0, steps: 0, simulatedMs: 0, topicsCreated: 0, topicsDeleted: 0, configsChanged: 0, partitionsAdded: 0, producedRecords: 0, consumedRecords: 0, produceRetries: 0, snapshotsWritten: 0, snapshotsInstalled: 0, compactions: 0 };
  /** The first violation seen inside a callback, thrown by the next wait. */
  private failure: Error | null = null;
  private writing = false;
  private seq = 0;
  private readonly outstanding = new Map<string, Proposal>();
  /** Admin clients creating, deleting and changing topics through random nodes. */
  readonly admins = new AdminClients(this);
  /** Kafka clients on a replicated topic, when the options ask for them. */
  readonly clients: KafkaClients | null;

  constructor(
    readonly seed: number,
    readonly options: ClusterSimOptions,
  ) {
    this.world = new SimWorld(seed);
    const seeds = Array.from({ length: options.voters }, (_, i) => `${i + 1}@${hostOf(i + 1)}:${RPC_PORT}`).join(',');
    // With clients, __consumer_offsets (created at the first FindCoordinator) has 1 partition,
    // not Kafka's 50: each is a Raft group of 3 replicas, and the one group's coordinator
    // moves with its partition's leader all the same.
    const sets = options.clients === true ? ['offsets.topic.num.partitions=1'] : [];
    if (options.snapshotBytes !== undefined) sets.push(`metadata.log.max.record.bytes.between.snapshots=${options.snapshotBytes}`);
    if (options.snapshotIntervalMs !== undefined) sets.push(`metadata.log.max.snapshot.interval.ms=${options.snapshotIntervalMs}`);
    for (let id = 1; id <= options.voters + 1; id++) this.nodes.push(new SimClusterNode(id, this.world, seeds, sets));
    this.clients = options.clients === true ? new KafkaClients(this) : null;
  }

  get prng() {
    return this.world.prng;
  }

  get nowMs(): number {
    return this.world.loop.nowMs;
  }

  node(id: number): SimClusterNode {
    return this.nodes[id - 1];
  }

  trace(line: string): void {
    this.options.trace?.(`${String(this.nowMs).padStart(6)}ms ${line}`);
  }

  // ---- nodes ----

  async start(n: SimClusterNode): Promise<void> {
    await n.start(this.observer(n));
    const d = n.controller!;
    const snap = d.storage.snapshot();
    this.checker.stateFrom(n.id, snap.index, snap.term);
    n.applied = snap.index;
    // What survived on disk, torn tails cut, must fit every other log (Log Matching).
    if (d.storage.lastIndex() >= d.storage.firstIndex()) {
      this.checker.persisted(n.id, snap.term, d.storage.entries(d.storage.firstIndex(), Number.MAX_SAFE_INTEGER).map(refOf));
    }
    this.trace(`n${n.id} starts (life ${n.incarnation}): term ${d.term}, log ${d.storage.firstIndex()}..${d.storage.lastIndex()}`);
  }

  crash(n: SimClusterNode): void {
    this.countSnapshots(n);
    n.crash();
    this.stats.crashes++;
    for (const [id, p] of this.outstanding) if (p.node === n.id) this.outstanding.delete(id);
    this.trace(`n${n.id} crashes (kill -9 and a power cut)`);
  }

  /** Adds what a node's life did with snapshots to the stats (at its crash, and at the end of a run). */
  countSnapshots(n: SimClusterNode): void {
    const s = n.cluster?.snapshots.stats;
    if (s === undefined) return;
    this.stats.snapshotsWritten += s.written;
    this.stats.snapshotsInstalled += s.installed;
    this.stats.compactions += s.compactions;
    s.written = s.installed = s.compactions = 0;
  }

  /** The live leader with the highest term. */
  leader(): SimClusterNode | null {
    let best: SimClusterNode | null = null;
    for (const n of this.nodes) {
      const d = n.controller;
      if (n.alive && d !== null && d.role === 'leader' && (best === null || d.term > best.controller!.term)) best = n;
    }
    return best;
  }

  /** One line per node, for a failure's message: role, term, log, applied, what it knows. */
  describe(): string {
    return this.nodes
      .map((n) => {
        if (!n.alive) return `n${n.id} down`;
        const s = n.controller!.status();
        const progress = s.progress === null ? '' : ` progress ${[...s.progress].map(([id, p]) => `${id}:${p.match}/${p.state}`).join(',')}`;
        return `n${n.id} ${s.role} t${s.term} leader ${s.leaderId} log ${s.firstIndex}..${s.lastIndex} commit ${s.commit} applied ${n.applied} members ${s.membership.voters}|${s.membership.learners} controller ${n.cluster!.controllerId()} brokers ${n.cluster!.brokers().length}${progress}`;
      })
      .join('; ');
  }

  live(): SimClusterNode[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** What one node's controller group reports, fed to the checker; a violation is kept and thrown by the next wait. */
  private observer(n: SimClusterNode): GroupListener {
    const guard = failureKeeper((e) => {
      this.failure ??= e;
    });
    return {
      roleChanged: guard((soft, term: Term) => {
        if (soft.role !== 'leader') return;
        const d = n.controller!;
        this.stats.elections++;
        this.trace(`n${n.id} leads term ${term}`);
        this.checker.leaderElected(n.id, term, { firstIndex: d.raft.firstIndex, termAt: (i) => d.raft.termAt(i) });
      }),
      persisted: guard((prevTerm: Term, entries: readonly Entry[]) => this.checker.persisted(n.id, prevTerm, entries.map(refOf))),
      applied: guard((entries: readonly Entry[]) => {
        for (const e of entries) {
          const ref = refOf(e);
          this.checker.applied(n.id, ref);
          n.applied = e.lastIndex;
          this.acknowledge(n, e, ref.id);
        }
        this.admins.applied(n, entries);
      }),
      snapshotInstalled: guard((meta) => {
        this.checker.stateFrom(n.id, meta.index, meta.term);
        n.applied = meta.index;
        this.trace(`n${n.id} installed the leader's snapshot at ${meta.index} (term ${meta.term})`);
        this.admins.loaded(n);
      }),
      failed: guard((e: Error) => {
        throw new InvariantViolation(`n${n.id}'s controller group stopped: ${e.message}`);
      }),
    };
  }

  // ---- the writer: metadata batches proposed to whoever leads ----

  startWriting(): void {
    this.writing = true;
    const next = (): void => {
      if (!this.writing) return;
      this.write();
      this.world.scheduler.after(this.prng.int(100, 300), next);
    };
    next();
  }

  stopWriting(): void {
    this.writing = false;
  }

  private write(): void {
    for (const [id, p] of this.outstanding) if (this.nowMs - p.atMs > PROPOSAL_GIVE_UP_MS) this.outstanding.delete(id);
    const n = this.leader();
    if (n === null) return;
    const seq = this.seq++;
    const id = `w#${seq}`;
    // A metadata batch (the state machines decode every entry): a GROUP config carrying the id.
    const r = n.controller!.propose(encodeMetadataBatch([{ type: 'config', resourceType: ConfigResourceType.GROUP, resourceName: WRITER_GROUP, name: 'w', value: id }], this.nowMs));
    if (!r.ok) return;
    this.stats.proposed++;
    this.outstanding.set(id, { seq, node: n.id, incarnation: n.incarnation, firstIndex: r.firstIndex, term: r.term, atMs: this.nowMs });
  }

  /** A batch is acknowledged when the leader that took it applies it in the same life (acks=all). */
  private acknowledge(n: SimClusterNode, e: Entry, id: string): void {
    const p = this.outstanding.get(id);
    if (e.kind !== 'data' || p === undefined) return;
    if (p.node !== n.id || p.incarnation !== n.incarnation || p.firstIndex !== e.firstIndex || p.term !== e.term) return;
    this.outstanding.delete(id);
    this.stats.acknowledged++;
    this.checker.acknowledged('writer', p.seq, refOf(e));
  }

  /** A violation seen outside the checker's calls (a client's answer): thrown by the next wait. */
  fail(e: Error): void {
    this.failure ??= e;
  }

  // ---- waiting ----

  /** Runs until `done()` holds, checking every step; LivenessFailure after `limitMs` of simulated time. */
  async until(done: () => boolean, limitMs: number, what: string): Promise<void> {
    try {
      await this.world.loop.until(() => {
        this.observeClients();
        if (this.failure !== null) throw this.failure;
        return done();
      }, limitMs, what);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('simulation:')) throw new LivenessFailure(`${e.message}: ${this.describe()}`);
      throw e;
    }
  }

  /** Runs `ms` of simulated time; `invariant()` must hold after every step (a string says what broke). */
  async holds(invariant: () => string | null, ms: number): Promise<void> {
    const loop = this.world.loop;
    const end = this.nowMs + ms;
    for (;;) {
      this.observeClients();
      if (this.failure !== null) throw this.failure;
      const broken = invariant();
      if (broken !== null) throw new InvariantViolation(broken);
      if (this.nowMs >= end || !(await loop.step(end))) break;
    }
    if (this.nowMs < end) await loop.advance(end - this.nowMs);
  }

  /** After every step: the clients' checker sees what every replica of their topic holds. */
  private observeClients(): void {
    if (this.clients === null || this.failure !== null) return;
    try {
      this.clients.observe();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Quiets the nodes' logs for sweeps; returns a restore function. */
  static quietLogs(): () => void {
    log.setLevel('error');
    return () => log.setLevel('info');
  }
}
