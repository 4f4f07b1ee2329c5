// What a KIP-848 group's assignment is computed from, and the computation: the subscription
// metadata (subscribed topics that exist: id and partition count, Kafka's
// ConsumerGroupPartitionMetadata), regex subscriptions resolved against the topic table, and
// the target assignment from the group's server assignor (Kafka's TargetAssignmentBuilder).
//
// Metadata changes (a topic created, grown, deleted, re-created with a new id) are found by
// comparing the metadata computed from the topic table with the stored one on every heartbeat;
// a difference bumps the group epoch, and the next heartbeat computes a new target.

import { logger } from '../base/log.ts';
import { ASSIGNORS, DEFAULT_ASSIGNOR } from './assignors/index.ts';
import type { ConsumerGroup } from './consumer-group.ts';
import { sameAssignment } from './consumer-group.ts';
import { type ConsumerRecord, EMPTY_ASSIGNMENT, type TopicMeta } from './consumer-records.ts';

const log = logger('groups');

/** One topic as the broker's topic table has it. */
export interface TopicInfo {
  readonly name: string;
  readonly id: string;
  readonly partitions: number;
}

/** The topic table, as the coordinator reads it (src/cluster/topic-table.ts fits it). */
export interface TopicImage {
  get(name: string): TopicInfo | undefined;
  getById(id: string): TopicInfo | undefined;
  all(): Iterable<TopicInfo>;
}

/** Longest SubscribedTopicRegex accepted (INVALID_REQUEST beyond it). */
export const SUBSCRIBED_REGEX_CHARS_MAX = 1024;
/** A resolved regex is resolved again on a heartbeat at most this often (Kafka resolves them
 * asynchronously too, so new matching topics join the subscription within this delay). */
export const REGEX_REFRESH_INTERVAL_MS = 10_000;
/** Internal topics never match a regex subscription (Kafka's Topic.isInternal). */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** Compiles a subscription regex with Java's matches() semantics (the whole name must match). */
export function compileTopicRegex(regex: string): RegExp | string {
  try {
    return new RegExp(`^(?:${regex})$`, 'u');
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Resolves the group's regexes that are new or older than REGEX_REFRESH_INTERVAL_MS; drops the
 * ones no member uses. True when some regex now matches other topics than before.
 */
export function refreshRegexes(g: ConsumerGroup, topics: TopicImage, nowMs: number): boolean {
  let changed = false;
  for (const regex of [...g.resolvedRegexes.keys()]) if (!g.subscribedRegexes.has(regex)) g.resolvedRegexes.delete(regex);
  for (const regex of g.subscribedRegexes.keys()) {
    const prev = g.resolvedRegexes.get(regex);
    if (prev && nowMs - prev.atMs < REGEX_REFRESH_INTERVAL_MS) continue;
    const re = compileTopicRegex(regex);
    const matched = new Set<string>();
    if (typeof re !== 'string') for (const t of topics.all()) if (!INTERNAL_TOPICS.has(t.name) && re.test(t.name)) matched.add(t.name);
    const differs = prev === undefined ? matched.size > 0 : prev.topics.size !== matched.size || [...matched].some((t) => !prev.topics.has(t));
    if (differs) changed = true;
    g.resolvedRegexes.set(regex, { topics: matched, atMs: nowMs });
  }
  return changed;
}

/** The subscription metadata for the group's subscribed topics, from the topic table. */
export function computeSubscriptionMetadata(g: ConsumerGroup, topics: TopicImage): TopicMeta[] {
  const out: TopicMeta[] = [];
  for (const name of [...g.subscribedTopics()].sort()) {
    const t = topics.get(name);
    if (t) out.push({ topicId: t.id, topicName: t.name, numPartitions: t.partitions });
  }
  return out;
}

/** The stored metadata restricted to topics some member still subscribes to (a member left). */
export function retainSubscribedMetadata(g: ConsumerGroup): TopicMeta[] {
  const subscribed = g.subscribedTopics();
  return [...g.subscriptionMetadata.values()].filter((t) => subscribed.has(t.topicName)).sort((a, b) => (a.topicName < b.topicName ? -1 : 1));
}

export function sameMetadata(stored: ReadonlyMap<string, TopicMeta>, computed: readonly TopicMeta[]): boolean {
  if (stored.size !== computed.length) return false;
  return computed.every((t) => {
    const s = stored.get(t.topicName);
    return s !== undefined && s.topicId === t.topicId && s.numPartitions === t.numPartitions;
  });
}

/**
 * A new target assignment for every member at `groupEpoch`: records for the members whose
 * target changed, then the target epoch record (Kafka's TargetAssignmentBuilder.build).
 */
export function targetAssignmentRecords(g: ConsumerGroup, groupEpoch: number): ConsumerRecord[] {
  const name = g.preferredAssignor() ?? DEFAULT_ASSIGNOR;
  const assignor = ASSIGNORS.get(name) ?? ASSIGNORS.get(DEFAULT_ASSIGNOR)!;
  const members = [...g.members.values()].map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId,
    subscribedTopicIds: g.memberTopicIds(m),
    current: g.targetOf(m.memberId),
  }));
  const partitions = new Map([...g.subscriptionMetadata.values()].map((t) => [t.topicId, t.numPartitions]));
  const result = assignor.assign(members, { numPartitions: (id) => partitions.get(id) ?? -1 });
  log.info(`group ${g.groupId}: new target assignment for epoch ${groupEpoch} (${members.length} member(s), '${assignor.name}' assignor)`);
  const records: ConsumerRecord[] = [];
  for (const m of members) {
    const next = result.get(m.memberId) ?? EMPTY_ASSIGNMENT;
    if (!sameAssignment(next, m.current) || !g.targetAssignment.has(m.memberId)) {
      records.push({ type: 'targetMember', groupId: g.groupId, memberId: m.memberId, value: next });
    }
  }
  records.push({ type: 'targetEpoch', groupId: g.groupId, value: groupEpoch });
  return records;
}
