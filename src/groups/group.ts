// What every group type shares, so the coordinator holds one map of groups and one offset
// store for all of them: the classic protocol (classic-group.ts) and the KIP-848 consumer
// protocol plug in behind this interface. ListGroups, DescribeGroups' state, DeleteGroups,
// OffsetCommit validation, OffsetDelete and offsets retention only go through it.

/** A partition an OffsetCommit names, by topic id (KIP-1251 checks it against the assignment). */
export interface CommittedPartition {
  readonly topicId: string;
  readonly partition: number;
}

/** KIP-848 group types as ListGroups v5 reports them. */
export type GroupType = 'classic' | 'consumer';

export interface Group {
  readonly groupId: string;
  readonly type: GroupType;
  /** The state name as Kafka's ListGroups/DescribeGroups spell it ("Stable", "Empty", ...). */
  stateName(): string;
  /** ListGroups protocolType: "consumer" for consumer groups, "" for standalone-commit groups. */
  protocolTypeName(): string;
  /** No members (an Empty classic group): may be deleted, its offsets may expire. */
  isEmpty(): boolean;
  /** Dead: deleted or expired; every operation on it answers as for an unknown group. */
  isDead(): boolean;
  /** Wall-clock ms of the last state change (retention counts from when a group became Empty). */
  stateTimestampMs(): number;
  /**
   * OffsetCommit from this member: an error code or NONE for the whole commit. `generation` is
   * the classic generation or the KIP-848 member epoch (OffsetCommit v9+); `apiVersion` is the
   * request's OffsetCommit version (a KIP-848 member must commit with v9+); `partitions` are
   * the ones committed (a KIP-848 member with an older epoch may commit only those it held).
   */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generation: number, apiVersion: number, partitions: readonly CommittedPartition[]): number;
  /** Topics its members subscribe to (OffsetDelete); null when not known (non-consumer protocol). */
  subscribedTopics(): ReadonlySet<string> | null;
  /** Called once when the group is deleted or expires: answer waiters, cancel timers. */
  markDead(): void;
}
