// A deterministic simulation of one Raft group: the real core on 3 or 5 nodes (plus spares
// that membership changes bring in), a simulated network and disk, crashes and restarts,
// clients, membership changes, leadership transfers and log compaction, all from one seed.
// After every event the checker is told what changed and throws on any safety violation.
// The run ends with the faults healed, and then the group must have converged: one leader,
// every member has applied everything, every acknowledged request is there (liveness).

import { Prng } from '../../../src/base/prng.ts';
import {
  describeEntries,
  describeMembership,
  describeMessage,
  type Membership,
  membership,
  type MembershipChange,
  MemoryRaftStorage,
  type Message,
  type NodeId,
} from '../../../src/raft/core/index.ts';
import { InvariantViolation, RaftChecker } from './checker.ts';
import { SimClients } from './clients.ts';
import { EventQueue } from './event-queue.ts';
import { SimNetwork } from './network.ts';
import { paramsFor, type SimParams } from './params.ts';
import { entryRef, SimNode } from './sim-node.ts';
import { chaosAction } from './chaos.ts';
import { type QuietBounds, QuiescenceChecker } from './quiet-checker.ts';
import { LivenessFailure } from '../seed-sweep.ts';

/** The node-level heartbeat of quiescence: an empty frame (src/raft/node-liveness.ts). */
type NodeBeat = { readonly type: 'node_heartbeat'; readonly from: NodeId; readonly to: NodeId };

type SimEvent =
  | { readonly type: 'tick'; readonly node: NodeId; readonly incarnation: number }
  | { readonly type: 'deliver'; readonly msg: Message | NodeBeat }
  | { readonly type: 'persisted'; readonly node: NodeId; readonly incarnation: number }
  | { readonly type: 'restart'; readonly node: NodeId }
  | { readonly type: 'chaos' }
  | { readonly type: 'client'; readonly client: number }
  | { readonly type: 'heal' }
  | { readonly type: 'quiesce' }
  | { readonly type: 'verify' };

/**
 * A shell bug to plant, to show the checker catches what it causes: forgetting the vote across
 * a restart, or never reporting a silent node to quiet groups (quiescence).
 */
export type BrokenShell = 'forget_vote_on_restart' | 'never_report_silent_node';

export interface SimOptions {
  readonly trace?: (line: string) => void;
  readonly brokenShell?: BrokenShell;
  readonly params?: Partial<SimParams>;
}

export interface SimStats {
  events: number;
  elections: number;
  acknowledged: number;
  crashes: number;
  membershipChanges: number;
  messagesSent: number;
}

export { LivenessFailure };

/** Clients stop this long before the final check, so everything proposed can commit. */
const QUIESCE_MS = 400;
const EVENTS_MAX = 2_000_000;
/** After the clients stop, the group must converge within this long (a slow learner may need it all). */
const CONVERGE_MS_MAX = 10_000;
const CONVERGE_CHECK_MS = 50;
const TICK_JITTER_MS = 2;

export class RaftCoreSim {
  readonly prng: Prng;
  readonly params: SimParams;
  readonly queue = new EventQueue<SimEvent>();
  readonly network: SimNetwork<Message | NodeBeat>;
  readonly checker = new RaftChecker();
  /** Set when the seed quiesces. */
  readonly quietChecker: QuiescenceChecker | null;
  private lastLeaderMembership: Membership | null = null;
  readonly clients: SimClients;
  /** By id; ids start at 1. Nodes never started have no core and empty storage. */
  readonly nodes: SimNode[] = [];
  readonly started = new Set<NodeId>();
  readonly stats: SimStats = { events: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, messagesSent: 0 };
  private phase: 'chaos' | 'heal' | 'quiesce' | 'done' = 'chaos';
  private readonly traceFn: ((line: string) => void) | null;

  constructor(
    readonly seed: number,
    readonly options: SimOptions = {},
  ) {
    this.prng = new Prng(seed);
    this.params = paramsFor(this.prng, options.params);
    this.traceFn = options.trace ?? null;
    this.network = new SimNetwork<Message | NodeBeat>(this.prng, this.params.network, (msg, delayMs) =>
      this.queue.schedule(this.queue.nowMs + delayMs, { type: 'deliver', msg }),
    );
    this.quietChecker = this.params.core.quiescence === true ? new QuiescenceChecker(quietBounds(this.params)) : null;
    this.clients = new SimClients(this.params.clients, this.params.clientWindow, this.prng, this.checker, this.traceFn === null ? null : (l) => this.trace(l));
    const initial = membership(Array.from({ length: this.params.initialVoters }, (_, i) => i + 1));
    for (let id = 1; id <= this.params.poolSize; id++) {
      const storage = MemoryRaftStorage.bootstrap(id <= this.params.initialVoters ? initial : membership([]));
      this.nodes.push(new SimNode(id, storage, this.params.tickMs[id - 1]));
    }
  }

