// A KIP-848 consumer group (Kafka's ConsumerGroup / ConsumerGroupMember): members, the group
// epoch, the target assignment and its epoch, every member's current assignment, and the
// subscription metadata (the partition counts the target was computed from).
//
// Its state is exactly what its records say: `replay` applies one record, and is the only
// mutator, used both when a heartbeat decides (records are replayed as they are made) and when
// the coordinator loads __consumer_offsets. So "restart and replay" always equals "live".
// Timers live in the hooks the group is built with (consumer-groups.ts).

import { ErrorCode } from '../protocol/errors.ts';
import type { CommittedPartition, Group } from './group.ts';
import type { Cancel } from '../base/scheduler.ts';
import {
  type Assignment,
  type AssignmentEpochs,
  type ConsumerRecord,
  EMPTY_ASSIGNMENT,
  EMPTY_ASSIGNMENT_EPOCHS,
  type MemberAssignmentState,
  type MemberSubscription,
  type TopicMeta,
} from './consumer-records.ts';

/** Kafka's MemberState values as written in ConsumerGroupCurrentMemberAssignmentValue.State. */
export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2, UNKNOWN: 127 } as const;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
/** The first OffsetCommit version carrying a member epoch (KIP-848); members must use it or later. */
export const OFFSET_COMMIT_MEMBER_EPOCH_VERSION = 9;

export interface ConsumerMember extends MemberSubscription, MemberAssignmentState {
  readonly memberId: string;
}

export function newMember(memberId: string): ConsumerMember {
  return {
    memberId,
    instanceId: null,
    rackId: null,
    clientId: '',
    clientHost: '',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    rebalanceTimeoutMs: -1,
    serverAssignor: null,
    memberEpoch: 0,
    previousMemberEpoch: 0,
    state: MemberState.STABLE,
    assigned: EMPTY_ASSIGNMENT,
    pendingRevocation: EMPTY_ASSIGNMENT,
    assignmentEpochs: EMPTY_ASSIGNMENT_EPOCHS,
  };
}

export function isReconciledTo(m: ConsumerMember, targetEpoch: number): boolean {
  return m.state === MemberState.STABLE && m.memberEpoch === targetEpoch;
}

export function subscriptionOf(m: ConsumerMember): MemberSubscription {
  const { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor } = m;
  return { instanceId, rackId, clientId, clientHost, subscribedTopicNames, subscribedTopicRegex, rebalanceTimeoutMs, serverAssignor };
}

export function assignmentStateOf(m: ConsumerMember): MemberAssignmentState {
  const { memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation, assignmentEpochs } = m;
  return { memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation, assignmentEpochs };
}

/** The epoch at which the member got a partition it holds (assigned or pending revocation). */
export function assignmentEpochOf(m: MemberAssignmentState, topicId: string, partition: number): number | undefined {
  return m.assignmentEpochs.get(topicId)?.get(partition);
}

export function sameAssignment(a: Assignment, b: Assignment): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  return true;
}

export function sameSubscription(a: MemberSubscription, b: MemberSubscription): boolean {
  return a.instanceId === b.instanceId && a.rackId === b.rackId && a.clientId === b.clientId && a.clientHost === b.clientHost &&
    a.subscribedTopicRegex === b.subscribedTopicRegex && a.rebalanceTimeoutMs === b.rebalanceTimeoutMs &&
    a.serverAssignor === b.serverAssignor && sameNames(a.subscribedTopicNames, b.subscribedTopicNames);
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((n) => s.has(n));
}

export function sameAssignmentState(a: MemberAssignmentState, b: MemberAssignmentState): boolean {
  return a.memberEpoch === b.memberEpoch && a.previousMemberEpoch === b.previousMemberEpoch && a.state === b.state &&
    sameAssignment(a.assigned, b.assigned) && sameAssignment(a.pendingRevocation, b.pendingRevocation) &&
    sameEpochs(a.assignmentEpochs, b.assignmentEpochs);
}

function sameEpochs(a: AssignmentEpochs, b: AssignmentEpochs): boolean {
  if (a.size !== b.size) return false;
  for (const [t, ps] of a) {
    const other = b.get(t);
    if (other === undefined || other.size !== ps.size) return false;
    for (const [p, e] of ps) if (other.get(p) !== e) return false;
  }
  return true;
}

/** What the group tells its owner when members come, go or change (timers). */
export interface ConsumerGroupHooks {
  memberAdded(g: ConsumerGroup, memberId: string): void;
  memberRemoved(g: ConsumerGroup, memberId: string): void;
  assignmentChanged(g: ConsumerGroup, m: ConsumerMember): void;
}

export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead';

