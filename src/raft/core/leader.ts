// A leader's step and tick, and the requests only a leader takes: proposals, membership
// changes and leadership transfer. Expected refusals are values, never exceptions.

import { assert } from '../../base/assert.ts';
import { applyChange, type MembershipChange } from './membership.ts';
import type { Message } from './messages.ts';
import { STREAM_IDLE_TICKS } from './progress.ts';
import { leaderIdle, maybeQuiesceLeader, wake } from './quiescence.ts';
import type { Raft } from './raft.ts';
import {
  broadcastAppend,
  broadcastHeartbeat,
  commitAfterMembershipChange,
  onAppendEntriesResponse,
  onHeartbeatResponse,
  sendAppend,
  sendTimeoutNow,
} from './replication.ts';
import type { Entry, Index, NodeId, Term } from './types.ts';

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  switch (m.type) {
    case 'append_entries_response':
      pr.recentActive = true;
      onAppendEntriesResponse(r, m.from, pr, m);
      return;
    case 'heartbeat_response':
      pr.recentActive = true;
      onHeartbeatResponse(r, m.from, pr);
      return;
    default:
      return;
  }
}

export function tickLeader(r: Raft): void {
  r.idleTicks = leaderIdle(r) ? r.idleTicks + 1 : 0;
  r.heartbeatElapsedTicks++;
  r.electionElapsedTicks++;
  if (r.electionElapsedTicks >= r.cfg.electionTimeoutTicks) {
    r.electionElapsedTicks = 0;
    // CheckQuorum (dissertation 6.2): a leader that has not heard from a majority for an
    // election timeout steps down, so clients find the leader the majority has elected.
    if (!r.tracker.quorumActive(r.id)) {
      r.becomeFollower(r.term, null);
      return;
    }
  }
  // Dissertation 3.10: a transfer that has not happened within an election timeout is abandoned.
  if (r.transferee !== null && ++r.transferElapsedTicks >= r.cfg.electionTimeoutTicks) r.transferee = null;
  for (const pr of r.tracker.progress.values()) {
    if (pr.state === 'snapshot' && ++pr.snapshotElapsedTicks >= r.cfg.snapshotTimeoutTicks) pr.becomeProbe();
    if (pr.state === 'stream' && ++pr.streamIdleTicks >= STREAM_IDLE_TICKS) pr.becomeProbe();
  }
  if (r.heartbeatElapsedTicks >= r.cfg.heartbeatIntervalTicks) {
    r.heartbeatElapsedTicks = 0;
    if (!maybeQuiesceLeader(r)) broadcastHeartbeat(r);
  }
}

export type NotLeader = { ok: false; reason: 'not_leader'; leaderId: NodeId | null };

export type ProposeResult =
  | { ok: true; firstIndex: Index; lastIndex: Index; term: Term }
  | NotLeader
  | { ok: false; reason: 'transfer_in_progress' }
  | { ok: false; reason: 'uncommitted_bytes_max' };

function notLeader(r: Raft): NotLeader {
  return { ok: false, reason: 'not_leader', leaderId: r.leaderId };
}

/**
 * Appends a batch of `recordCount` records and returns the offsets it takes, at once (the
 * produce path assigns offsets and appends in one synchronous step).
 */
export function propose(r: Raft, payload: Uint8Array, recordCount: number): ProposeResult {
  assert(Number.isSafeInteger(recordCount) && recordCount >= 1, `a batch of ${recordCount} records`);
  if (r.role !== 'leader') return notLeader(r);
  if (r.transferee !== null) return { ok: false, reason: 'transfer_in_progress' };
  wake(r);
  // One proposal may always go when nothing is uncommitted, however big (etcd does the same).
  if (r.uncommitted.total > 0 && r.uncommitted.total + payload.byteLength > r.cfg.uncommittedBytesMax) {
    return { ok: false, reason: 'uncommitted_bytes_max' };
  }
  const firstIndex = r.log.lastIndex() + 1;
  const entry: Entry = { kind: 'data', firstIndex, lastIndex: firstIndex + recordCount - 1, term: r.term, payload };
  r.appendToLog([entry]);
  r.uncommitted.add(entry.lastIndex, payload.byteLength);
  broadcastAppend(r);
  return { ok: true, firstIndex, lastIndex: entry.lastIndex, term: r.term };
}

export type MembershipChangeResult =
  | { ok: true; index: Index }
  | NotLeader
  | { ok: false; reason: 'transfer_in_progress' | 'change_in_progress' | 'leader_not_ready' | 'learner_behind' }
  | { ok: false; reason: 'invalid'; detail: string };

/**
 * One server at a time (dissertation 4.1), under two rules: a change waits until the previous
 * one is committed, and a new leader first commits an entry of its own term (the fix Ongaro
 * posted to raft-dev in 2015: without it, changes proposed by successive leaders can yield two
 * disjoint majorities).
 */
export function proposeMembershipChange(r: Raft, change: MembershipChange): MembershipChangeResult {
  if (r.role !== 'leader') return notLeader(r);
  if (r.transferee !== null) return { ok: false, reason: 'transfer_in_progress' };
  if (r.memberships.currentIndex > r.log.commit) return { ok: false, reason: 'change_in_progress' };
  wake(r);
  if (r.log.term(r.log.commit) !== r.term) return { ok: false, reason: 'leader_not_ready' };
  const next = applyChange(r.tracker.membership, change);
  if (!next.ok) return { ok: false, reason: 'invalid', detail: next.reason };
  // Dissertation 4.2.1: a learner votes only once it has caught up, or it could stall commits.
  if (change.type === 'promote_learner' && (r.tracker.progress.get(change.node)?.match ?? -1) < r.log.commit) {
    return { ok: false, reason: 'learner_behind' };
  }
  const index = r.log.lastIndex() + 1;
  r.appendToLog([{ kind: 'control', firstIndex: index, lastIndex: index, term: r.term, control: { type: 'membership', membership: next.membership } }]);
  broadcastAppend(r);
  commitAfterMembershipChange(r);
  return { ok: true, index };
}

export type TransferResult =
  | { ok: true }
  | NotLeader
  | { ok: false; reason: 'already_leader' | 'not_a_voter' };

/**
 * Dissertation 3.10: stop taking proposals, bring the target's log up to date, then tell it to
 * campaign at once (TimeoutNow). Abandoned after an election timeout (tickLeader).
 */
export function transferLeadership(r: Raft, to: NodeId): TransferResult {
  if (r.role !== 'leader') return notLeader(r);
  if (to === r.id) return { ok: false, reason: 'already_leader' };
  if (!r.tracker.isVoter(to)) return { ok: false, reason: 'not_a_voter' };
  if (r.transferee === to) return { ok: true };
  wake(r);
  r.transferee = to;
  r.transferElapsedTicks = 0;
  const pr = r.tracker.progress.get(to);
  if (pr !== undefined && pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else sendAppend(r, to, true);
  return { ok: true };
}