  trace(line: string): void {
    this.traceFn?.(`${String(this.queue.nowMs).padStart(6)}ms ${line}`);
  }

  node(id: NodeId): SimNode {
    return this.nodes[id - 1];
  }

  /** Runs to the end; throws InvariantViolation, LivenessFailure or a core AssertionError. */
  run(): SimStats {
    const p = this.params;
    this.trace(`seed ${this.seed}: ${p.initialVoters} voters, pool ${p.poolSize}, ${JSON.stringify(p.core)}, network ${JSON.stringify(p.network)}, fsync <= ${p.fsyncMsMax}ms`);
    for (let id = 1; id <= p.initialVoters; id++) this.startNode(id);
    this.queue.schedule(p.chaosIntervalMs, { type: 'chaos' });
    for (let c = 0; c < p.clients; c++) this.queue.schedule(this.prng.int(1, p.clientIntervalMs), { type: 'client', client: c });
    this.queue.schedule(p.chaosMs, { type: 'heal' });
    this.queue.schedule(p.chaosMs + p.settleMs - QUIESCE_MS, { type: 'quiesce' });
    this.queue.schedule(p.chaosMs + p.settleMs, { type: 'verify' });
    while (this.phase !== 'done') {
      const ev = this.queue.next();
      if (ev === undefined) throw new LivenessFailure('the simulation ran out of events');
      if (++this.stats.events > EVENTS_MAX) throw new LivenessFailure(`more than ${EVENTS_MAX} events`);
      this.handle(ev.event);
      this.checkQuiet();
    }
    this.stats.acknowledged = this.clients.acknowledged;
    this.stats.messagesSent = this.network.stats.sent;
    return this.stats;
  }

  private handle(ev: SimEvent): void {
    switch (ev.type) {
      case 'tick': {
        const n = this.node(ev.node);
        if (!n.alive || n.incarnation !== ev.incarnation) return;
        n.raft!.tick();
        if (n.liveness !== null) this.tickLiveness(n);
        this.afterInput(n);
        // Each node's clock runs at its own rate, and each tick comes a little early or late.
        this.queue.schedule(this.queue.nowMs + n.tickMs + this.prng.int(-TICK_JITTER_MS, TICK_JITTER_MS), ev);
        return;
      }
      case 'deliver': {
        const n = this.node(ev.msg.to);
        if (!n.alive || !this.network.deliverable(ev.msg)) return;
        n.liveness?.heard(ev.msg.from);
        if (ev.msg.type === 'node_heartbeat') return;
        if (this.traceFn !== null) this.trace(`deliver ${describeMessage(ev.msg)}`);
        n.raft!.step(ev.msg);
        this.afterInput(n);
        return;
      }
      case 'persisted': {
        const n = this.node(ev.node);
        if (n.alive && n.incarnation === ev.incarnation && n.pending !== null) this.completePersist(n);
        return;
      }
      case 'restart':
        if (!this.node(ev.node).alive) this.startNode(ev.node);
        return;
      case 'chaos':
        if (this.phase !== 'chaos') return;
        chaosAction(this);
        this.queue.schedule(this.queue.nowMs + this.params.chaosIntervalMs, ev);
        return;
      case 'client':
        if (this.phase === 'quiesce') return;
        this.clientAct(ev.client);
        this.queue.schedule(this.queue.nowMs + this.params.clientIntervalMs, ev);
        return;
      case 'heal':
        this.heal();
        return;
      case 'quiesce':
        this.phase = 'quiesce';
        this.trace('clients stop');
        return;
      case 'verify': {
        const waiting = this.notConverged();
        if (waiting === null) {
          this.verify();
          this.phase = 'done';
        } else if (this.queue.nowMs >= this.params.chaosMs + this.params.settleMs + CONVERGE_MS_MAX) {
          throw new LivenessFailure(`${CONVERGE_MS_MAX} ms after the clients stopped: ${waiting}`);
        } else {
          this.queue.schedule(this.queue.nowMs + CONVERGE_CHECK_MS, ev);
        }
        return;
      }
    }
  }

  private clientAct(c: number): void {
    const started = this.nodes.filter((n) => this.started.has(n.id));
    const n = this.clients.act(c, started, this.queue.nowMs);
    if (n !== null) this.afterInput(n);
  }

  // ---- nodes ----

