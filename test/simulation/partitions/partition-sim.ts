// A deterministic simulation of replicated partitions: 3 nodes, each hosting a replica of every
// partition of one topic (replication factor 3) through its ReplicaBackend, over real
// PartitionLogs on simulated disks, the node's RaftGroups and an in-memory transport over the
// seeded network (all the shell simulation's: raft-shell/). Idempotent producers send acks=all
// batches to the leaders and retry them through failovers; consumers fetch from the leaders up
// to the high watermark. Faults (partitions, one-way cuts, loss, duplication, delays, crashes
// with torn writes, leadership transfers) come from one seed. After every step the checker
// (checker.ts) is told what each replica holds below its high watermark, what producers were
// acknowledged and what consumers read; at the end the faults heal, the clients stop, every
// partition must converge and every acknowledged record must be in its log.
// `bun test/simulation/partitions/run.ts --seed N` replays a seed with its transcript.

import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { faultAction } from '../raft-shell/chaos.ts';
import type { World } from '../raft-shell/shell-node.ts';
import { SimRaftNet } from '../raft-shell/sim-transport.ts';
import { SimLoop } from '../sim-loop.ts';
import { PartitionChecker } from './checker.ts';
import { Consumers, observeCommitted, Producers } from './clients.ts';
import { partitionParamsFor, type PartitionSimParams } from './params.ts';
import { PartitionNode } from './partition-node.ts';
import { LivenessFailure } from '../seed-sweep.ts';
import { SIM_KEYED, SimCleaner, type SimCleanerOptions } from './cleaning.ts';

export interface PartitionSimOptions {
  readonly trace?: (line: string) => void;
  readonly params?: Partial<PartitionSimParams>;
  /** Compacted runs, tests: a broken cleaner's rules (cleaning.ts). */
  readonly cleanerRules?: SimCleanerOptions['rulesFor'];
}

export interface PartitionSimStats {
  steps: number;
  crashes: number;
  transfers: number;
  compactions: number;
  /** DeleteRecords answered by a leader: a log start command every replica must apply. */
  deletions: number;
  /** Followers that restarted their log at the leader's snapshot point. */
  snapshotsInstalled: number;
  produceRequests: number;
  retries: number;
  duplicates: number;
  /** NOT_LEADER_OR_FOLLOWER answers (a stale route, or a leader that lost its term while the batch waited). */
  notLeaderAnswers: number;
  /** NOT_ENOUGH_REPLICAS and NOT_ENOUGH_REPLICAS_AFTER_APPEND answers. */
  notEnoughReplicasAnswers: number;
  /** OUT_OF_ORDER_SEQUENCE_NUMBER answers: a batch that overtook an older one of its producer (windows above 1). */
  outOfOrderAnswers: number;
  /** Compacted runs: cleaning passes swapped in and checked, and the records they removed. */
  cleaningPasses: number;
  recordsCleaned: number;
  tombstonesRemoved: number;
  acknowledgedRecords: number;
  consumedRecords: number;
  /** Simulated milliseconds the run took (for records per second of simulated time). */
  simulatedMs: number;
}

export { LivenessFailure };

const QUIESCE_MS = 400;
const CONVERGE_MS_MAX = 10_000;
const CONVERGE_CHECK_MS = 50;
/** Bytes a checker read of one replica's committed log asks for at once. */

