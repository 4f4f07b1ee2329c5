// The reconciliation engine of KIP-848 (Kafka's CurrentAssignmentBuilder): moves one member's
// current assignment toward its target, one safe step at a time. Pure: member in, member out.
//
//   STABLE                 at the target epoch: nothing to do; behind it: compute the next step
//   UNREVOKED_PARTITIONS   waits until the member no longer reports the partitions it must give
//                          up (ownedTopicPartitions), keeping its epoch; then the next step
//   UNRELEASED_PARTITIONS  at the target epoch, waits for partitions other members still own
//
// The next step: assigned = current ∩ target; what the member had beyond the target must be
// revoked first (it stays at its epoch, UNREVOKED). Otherwise it moves to the target epoch and
// takes every target partition no other member owns (partition epoch -1); the rest are
// "unreleased" and come on a later heartbeat, once their owner has revoked them.
//
// Assignment epochs (KIP-1251, Kafka 4.3's CurrentAssignmentBuilder): a partition the member
// keeps, or must revoke, keeps the epoch at which it was assigned; a partition it takes gets
// the target epoch. OffsetCommit accepts an older member epoch for partitions assigned at or
// before it (ConsumerGroup.validateOffsetCommit).

import { type Assignment, type AssignmentEpochs, EMPTY_ASSIGNMENT } from './consumer-records.ts';
import { type ConsumerMember, MemberState } from './consumer-group.ts';

export type OwnedPartitions = ReadonlyArray<{ topicId: string; partitions: readonly number[] }> | null;

export interface ReconcileInput {
  targetEpoch: number;
  target: Assignment;
  /** Topic ids the member subscribes to: a target partition of another topic counts as none. */
  subscribedTopicIds: ReadonlySet<string>;
  /** The epoch of the member owning a partition, or -1 when free. */
  currentPartitionEpoch: (topicId: string, partition: number) => number;
  /** What the member reported owning in this heartbeat; null when it did not say. */
  owned: OwnedPartitions;
}

/** The member's next state, or the same object when it cannot move. */
export function reconcile(member: ConsumerMember, input: ReconcileInput): ConsumerMember {
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== input.targetEpoch ? computeNext(member, member.memberEpoch, input) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      return ownsAny(input.owned, member.pendingRevocation) ? member : computeNext(member, member.memberEpoch, input);
    case MemberState.UNRELEASED_PARTITIONS:
      return computeNext(member, member.memberEpoch, input);
    default:
      // A state this version does not know (the heartbeat has fenced the member unless it
      // reported owning nothing): reconcile from scratch at the target epoch.
      return computeNext(member, input.targetEpoch, input);
  }
}

/** True when the member (per its report) still owns any of `partitions`; unknown counts as yes. */
export function ownsAny(owned: OwnedPartitions, partitions: Assignment): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const pending = partitions.get(tp.topicId);
    if (pending && tp.partitions.some((p) => pending.has(p))) return true;
  }
  return false;
}

function computeNext(member: ConsumerMember, memberEpoch: number, input: ReconcileInput): ConsumerMember {
  const assigned = new Map<string, Set<number>>();
  const revoke = new Map<string, Set<number>>();
  const pendingAssign = new Map<string, Set<number>>();
  let unreleased = false;
  const topicIds = new Set([...input.target.keys(), ...member.assigned.keys()]);
  for (const t of topicIds) {
    const target = input.subscribedTopicIds.has(t) ? (input.target.get(t) ?? new Set<number>()) : new Set<number>();
    const current = member.assigned.get(t) ?? new Set<number>();
    const keep = new Set([...current].filter((p) => target.has(p)));
    const gone = new Set([...current].filter((p) => !keep.has(p)));
    const ownPending = member.pendingRevocation.get(t);
    const add = new Set<number>();
    for (const p of target) {
      if (keep.has(p)) continue;
      // Free, or ours (still pending revocation by this very member): assignable now.
      if (input.currentPartitionEpoch(t, p) !== -1 && !ownPending?.has(p)) unreleased = true;
      else add.add(p);
    }
    if (keep.size > 0) assigned.set(t, keep);
    if (gone.size > 0) revoke.set(t, gone);
    if (add.size > 0) pendingAssign.set(t, add);
  }
  if (revoke.size > 0 && ownsAny(input.owned, revoke)) {
    const assignmentEpochs = heldEpochs(member, [assigned, revoke]);
    return { ...member, state: MemberState.UNREVOKED_PARTITIONS, ...epochs(member, memberEpoch), assigned, pendingRevocation: revoke, assignmentEpochs };
  }
  const assignmentEpochs = heldEpochs(member, [assigned]);
  for (const [t, ps] of pendingAssign) {
    const s = assigned.get(t) ?? new Set<number>();
    const e = assignmentEpochs.get(t) ?? new Map<number, number>();
    for (const p of ps) {
      s.add(p);
      e.set(p, input.targetEpoch);
    }
    assigned.set(t, s);
    assignmentEpochs.set(t, e);
  }
  const state = unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
  return { ...member, state, ...epochs(member, input.targetEpoch), assigned, pendingRevocation: EMPTY_ASSIGNMENT, assignmentEpochs };
}

/**
 * The assignment epochs the member had for the partitions of `parts` (it held every one of
 * them). A partition without one (cannot happen: every held partition got one) counts as
 * assigned at the member's epoch, the choice that refuses rather than admits older commits.
 */
function heldEpochs(member: ConsumerMember, parts: readonly Assignment[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const a of parts) {
    for (const [t, ps] of a) {
      const held: ReadonlyMap<number, number> | undefined = member.assignmentEpochs.get(t);
      const e = out.get(t) ?? new Map<number, number>();
      for (const p of ps) e.set(p, held?.get(p) ?? member.memberEpoch);
      out.set(t, e);
    }
  }
  return out;
}

/** Every partition of `a` at `epoch` (a static member leaving with -2: KIP-1251 resets to 0). */
export function epochsAt(a: Assignment, epoch: number): AssignmentEpochs {
  return new Map([...a].map(([t, ps]) => [t, new Map([...ps].map((p) => [p, epoch]))]));
}

/** Kafka's Builder.updateMemberEpoch: the previous epoch becomes the one the member had. */
function epochs(member: ConsumerMember, memberEpoch: number): { memberEpoch: number; previousMemberEpoch: number } {
  return { memberEpoch, previousMemberEpoch: member.memberEpoch };
}
