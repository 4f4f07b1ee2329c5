// The next step of a partition reassignment (KIP-455), decided by the partition group's leader
// from what it sees: its group's membership, the controller's assignment (replicas and target)
// and which learners have caught up. Pure: no clock, no I/O; reassigner.ts acts on the answer.
//
// The move is a series of single-server changes (Raft dissertation 4.1: one server at a time,
// so every majority of the old voters overlaps every majority of the new ones):
// 1. each replica the target adds joins as a learner (4.2.1: it catches up without a vote, so
//    it cannot stall commits while its log is empty), all of them before any promotion, so they
//    catch up together;
// 2. a learner whose log reached the leader's is promoted to voter (the core refuses a learner
//    behind the commit index; `caughtUp` is the shell's stricter "near the log end");
// 3. the voters the target leaves out are removed one at a time, the leader last: a leader the
//    target leaves out hands its leadership to the target's first voter (the preferred leader,
//    dissertation 3.10's transfer), and the new leader removes it (4.2.2 lets a leader remove
//    itself and step down once that commits; handing over first keeps a leader that counts
//    itself in every quorum, and the partition's leader on a replica that stays).
// After every committed change the voters are reported to the controller before the next
// change: Metadata lists the group's voters as the partition's replicas, so the next change
// waits until the image says what the group is (the controller ends the move when the voters
// equal the target). A cancelled move (no target) stops where it is: the voters stay, learners
// the target no longer names are removed, and the voters reached are reported.

import type { MembershipChange, NodeId } from '../../raft/core/index.ts';

export interface ReassignmentView {
  readonly self: NodeId;
  /** The group's membership in effect on this leader (its log's latest membership). */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /**
   * Whether that membership is committed and nothing else is in the way of a change: the
   * leader has committed an entry of its term (so every membership entry of earlier terms is
   * committed), every change it proposed in its term is committed, no transfer runs.
   */
  readonly settled: boolean;
  /** The controller's assignment as applied on this node: the replicas (= the voters it knows) and the target of a move, or null. */
  readonly replicas: readonly NodeId[];
  readonly targetReplicas: readonly NodeId[] | null;
  /** Learners whose log is close enough to the leader's end to vote (reassigner.ts `isCaughtUp`). */
  readonly caughtUp: ReadonlySet<NodeId>;
}

export type ReassignmentStep =
  /** Nothing to do: no move, and the controller knows the voters. */
  | { readonly type: 'idle' }
  | { readonly type: 'wait'; readonly why: 'membership_unsettled' | 'learner_behind' }
  /** Tell the controller the committed voters (reportPartitionVoters). */
  | { readonly type: 'report'; readonly voters: readonly NodeId[] }
  | { readonly type: 'change'; readonly change: MembershipChange }
  /** This leader is to leave the group: hand the leadership over first. */
  | { readonly type: 'transfer'; readonly to: NodeId };

const sameSet = (a: readonly NodeId[], b: readonly NodeId[]) => a.length === b.length && a.every((id) => b.includes(id));

export function nextReassignmentStep(v: ReassignmentView): ReassignmentStep {
  if (!v.settled) return { type: 'wait', why: 'membership_unsettled' };
  // The controller first learns what the group is: Metadata and the next decision rest on it.
  if (!sameSet(v.voters, v.replicas)) return { type: 'report', voters: v.voters };
  const target = v.targetReplicas;
  // A learner the target does not name (a cancelled or redirected move) leaves first.
  const stale = v.learners.find((id) => target === null || !target.includes(id));
  if (stale !== undefined) return { type: 'change', change: { type: 'remove_member', node: stale } };
  if (target === null) return { type: 'idle' };
  const joining = target.find((id) => !v.voters.includes(id) && !v.learners.includes(id));
  if (joining !== undefined) return { type: 'change', change: { type: 'add_learner', node: joining } };
  const ready = target.find((id) => v.learners.includes(id) && v.caughtUp.has(id));
  if (ready !== undefined) return { type: 'change', change: { type: 'promote_learner', node: ready } };
  if (v.learners.length > 0) return { type: 'wait', why: 'learner_behind' };
  const leaving = v.voters.filter((id) => !target.includes(id));
  const other = leaving.find((id) => id !== v.self);
  if (other !== undefined) return { type: 'change', change: { type: 'remove_member', node: other } };
  if (leaving.length > 0) return { type: 'transfer', to: target.find((id) => v.voters.includes(id))! };
  // The voters are the target and the controller's replicas too, yet it still holds a target:
  // the report that ends the move was lost; send it again.
  return { type: 'report', voters: v.voters };
}
