// How a leader replicates (paper 5.3) and commits (5.4.2), with flow control (etcd's
// probe / replicate / snapshot states and inflight windows, see progress.ts). Entries go out
// as whole batches: an AppendEntries starts at a follower's nextIndex, which is always a batch
// start, so prevIndex is always a batch end.

import { assert } from '../../base/assert.ts';
import { lastOf, totalBytes } from './entries.ts';
import type { AppendEntriesResponse } from './messages.ts';
import type { Progress } from './progress.ts';
import type { Raft } from './raft.ts';
import type { Index, NodeId } from './types.ts';

/** Sends `to` what it needs next, unless its flow control says wait. Empty appends only if asked. */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.progress.get(to);
  if (pr === undefined || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  assert(prevIndex <= r.log.lastIndex(), `nextIndex ${pr.next} of ${to} past the log end ${r.log.lastIndex()}`);
  const prevTerm = r.log.term(prevIndex);
  const entries = prevTerm === null ? null : r.log.entries(pr.next, r.cfg.appendBytesMax);
  if (prevTerm === null || entries === null) return sendSnapshot(r, to, pr);
  if (entries.length === 0 && !sendIfEmpty) return false;
  assert(entries.length === 0 || entries[0].firstIndex === pr.next, `nextIndex ${pr.next} of ${to} is not a batch start`);
  r.send({ type: 'append_entries', from: r.id, to, term: r.term, prevIndex, prevTerm, entries, commit: r.log.commit });
  if (entries.length > 0 && pr.state === 'replicate') {
    pr.next = lastOf(entries) + 1;
    pr.inflights.add(lastOf(entries), totalBytes(entries));
  } else if (pr.state === 'probe') {
    pr.probeSent = true;
  }
  return true;
}

/** The follower needs entries below our log start: the shell sends the state, we send where it ends. */
function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  const snapshot = r.log.snapshot();
  r.send({ type: 'install_snapshot', from: r.id, to, term: r.term, snapshot });
  pr.becomeSnapshot(snapshot.index);
  return true;
}

export function broadcastAppend(r: Raft): void {
  for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id, true);
}

/** Heartbeats carry the commit, capped at what each follower is known to hold. */
export function broadcastHeartbeat(r: Raft): void {
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    r.send({ type: 'heartbeat', from: r.id, to: id, term: r.term, commit: Math.min(pr.match, r.log.commit) });
  }
}

export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: 'timeout_now', from: r.id, to, term: r.term });
}

/**
 * Paper 5.4.2: an entry is committed by counting replicas only if it is of the current term
 * (Figure 8: an entry of an older term on a majority can still be overwritten); earlier
 * entries then commit with it, by Log Matching.
 */
export function maybeCommit(r: Raft): boolean {
  const q = r.tracker.quorumMatchIndex();
  if (q <= r.log.commit || !r.mayCommitByCounting(q)) return false;
  r.commitTo(q);
  r.uncommitted.releaseTo(r.log.commit);
  return true;
}

/** After the commit index moved: tell the followers, and leave if the committed membership dropped us. */
function afterCommit(r: Raft): void {
  broadcastAppend(r);
  stepDownIfRemoved(r);
}

/**
 * Dissertation 4.2.2: a leader that is not in the new membership keeps leading until that
 * membership is committed (counting only the others), then steps down. It hands over to the
 * most up-to-date voter with TimeoutNow, so the group need not wait out an election timeout.
 */
export function stepDownIfRemoved(r: Raft): void {
  if (r.role !== 'leader' || r.tracker.isVoter(r.id) || r.memberships.currentIndex > r.log.commit) return;
  let best: NodeId | null = null;
  let bestMatch = -1;
  for (const id of r.tracker.membership.voters) {
    const m = r.tracker.progress.get(id)?.match ?? -1;
    if (m > bestMatch) [best, bestMatch] = [id, m];
  }
  if (best !== null && bestMatch === r.log.lastIndex()) sendTimeoutNow(r, best);
  r.becomeFollower(r.term, null);
}

export function onAppendEntriesResponse(r: Raft, from: NodeId, pr: Progress, m: AppendEntriesResponse): void {
  if (m.reject) {
    if (pr.maybeDecrTo(m.rejectedIndex, probeNextFromHint(r, m.hintIndex, m.hintTerm))) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.matchIndex)) return;
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && (pr.match >= pr.pendingSnapshot || pr.match + 1 >= r.log.firstIndex())) pr.becomeReplicate();
  else if (pr.state === 'replicate') pr.inflights.freeTo(m.matchIndex);
  if (maybeCommit(r)) afterCommit(r);
  else if (wasPaused) sendAppend(r, from, false);
  if (r.role !== 'leader') return;
  // Fill the pipeline: bounded by the inflight window and the log end.
  while (sendAppend(r, from, false)) {}
  if (from === r.transferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, from);
}

/**
 * Where to probe next after a rejection: our last index <= the hint whose term is <= the
 * hint's term, rounded down to a batch start (etcd's findConflictByTerm, on batches). Below
 * our log start the follower needs a snapshot, which sendAppend then sends.
 */
function probeNextFromHint(r: Raft, hintIndex: Index, hintTerm: number): Index {
  const start = r.log.firstIndex();
  // Below our log start (compacted since the append went out): any next there means a snapshot.
  if (hintIndex < start - 1) return hintIndex;
  const c = r.log.findConflictByTerm(hintIndex, hintTerm, r.cfg.conflictSearchEntriesMax);
  // Diverging at or before our log start: only a snapshot can bring the follower back.
  if (c.index < start && c.term > hintTerm) return c.index;
  return r.log.batchStart(c.index + 1);
}

export function onHeartbeatResponse(r: Raft, from: NodeId, pr: Progress): void {
  pr.probeSent = false;
  // A full window with the follower alive means an append was lost: let one more go, which
  // the follower refuses if there is a gap, turning the leader back to probing.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex() || pr.state === 'probe') sendAppend(r, from, true);
}

/** The shell persisted the leader's own entries: they count toward the commit quorum now (dissertation 10.2.1). */
export function leaderPersisted(r: Raft): void {
  if (r.role !== 'leader') return;
  const stable = r.log.stableLastIndex();
  const self = r.tracker.progress.get(r.id);
  if (stable === null || self === undefined) return;
  if (self.maybeUpdate(stable) && maybeCommit(r)) afterCommit(r);
}

/** A leader's membership entry or a shrunken quorum may let the commit index move at once. */
export function commitAfterMembershipChange(r: Raft): void {
  if (maybeCommit(r)) afterCommit(r);
}
