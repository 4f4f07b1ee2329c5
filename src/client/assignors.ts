// Partition assignors of the classic consumer protocol, run by the group leader between
// JoinGroup and SyncGroup (pure: no I/O, no clock). The names are the protocol names Kafka's
// clients announce in JoinGroup ("range", "roundrobin"), so a group mixing our members with
// Java or kafkajs consumers agrees on one and any of them can be the leader.
//
// Semantics follow Apache Kafka's clients/.../consumer/RangeAssignor.java and
// RoundRobinAssignor.java (their class comments hold the worked examples the unit tests use).
// Rack-aware assignment (KIP-881) is not done: we announce no rack.

export type AssignorName = 'range' | 'roundrobin';
export const ASSIGNOR_NAMES: readonly AssignorName[] = ['range', 'roundrobin'];

export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Member id to the partitions it gets; every member appears, possibly with none. */
export type GroupAssignment = Map<string, TopicPartition[]>;

/**
 * Kafka's member order (AbstractPartitionAssignor.MemberInfo.compareTo): static members
 * (with a group instance id) first, by instance id, then the others by member id. Java
 * compares strings by UTF-16 code units, as JavaScript's < does.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

function emptyAssignment(members: readonly MemberSubscription[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, [] as TopicPartition[]]));
}

/**
 * RangeAssignor: per topic, the members subscribed to it in member order each take a
 * contiguous range; the first (partitions % members) take one extra. Topics missing from
 * `partitionsPerTopic` (unknown to metadata) are skipped, as Kafka does.
 */
export function rangeAssign(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
  const out = emptyAssignment(members);
  const sorted = [...members].sort(compareMembers);
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const count = partitionsPerTopic.get(topic);
    if (count === undefined) continue;
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    const per = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra);
      const length = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) out.get(m.memberId)!.push({ topic, partition: p });
    });
  }
  return out;
}

/**
 * RoundRobinAssignor: every partition of every subscribed topic, topics in name order, is dealt
 * in turn to the members in member order, skipping members not subscribed to its topic (the
 * circular iterator keeps its place between partitions).
 */
export function roundRobinAssign(members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
  const out = emptyAssignment(members);
  const sorted = [...members].sort(compareMembers);
  if (sorted.length === 0) return out;
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
  let next = 0;
  for (const topic of topics) {
    const count = partitionsPerTopic.get(topic);
    if (count === undefined) continue;
    for (let p = 0; p < count; p++) {
      // Some member is subscribed to `topic` (it came from a subscription), so this ends.
      while (!sorted[next % sorted.length].topics.includes(topic)) next++;
      out.get(sorted[next % sorted.length].memberId)!.push({ topic, partition: p });
      next++;
    }
  }
  return out;
}

export function assign(name: AssignorName, members: readonly MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): GroupAssignment {
  return name === 'range' ? rangeAssign(members, partitionsPerTopic) : roundRobinAssign(members, partitionsPerTopic);
}

export function isAssignorName(s: string): s is AssignorName {
  return (ASSIGNOR_NAMES as readonly string[]).includes(s);
}
