// The scenario of the paper's Figure 8 (section 5.4.2), scripted on five nodes, adapted to a
// core whose new leaders write a leader_change entry first. Offsets start at 0.
//   (a) S1 leads term 1 (leader_change at 0, everywhere); it appends x at 1, which reaches
//       S2 only.
//   (b) S1 crashes; S5 is elected in term 2 by S3, S4 and itself, and writes its own entry at
//       1 (its leader_change), which reaches nobody.
//   (c) S5 crashes; S1 restarts and is elected in term 3. It brings S3 and S4 up to x, so x
//       (term 1) is on a majority, but S1's own term-3 entry reaches no one.
//       Counting replicas must not commit x here: it is not of the current term.
//   (d) S1 crashes; S5 restarts and is elected in term 4 (its last term, 2, beats the 1 of S2,
//       S3, S4) and replaces x at 1 everywhere. Had x been committed in (c), a committed
//       entry would now be gone.

import type { Message } from '../../../src/raft/core/index.ts';
import { Cluster } from './harness.ts';

export interface Figure8Run {
  readonly cluster: Cluster;
  /** S1's commit index at the end of (c), when x sat on a majority. */
  readonly commitAfterC: number;
  /** The nodes whose durable log held x (term 1 at offset 1) at the end of (c). */
  readonly holdersOfXAfterC: number[];
}

const isAppendWithTerm = (from: number, term: number) => (m: Message) =>
  m.from === from && m.type === 'append_entries' && m.entries.some((e) => e.term === term);

/** Runs the scenario; a checker set on `cluster` beforehand sees every step. */
export function runFigure8(cluster: Cluster): Figure8Run {
  const c = cluster;
  // (a)
  c.campaign(1);
  c.tickAll(2);
  for (const id of [3, 4, 5]) c.cutLink(1, id);
  c.propose(1, 'x');
  // (b): a restarted node has heard from no leader, so it answers votes at once.
  c.crash(1);
  c.heal();
  for (const id of [3, 4]) restart(c, id);
  c.holdIf = isAppendWithTerm(5, 2);
  c.campaign(5);
  c.held = [];
  // (c)
  c.crash(5);
  restart(c, 1);
  restart(c, 2);
  restart(c, 3);
  // S1's own entry reaches no one; appends a follower refuses still go, so S1 backs up and
  // sends x alone (appendBytesMax is below the size of x plus a control entry).
  c.holdIf = (m) => isAppendWithTerm(1, 3)(m) && m.type === 'append_entries' && c.peer(m.to).storage.term(m.prevIndex) === m.prevTerm;
  campaignUntilLeader(c, 1);
  const commitAfterC = c.node(1).commit;
  const holdersOfXAfterC = [1, 2, 3, 4, 5].filter((id) => c.peer(id).storage.term(1) === 1);
  c.held = [];
  // (d)
  c.crash(1);
  c.holdIf = null;
  restart(c, 5);
  for (const id of [2, 3, 4]) restart(c, id);
  campaignUntilLeader(c, 5);
  c.tickAll(3);
  return { cluster: c, commitAfterC, holdersOfXAfterC };
}

function restart(c: Cluster, id: number): void {
  c.crash(id);
  c.restart(id);
}

/** A refused pre-vote teaches the candidate the current term; the next round can win. */
function campaignUntilLeader(c: Cluster, id: number): void {
  for (let round = 0; round < 3 && c.node(id).role !== 'leader'; round++) c.campaign(id);
  if (c.node(id).role !== 'leader') throw new Error(`S${id} did not win`);
}
