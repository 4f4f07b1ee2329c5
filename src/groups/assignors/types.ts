// Server-side assignors of KIP-848 consumer groups (Kafka's ConsumerGroupPartitionAssignor):
// the coordinator hands every member's subscription (topic ids) and its current target
// assignment, and gets back the new target assignment of every member. Pure functions: no
// clock, no randomness, so the same inputs give the same assignment on every node and replay.

import type { Assignment } from '../consumer-records.ts';

export interface AssignorMember {
  memberId: string;
  /** group.instance.id of a static member (the range assignor orders static members first). */
  instanceId: string | null;
  /** Topic ids the member subscribes to that exist (names resolved by the coordinator). */
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's target assignment before this computation (stickiness). */
  current: Assignment;
}

export interface AssignorTopics {
  /** Partitions of a subscribed topic, or -1 when the topic is unknown. */
  numPartitions(topicId: string): number;
}

export interface ConsumerGroupAssignor {
  /** The name members ask for in ConsumerGroupHeartbeat.ServerAssignor. */
  readonly name: string;
  /** Every member's new target assignment; a member absent from the map gets nothing. */
  assign(members: readonly AssignorMember[], topics: AssignorTopics): Map<string, Assignment>;
}

/** Adds a partition to a mutable assignment. */
export function addPartition(a: Map<string, Set<number>>, topicId: string, partition: number): void {
  let s = a.get(topicId);
  if (s === undefined) {
    s = new Set();
    a.set(topicId, s);
  }
  s.add(partition);
}

/** True when every member subscribes to the same topics (Kafka's HOMOGENEOUS subscription type). */
export function isHomogeneous(members: readonly AssignorMember[]): boolean {
  if (members.length === 0) return true;
  const first = members[0].subscribedTopicIds;
  return members.every((m) => m.subscribedTopicIds.size === first.size && [...m.subscribedTopicIds].every((t) => first.has(t)));
}