  startNode(id: NodeId): void {
    const n = this.node(id);
    if (this.options.brokenShell === 'forget_vote_on_restart' && this.started.has(id)) {
      n.storage.setHardState({ ...n.storage.hardState, vote: null });
    }
    this.started.add(id);
    n.start(this.params.core, this.prng);
    const snap = n.storage.snapshot();
    this.checker.stateFrom(id, snap.index, snap.term);
    this.trace(`n${id} starts: term ${n.raft!.term}, log ${n.raft!.firstIndex}..${n.raft!.lastIndex}, commit ${n.raft!.commit}, ${describeMembership(n.raft!.membership)}`);
    this.queue.schedule(this.queue.nowMs + this.prng.int(1, n.tickMs), { type: 'tick', node: id, incarnation: n.incarnation });
  }

  crashNode(n: SimNode): void {
    const kept = n.crash(this.prng, this.params.tornWriteProbability);
    if (kept.length > 0) this.checker.persisted(n.id, this.prevTermBefore(n, kept[0].firstIndex), kept.map(entryRef));
    this.clients.crashed(n);
    this.stats.crashes++;
    this.trace(`n${n.id} crashes${kept.length > 0 ? `, its write torn after ${describeEntries(kept)}` : ''}`);
  }

  private prevTermBefore(n: SimNode, index: number): number {
    const t = n.storage.term(index - 1);
    if (t === null) throw new InvariantViolation(`log matching: n${n.id} persisted entries at ${index} after a gap`);
    return t;
  }

  /** After anything reached a node's core: observe what changed, start writing its Ready. */
  afterInput(n: SimNode): void {
    const raft = n.raft!;
    if (raft.role !== n.seenRole || raft.term !== n.seenTerm) {
      this.trace(`n${n.id} is ${raft.role} in term ${raft.term}${raft.leaderId === null ? '' : `, leader ${raft.leaderId}`}`);
      n.seenRole = raft.role;
      n.seenTerm = raft.term;
    }
    if (raft.role === 'leader' && n.seenLeaderTerm !== raft.term) {
      n.seenLeaderTerm = raft.term;
      this.stats.elections++;
      this.checker.leaderElected(n.id, raft.term, { firstIndex: raft.firstIndex, termAt: (i) => raft.termAt(i) });
    }
    if (raft.commit < n.seenCommit) throw new InvariantViolation(`commit index: n${n.id} went back from ${n.seenCommit} to ${raft.commit}`);
    n.seenCommit = raft.commit;
    if (n.pending === null && raft.hasReady()) {
      n.pending = raft.ready();
      this.queue.schedule(this.queue.nowMs + this.prng.int(0, this.params.fsyncMsMax), { type: 'persisted', node: n.id, incarnation: n.incarnation });
    }
  }

  /** The Ready contract: persist, then send, then apply, then advance. */
  private completePersist(n: SimNode): void {
    const rd = n.pending!;
    n.pending = null;
    const raft = n.raft!;
    if (rd.snapshot !== null) {
      n.storage.installSnapshot(rd.snapshot);
      n.appliedIndex = rd.snapshot.index;
      this.checker.stateFrom(n.id, rd.snapshot.index, rd.snapshot.term);
      this.trace(`n${n.id} installs snapshot ${rd.snapshot.index}@t${rd.snapshot.term}`);
    }
    if (rd.entries.length > 0) {
      const prevTerm = this.prevTermBefore(n, rd.entries[0].firstIndex);
      n.storage.append(rd.entries);
      this.checker.persisted(n.id, prevTerm, rd.entries.map(entryRef));
    }
    if (rd.hardState !== null) n.storage.setHardState(rd.hardState);
    if (this.traceFn !== null && (rd.entries.length > 0 || rd.hardState !== null)) {
      const hs = rd.hardState;
      this.trace(`n${n.id} persists ${describeEntries(rd.entries)}${hs === null ? '' : ` term ${hs.term} vote ${hs.vote} commit ${hs.commit}`}`);
    }
    for (const m of rd.messages) {
      n.liveness?.sent(m.to);
      this.network.send(m);
    }
    for (const e of rd.committedEntries) {
      const ref = entryRef(e);
      this.checker.applied(n.id, ref);
      n.appliedIndex = e.lastIndex;
      this.clients.applied(n, e, ref);
    }
    raft.advance(rd);
    this.afterInput(n);
  }

  // ---- quiescence ----

