// What quiescence promises (src/raft/core/quiescence.ts), checked against the simulation's
// ground truth (which nodes are alive, which links are cut), not against what the nodes believe:
//
// - A quiet follower does not stay quiet while its leader's node cannot reach it (the leader
//   crashed, or the link from it is cut) for longer than it takes to notice: an election
//   timeout of its own ticks plus a frame in flight.
// - A quiet follower does not go on believing in a leader that is not leading in the follower's
//   term (it restarted, stepped down, was deposed) for longer than a few election timeouts: the
//   old leader's campaign, or the new leader's messages, must reach and wake it. Unless it is
//   no longer a member: a removed node is told nothing more, and staying quiet is the best it
//   can do (awake, it would campaign in vain).
// - A quiet leader does not stay quiet while a majority of its followers cannot reach it.
//
// Each is a bound on time, so a quiet node that never wakes (a shell that never reports a silent
// node, a core that ignores the report) fails the run (checker.test.ts plants both).

import type { NodeId } from '../../../src/raft/core/index.ts';
import { InvariantViolation } from './checker.ts';

export interface QuietView {
  readonly id: NodeId;
  readonly alive: boolean;
  readonly quiesced: boolean;
  readonly role: string;
  readonly term: number;
  readonly leaderId: NodeId | null;
  /** A leader's fellow voters (itself excluded); empty otherwise. */
  readonly otherVoters: readonly NodeId[];
}

export interface QuietBounds {
  /** A follower cut off from its leader's node must have woken within this. */
  readonly unreachableMsMax: number;
  /** A follower believing in a leader that does not lead its term must have woken within this. */
  readonly staleLeaderMsMax: number;
}

export class QuiescenceChecker {
  /** Since when each condition has held, by key. */
  private readonly since = new Map<string, number>();

  constructor(private readonly bounds: QuietBounds) {}

  /** Called after every event with every node's view, and whether `from` can reach `to` now. */
  check(nowMs: number, nodes: readonly QuietView[], reaches: (from: NodeId, to: NodeId) => boolean, isMember: (id: NodeId) => boolean): void {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const live = new Set<string>();
    for (const n of nodes) {
      if (!n.alive || !n.quiesced) continue;
      if (n.role === 'leader') {
        const cut = n.otherVoters.filter((f) => !reaches(f, n.id));
        const heard = n.otherVoters.length + 1 - cut.length;
        if (heard <= (n.otherVoters.length + 1) / 2) {
          this.hold(live, `leader n${n.id} quiet with voters ${cut.join(',')} unreachable, no majority`, nowMs, this.bounds.unreachableMsMax);
        }
        continue;
      }
      if (n.leaderId === null) continue;
      const leader = byId.get(n.leaderId);
      if (leader === undefined || !reaches(n.leaderId, n.id)) {
        this.hold(live, `follower n${n.id} quiet with its leader n${n.leaderId}'s node unreachable`, nowMs, this.bounds.unreachableMsMax);
      } else if ((leader.role !== 'leader' || leader.term !== n.term) && isMember(n.id)) {
        this.hold(live, `follower n${n.id} quiet, believing n${n.leaderId} leads term ${n.term}, which it does not`, nowMs, this.bounds.staleLeaderMsMax);
      }
    }
    for (const k of [...this.since.keys()]) if (!live.has(k)) this.since.delete(k);
  }

  private hold(live: Set<string>, what: string, nowMs: number, boundMs: number): void {
    live.add(what);
    const from = this.since.get(what);
    if (from === undefined) {
      this.since.set(what, nowMs);
      return;
    }
    if (nowMs - from > boundMs) throw new InvariantViolation(`quiescence: ${what} for ${nowMs - from} ms (bound ${boundMs} ms)`);
  }
}
