// The safety checker of a Raft group under simulation. The simulation reports what it observes
// of the real nodes (elections, persisted entries, applied entries, client acknowledgements);
// the checker keeps a model of what may be true and throws InvariantViolation the moment one
// of the paper's properties (Figure 3) breaks:
//   - Election Safety: at most one leader per term;
//   - Log Matching: an (index, term) pair names one batch everywhere, and with it the same
//     history before it (checked incrementally: every entry has one predecessor term);
//   - Leader Completeness: a new leader holds every entry already known committed;
//   - State Machine Safety: no two nodes apply different entries at one index, and each node
//     applies its entries in order without gaps;
//   - no acknowledged entry is lost or reordered: an entry a client was told is committed is in
//     the committed log where it was acknowledged, a client's acknowledged entries are in the
//     order it proposed them, and at the end every live member has applied all of them.
// One checker watches one group; the broker simulation keeps one per partition and controller.

import type { Index, NodeId, Term } from '../../../src/raft/core/index.ts';

/** What the checker knows of an entry: its range, term, and an identity of its content. */
export interface EntryRef {
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly term: Term;
  readonly id: string;
}

/** A node's log as the checker may read it when the node becomes leader. */
export interface LogView {
  readonly firstIndex: Index;
  termAt(index: Index): Term | null;
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

function violation(property: string, detail: string): never {
  throw new InvariantViolation(`${property}: ${detail}`);
}

function show(e: EntryRef): string {
  return `[${e.firstIndex}..${e.lastIndex}]@t${e.term} ${e.id}`;
}

interface Acked {
  readonly client: string;
  readonly seq: number;
  readonly ref: EntryRef;
}

export class RaftChecker {
  private readonly leaderOfTerm = new Map<Term, NodeId>();
  /** Every (index, term) seen in a persisted log -> the entry holding it. */
  private readonly entryAt = new Map<string, EntryRef>();
  /** (firstIndex, term) of every entry seen -> the term of the entry before it. */
  private readonly prevTermOf = new Map<string, Term>();
  /** The committed log, as applied: firstIndex -> entry, contiguous up to committedEnd. */
  private readonly committed = new Map<Index, EntryRef>();
  private committedEnd: Index = -1;
  /** Per node: the last index its state machine has applied. */
  private readonly appliedIndex = new Map<NodeId, Index>();
  private readonly acked: Acked[] = [];
  private readonly ackedByClient = new Map<string, Acked[]>();

  /** Election Safety, then Leader Completeness for the new leader's log. */
  leaderElected(node: NodeId, term: Term, log: LogView): void {
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== node) violation('election safety', `nodes ${other} and ${node} both lead term ${term}`);
    if (other === node) return;
    this.leaderOfTerm.set(term, node);
    for (const c of this.committed.values()) {
      if (c.lastIndex < log.firstIndex - 1) continue;
      const t = log.termAt(c.lastIndex);
      if (t !== c.term) {
        violation('leader completeness', `node ${node}, leader of term ${term}, has term ${t} at ${c.lastIndex} where ${show(c)} is committed`);
      }
    }
  }

  /** Log Matching: `entries` were made durable on `node` right after an entry of term `prevTerm`. */
  persisted(node: NodeId, prevTerm: Term, entries: readonly EntryRef[]): void {
    let before = prevTerm;
    for (const e of entries) {
      const key = `${e.firstIndex}:${e.term}`;
      const knownPrev = this.prevTermOf.get(key);
      if (knownPrev === undefined) this.prevTermOf.set(key, before);
      else if (knownPrev !== before) {
        violation('log matching', `node ${node} holds ${show(e)} after an entry of term ${before}; elsewhere it follows term ${knownPrev}`);
      }
      for (let i = e.firstIndex; i <= e.lastIndex; i++) {
        const k = `${i}:${e.term}`;
        const known = this.entryAt.get(k);
        if (known === undefined) this.entryAt.set(k, e);
        else if (known !== e && !sameEntry(known, e)) violation('log matching', `node ${node} holds ${show(e)} at ${i}; elsewhere ${show(known)}`);
      }
      before = e.term;
    }
  }