export class PartitionSim {
  readonly prng: Prng;
  readonly params: PartitionSimParams;
  readonly clock = new ManualClock();
  readonly scheduler = new SimScheduler(this.clock);
  readonly loop = new SimLoop(this.scheduler);
  readonly net: SimRaftNet;
  readonly nodes: PartitionNode[] = [];
  readonly checker = new PartitionChecker();
  readonly producers: Producers;
  readonly consumers: Consumers;
  readonly stats: PartitionSimStats = { steps: 0, crashes: 0, transfers: 0, compactions: 0, deletions: 0, snapshotsInstalled: 0, produceRequests: 0, retries: 0, duplicates: 0, notLeaderAnswers: 0, notEnoughReplicasAnswers: 0, outOfOrderAnswers: 0, cleaningPasses: 0, recordsCleaned: 0, tombstonesRemoved: 0, acknowledgedRecords: 0, consumedRecords: 0, simulatedMs: 0 };
  /** Compacted runs: the replicas' cleaner. */
  readonly cleaner: SimCleaner | null;
  private failure: Error | null = null;
  /** Per partition, the highest log start a DeleteRecords was answered with: every replica must reach it. */
  private readonly deletedTo: number[] = [];
  private phase: 'chaos' | 'heal' | 'quiesce' | 'done' = 'chaos';
  private readonly traceFn: ((line: string) => void) | null;

  constructor(
    readonly seed: number,
    options: PartitionSimOptions = {},
  ) {
    this.prng = new Prng(seed);
    this.params = partitionParamsFor(this.prng, options.params);
    this.traceFn = options.trace ?? null;
    this.net = new SimRaftNet(this.prng, this.params.shell.network, this.scheduler);
    const world: World = { scheduler: this.scheduler, clock: this.clock, prng: this.prng, net: this.net, params: this.params.shell };
    for (let id = 1; id <= this.params.nodes; id++) this.nodes.push(new PartitionNode(id, world, this.params));
    const trace = this.traceFn === null ? null : (l: string) => this.trace(l);
    const keyed = this.params.compacted ? SIM_KEYED : undefined;
    this.producers = new Producers(this.prng, this.checker, this.params.producerWindow, this.params.requestTimeoutMs, (e) => this.report(e), () => this.observeReplicas(), () => this.loop.nowMs, trace, () => this.nodes, keyed);
    this.cleaner = !this.params.compacted ? null : new SimCleaner({
      scheduler: this.scheduler,
      nowMs: () => this.loop.nowMs,
      report: (e) => this.report(e),
      trace: (l) => this.trace(l),
      rulesFor: options.cleanerRules,
    });
    this.consumers = new Consumers(this.prng, this.checker);
  }

  trace(line: string): void {
    this.traceFn?.(`${String(this.loop.nowMs).padStart(6)}ms ${line}`);
  }

  async run(): Promise<PartitionSimStats> {
    const p = this.params;
    this.trace(`seed ${this.seed}: ${p.partitions} partitions x ${p.nodes} replicas, min.insync.replicas ${p.minInsyncReplicas}, lag ${p.replicaLagTimeMaxMs}ms, ${p.producers} producers (${p.producerWindow} in flight), timeout ${p.requestTimeoutMs}ms, core ${JSON.stringify(p.shell.core)}, network ${JSON.stringify(p.shell.network)}`);
    for (const n of this.nodes) this.startNode(n);
    this.every(p.chaosIntervalMs, () => this.phase === 'chaos' && (this.chaos(), true));
    this.every(p.produceIntervalMs, () => this.phase !== 'done' && (this.produce(), true));
    this.every(p.fetchIntervalMs, () => this.phase !== 'done' && (this.fetch(), true));
    if (this.cleaner !== null) this.every(p.cleanIntervalMs, () => this.phase !== 'done' && (this.cleaner!.cleanAll(this.nodes, p.partitions), true));
    this.scheduler.after(p.chaosMs, () => this.heal());
    this.scheduler.after(p.chaosMs + p.settleMs - QUIESCE_MS, () => {
      this.phase = 'quiesce';
      this.trace('producers send no new batches');
    });
    this.scheduler.after(p.chaosMs + p.settleMs, () => this.verifyWhenConverged());
    while (this.phase !== 'done') {
      const fired = await this.loop.step();
      this.stats.steps++;
      if (this.failure === null) this.observeReplicas();
      if (this.failure !== null) throw this.failure;
      if (!fired) throw new LivenessFailure('the simulation ran out of events');
    }
    for (const n of this.nodes) if (n.alive) this.countSnapshots(n);
    this.stats.produceRequests = this.producers.sent;
    this.stats.retries = this.producers.retries;
    this.stats.duplicates = this.producers.duplicates;
    const errors = this.producers.errors;
    this.stats.notLeaderAnswers = errors.get(ErrorCode.NOT_LEADER_OR_FOLLOWER) ?? 0;
    this.stats.outOfOrderAnswers = errors.get(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) ?? 0;
    this.stats.notEnoughReplicasAnswers = (errors.get(ErrorCode.NOT_ENOUGH_REPLICAS) ?? 0) + (errors.get(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) ?? 0);
    this.stats.acknowledgedRecords = this.checker.acknowledgedRecords;
    this.stats.consumedRecords = this.checker.consumedRecords;
    this.stats.cleaningPasses = this.cleaner?.stats.passes ?? 0;
    this.stats.recordsCleaned = this.cleaner?.stats.recordsCleaned ?? 0;
    this.stats.tombstonesRemoved = this.cleaner?.stats.tombstonesRemoved ?? 0;
    this.stats.simulatedMs = this.loop.nowMs;
    return this.stats;
  }

