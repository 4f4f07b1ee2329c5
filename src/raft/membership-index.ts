// The membership entries of one group's log, so that a restart need not scan the log for them
// (a membership takes effect when appended, committed or not: dissertation 4.1, so a
// restarted node needs every one after its commit index, and the one in effect at it).
//
// The index is kept in the quorum-state journal with the rule that makes it safe: every
// membership entry in the durable log is in the durable journal. So a membership entry is
// journaled before it is written to the log (the driver syncs the journal first), and an entry
// a truncation removed stays in the journal ("retired") until the truncation is durable. The
// journal may thus list entries the log does not hold (lost in a crash, or truncated): on open
// each is checked against the log, by its (offset, term), which names one batch (paper 5.3).

import { assert } from '../base/assert.ts';
import type { Index, Membership, MembershipAt } from './core/index.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import type { MembershipRecord } from './quorum-state.ts';

/**
 * Membership entries recorded for one group: a group moved this often without its log ever
 * being compacted is refused further changes by the caller (assertion here).
 */
export const MEMBERSHIP_ENTRIES_MAX = 256;

export class MembershipIndex {
  /** The membership entries of the log after its snapshot point, ascending. */
  private entries: MembershipRecord[];
  /** Entries truncated away, kept in the journal until the truncation is durable. */
  private retired: MembershipRecord[] = [];

  constructor(entries: readonly MembershipRecord[]) {
    for (let i = 1; i < entries.length; i++) assert(entries[i].index > entries[i - 1].index, 'membership entries out of order');
    this.entries = [...entries];
  }

  /**
   * The entries of `stored` the log holds: after the snapshot point, before the log end, and
   * with the term the log has at that offset.
   */
  static validated(stored: readonly MembershipRecord[], snapshotIndex: Index, log: PartitionLog): MembershipIndex {
    const held = stored.filter((m) => m.index > snapshotIndex && m.index < log.logEndOffset && log.termAt(m.index) === m.term);
    return new MembershipIndex(held);
  }

  get count(): number {
    return this.entries.length;
  }

  /** The first membership entry at or after `index`, or null (a streamed chunk stops before it: stream/README.md). */
  firstAtOrAfter(index: Index): Index | null {
    return this.entries.find((m) => m.index >= index)?.index ?? null;
  }

  /** A membership entry was written to the log. */
  appended(m: MembershipRecord): void {
    const last = this.entries[this.entries.length - 1];
    assert(last === undefined || m.index > last.index, `membership entry at ${m.index} after one at ${last?.index}`);
    assert(this.entries.length < MEMBERSHIP_ENTRIES_MAX, `more than ${MEMBERSHIP_ENTRIES_MAX} membership entries in one log`);
    this.entries.push(m);
  }

  /** The log lost every entry at or after `index`: its membership entries there are retired. */
  truncatedFrom(index: Index): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1].index >= index) this.retired.push(this.entries.pop()!);
  }

  /** The truncations so far are durable: the log no longer holds what they removed. */
  truncationsDurable(): void {
    this.retired = [];
  }

  /** The log now starts after `snapshotIndex`: entries up to it are in the snapshot's membership. */
  compactedTo(snapshotIndex: Index): void {
    this.entries = this.entries.filter((m) => m.index > snapshotIndex);
    this.retired = this.retired.filter((m) => m.index > snapshotIndex);
  }

  /** The log was replaced (a snapshot installed): it holds no membership entry. */
  reset(): void {
    this.entries = [];
    this.retired = [];
  }

  /** The membership in effect at `index`: the last entry at or before it, or `base`. */
  membershipAt(index: Index, base: Membership): Membership {
    let m = base;
    for (const e of this.entries) {
      if (e.index > index) break;
      m = e.membership;
    }
    return m;
  }

  /**
   * What RaftStorage.initialState answers: the membership in effect at `commit` (its entry's
   * index, or the snapshot's), then every entry after it.
   */
  initial(commit: Index, base: MembershipAt): MembershipAt[] {
    let first: MembershipAt = base;
    const after: MembershipAt[] = [];
    for (const e of this.entries) {
      if (e.index <= commit) first = { index: e.index, membership: e.membership };
      else after.push({ index: e.index, membership: e.membership });
    }
    return [first, ...after];
  }

  /** What the journal keeps: the entries and the retired ones after `snapshotIndex`, by (index, term). */
  forJournal(snapshotIndex: Index, extra: readonly MembershipRecord[] = []): MembershipRecord[] {
    return [...this.entries, ...this.retired, ...extra]
      .filter((m) => m.index > snapshotIndex)
      .sort((a, b) => a.index - b.index || a.term - b.term);
  }
}
