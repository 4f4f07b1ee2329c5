// A deterministic simulation of the Raft shell: 4 nodes, each hosting every group (2 to 4
// partitions and the controller group; nodes 1-3 start as the voters, node 4 is a spare that
// membership changes bring in), each group over a real PartitionLog on a simulated disk
// (unflushed writes lost on a crash, torn tails), the node's quorum-state journal, its
// RaftGroups with one timer, and an in-memory RaftTransport over a seeded network (loss,
// duplication, delay and reordering, partitions, one-way cuts). Clients produce record
// batches and count acknowledgements as acks=all does. One checker per group is told what
// every node persists and applies and who leads, and throws on the first violation of
// election safety, log matching, leader completeness, state-machine safety, or an
// acknowledged batch lost, duplicated or reordered. At the end the faults heal and every group
// must converge. Everything comes from one seed; `bun test/simulation/raft-shell/run.ts
// --seed N` replays it with its transcript.

import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { CONTROLLER_GROUP, type GroupId } from '../../../src/raft/transport.ts';
import { describeMembership, membership, type Entry, type NodeId, type Term } from '../../../src/raft/core/index.ts';
import type { GroupListener } from '../../../src/raft/group-driver.ts';
import { InvariantViolation, RaftChecker } from '../raft-core/checker.ts';
import { SimLoop } from '../sim-loop.ts';
import { chaosAction } from './chaos.ts';
import { refOf, ShellClients } from './clients.ts';
import { shellParamsFor, type ShellSimParams } from './params.ts';
import { ShellNode, type World } from './shell-node.ts';
import { SimRaftNet } from './sim-transport.ts';
import { failureKeeper, LivenessFailure } from '../seed-sweep.ts';

export interface ShellSimOptions {
  readonly trace?: (line: string) => void;
  readonly params?: Partial<ShellSimParams>;
}

export interface ShellSimStats {
  steps: number;
  elections: number;
  acknowledged: number;
  crashes: number;
  membershipChanges: number;
  compactions: number;
  snapshotsInstalled: number;
  frames: number;
  /** Chunks far-behind followers streamed from segment files (src/raft/stream) and wrote. */
  streamedChunks: number;
}

export { LivenessFailure };

const QUIESCE_MS = 400;
const CONVERGE_MS_MAX = 10_000;
const CONVERGE_CHECK_MS = 50;

export class ShellSim {
  readonly prng: Prng;
  readonly params: ShellSimParams;
  readonly clock = new ManualClock();
  readonly scheduler = new SimScheduler(this.clock);
  readonly loop = new SimLoop(this.scheduler);
  readonly net: SimRaftNet;
  readonly world: World;
  readonly nodes: ShellNode[] = [];
  readonly groupIds: GroupId[];
  readonly checkers = new Map<GroupId, RaftChecker>();
  readonly clients: ShellClients;
  readonly stats: ShellSimStats = { steps: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, compactions: 0, snapshotsInstalled: 0, frames: 0, streamedChunks: 0 };
  /** Committed data batches per group, by id: a batch committed at two offsets is a duplicate. */
  private readonly committedIds = new Map<GroupId, Map<string, number>>();
  /** The first violation seen inside a callback (thrown from the run loop). */
  private failure: Error | null = null;
  private phase: 'chaos' | 'heal' | 'quiesce' | 'done' = 'chaos';
  private readonly traceFn: ((line: string) => void) | null;

  constructor(
    readonly seed: number,
    options: ShellSimOptions = {},
  ) {
    this.prng = new Prng(seed);
    this.params = shellParamsFor(this.prng, options.params);
    this.traceFn = options.trace ?? null;
    this.net = new SimRaftNet(this.prng, this.params.network, this.scheduler);
    this.world = { scheduler: this.scheduler, clock: this.clock, prng: this.prng, net: this.net, params: this.params };
    this.groupIds = [...Array.from({ length: this.params.partitions }, (_, p) => `t0:${p}`), CONTROLLER_GROUP];
    for (const g of this.groupIds) {
      this.checkers.set(g, new RaftChecker());
      this.committedIds.set(g, new Map());
    }
    for (let id = 1; id <= this.params.poolSize; id++) this.nodes.push(new ShellNode(id, this.world));
    this.clients = new ShellClients(this.params.clientWindow, this.prng, this.checkers, this.traceFn === null ? null : (l) => this.trace(l));
  }

