// The tail of the log the shell has not persisted yet (etcd's `unstable`): entries from
// `offset` on, and a snapshot to install. Entries here hide whatever the storage still holds at
// the same indexes (a divergent suffix the shell will truncate when it persists them).

import { assert } from '../../base/assert.ts';
import { positionHolding, takeBytes } from './entries.ts';
import type { Entry, Index, SnapshotMeta, Term } from './types.ts';

export class Unstable {
  snapshot: SnapshotMeta | null = null;
  entries: Entry[] = [];

  /** Where entries[0] starts, or where the next entry would when there are none. */
  constructor(public offset: Index) {}

  /** The end of the unstable part, or null when the storage's end is the log's end. */
  lastIndex(): Index | null {
    if (this.entries.length > 0) return this.entries[this.entries.length - 1].lastIndex;
    return this.snapshot !== null ? this.snapshot.index : null;
  }

  /** Term at `index` if this part decides it (offset and up, or the pending snapshot's index). */
  term(index: Index): Term | null {
    if (this.snapshot !== null && index === this.snapshot.index) return this.snapshot.term;
    const e = this.entryHolding(index);
    return e === null ? null : e.term;
  }

  entryHolding(index: Index): Entry | null {
    if (index < this.offset) return null;
    const p = positionHolding(this.entries, index);
    return p < 0 ? null : this.entries[p];
  }

  /** Entries from the one holding `from` (>= offset), at most bytesMax of them (at least one). */
  slice(from: Index, bytesMax: number): Entry[] {
    const p = positionHolding(this.entries, from);
    return p < 0 ? [] : takeBytes(this.entries, p, bytesMax);
  }

  /** Appends `ents`, first cutting everything at or after ents[0].firstIndex. */
  truncateAndAppend(ents: readonly Entry[]): void {
    const first = ents[0].firstIndex;
    const next = this.entries.length > 0 ? this.entries[this.entries.length - 1].lastIndex + 1 : this.offset;
    if (first === next) {
      for (const e of ents) this.entries.push(e);
    } else if (first <= this.offset) {
      // Replaces the whole unstable part and a stored suffix from `first` on.
      this.offset = first;
      this.entries = [...ents];
    } else {
      const p = positionHolding(this.entries, first);
      assert(p >= 0 && this.entries[p].firstIndex === first, `truncation at ${first} splits a batch`);
      this.entries = this.entries.slice(0, p).concat(ents);
    }
  }

  /**
   * The shell has persisted `persisted` (the entries of a Ready). Entries replaced since that
   * Ready are different objects and stay: they go out in the next Ready.
   */
  stableTo(persisted: readonly Entry[]): void {
    let n = 0;
    while (n < persisted.length && n < this.entries.length && this.entries[n] === persisted[n]) n++;
    if (n === 0) return;
    this.offset = persisted[n - 1].lastIndex + 1;
    this.entries = this.entries.slice(n);
  }

  stableSnapTo(s: SnapshotMeta): void {
    if (this.snapshot === s) this.snapshot = null;
  }

  restore(s: SnapshotMeta): void {
    this.snapshot = s;
    this.entries = [];
    this.offset = s.index + 1;
  }
}
