// RaftStorage in memory, with the writes a shell makes when it persists a Ready. Used by the
// tests and the simulation as a node's durable state (what survives a crash), and the reference
// for what a PartitionLog adapter must answer.

import { assert } from '../../base/assert.ts';
import { positionHolding, takeBytes } from './entries.ts';
import { latestMembership } from './membership.ts';
import type { InitialState, RaftStorage } from './storage.ts';
import {
  emptySnapshot,
  type Entry,
  type HardState,
  type Index,
  type Membership,
  type MembershipAt,
  type SnapshotMeta,
  type Term,
} from './types.ts';

export class MemoryRaftStorage implements RaftStorage {
  private hard: HardState;
  private snap: SnapshotMeta;
  /** Contiguous from snap.index + 1. */
  private log: Entry[] = [];

  constructor(snapshot: SnapshotMeta, hardState: HardState = { term: snapshot.term, vote: null, commit: snapshot.index }) {
    this.snap = snapshot;
    this.hard = hardState;
  }

  /** A new group's first node: an empty log and the initial membership (no entry needed). */
  static bootstrap(membership: Membership): MemoryRaftStorage {
    return new MemoryRaftStorage(emptySnapshot(membership));
  }

  // ---- RaftStorage ----

  initialState(): InitialState {
    const base: MembershipAt = { index: this.snap.index, membership: this.snap.membership };
    const found: MembershipAt[] = [];
    for (const e of this.log) {
      if (e.kind === 'control' && e.control.type === 'membership') found.push({ index: e.firstIndex, membership: e.control.membership });
    }
    const committed = found.filter((m) => m.index <= this.hard.commit);
    const first = committed.length > 0 ? committed[committed.length - 1] : base;
    return { hardState: this.hard, memberships: [first, ...found.filter((m) => m.index > this.hard.commit)] };
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  firstIndex(): Index {
    return this.snap.index + 1;
  }

  lastIndex(): Index {
    return this.log.length === 0 ? this.snap.index : this.log[this.log.length - 1].lastIndex;
  }

  term(index: Index): Term | null {
    if (index === this.snap.index) return this.snap.term;
    const p = positionHolding(this.log, index);
    return p < 0 ? null : this.log[p].term;
  }

  entries(from: Index, bytesMax: number): readonly Entry[] {
    const p = positionHolding(this.log, from);
    assert(p >= 0, `entries(${from}) outside [${this.firstIndex()}, ${this.lastIndex()}]`);
    return takeBytes(this.log, p, bytesMax);
  }

  // ---- the shell's writes ----

  get hardState(): HardState {
    return this.hard;
  }

  setHardState(hs: HardState): void {
    this.hard = hs;
  }

  /** Appends, first removing every entry at or after entries[0].firstIndex (a divergent suffix). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].firstIndex;
    assert(first >= this.firstIndex() && first <= this.lastIndex() + 1, `append at ${first} outside the log`);
    if (first <= this.lastIndex()) {
      const p = positionHolding(this.log, first);
      assert(this.log[p].firstIndex === first, `truncation at ${first} splits a batch`);
      this.log.length = p;
    }
    let next = first;
    for (const e of entries) {
      assert(e.firstIndex === next && e.lastIndex >= e.firstIndex, `entry at ${e.firstIndex}, expected ${next}`);
      next = e.lastIndex + 1;
      this.log.push(e);
    }
  }

  /** The log is replaced by a snapshot: it starts after meta.index, empty. */
  installSnapshot(meta: SnapshotMeta): void {
    this.snap = meta;
    this.log = [];
  }

  /** Drops entries up to `index` (a batch end), keeping their metadata as the snapshot (retention). */
  compact(index: Index): void {
    if (index <= this.snap.index) return;
    const p = positionHolding(this.log, index);
    assert(p >= 0 && this.log[p].lastIndex === index, `compact to ${index}: not a batch end in the log`);
    const dropped = this.log.slice(0, p + 1);
    const membership = latestMembership(dropped) ?? this.snap.membership;
    this.snap = { index, term: this.log[p].term, membership };
    this.log = this.log.slice(p + 1);
  }

  /** Everything held, for checks and transcripts. */
  allEntries(): readonly Entry[] {
    return this.log;
  }
}
