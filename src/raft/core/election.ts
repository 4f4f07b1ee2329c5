// Elections (paper 5.2, 5.4.1) with PreVote (dissertation 9.6): a node whose election timeout
// runs out first asks whether it could win, without raising its term; only with a majority of
// yes does it start a real election. A node cut off from the others therefore never raises its
// term, and cannot depose a healthy leader when it comes back.

import type { RequestVote, RequestVoteResponse } from './messages.ts';
import type { Raft } from './raft.ts';
import { handleAppendEntries, handleHeartbeat, handleInstallSnapshot } from './follower.ts';

export type CampaignKind = 'pre_vote' | 'election' | 'transfer';

export function campaign(r: Raft, kind: CampaignKind): void {
  if (!r.promotable()) return;
  if (kind === 'pre_vote') r.becomePreCandidate();
  else r.becomeCandidate();
  const voteTerm = kind === 'pre_vote' ? r.term + 1 : r.term;
  r.tracker.recordVote(r.id, true);
  if (r.tracker.voteResult() === 'won') {
    // A group of one voter.
    if (kind === 'pre_vote') campaign(r, 'election');
    else r.becomeLeader();
    return;
  }
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const to of r.tracker.membership.voters) {
    if (to === r.id) continue;
    r.send({ type: 'request_vote', from: r.id, to, term: voteTerm, preVote: kind === 'pre_vote', transfer: kind === 'transfer', lastIndex, lastTerm });
  }
}

/**
 * Paper 5.2 and 5.4.1: one vote per term, first come first served, and only for a candidate
 * whose log is at least as up-to-date. A pre-vote is granted on the same log rule to any
 * candidate for a later term, since it promises nothing. Any node answers, member or not: a
 * node may not yet know it has been added (dissertation 4.1).
 */
export function handleRequestVote(r: Raft, m: RequestVote): void {
  const canVote =
    r.vote === m.from || (r.vote === null && r.leaderId === null) || (m.preVote && m.term > r.term);
  if (canVote && r.log.isUpToDate(m.lastIndex, m.lastTerm)) {
    // Answer in the term asked about, so a pre-candidate can tell its pre-votes apart.
    r.send({ type: 'request_vote_response', from: r.id, to: m.from, term: m.term, preVote: m.preVote, granted: true });
    if (!m.preVote) {
      r.electionElapsedTicks = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: 'request_vote_response', from: r.id, to: m.from, term: r.term, preVote: m.preVote, granted: false });
  }
}

/** Step of a pre-candidate or candidate. */
export function stepCandidate(r: Raft, m: Parameters<Raft['step']>[0]): void {
  switch (m.type) {
    case 'append_entries':
      // Paper 5.2: a candidate that hears from a leader of its term steps back.
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'install_snapshot':
      r.becomeFollower(m.term, m.from);
      handleInstallSnapshot(r, m);
      return;
    case 'request_vote_response':
      onVoteResponse(r, m);
      return;
    default:
      return;
  }
}

function onVoteResponse(r: Raft, m: RequestVoteResponse): void {
  // Answers to the other kind of election are late ones from an earlier round.
  if (m.preVote !== (r.role === 'pre_candidate')) return;
  r.tracker.recordVote(m.from, m.granted);
  switch (r.tracker.voteResult()) {
    case 'won':
      if (r.role === 'pre_candidate') campaign(r, 'election');
      else r.becomeLeader();
      return;
    case 'lost':
      // Split or refused: wait for a new randomized timeout (paper 5.2).
      r.becomeFollower(r.term, null);
      return;
    case 'pending':
      return;
  }
}