  /** What RaftGroups does on each tick: report newly silent peers, send the empty frames. */
  private tickLiveness(n: SimNode): void {
    const { heartbeatTo, newlyUnreachable } = n.liveness!.tick();
    for (const node of newlyUnreachable) {
      if (this.traceFn !== null) this.trace(`n${n.id} has not heard from n${node} for an election timeout`);
      if (this.options.brokenShell !== 'never_report_silent_node') n.raft!.nodeUnreachable(node);
    }
    for (const to of heartbeatTo) this.network.send({ type: 'node_heartbeat', from: n.id, to });
  }

  private checkQuiet(): void {
    if (this.quietChecker === null) return;
    const views = this.nodes.map((n) => {
      const r = n.raft;
      if (r === null) return { id: n.id, alive: false, quiesced: false, role: 'down', term: -1, leaderId: null, otherVoters: [] };
      const otherVoters = r.role === 'leader' ? r.membership.voters.filter((v) => v !== n.id) : [];
      return { id: n.id, alive: true, quiesced: r.quiesced, role: r.role, term: r.term, leaderId: r.leaderId, otherVoters };
    });
    const reaches = (from: NodeId, to: NodeId) => this.node(from).alive && this.network.deliverable({ type: 'node_heartbeat', from, to });
    // Members as the newest leader has (or last had) them.
    this.lastLeaderMembership = this.currentLeader()?.raft!.membership ?? this.lastLeaderMembership;
    const m = this.lastLeaderMembership;
    const isMember = (id: NodeId) => m === null || m.voters.includes(id) || m.learners.includes(id);
    this.quietChecker.check(this.queue.nowMs, views, reaches, isMember);
  }

  // ---- the end ----

  private heal(): void {
    this.phase = 'heal';
    this.network.heal();
    this.network.faults = { ...this.network.faults, lossProbability: 0, duplicateProbability: 0 };
    this.trace('heal: links restored, no more loss or duplication, every node restarts');
    for (const id of this.started) if (!this.node(id).alive) this.startNode(id);
  }

  currentLeader(): SimNode | null {
    let best: SimNode | null = null;
    for (const n of this.nodes) {
      if (n.alive && n.raft!.role === 'leader' && (best === null || n.raft!.term > best.raft!.term)) best = n;
    }
    return best;
  }

  /** Null once the group has converged: one leader, all committed, every member applied all. */
  private notConverged(): string | null {
    const leader = this.currentLeader();
    if (leader === null) return 'no leader';
    const l = leader.raft!;
    if (l.commit !== l.lastIndex) return `leader n${leader.id} has committed ${l.commit} of ${l.lastIndex}`;
    for (const id of [...l.membership.voters, ...l.membership.learners]) {
      const m = this.node(id);
      if (!m.alive || m.appliedIndex !== l.commit) return `member n${m.id} applied ${m.appliedIndex} of ${l.commit}`;
    }
    return null;
  }

  private verify(): void {
    const l = this.currentLeader()!.raft!;
    const members = [...l.membership.voters, ...l.membership.learners].map((id) => this.node(id));
    this.checker.finalCheck(members.map((m) => ({ id: m.id, appliedIndex: m.appliedIndex })));
    this.trace(`verified: leader n${l.status().id} term ${l.term}, members ${describeMembership(l.membership)}, ${this.clients.acknowledged} acknowledged, commit ${l.commit}`);
  }

  /** A membership change or transfer through the current leader, if there is one. */
  changeMembership(change: MembershipChange): void {
    const leader = this.currentLeader();
    if (leader === null) return;
    if (change.type === 'add_learner' && !this.started.has(change.node)) this.startNode(change.node);
    const r = leader.raft!.proposeMembershipChange(change);
    if (r.ok) this.stats.membershipChanges++;
    this.trace(`n${leader.id} ${change.type} ${change.node}: ${r.ok ? `at ${r.index}` : r.reason}`);
    this.afterInput(leader);
  }
}

/** Tick period at most (params: 8-12 ms) plus the jitter of each tick. */
const TICK_MS_MAX = 12 + TICK_JITTER_MS;

/**
 * How long a quiet node may take to wake (quiet-checker.ts): its own election timeout in ticks
 * (plus a tick) after the last frame it heard, which may have been in flight up to the longest
 * delay; a stale belief needs the old leader's campaign (up to two timeouts, a few times over
 * when its requests are lost) or a new leader's message.
 */
function quietBounds(p: SimParams): QuietBounds {
  const timeoutMs = (p.core.electionTimeoutTicks ?? 10) * TICK_MS_MAX;
  return {
    unreachableMsMax: timeoutMs + 2 * TICK_MS_MAX + p.network.delayMsMax + p.fsyncMsMax,
    staleLeaderMsMax: 8 * timeoutMs + 4 * (p.network.delayMsMax + p.fsyncMsMax),
  };
}
