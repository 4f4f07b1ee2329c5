// A small in-memory cluster of real RaftNodes for the behaviour tests (etcd's `network` in
// raft_test.go): every Ready is persisted to the node's MemoryRaftStorage, its messages are
// queued, and settle() delivers them in order until nothing moves. Links can be cut, nodes
// crashed (unpersisted state lost) and restarted from storage. Messages can be held back and
// released one by one for tests that need a precise interleaving.

import { Prng } from '../../../src/base/prng.ts';
import type { RaftChecker } from '../../simulation/raft-core/checker.ts';
import { entryRef } from '../../simulation/raft-core/sim-node.ts';
import {
  type Entry,
  type Membership,
  MemoryRaftStorage,
  type Message,
  type NodeId,
  type RaftConfigInput,
  RaftNode,
  type Ready,
  membership,
} from '../../../src/raft/core/index.ts';

export interface Peer {
  readonly id: NodeId;
  node: RaftNode;
  readonly storage: MemoryRaftStorage;
  /** Committed entries handed to the "state machine", in order. */
  applied: Entry[];
  alive: boolean;
}

export type ConfigOverrides = Partial<Omit<RaftConfigInput, 'id' | 'random'>>;

const SETTLE_STEPS_MAX = 100_000;

export class Cluster {
  readonly peers = new Map<NodeId, Peer>();
  /** Directed links that drop everything: "from>to". */
  private readonly cut = new Set<string>();
  private queue: Message[] = [];
  /** Every message sent, for tests that look at what went over the wire. */
  readonly sent: Message[] = [];
  /** When set, messages it returns true for are held in `held` instead of delivered. */
  holdIf: ((m: Message) => boolean) | null = null;
  held: Message[] = [];
  private readonly random: Prng;
  /** When set, told everything the simulation's checker is told (and throws as it does). */
  checker: RaftChecker | null = null;
  private readonly seenLeaderTerm = new Map<NodeId, number>();

  constructor(
    ids: readonly NodeId[],
    readonly overrides: ConfigOverrides = {},
    seed = 1,
  ) {
    this.random = new Prng(seed);
    const m = membership(ids);
    for (const id of ids) this.addPeer(id, MemoryRaftStorage.bootstrap(m));
  }

  /** A node with its own storage (a fresh one knows no members: it learns them from the leader). */
  addPeer(id: NodeId, storage: MemoryRaftStorage = MemoryRaftStorage.bootstrap(emptyMembership())): Peer {
    const peer: Peer = { id, node: this.newNode(id, storage), storage, applied: [], alive: true };
    this.peers.set(id, peer);
    return peer;
  }

  private newNode(id: NodeId, storage: MemoryRaftStorage): RaftNode {
    return new RaftNode({ electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, ...this.overrides, id, random: this.random }, storage);
  }

  /** Replaces a node's durable state (and restarts it from there). */
  setStorage(id: NodeId, storage: MemoryRaftStorage): void {
    this.peers.set(id, { id, node: this.newNode(id, storage), storage, applied: [], alive: true });
  }

  peer(id: NodeId): Peer {
    const p = this.peers.get(id);
    if (p === undefined) throw new Error(`no node ${id}`);
    return p;
  }

  node(id: NodeId): RaftNode {
    return this.peer(id).node;
  }

  /** The ids of nodes that currently believe they lead. */
  leaders(): NodeId[] {
    return [...this.peers.values()].filter((p) => p.alive && p.node.status().role === 'leader').map((p) => p.id);
  }