  private countSnapshots(n: PartitionNode): void {
    for (let p = 0; p < this.params.partitions; p++) this.stats.snapshotsInstalled += n.replica(p)?.stats.snapshotsInstalled ?? 0;
  }

  private report(e: Error): void {
    this.failure ??= e;
  }

  private every(ms: number, fn: () => boolean): void {
    this.scheduler.after(ms, () => {
      if (fn()) this.every(ms, fn);
    });
  }

  // ---- nodes and faults ----

  startNode(n: PartitionNode): void {
    n.start().catch((e) => this.report(e));
    this.trace(`n${n.id} starts (life ${n.incarnation})`);
  }

  crashNode(n: PartitionNode): void {
    this.countSnapshots(n);
    n.crash();
    this.stats.crashes++;
    this.trace(`n${n.id} crashes`);
  }

  private chaos(): void {
    const kind = this.prng.int(0, 8);
    if (kind <= 6) {
      faultAction({ prng: this.prng, nodes: this.nodes, net: this.net, scheduler: this.scheduler, params: this.params, trace: (l) => this.trace(l), crashNode: (n) => this.crashNode(n), startNode: (n) => this.startNode(n) }, kind);
      return;
    }
    if (kind === 7) this.transfer();
    else this.compact();
  }

  /**
   * Retention on one replica: its log start moves up (to a batch boundary, below its high
   * watermark), so a lagging follower restarts its log at the leader's snapshot point and its
   * producer state with it. Never past a batch a producer may still retry (Producers.safeLogStart).
   */
  private compact(): void {
    const live = this.nodes.filter((n) => n.alive);
    if (live.length === 0) return;
    const n = this.prng.pick(live);
    const partition = this.prng.int(0, this.params.partitions - 1);
    const r = n.replica(partition);
    if (r === undefined) return;
    const before = r.logStartOffset;
    const to = Math.min(this.producers.safeLogStart(partition), r.highWatermark);
    if (r.isLeader && this.prng.chance(0.5)) {
      this.deleteRecords(n, partition, to);
      return;
    }
    void r.compactTo(to).then((start) => {
      if (start === before) return;
      this.stats.compactions++;
      this.trace(`n${n.id} partition ${partition} compacts its log: start ${before} -> ${start}`);
    });
  }

  /** DeleteRecords on the leader: once answered, every replica's log start must reach its low watermark. */
  private deleteRecords(n: PartitionNode, partition: number, to: number): void {
    void n.replica(partition)!.deleteRecords(to).then((r) => {
      this.trace(`n${n.id} partition ${partition} DeleteRecords to ${to}: ${r.ok ? `low watermark ${r.lowWatermark}` : `error ${r.error.code}`}`);
      if (!r.ok) return;
      this.stats.deletions++;
      this.deletedTo[partition] = Math.max(this.deletedTo[partition] ?? 0, r.lowWatermark);
    });
  }

