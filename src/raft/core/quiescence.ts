// Quiescence: an idle group stops its per-group heartbeats and election timers, and the node
// that hosts it watches its peers' NODES instead (CockroachDB's replica quiescence,
// pkg/kv/kvserver/replica_raft_quiesce.go; etcd's raft has no such thing). A node holding 1,000
// idle partitions then costs one node-level heartbeat per peer per interval, not 1,000.
//
// The states and their rules (the safety and liveness argument is in README.md, "Quiescence"):
// - A leader quiesces after cfg.quiesceAfterTicks idle ticks (everything committed, applied by
//   the shell, persisted, acknowledged by every follower with nothing in flight, no transfer,
//   every follower heard this CheckQuorum round): its next heartbeat carries `quiesce` and it
//   goes quiet (tick() is a no-op).
// - A follower that gets a quiesce heartbeat from its leader, with its own log ending at the
//   leader's commit, goes quiet without answering; any other follower answers `wake`.
// - A quiet node wakes on any message (a proposal, a vote request, an append, a `wake`, a
//   rejection), except that a quiet leader ignores late answers that carry no news (a plain
//   heartbeat answer, an append answer for what is already matched). A follower woken by
//   anything but its leader's message wakes its leader with `wake`.
// - The shell reports a peer NODE it has not heard from for (a tick short of) an election
//   timeout (nodeUnreachable): a follower whose leader is on it has its lease over, and a quiet
//   one wakes, so what is left of its randomized election timeout runs (paper 5.2); a quiet
//   leader wakes with that follower counted inactive, and CheckQuorum (dissertation 6.2) judges
//   at the end of the round, an election timeout later, as for any leader.

import type { Heartbeat, Message } from './messages.ts';
import type { Raft } from './raft.ts';
import type { NodeId } from './types.ts';

/** Leader: everything is committed, applied, persisted and held by every follower, with nothing in flight. */
export function leaderIdle(r: Raft): boolean {
  if (r.transferee !== null || r.uncommitted.total > 0) return false;
  const last = r.log.lastIndex();
  if (r.log.commit !== last || r.log.applied !== last || r.log.stableLastIndex() !== last) return false;
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    if (pr.match !== last || pr.state !== 'replicate' || pr.inflights.count > 0) return false;
  }
  return true;
}

/** Leader, at a heartbeat: quiesces (sending quiesce heartbeats instead of plain ones) when idle long enough. */
export function maybeQuiesceLeader(r: Raft): boolean {
  if (!r.cfg.quiescence || r.idleTicks < r.cfg.quiesceAfterTicks) return false;
  for (const [id, pr] of r.tracker.progress) if (id !== r.id && !pr.recentActive) return false;
  const commit = r.log.commit;
  for (const id of r.tracker.progress.keys()) {
    if (id !== r.id) r.send({ type: 'heartbeat', from: r.id, to: id, term: r.term, commit, quiesce: true });
  }
  r.quiesced = true;
  return true;
}

/** Follower: may it go quiet on its leader's quiesce heartbeat? Only when it holds exactly what the leader committed. */
export function followerMayQuiesce(r: Raft, m: Heartbeat): boolean {
  const last = r.log.lastIndex();
  return (
    r.cfg.quiescence &&
    r.role === 'follower' &&
    r.leaderId === m.from &&
    m.commit === last &&
    r.log.commit === last &&
    r.log.unstable.snapshot === null
  );
}

/** A message reached a quiet node. */
export function wakeOnMessage(r: Raft, m: Message): void {
  if (r.role === 'leader') {
    const pr = r.tracker.progress.get(m.from);
    if (m.type === 'heartbeat_response' && m.wake !== true) return;
    if (m.type === 'append_entries_response' && !m.reject && pr !== undefined && m.matchIndex <= pr.match) return;
    wake(r);
    return;
  }
  const fromLeader = m.from === r.leaderId && (m.type === 'append_entries' || m.type === 'heartbeat' || m.type === 'install_snapshot');
  wake(r);
  // The leader is quiet too: wake it, or this follower's timer runs out and it campaigns.
  if (!fromLeader && r.leaderId !== null) r.send({ type: 'heartbeat_response', from: r.id, to: r.leaderId, term: r.term, wake: true });
}

/** Wakes a quiet node: its timers run again from where they stopped. */
export function wake(r: Raft): void {
  r.quiesced = false;
  r.idleTicks = 0;
}

/**
 * The shell has not heard from `node` (any frame, the node-level heartbeat included) for an
 * election timeout.
 */
export function onNodeUnreachable(r: Raft, node: NodeId): void {
  // A leader, quiet or not: that follower is counted inactive (the first report may have woken
  // a quiet leader; a second, about another follower, must still count). A quiet leader starts
  // a CheckQuorum round now: a follower that answers its heartbeats within it counts again, one
  // that does not makes the leader step down at its end, up to two election timeouts after the
  // silence began, as for a leader that never quiesced (dissertation 6.2). Not sooner: a peer
  // that stalled for a little over a timeout (a long GC, a busy machine) then costs no election.
  if (r.role === 'leader') {
    const pr = r.tracker.progress.get(node);
    if (pr === undefined) return;
    if (r.quiesced) {
      wake(r);
      r.electionElapsedTicks = 0;
    }
    pr.recentActive = false;
    return;
  }
  // A follower, quiet or not: its leader has been silent for an election timeout, so the lease
  // is over now (dissertation 4.2.3). An awake follower's own elapsed count may be shorter (it
  // woke on some message since), which would keep refusing the first candidate's vote request.
  if (r.role !== 'follower' || r.leaderId !== node) return;
  r.leaderSilent = true;
  // What is left of the randomized timeout runs (paper 5.2), as if it had ticked all along (the
  // shell reports a tick short of the timeout: src/raft/node-liveness.ts), and never before its
  // next tick: the other followers find the silence within about a tick of this one, and a vote
  // request reaching one still in its lease would be ignored.
  r.electionElapsedTicks = Math.max(r.electionElapsedTicks, r.cfg.electionTimeoutTicks - 1);
  if (!r.quiesced) return;
  wake(r);
  // The leader may only have stalled (a GC, a busy machine): wake it, so that it heartbeats
  // this follower back into line before the follower's campaign needs anyone's vote
  // (CockroachDB's maybeUnquiesceLocked wakes the leader before campaigning for this reason).
  r.send({ type: 'heartbeat_response', from: r.id, to: node, term: r.term, wake: true });
}

/**
 * A learner heard from no leader for an election timeout. A voter in its place would campaign,
 * and its vote request would wake a quiet leader; a learner cannot (dissertation 4.2.1), and a
 * quiet leader sends nothing, so a learner that restarted while its group was quiet (knowing no
 * leader, or holding less than the commit) would wait forever. It asks to be heard: a `wake` to
 * its leader when it knows one, else to every voter (a quiet voter passes the wake on to its
 * leader: wakeOnMessage). A woken leader heartbeats it. Once every election timeout, and only
 * while no leader talks to it: a learner in a quiet group is quiet too and does not tick.
 */
export function learnerAsksToBeHeard(r: Raft): void {
  const to = r.leaderId !== null ? [r.leaderId] : r.tracker.membership.voters.filter((id) => id !== r.id);
  for (const id of to) r.send({ type: 'heartbeat_response', from: r.id, to: id, term: r.term, wake: true });
}