export class ConsumerGroup implements Group {
  readonly type = 'consumer' as const;
  groupEpoch = 0;
  /** The epoch of the target assignment. */
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerMember>();
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>();
  readonly targetAssignment = new Map<string, Assignment>();
  /** ConsumerGroupPartitionMetadata: subscribed topics that exist, by name. */
  subscriptionMetadata = new Map<string, TopicMeta>();
  /** Subscribed topic names and regexes -> how many members name them. */
  readonly subscribedNames = new Map<string, number>();
  readonly subscribedRegexes = new Map<string, number>();
  /** Topics each regex matched when last resolved (not persisted: resolved again on heartbeat). */
  readonly resolvedRegexes = new Map<string, { topics: ReadonlySet<string>; atMs: number }>();
  /** ServerAssignor -> members naming it; the most named one is the group's. */
  readonly serverAssignors = new Map<string, number>();
  /** topic id -> partition -> epoch of the member owning it (assigned or pending revocation). */
  readonly partitionEpochs = new Map<string, Map<number, number>>();
  readonly sessionTimers = new Map<string, Cancel>();
  readonly rebalanceTimers = new Map<string, Cancel>();
  private state: ConsumerGroupState = 'Empty';
  private stateSinceMs: number;

  constructor(
    readonly groupId: string,
    nowMs: number,
    private readonly hooks: ConsumerGroupHooks,
  ) {
    this.stateSinceMs = nowMs;
  }

  // ------------------------------------------------------------------ Group

  stateName(): ConsumerGroupState {
    return this.state;
  }
  protocolTypeName(): string {
    return 'consumer';
  }
  isEmpty(): boolean {
    return this.state === 'Empty';
  }
  isDead(): boolean {
    return this.state === 'Dead';
  }
  stateTimestampMs(): number {
    return this.stateSinceMs;
  }

  /**
   * Kafka's ConsumerGroup.validateOffsetCommit with KIP-1251's assignment epochs (Kafka 4.3+).
   * The member's current epoch commits anything. An older epoch commits only partitions the
   * member still holds (assigned or pending revocation) and held at that epoch already, that
   * is assignmentEpoch <= memberEpoch: a commit sent just before a heartbeat bumped the epoch
   * is not a zombie's, while one for a partition that moved on, or that came with the new
   * epoch, is refused. One refused partition refuses the whole commit, as in Kafka (its
   * validator throws out of OffsetMetadataManager.commitOffset).
   */
  validateOffsetCommit(memberId: string, _groupInstanceId: string | null, memberEpoch: number, apiVersion: number, partitions: readonly CommittedPartition[]): number {
    // Epoch -1: an admin client or a consumer outside group management; only on an empty group.
    if (memberEpoch < 0 && this.members.size === 0) return ErrorCode.NONE;
    const m = this.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    // Only v9+ carries a member epoch: older versions from a member of the consumer protocol are
    // refused, after the member id check, as Kafka does (its members of the classic protocol,
    // online migration, may use any version; there are none here, nor TxnOffsetCommit).
    if (apiVersion < OFFSET_COMMIT_MEMBER_EPOCH_VERSION) return ErrorCode.UNSUPPORTED_VERSION;
    if (memberEpoch === m.memberEpoch) return ErrorCode.NONE;
    if (memberEpoch > m.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    const held = partitions.every((tp) => {
      const assignedAt = assignmentEpochOf(m, tp.topicId, tp.partition);
      return assignedAt !== undefined && assignedAt <= memberEpoch;
    });
    return held ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** Kafka's ConsumerGroup.validateOffsetFetch (OffsetFetch v9+ member id and epoch). */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    return this.validateMember(memberId ?? '', memberEpoch);
  }

  private validateMember(memberId: string, memberEpoch: number): number {
    const m = this.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return m.memberEpoch === memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  subscribedTopics(): ReadonlySet<string> {
    const out = new Set(this.subscribedNames.keys());
    for (const regex of this.subscribedRegexes.keys()) for (const t of this.resolvedRegexes.get(regex)?.topics ?? []) out.add(t);
    return out;
  }

  markDead(): void {
    this.cancelTimers();
    this.state = 'Dead';
  }

  cancelTimers(): void {
    for (const cancel of this.sessionTimers.values()) cancel();
    for (const cancel of this.rebalanceTimers.values()) cancel();
    this.sessionTimers.clear();
    this.rebalanceTimers.clear();
  }

  // ------------------------------------------------------------------ queries

  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.partitionEpochs.get(topicId)?.get(partition) ?? -1;
  }

  targetOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? EMPTY_ASSIGNMENT;
  }