  /** A leadership transfer (an operator's preferred-leader election). */
  private transfer(): void {
    const partition = this.prng.int(0, this.params.partitions - 1);
    const leader = this.nodes.find((n) => n.alive && n.replica(partition)?.isLeader === true);
    if (leader === undefined) return;
    const to = this.prng.pick(this.nodes.filter((n) => n !== leader)).id;
    const r = leader.replica(partition)!.driver.transferLeadership(to);
    if (r.ok) this.stats.transfers++;
    this.trace(`n${leader.id} transfers partition ${partition} to n${to}: ${r.ok ? 'started' : r.reason}`);
  }

  private produce(): void {
    const producer = this.prng.int(1, this.params.producers);
    const partition = this.prng.int(0, this.params.partitions - 1);
    this.producers.act(producer, partition, this.phase === 'chaos' || this.phase === 'heal');
  }

  private fetch(): void {
    try {
      this.consumers.fetch(this.prng.int(0, this.params.partitions - 1), this.nodes);
    } catch (e) {
      this.report(e as Error);
    }
  }

  // ---- the checker's view of the replicas ----

  /** Every live replica: what it holds below its high watermark (Raft's, the driver's), and a leader's high watermark. */
  private observeReplicas(): void {
    try {
      for (const n of this.nodes) {
        if (!n.alive) continue;
        for (let p = 0; p < this.params.partitions; p++) {
          const r = n.replica(p);
          if (r === undefined || r.storageFailure !== null) continue;
          observeCommitted(this.checker, p, `n${n.id}`, r);
          if (r.isLeader) this.checker.leaderHighWatermark(p, n.id, n.incarnation, r.leaderEpoch, r.highWatermark);
        }
      }
    } catch (e) {
      this.report(e as Error);
    }
  }

  // ---- the end ----

  private heal(): void {
    this.phase = 'heal';
    this.net.network.heal();
    this.net.network.faults = { ...this.net.network.faults, lossProbability: 0, duplicateProbability: 0 };
    this.trace('heal: links restored, no more loss or duplication, every node restarts');
    for (const n of this.nodes) if (!n.alive) this.startNode(n);
  }

  private notConverged(): string | null {
    if (this.producers.pending > 0) return `${this.producers.pending} batches not acknowledged`;
    for (let p = 0; p < this.params.partitions; p++) {
      const leader = this.nodes.find((n) => n.alive && n.replica(p)?.isLeader === true);
      if (leader === undefined) return `partition ${p}: no leader`;
      const s = leader.replica(p)!.driver.status();
      if (s.commit !== s.lastIndex) return `partition ${p}: leader n${leader.id} committed ${s.commit} of ${s.lastIndex}`;
      for (const n of this.nodes) {
        const r = n.replica(p);
        if (r === undefined || r.driver.highWatermark !== s.commit + 1) return `partition ${p}: n${n.id} has not applied ${s.commit}`;
        const deletedTo = this.deletedTo[p] ?? 0;
        if (r.logStartOffset < deletedTo) return `partition ${p}: n${n.id}'s log start ${r.logStartOffset} is below ${deletedTo}, which DeleteRecords answered`;
      }
    }
    return null;
  }

  private verifyWhenConverged(): void {
    const waiting = this.notConverged();
    if (waiting === null) {
      for (let p = 0; p < this.params.partitions; p++) {
        const end = this.nodes[0].replica(p)!.driver.highWatermark;
        this.checker.finalCheck(p, end);
        this.trace(`verified partition ${p}: ${end} offsets`);
      }
      this.cleaner?.finalCheck(this.nodes, this.params.partitions, this.checker);
      this.phase = 'done';
      return;
    }
    if (this.loop.nowMs >= this.params.chaosMs + this.params.settleMs + CONVERGE_MS_MAX) {
      throw new LivenessFailure(`${CONVERGE_MS_MAX} ms after the clients stopped: ${waiting}`);
    }
    this.scheduler.after(CONVERGE_CHECK_MS, () => this.verifyWhenConverged());
  }
}
