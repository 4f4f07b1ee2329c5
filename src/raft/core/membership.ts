// Membership: who votes, who learns, and how it changes. One server at a time (dissertation
// 4.1): each change adds or removes a single voter, so any majority of the old voters and any
// majority of the new ones overlap, and no joint configuration is needed. A membership takes
// effect on every node as soon as its entry is in that node's log, committed or not, and is
// undone if that entry is truncated away.

import { assert } from '../../base/assert.ts';
import type { Entry, Index, Membership, MembershipAt, NodeId } from './types.ts';

export function membership(voters: readonly NodeId[], learners: readonly NodeId[] = []): Membership {
  const m = { voters: [...voters].sort((a, b) => a - b), learners: [...learners].sort((a, b) => a - b) };
  assert(new Set([...m.voters, ...m.learners]).size === m.voters.length + m.learners.length, 'a node is both voter and learner, or listed twice');
  return m;
}

export function isVoter(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id);
}

export function isMember(m: Membership, id: NodeId): boolean {
  return m.voters.includes(id) || m.learners.includes(id);
}

export function sameMembership(a: Membership, b: Membership): boolean {
  return a.voters.join() === b.voters.join() && a.learners.join() === b.learners.join();
}

/** The membership set by the last membership entry of `entries`, or null if there is none. */
export function latestMembership(entries: readonly Entry[]): Membership | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.kind === 'control' && e.control.type === 'membership') return e.control.membership;
  }
  return null;
}

/**
 * The changes a leader accepts. Adding a replica: add_learner, let it catch up, promote_learner
 * (dissertation 4.2.1: a new server joins without votes until it has the log). Moving one:
 * add and promote the new, then remove the old.
 */
export type MembershipChange =
  | { readonly type: 'add_learner'; readonly node: NodeId }
  | { readonly type: 'promote_learner'; readonly node: NodeId }
  | { readonly type: 'remove_member'; readonly node: NodeId };

export type ChangeResult = { ok: true; membership: Membership } | { ok: false; reason: string };

export function applyChange(m: Membership, c: MembershipChange): ChangeResult {
  switch (c.type) {
    case 'add_learner':
      if (isMember(m, c.node)) return { ok: false, reason: `node ${c.node} is already a member` };
      return { ok: true, membership: membership(m.voters, [...m.learners, c.node]) };
    case 'promote_learner':
      if (!m.learners.includes(c.node)) return { ok: false, reason: `node ${c.node} is not a learner` };
      return { ok: true, membership: membership([...m.voters, c.node], m.learners.filter((n) => n !== c.node)) };
    case 'remove_member':
      if (!isMember(m, c.node)) return { ok: false, reason: `node ${c.node} is not a member` };
      if (m.voters.length === 1 && m.voters[0] === c.node) return { ok: false, reason: 'the last voter cannot be removed' };
      return {
        ok: true,
        membership: membership(
          m.voters.filter((n) => n !== c.node),
          m.learners.filter((n) => n !== c.node),
        ),
      };
  }
}

/**
 * The memberships of a log: the one in effect at the commit index, then every membership entry
 * after it. The last is the one in effect. Appends push, truncations pop (the paper's rule
 * that a node uses the latest configuration in its log, committed or not), commits drop the
 * history no truncation can reach any more.
 */
export class MembershipLog {
  private history: MembershipAt[];

  constructor(initial: readonly MembershipAt[]) {
    assert(initial.length > 0, 'no membership');
    for (let i = 1; i < initial.length; i++) assert(initial[i].index > initial[i - 1].index, 'memberships out of order');
    this.history = [...initial];
  }

  get current(): Membership {
    return this.history[this.history.length - 1].membership;
  }

  /** The membership in effect at the commit index (the same as current when nothing is pending). */
  get committed(): Membership {
    return this.history[0].membership;
  }

  /** Index of the entry that set the current membership. */
  get currentIndex(): Index {
    return this.history[this.history.length - 1].index;
  }

  /** Records the membership entries among `entries` (just appended to the log). */
  appended(entries: readonly Entry[]): boolean {
    let changed = false;
    for (const e of entries) {
      if (e.kind !== 'control' || e.control.type !== 'membership') continue;
      assert(e.firstIndex > this.currentIndex, 'membership entry appended out of order');
      this.history.push({ index: e.firstIndex, membership: e.control.membership });
      changed = true;
    }
    return changed;
  }

  /** The log lost every entry at or after `index`: memberships set there are undone. */
  truncatedFrom(index: Index): boolean {
    const before = this.history.length;
    while (this.history.length > 1 && this.history[this.history.length - 1].index >= index) this.history.pop();
    assert(this.history[0].index < index, `truncation at ${index} reaches the committed membership`);
    return this.history.length !== before;
  }

  /** Entries up to `commit` can no longer be truncated: keep only the last membership at or before it. */
  committedTo(commit: Index): void {
    let keep = 0;
    while (keep + 1 < this.history.length && this.history[keep + 1].index <= commit) keep++;
    if (keep > 0) this.history = this.history.slice(keep);
  }

  /** A snapshot replaced the log. */
  reset(at: MembershipAt): void {
    this.history = [at];
  }
}