  /** The server assignor most members name (Kafka's preferredServerAssignor), else null. */
  preferredAssignor(): string | null {
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, n] of this.serverAssignors) {
      if (n > bestCount) [best, bestCount] = [name, n];
    }
    return best;
  }

  /** The topic names a member subscribes to: its names and what its regex resolved to. */
  memberTopicNames(m: MemberSubscription): ReadonlySet<string> {
    const out = new Set(m.subscribedTopicNames);
    if (m.subscribedTopicRegex !== null) for (const t of this.resolvedRegexes.get(m.subscribedTopicRegex)?.topics ?? []) out.add(t);
    return out;
  }

  /** The member's subscribed topics as ids, through the subscription metadata. */
  memberTopicIds(m: MemberSubscription): Set<string> {
    const out = new Set<string>();
    for (const name of this.memberTopicNames(m)) {
      const meta = this.subscriptionMetadata.get(name);
      if (meta) out.add(meta.topicId);
    }
    return out;
  }

  // ------------------------------------------------------------------ replay

  /** Applies one record (Kafka's GroupMetadataManager.replay for the consumer group keys). */
  replay(r: ConsumerRecord, nowMs: number): void {
    switch (r.type) {
      case 'groupEpoch':
        if (r.value !== null) this.groupEpoch = r.value;
        break;
      case 'partitionMetadata':
        this.subscriptionMetadata = new Map((r.value ?? []).map((t) => [t.topicName, t]));
        break;
      case 'targetEpoch':
        if (r.value !== null) this.assignmentEpoch = r.value;
        break;
      case 'targetMember':
        if (r.value === null) this.targetAssignment.delete(r.memberId);
        else this.targetAssignment.set(r.memberId, r.value);
        break;
      case 'memberSubscription':
        this.replaySubscription(r.memberId, r.value);
        break;
      case 'currentAssignment':
        this.replayAssignment(r.memberId, r.value);
        break;
    }
    this.refreshState(nowMs);
  }

  private replaySubscription(memberId: string, value: MemberSubscription | null): void {
    const old = this.members.get(memberId);
    if (old) this.countSubscription(old, -1);
    if (value === null) {
      if (old === undefined) return;
      this.setPartitionEpochs(old, null);
      this.members.delete(memberId);
      if (old.instanceId !== null && this.staticMembers.get(old.instanceId) === memberId) this.staticMembers.delete(old.instanceId);
      this.hooks.memberRemoved(this, memberId);
      return;
    }
    const m: ConsumerMember = { ...(old ?? newMember(memberId)), ...value };
    this.members.set(memberId, m);
    this.countSubscription(m, +1);
    if (m.instanceId !== null) this.staticMembers.set(m.instanceId, memberId);
    if (old === undefined) this.hooks.memberAdded(this, memberId);
  }

  private replayAssignment(memberId: string, value: MemberAssignmentState | null): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    // A tombstone resets the member's assignment (Kafka replays it before removing the member).
    const next: ConsumerMember = value === null
      ? { ...old, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, state: MemberState.STABLE, assigned: EMPTY_ASSIGNMENT, pendingRevocation: EMPTY_ASSIGNMENT, assignmentEpochs: EMPTY_ASSIGNMENT_EPOCHS }
      : { ...old, ...value };
    this.setPartitionEpochs(old, next);
    this.members.set(memberId, next);
    if (value !== null) this.hooks.assignmentChanged(this, next);
  }

  private countSubscription(m: ConsumerMember, delta: 1 | -1): void {
    for (const n of new Set(m.subscribedTopicNames)) bump(this.subscribedNames, n, delta);
    if (m.subscribedTopicRegex !== null && m.subscribedTopicRegex !== '') bump(this.subscribedRegexes, m.subscribedTopicRegex, delta);
    if (m.serverAssignor !== null) bump(this.serverAssignors, m.serverAssignor, delta);
  }

  /** Moves the owner epochs of `old`'s partitions to `next`'s (null: the member is gone). */
  private setPartitionEpochs(old: ConsumerMember, next: ConsumerMember | null): void {
    for (const a of [old.assigned, old.pendingRevocation]) {
      for (const [t, ps] of a) {
        const epochs = this.partitionEpochs.get(t);
        if (!epochs) continue;
        for (const p of ps) if (epochs.get(p) === old.memberEpoch) epochs.delete(p);
        if (epochs.size === 0) this.partitionEpochs.delete(t);
      }
    }
    if (next === null) return;
    for (const a of [next.assigned, next.pendingRevocation]) {
      for (const [t, ps] of a) {
        let epochs = this.partitionEpochs.get(t);
        if (!epochs) this.partitionEpochs.set(t, (epochs = new Map()));
        for (const p of ps) epochs.set(p, next.memberEpoch);
      }
    }
  }

  /** Kafka's maybeUpdateGroupState. */
  private refreshState(nowMs: number): void {
    if (this.state === 'Dead') return;
    let next: ConsumerGroupState = 'Stable';
    if (this.members.size === 0) next = 'Empty';
    else if (this.groupEpoch > this.assignmentEpoch) next = 'Assigning';
    else {
      for (const m of this.members.values()) {
        if (!isReconciledTo(m, this.assignmentEpoch)) {
          next = 'Reconciling';
          break;
        }
      }
    }
    if (next !== this.state) {
      this.state = next;
      this.stateSinceMs = nowMs;
    }
  }
}

function bump(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