  trace(line: string): void {
    this.traceFn?.(`${String(this.loop.nowMs).padStart(6)}ms ${line}`);
  }

  node(id: NodeId): ShellNode {
    return this.nodes[id - 1];
  }

  async run(): Promise<ShellSimStats> {
    const p = this.params;
    this.trace(`seed ${this.seed}: ${p.voters} voters of ${p.poolSize}, groups ${this.groupIds.join(' ')}, ${JSON.stringify(p.core)}, network ${JSON.stringify(p.network)}, fsync <= ${p.fsyncMsMax}ms, segments ${p.segmentBytes}B`);
    for (const n of this.nodes) this.startNode(n);
    this.every(p.chaosIntervalMs, () => this.phase === 'chaos' && (chaosAction(this), true));
    for (let c = 0; c < p.clients; c++) this.every(p.clientIntervalMs, () => this.phase !== 'quiesce' && this.phase !== 'done' && (this.clientAct(c), true));
    this.scheduler.after(p.chaosMs, () => this.heal());
    this.scheduler.after(p.chaosMs + p.settleMs - QUIESCE_MS, () => {
      this.phase = 'quiesce';
      this.trace('clients stop');
    });
    this.scheduler.after(p.chaosMs + p.settleMs, () => this.verifyWhenConverged());
    while (this.phase !== 'done') {
      const fired = await this.loop.step();
      this.stats.steps++;
      if (this.failure !== null) throw this.failure;
      if (!fired) throw new LivenessFailure('the simulation ran out of events');
    }
    this.stats.acknowledged = this.clients.acknowledged;
    this.stats.frames = this.net.network.stats.sent;
    this.stats.streamedChunks = this.nodes.reduce((sum, n) => sum + n.streamedChunks, 0);
    return this.stats;
  }

  /** Runs `fn` every `ms` of simulated time while it returns true. */
  private every(ms: number, fn: () => boolean): void {
    this.scheduler.after(ms, () => {
      if (fn()) this.every(ms, fn);
    });
  }

  private clientAct(c: number): void {
    this.clients.act(c, this.prng.pick(this.groupIds), this.nodes, this.loop.nowMs);
  }

  // ---- nodes ----

  startNode(n: ShellNode): void {
    const initial = membership(Array.from({ length: this.params.voters }, (_, i) => i + 1));
    const groups = n.start(this.groupIds, () => (n.id <= this.params.voters ? initial : membership([])), (g) => this.listener(n, g));
    for (const d of groups.all()) {
      const snap = d.storage.snapshot();
      this.checkers.get(d.group)!.stateFrom(n.id, snap.index, snap.term);
      n.applied.set(d.group, snap.index);
      // What survived on disk, torn tails included, must fit every other log (Log Matching).
      if (d.storage.lastIndex() >= d.storage.firstIndex()) {
        this.checkers.get(d.group)!.persisted(n.id, snap.term, d.storage.entries(d.storage.firstIndex(), Number.MAX_SAFE_INTEGER).map(refOf));
      }
    }
    const g0 = groups.get(this.groupIds[0])!;
    this.trace(`n${n.id} starts (life ${n.incarnation}): ${this.groupIds[0]} term ${g0.term}, log ${g0.storage.firstIndex()}..${g0.storage.lastIndex()}`);
  }

  crashNode(n: ShellNode): void {
    n.crash();
    this.clients.crashed(n);
    this.stats.crashes++;
    this.trace(`n${n.id} crashes`);
  }