  /** State Machine Safety: `node` applied `e` next. */
  applied(node: NodeId, e: EntryRef): void {
    const last = this.appliedIndex.get(node) ?? -1;
    if (e.firstIndex !== last + 1) violation('state machine safety', `node ${node} applied ${show(e)} after ${last}`);
    this.appliedIndex.set(node, e.lastIndex);
    if (e.firstIndex <= this.committedEnd) {
      const c = this.committed.get(e.firstIndex);
      if (c === undefined || !sameEntry(c, e)) {
        violation('state machine safety', `node ${node} applied ${show(e)}; committed there: ${c === undefined ? 'another batch' : show(c)}`);
      }
      return;
    }
    if (e.firstIndex !== this.committedEnd + 1) {
      violation('state machine safety', `node ${node} applied ${show(e)}, leaving a gap after ${this.committedEnd}`);
    }
    this.committed.set(e.firstIndex, e);
    this.committedEnd = e.lastIndex;
  }

  /**
   * `node` (re)starts its state machine from a snapshot ending at `index` with `term`: what it
   * skips must be what was committed there.
   */
  stateFrom(node: NodeId, index: Index, term: Term): void {
    if (index >= 0 && index <= this.committedEnd) {
      const c = this.holding(index);
      if (c === null || c.lastIndex !== index || c.term !== term) {
        violation('state machine safety', `node ${node} starts from a snapshot at ${index}@t${term}; committed there: ${c === null ? 'nothing' : show(c)}`);
      }
    } else if (index > this.committedEnd) {
      violation('state machine safety', `node ${node} starts from a snapshot at ${index}, past everything applied anywhere (${this.committedEnd})`);
    }
    this.appliedIndex.set(node, index);
  }

  private holding(index: Index): EntryRef | null {
    // The committed log is contiguous; walk back from the index to the entry starting at or before it.
    for (let i = index; i >= 0 && index - i < 1_000_000; i--) {
      const c = this.committed.get(i);
      if (c !== undefined) return c.lastIndex >= index ? c : null;
    }
    return null;
  }

  /** A client was told `ref` (its request `seq`) is committed. */
  acknowledged(client: string, seq: number, ref: EntryRef): void {
    const c = this.committed.get(ref.firstIndex);
    if (c === undefined || !sameEntry(c, ref)) {
      violation('acknowledged entry lost', `client ${client} #${seq} acknowledged at ${show(ref)}; committed there: ${c === undefined ? 'nothing' : show(c)}`);
    }
    const mine = this.ackedByClient.get(client) ?? [];
    for (const a of mine) {
      if ((a.seq < seq) !== (a.ref.firstIndex < ref.firstIndex)) {
        violation('acknowledged entries reordered', `client ${client} #${a.seq} at ${a.ref.firstIndex} and #${seq} at ${ref.firstIndex}`);
      }
    }
    const a = { client, seq, ref };
    mine.push(a);
    this.ackedByClient.set(client, mine);
    this.acked.push(a);
  }

  /** At the end, after healing: every acknowledged entry is committed and applied by every given node. */
  finalCheck(nodes: readonly { id: NodeId; appliedIndex: Index }[]): void {
    for (const a of this.acked) {
      const c = this.committed.get(a.ref.firstIndex);
      if (c === undefined || !sameEntry(c, a.ref)) violation('acknowledged entry lost', `client ${a.client} #${a.seq} ${show(a.ref)} is not in the committed log`);
      for (const n of nodes) {
        if (n.appliedIndex < a.ref.lastIndex) {
          violation('acknowledged entry lost', `node ${n.id} applied only up to ${n.appliedIndex}, not ${show(a.ref)}`);
        }
      }
    }
  }

  get acknowledgedCount(): number {
    return this.acked.length;
  }

  get committedLastIndex(): Index {
    return this.committedEnd;
  }
}

function sameEntry(a: EntryRef, b: EntryRef): boolean {
  return a.firstIndex === b.firstIndex && a.lastIndex === b.lastIndex && a.term === b.term && a.id === b.id;
}