  // ---- faults ----

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.peers.keys()) {
      if (other === id) continue;
      this.cutLink(id, other);
      this.cutLink(other, id);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Loses everything not persisted: the core, its unstable tail, queued messages to it. */
  crash(id: NodeId): void {
    this.peer(id).alive = false;
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  /** A new core from what the storage holds; the state machine replays from the snapshot. */
  restart(id: NodeId): void {
    const p = this.peer(id);
    p.node = this.newNode(id, p.storage);
    p.applied = p.applied.filter((e) => e.lastIndex <= p.storage.snapshot().index);
    p.alive = true;
    this.seenLeaderTerm.delete(id);
    const s = p.storage.snapshot();
    this.checker?.stateFrom(id, s.index, s.term);
  }

  /** Reports a new leader to the checker. */
  private observe(p: Peer): void {
    if (this.checker === null || p.node.role !== 'leader' || this.seenLeaderTerm.get(p.id) === p.node.term) return;
    this.seenLeaderTerm.set(p.id, p.node.term);
    const n = p.node;
    this.checker.leaderElected(p.id, n.term, { firstIndex: n.firstIndex, termAt: (i) => n.termAt(i) });
  }

  // ---- driving ----

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.peer(id).node.tick();
      this.observe(this.peer(id));
      this.settle();
    }
  }

  /** Ticks every live node `times` times, settling after each round. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const p of this.peers.values()) {
        if (!p.alive) continue;
        p.node.tick();
        this.observe(p);
      }
      this.settle();
    }
  }

  campaign(id: NodeId): void {
    this.peer(id).node.campaign();
    this.observe(this.peer(id));
    this.settle();
  }

  propose(id: NodeId, text: string, recordCount = 1) {
    const r = this.peer(id).node.propose(new TextEncoder().encode(text), recordCount);
    this.settle();
    return r;
  }

  /** Persists every Ready and delivers messages until nothing is left to do. */
  settle(): void {
    for (let steps = 0; steps < SETTLE_STEPS_MAX; steps++) {
      let moved = false;
      for (const p of this.peers.values()) {
        if (p.alive && p.node.hasReady()) {
          this.handleReady(p, p.node.ready());
          moved = true;
        }
      }
      const m = this.queue.shift();
      if (m !== undefined) {
        this.deliver(m);
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('the cluster did not settle');
  }

  /** Delivers held messages matching `pred` (all by default), then settles. */
  release(pred: (m: Message) => boolean = () => true): void {
    const now = this.held.filter(pred);
    this.held = this.held.filter((m) => !pred(m));
    for (const m of now) this.deliver(m);
    this.settle();
  }

  private deliver(m: Message): void {
    const to = this.peers.get(m.to);
    if (to === undefined || !to.alive || this.cut.has(`${m.from}>${m.to}`)) return;
    to.node.step(m);
    this.observe(to);
  }

  /** The Ready contract: persist (snapshot, entries, hard state), then send, then apply, then advance. */
  handleReady(p: Peer, rd: Ready): void {
    if (rd.snapshot !== null) {
      p.storage.installSnapshot(rd.snapshot);
      p.applied = [];
      this.checker?.stateFrom(p.id, rd.snapshot.index, rd.snapshot.term);
    }
    if (rd.entries.length > 0) {
      const prevTerm = p.storage.term(rd.entries[0].firstIndex - 1)!;
      p.storage.append(rd.entries);
      this.checker?.persisted(p.id, prevTerm, rd.entries.map(entryRef));
    }
    if (rd.hardState !== null) p.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      this.sent.push(m);
      if (this.holdIf?.(m)) this.held.push(m);
      else this.queue.push(m);
    }
    for (const e of rd.committedEntries) {
      p.applied.push(e);
      this.checker?.applied(p.id, entryRef(e));
    }
    p.node.advance(rd);
    this.observe(p);
  }

  /** Data payloads applied by a node, as text. */
  appliedData(id: NodeId): string[] {
    const out: string[] = [];
    for (const e of this.peer(id).applied) if (e.kind === 'data') out.push(new TextDecoder().decode(e.payload));
    return out;
  }
}

export function emptyMembership(): Membership {
  return membership([]);
}

/** A standalone node driven by hand: step messages in, take what it sends. */
export function soloNode(id: NodeId, storage: MemoryRaftStorage, overrides: ConfigOverrides = {}, seed = 1): RaftNode {
  return new RaftNode({ electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, ...overrides, id, random: new Prng(seed) }, storage);
}

/** Persists the node's Ready into `storage` and returns its messages. */
export function drain(node: RaftNode, storage: MemoryRaftStorage): Message[] {
  if (!node.hasReady()) return [];
  const rd = node.ready();
  if (rd.snapshot !== null) storage.installSnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState !== null) storage.setHardState(rd.hardState);
  node.advance(rd);
  return [...rd.messages];
}

export function dataEntry(firstIndex: number, lastIndex: number, term: number, text = `${firstIndex}`): Entry {
  return { kind: 'data', firstIndex, lastIndex, term, payload: new TextEncoder().encode(text) };
}

/** A storage holding `entries` (contiguous from 0) under `voters`, with the given hard state. */
export function storageWith(voters: readonly NodeId[], entries: readonly Entry[], hard: { term?: number; vote?: NodeId | null; commit?: number } = {}): MemoryRaftStorage {
  const s = MemoryRaftStorage.bootstrap(membership(voters));
  s.append(entries);
  const lastTerm = entries.length > 0 ? entries[entries.length - 1].term : 0;
  s.setHardState({ term: hard.term ?? lastTerm, vote: hard.vote ?? null, commit: hard.commit ?? -1 });
  return s;
}

/** Messages of one type, narrowed. */
export function ofType<T extends Message['type']>(ms: readonly Message[], type: T): Extract<Message, { type: T }>[] {
  return ms.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}
