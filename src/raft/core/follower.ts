// What a follower does with a leader's messages (paper Figure 2, AppendEntries receiver;
// dissertation 5, InstallSnapshot), with the log model's batches: entries arrive as whole
// batches, a divergent suffix is cut at a batch start, and nothing at or below the commit index
// is ever cut.

import { assert } from '../../base/assert.ts';
import { lastOf } from './entries.ts';
import { campaign } from './election.ts';
import type { AppendEntries, Heartbeat, InstallSnapshot, Message } from './messages.ts';
import { followerMayQuiesce } from './quiescence.ts';
import type { Raft } from './raft.ts';
import type { Index } from './types.ts';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append_entries':
      heardFromLeader(r, m.from);
      handleAppendEntries(r, m);
      return;
    case 'heartbeat':
      heardFromLeader(r, m.from);
      handleHeartbeat(r, m);
      return;
    case 'install_snapshot':
      heardFromLeader(r, m.from);
      handleInstallSnapshot(r, m);
      return;
    case 'timeout_now':
      // Dissertation 3.10: the leader hands over; campaign at once, skipping PreVote (the
      // leader's consent is the point) and flagged so voters answer despite their lease.
      campaign(r, 'transfer');
      return;
    default:
      return;
  }
}

function heardFromLeader(r: Raft, leader: number): void {
  r.electionElapsedTicks = 0;
  r.leaderSilent = false;
  r.leaderId = leader;
}

function accept(r: Raft, to: number, matchIndex: Index): void {
  r.send({ type: 'append_entries_response', from: r.id, to, term: r.term, reject: false, matchIndex });
}

/**
 * The shell appended entries it knows committed to this node's log and made them durable
 * (segment streaming, src/raft/stream): they are committed, so the commit index may move to
 * them, and every leader holds them (Leader Completeness, paper 5.4), so the log matches the
 * leader's up to `lastIndex` and the leader is told so, as if it had sent them: its progress
 * for this node moves past them instead of sending them again.
 */
export function onLogExtended(r: Raft, lastIndex: Index): void {
  r.log.storageExtended();
  assert(r.log.lastIndex() === lastIndex, `log extended to ${lastIndex}, the log ends at ${r.log.lastIndex()}`);
  r.commitTo(lastIndex);
  if (r.role === 'follower' && r.leaderId !== null) accept(r, r.leaderId, lastIndex);
}

export function handleAppendEntries(r: Raft, m: AppendEntries): void {
  assert(m.entries.length === 0 || m.entries[0].firstIndex === m.prevIndex + 1, `append after ${m.prevIndex} starts at ${m.entries[0]?.firstIndex}`);
  if (m.prevIndex < r.log.commit) {
    // Everything up to the commit index matches the leader's log (Leader Completeness).
    accept(r, m.from, r.log.commit);
    return;
  }
  if (!r.log.matchTerm(m.prevIndex, m.prevTerm)) {
    // Log Matching (paper 5.3): refuse, and say where our log could match.
    const hint = r.log.findConflictByTerm(m.prevIndex, m.prevTerm, r.cfg.conflictSearchEntriesMax);
    r.send({
      type: 'append_entries_response',
      from: r.id,
      to: m.from,
      term: r.term,
      reject: true,
      rejectedIndex: m.prevIndex,
      hintIndex: hint.index,
      hintTerm: hint.term,
    });
    return;
  }
  const conflict = r.log.findConflict(m.entries);
  if (conflict !== null) {
    const from = m.entries.findIndex((e) => e.firstIndex === conflict);
    r.appendToLog(m.entries.slice(from));
  }
  // Only what this message proved matches may be committed: entries past it may still diverge.
  const lastNew = m.entries.length > 0 ? lastOf(m.entries) : m.prevIndex;
  r.commitTo(Math.min(m.commit, lastNew));
  accept(r, m.from, lastNew);
}

export function handleHeartbeat(r: Raft, m: Heartbeat): void {
  r.commitTo(m.commit);
  if (m.quiesce === true) {
    // Quiet without answering: the leader is quiet already (quiescence.ts).
    if (followerMayQuiesce(r, m)) r.quiesced = true;
    else r.send({ type: 'heartbeat_response', from: r.id, to: m.from, term: r.term, wake: true });
    return;
  }
  r.send({ type: 'heartbeat_response', from: r.id, to: m.from, term: r.term });
}

export function handleInstallSnapshot(r: Raft, m: InstallSnapshot): void {
  const s = m.snapshot;
  if (s.index <= r.log.commit) {
    accept(r, m.from, r.log.commit);
    return;
  }
  if (r.log.matchTerm(s.index, s.term)) {
    // Our log already holds the snapshot's last entry: the snapshot only says it is committed.
    r.commitTo(s.index);
    accept(r, m.from, s.index);
    return;
  }
  // Our log does not match up to the snapshot: it is replaced whole (dissertation 5.1).
  r.log.restore(s);
  r.memberships.reset({ index: s.index, membership: s.membership });
  r.membershipChanged();
  accept(r, m.from, s.index);
}
