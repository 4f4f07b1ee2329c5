// The membership in effect and what follows from it: per-member Progress (used while leading),
// the votes of an election, and the quorum rules. A quorum is a majority of the voters;
// learners count in none (dissertation 4.2.1).

import { isVoter } from './membership.ts';
import { Progress } from './progress.ts';
import type { Index, Membership, NodeId } from './types.ts';

export type VoteResult = 'won' | 'lost' | 'pending';

export interface TrackerLimits {
  readonly inflightMessagesMax: number;
  readonly inflightBytesMax: number;
}

export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    public membership: Membership,
    private readonly limits: TrackerLimits,
  ) {}

  isVoter(id: NodeId): boolean {
    return isVoter(this.membership, id);
  }

  private newProgress(next: Index): Progress {
    return new Progress(next, this.limits.inflightMessagesMax, this.limits.inflightBytesMax);
  }

  /** A leader starts: every member is probed from `next`; the leader's own match is what it has persisted. */
  resetProgress(next: Index, self: NodeId, selfMatch: Index): void {
    this.progress.clear();
    for (const id of [...this.membership.voters, ...this.membership.learners]) this.progress.set(id, this.newProgress(next));
    if (!this.progress.has(self)) this.progress.set(self, this.newProgress(next));
    const mine = this.progress.get(self)!;
    mine.maybeUpdate(selfMatch);
    mine.recentActive = true;
  }

  /** The membership changed: new members get a Progress (probed from `next`), removed ones lose theirs. */
  setMembership(m: Membership, next: Index, self: NodeId, leading: boolean): void {
    this.membership = m;
    if (!leading) return;
    const members = new Set([...m.voters, ...m.learners, self]);
    for (const id of this.progress.keys()) if (!members.has(id)) this.progress.delete(id);
    for (const id of members) if (!this.progress.has(id)) this.progress.set(id, this.newProgress(next));
  }

  /** The greatest index a majority of voters hold (paper 5.3); -1 when none. */
  quorumMatchIndex(): Index {
    const voters = this.membership.voters;
    if (voters.length === 0) return -1;
    const matches = voters.map((id) => this.progress.get(id)?.match ?? -1).sort((a, b) => b - a);
    return matches[Math.floor(voters.length / 2)];
  }

  /**
   * CheckQuorum (dissertation 6.2): has a majority of voters been heard from since the last
   * round? The leader counts itself. Starts the next round.
   */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.membership.voters) {
      const pr = this.progress.get(id);
      if (id === self || pr?.recentActive) active++;
    }
    for (const [id, pr] of this.progress) pr.recentActive = id === self;
    return active > this.membership.voters.length / 2;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  voteResult(): VoteResult {
    const voters = this.membership.voters;
    let granted = 0;
    let rejected = 0;
    for (const id of voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const majority = Math.floor(voters.length / 2) + 1;
    if (granted >= majority) return 'won';
    if (rejected > voters.length - majority) return 'lost';
    return 'pending';
  }
}