  /** What one node's group reports, fed to the group's checker. Violations are kept and thrown by the run loop. */
  private listener(n: ShellNode, group: GroupId): GroupListener {
    const checker = this.checkers.get(group)!;
    const guard = failureKeeper((e) => {
      this.failure ??= e;
    });
    return {
      roleChanged: guard((soft, term: Term) => {
        if (soft.role !== 'leader') return;
        const d = n.groups!.get(group)!;
        this.stats.elections++;
        this.trace(`n${n.id} ${group} leads term ${term}`);
        checker.leaderElected(n.id, term, { firstIndex: d.raft.firstIndex, termAt: (i) => d.raft.termAt(i) });
      }),
      persisted: guard((prevTerm: Term, entries: readonly Entry[]) => checker.persisted(n.id, prevTerm, entries.map(refOf))),
      applied: guard((entries: readonly Entry[]) => {
        for (const e of entries) {
          const ref = refOf(e);
          checker.applied(n.id, ref);
          n.applied.set(group, e.lastIndex);
          if (e.kind === 'data') this.checkUnique(group, ref.id, e.firstIndex);
          this.clients.applied(n, group, e, ref);
        }
      }),
      snapshotInstalled: guard((meta) => {
        this.stats.snapshotsInstalled++;
        this.trace(`n${n.id} ${group} installs the snapshot point ${meta.index}@t${meta.term}`);
        checker.stateFrom(n.id, meta.index, meta.term);
        n.applied.set(group, meta.index);
      }),
      failed: guard((e: Error) => {
        throw new InvariantViolation(`n${n.id} ${group} stopped: ${e.name}: ${e.message}`);
      }),
    };
  }

  private checkUnique(group: GroupId, id: string, firstIndex: number): void {
    const seen = this.committedIds.get(group)!;
    const at = seen.get(id);
    if (at !== undefined && at !== firstIndex) throw new InvariantViolation(`acknowledged batch duplicated: ${group} ${id} committed at ${at} and at ${firstIndex}`);
    seen.set(id, firstIndex);
  }

  // ---- the end ----

  private heal(): void {
    this.phase = 'heal';
    this.net.network.heal();
    this.net.network.faults = { ...this.net.network.faults, lossProbability: 0, duplicateProbability: 0 };
    this.trace('heal: links restored, no more loss or duplication, every node restarts');
    for (const n of this.nodes) if (!n.alive) this.startNode(n);
  }

  /** The live leader of `group` with the highest term. */
  leaderOf(group: GroupId): { node: ShellNode; term: Term } | null {
    let best: { node: ShellNode; term: Term } | null = null;
    for (const n of this.nodes) {
      const d = n.groups?.get(group);
      if (d !== undefined && d.role === 'leader' && (best === null || d.term > best.term)) best = { node: n, term: d.term };
    }
    return best;
  }

  private notConverged(): string | null {
    for (const g of this.groupIds) {
      const leader = this.leaderOf(g);
      if (leader === null) return `${g}: no leader`;
      const s = leader.node.groups!.get(g)!.status();
      if (s.commit !== s.lastIndex) return `${g}: leader n${leader.node.id} committed ${s.commit} of ${s.lastIndex}`;
      for (const id of [...s.membership.voters, ...s.membership.learners]) {
        const m = this.node(id);
        if (!m.alive || m.applied.get(g) !== s.commit) return `${g}: member n${id} applied ${m.applied.get(g)} of ${s.commit}`;
      }
    }
    return null;
  }

  private verifyWhenConverged(): void {
    const waiting = this.notConverged();
    if (waiting === null) {
      for (const g of this.groupIds) {
        const s = this.leaderOf(g)!.node.groups!.get(g)!.status();
        const members = [...s.membership.voters, ...s.membership.learners].map((id) => ({ id, appliedIndex: this.node(id).applied.get(g)! }));
        this.checkers.get(g)!.finalCheck(members);
        this.trace(`verified ${g}: leader n${s.id} term ${s.term}, members ${describeMembership(s.membership)}, commit ${s.commit}`);
      }
      this.phase = 'done';
      return;
    }
    if (this.loop.nowMs >= this.params.chaosMs + this.params.settleMs + CONVERGE_MS_MAX) {
      throw new LivenessFailure(`${CONVERGE_MS_MAX} ms after the clients stopped: ${waiting}`);
    }
    this.scheduler.after(CONVERGE_CHECK_MS, () => this.verifyWhenConverged());
  }
}
