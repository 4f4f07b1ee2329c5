// The log as the core sees it: the persisted part (RaftStorage, read-only) under the unstable
// tail, with the commit and applied indexes. Every index is an offset; entries are batches, so
// lookups go through "the entry holding index i".

import { assert } from '../../base/assert.ts';
import { totalBytes } from './entries.ts';
import type { RaftStorage } from './storage.ts';
import { type Entry, entryBytes, type Index, type SnapshotMeta, type Term } from './types.ts';
import { Unstable } from './unstable.ts';

export class RaftLog {
  readonly unstable: Unstable;
  /** Highest index known committed (paper Figure 2, commitIndex). */
  commit: Index;
  /** Highest index the shell has applied (handed out in a Ready and advanced). */
  applied: Index;

  constructor(
    readonly storage: RaftStorage,
    commit: Index,
    applied: Index,
  ) {
    this.unstable = new Unstable(storage.lastIndex() + 1);
    assert(commit <= storage.lastIndex(), `commit ${commit} past the stored log end ${storage.lastIndex()}`);
    assert(applied <= commit && applied >= storage.firstIndex() - 1, `applied ${applied} outside [log start - 1, commit ${commit}]`);
    this.commit = commit;
    this.applied = applied;
  }

  firstIndex(): Index {
    const s = this.unstable.snapshot;
    return s !== null ? s.index + 1 : this.storage.firstIndex();
  }

  lastIndex(): Index {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /**
   * The shell appended durable entries to the storage outside the Ready path (segment
   * streaming, src/raft/stream): the unstable part, empty, now starts after the storage's end.
   */
  storageExtended(): void {
    assert(this.unstable.entries.length === 0 && this.unstable.snapshot === null, 'the storage grew under unstable entries');
    assert(this.storage.lastIndex() >= this.unstable.offset - 1, `the storage shrank to ${this.storage.lastIndex()} under offset ${this.unstable.offset}`);
    this.unstable.offset = this.storage.lastIndex() + 1;
  }

  /** Term at `index`, for index in [firstIndex() - 1, lastIndex()]; null outside. */
  term(index: Index): Term | null {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return null;
    const t = this.unstable.term(index);
    if (t !== null) return t;
    assert(index < this.unstable.offset, `index ${index} in the unstable range but not held there`);
    return this.storage.term(index);
  }

  lastTerm(): Term {
    const t = this.term(this.lastIndex());
    assert(t !== null, 'no term at the last index');
    return t;
  }

  matchTerm(index: Index, term: Term): boolean {
    return this.term(index) === term;
  }

  /** Paper 5.4.1: a log is more up-to-date if its last term is greater, or equal and it is longer. */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** The entry holding `index` (firstIndex() <= index <= lastIndex()), else null. */
  entryHolding(index: Index): Entry | null {
    if (index < this.firstIndex() || index > this.lastIndex()) return null;
    if (index >= this.unstable.offset) return this.unstable.entryHolding(index);
    return this.storage.entries(index, 0)[0];
  }

  /** The first index of the entry holding `index`; `index` itself past the end or before the start. */
  batchStart(index: Index): Index {
    const e = this.entryHolding(index);
    return e === null ? index : e.firstIndex;
  }

  /**
   * Whole entries from the one holding `from`, at most bytesMax of them (at least one): [] past
   * the end, null when `from` is below the log start (compacted: the follower needs a snapshot).
   */
  entries(from: Index, bytesMax: number): Entry[] | null {
    if (from < this.firstIndex()) return null;
    if (from > this.lastIndex()) return [];
    const out: Entry[] = [];
    const offset = this.unstable.offset;
    if (from < offset) {
      for (const e of this.storage.entries(from, bytesMax)) {
        if (e.firstIndex >= offset) break;
        assert(e.lastIndex < offset, `stored entry [${e.firstIndex}, ${e.lastIndex}] straddles the unstable tail at ${offset}`);
        out.push(e);
      }
      if (out[out.length - 1].lastIndex < offset - 1) return out;
    }
    let used = totalBytes(out);
    for (const e of this.unstable.slice(Math.max(from, offset), bytesMax - used)) {
      const b = entryBytes(e);
      if (out.length > 0 && used + b > bytesMax) break;
      out.push(e);
      used += b;
    }
    return out;
  }

  /**
   * The first of `ents` this log does not hold with the same term, or null if it holds all.
   * Within one term batches are the same everywhere (one leader made them), so a match must
   * cover the same range.
   */
  findConflict(ents: readonly Entry[]): Index | null {
    for (const e of ents) {
      if (!this.matchTerm(e.firstIndex, e.term)) return e.firstIndex;
      const mine = this.entryHolding(e.firstIndex);
      assert(
        mine === null || (mine.firstIndex === e.firstIndex && mine.lastIndex === e.lastIndex),
        `entry [${e.firstIndex}, ${e.lastIndex}] term ${e.term} matches a batch with other bounds`,
      );
    }
    return null;
  }

  /**
   * The last index <= `index` whose term is <= `term`, walking back one entry at a time, at
   * most stepsMax entries (etcd's findConflictByTerm). Stops at the log start.
   */
  findConflictByTerm(index: Index, term: Term, stepsMax: number): { index: Index; term: Term } {
    let i = Math.min(index, this.lastIndex());
    for (let step = 0; ; step++) {
      const t = this.term(i);
      assert(t !== null, `no term at ${i}`);
      if (t <= term || i < this.firstIndex() || step >= stepsMax) return { index: i, term: t };
      i = this.batchStart(i) - 1;
    }
  }

  /** Appends after cutting a divergent suffix from ents[0].firstIndex; never below the commit. */
  append(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    assert(ents[0].firstIndex > this.commit, `append at ${ents[0].firstIndex} would cut committed entries (commit ${this.commit})`);
    assert(ents[0].firstIndex <= this.lastIndex() + 1, `append at ${ents[0].firstIndex} leaves a gap after ${this.lastIndex()}`);
    this.unstable.truncateAndAppend(ents);
  }

  commitTo(index: Index): void {
    if (index <= this.commit) return;
    assert(index <= this.lastIndex(), `commit ${index} past the log end ${this.lastIndex()}: was the log lost?`);
    this.commit = index;
  }

  /** The end of what the shell has persisted of this log, or null while a snapshot is pending. */
  stableLastIndex(): Index | null {
    if (this.unstable.snapshot !== null) return null;
    return Math.min(this.storage.lastIndex(), this.unstable.offset - 1);
  }

  snapshot(): SnapshotMeta {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** The log becomes the snapshot: empty after s.index, everything up to it committed. */
  restore(s: SnapshotMeta): void {
    this.unstable.restore(s);
    this.commit = s.index;
  }

  /** Committed entries not yet applied, at most bytesMax of them (at least one); none while a snapshot is pending. */
  nextCommittedEntries(bytesMax: number): Entry[] {
    if (this.unstable.snapshot !== null || this.applied >= this.commit) return [];
    const ents = this.entries(this.applied + 1, bytesMax);
    assert(ents !== null && ents.length > 0 && ents[0].firstIndex === this.applied + 1, `committed entries after ${this.applied} missing`);
    const out = ents.filter((e) => e.lastIndex <= this.commit);
    assert(out.length > 0, `commit ${this.commit} is not a batch end`);
    return out;
  }

  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === null && this.applied < this.commit;
  }

  appliedTo(index: Index): void {
    assert(index <= this.commit && index >= this.applied, `applied ${index} outside [${this.applied}, ${this.commit}]`);
    this.applied = index;
  }
}
