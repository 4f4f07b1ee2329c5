// Group calls for admin tools: list, describe (classic DescribeGroups; ConsumerGroupDescribe for
// KIP-848 groups), committed offsets (fetch, commit, delete) and group deletion. Each goes to the group's coordinator (FindCoordinator), retried while the
// coordinator moves or loads (core.ts withCoordinator); ListGroups asks every broker.
// Joining a group (JoinGroup/SyncGroup/Heartbeat) is a consumer's: group-membership.ts.

import { DecodeError } from '../protocol/primitives.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ConsumerGroupDescribe } from '../protocol/messages/69-consumer-group-describe.ts';
import { DeleteGroups } from '../protocol/messages/42-delete-groups.ts';
import { DescribeGroups } from '../protocol/messages/15-describe-groups.ts';
import { ListGroups } from '../protocol/messages/16-list-groups.ts';
import { OffsetCommit } from '../protocol/messages/08-offset-commit.ts';
import { OffsetDelete } from '../protocol/messages/47-offset-delete.ts';
import { OffsetFetch } from '../protocol/messages/09-offset-fetch.ts';
import { type Assignment, CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, type Subscription, type Versioned } from '../protocol/consumer-protocol.ts';
import type { ClientCore } from './core.ts';
import { ClientError, type KafkaErr, kafkaErr } from './errors.ts';

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** Empty when the broker answers ListGroups below v4. */
  state: string;
  /** "classic" or "consumer" (KIP-848); empty below v5. */
  type: string;
}

/** Every group on every broker; a broker that answers with an error is reported, not thrown. */
export async function listGroups(c: ClientCore, options: { states?: string[] } = {}): Promise<{ groups: ListedGroup[]; errors: Array<{ nodeId: number; error: KafkaErr }> }> {
  const md = await c.metadata([]);
  const groups: ListedGroup[] = [];
  const errors: Array<{ nodeId: number; error: KafkaErr }> = [];
  await Promise.all(
    md.brokers.map(async (b) => {
      const conn = await c.connectionTo(b);
      const res = await conn.request(ListGroups, { statesFilter: options.states ?? [], typesFilter: [] });
      const error = kafkaErr(res.errorCode);
      if (error !== null) errors.push({ nodeId: b.nodeId, error });
      for (const g of res.groups) groups.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
    }),
  );
  groups.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  return { groups, errors };
}

export interface GroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded when the group uses the consumer protocol; null if empty or not decodable. */
  subscription: Versioned<Subscription> | null;
  assignment: Versioned<Assignment> | null;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  groupId: string;
  /** Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  protocolType: string;
  /** The chosen protocol: for consumers, the assignor (range, roundrobin, ...). */
  protocol: string;
  members: GroupMember[];
  error: KafkaErr | null;
}

function decodeOrNull<T>(decode: (b: Uint8Array) => T | null, b: Uint8Array): T | null {
  try {
    return decode(b);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

export async function describeGroups(c: ClientCore, groupIds: readonly string[]): Promise<DescribedGroup[]> {
  return Promise.all(groupIds.map((groupId) => describeGroup(c, groupId)));
}

async function describeGroup(c: ClientCore, groupId: string): Promise<DescribedGroup> {
  return c.withCoordinator(
    groupId,
    async (conn) => {
      const res = await conn.request(DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
      const g = res.groups.find((x) => x.groupId === groupId) ?? res.groups[0];
      const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
      return {
        groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        error: kafkaErr(g.errorCode, g.errorMessage),
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscription: consumer ? decodeOrNull(decodeSubscription, m.memberMetadata) : null,
          assignment: consumer ? decodeOrNull(decodeAssignment, m.memberAssignment) : null,
          memberMetadata: m.memberMetadata,
          memberAssignment: m.memberAssignment,
        })),
      };
    },
    (r) => r.error?.code ?? 0,
    (error) => ({ groupId, state: '', protocolType: '', protocol: '', members: [], error }),
  );
}

export interface AssignedTopic {
  topic: string;
  topicId: string;
  partitions: number[];
}

export interface ConsumerGroupMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  /** What the member owns now. */
  assignment: AssignedTopic[];
  /** What the coordinator wants it to own (differs while it reconciles). */
  targetAssignment: AssignedTopic[];
}

/** A KIP-848 consumer group (ConsumerGroupDescribe). */
export interface DescribedConsumerGroup {
  groupId: string;
  /** Kafka's names: Empty, Assigning, Reconciling, Stable, Dead. */
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  /** The server-side assignor (uniform, range). */
  assignor: string;
  members: ConsumerGroupMember[];
  /**
   * GROUP_ID_NOT_FOUND also for a classic group (describe it with describeGroups);
   * UNSUPPORTED_VERSION when the coordinator does not speak ConsumerGroupDescribe.
   */
  error: KafkaErr | null;
}

/** KIP-848 consumer groups with their members' current and target assignments. */
export async function consumerGroupDescribe(c: ClientCore, groupIds: readonly string[]): Promise<DescribedConsumerGroup[]> {
  return Promise.all(groupIds.map((groupId) => describeConsumerGroup(c, groupId)));
}

async function describeConsumerGroup(c: ClientCore, groupId: string): Promise<DescribedConsumerGroup> {
  const failed = (error: KafkaErr): DescribedConsumerGroup => ({ groupId, state: '', groupEpoch: -1, assignmentEpoch: -1, assignor: '', members: [], error });
  return c.withCoordinator(
    groupId,
    async (conn) => {
      let res;
      try {
        res = await conn.request(ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false });
      } catch (e) {
        // A broker before KIP-848: an answer in itself, as Kafka's admin client takes it.
        if (e instanceof ClientError && e.kind === 'unsupported_version') return failed(kafkaErr(ErrorCode.UNSUPPORTED_VERSION, e.message)!);
        throw e;
      }
      const g = res.groups.find((x) => x.groupId === groupId) ?? res.groups[0];
      const topics = (a: { topicPartitions: Array<{ topicId: string; topicName: string; partitions: number[] }> }): AssignedTopic[] =>
        a.topicPartitions.map((tp) => ({ topic: tp.topicName, topicId: tp.topicId, partitions: tp.partitions }));
      return {
        groupId,
        state: g.groupState,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        assignor: g.assignorName,
        error: kafkaErr(g.errorCode, g.errorMessage),
        members: g.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.subscribedTopicNames,
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: topics(m.assignment),
          targetAssignment: topics(m.targetAssignment),
        })),
      };
    },
    (r) => r.error?.code ?? 0,
    failed,
  );
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group has no committed offset for the partition. */
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  error: KafkaErr | null;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Committed offsets of `groupId`: of the partitions named, or of every partition when null. */
export async function offsetFetch(
  c: ClientCore,
  groupId: string,
  topics: readonly TopicPartitions[] | null = null,
): Promise<{ error: KafkaErr | null; offsets: CommittedOffset[] }> {
  const wanted = topics === null ? null : topics.map((t) => ({ name: t.topic, partitionIndexes: t.partitions }));
  return c.withCoordinator(
    groupId,
    async (conn) => {
      // v8+ batches groups (KIP-709); older versions carry one group at the top level. Both
      // forms are given; the encoder writes the negotiated version's.
      const res = await conn.request(OffsetFetch, { groupId, topics: wanted, groups: [{ groupId, topics: wanted }], requireStable: false });
      const g = res.groups.length > 0 ? res.groups[0] : { topics: res.topics, errorCode: res.errorCode };
      const offsets: CommittedOffset[] = [];
      for (const t of g.topics) {
        for (const p of t.partitions) {
          offsets.push({
            topic: t.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.metadata,
            error: kafkaErr(p.errorCode),
          });
        }
      }
      return { error: kafkaErr(g.errorCode), offsets };
    },
    (r) => r.error?.code ?? r.offsets.find((o) => o.error !== null)?.error?.code ?? 0,
    (error) => ({ error, offsets: [] }),
  );
}

export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface PartitionError {
  topic: string;
  partition: number;
  error: KafkaErr | null;
}

/**
 * Commits offsets for `groupId`. Without a generation and member id this is a standalone
 * ("simple") commit, which the coordinator accepts only while the group has no members: how
 * admin tools reset offsets.
 */
export async function offsetCommit(
  c: ClientCore,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  member: { generationId?: number; memberId?: string; groupInstanceId?: string | null } = {},
): Promise<PartitionError[]> {
  const topics = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), o]);
  return c.withCoordinator(
    groupId,
    async (conn) => {
      const res = await conn.request(OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: member.generationId ?? -1,
        memberId: member.memberId ?? '',
        groupInstanceId: member.groupInstanceId ?? null,
        topics: [...topics].map(([name, ps]) => ({
          name,
          partitions: ps.map((p) => ({
            partitionIndex: p.partition,
            committedOffset: p.offset,
            committedLeaderEpoch: p.leaderEpoch ?? -1,
            committedMetadata: p.metadata ?? null,
          })),
        })),
      });
      return res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: kafkaErr(p.errorCode) })));
    },
    (r) => r.find((p) => p.error !== null)?.error?.code ?? 0,
    (error) => offsets.map((o) => ({ topic: o.topic, partition: o.partition, error })),
  );
}

/** Deletes groups (they must be empty) with their committed offsets (KIP-229). */
export async function deleteGroups(c: ClientCore, groupIds: readonly string[]): Promise<Array<{ groupId: string; error: KafkaErr | null }>> {
  return Promise.all(
    groupIds.map((groupId) =>
      c.withCoordinator(
        groupId,
        async (conn) => {
          const res = await conn.request(DeleteGroups, { groupsNames: [groupId] });
          const r = res.results.find((x) => x.groupId === groupId) ?? res.results[0];
          return { groupId, error: kafkaErr(r.errorCode) };
        },
        (r) => r.error?.code ?? 0,
        (error) => ({ groupId, error }),
      ),
    ),
  );
}

/** Deletes committed offsets of partitions the group does not subscribe to (KIP-496). */
export async function offsetDelete(
  c: ClientCore,
  groupId: string,
  topics: readonly TopicPartitions[],
): Promise<{ error: KafkaErr | null; partitions: PartitionError[] }> {
  return c.withCoordinator(
    groupId,
    async (conn) => {
      const res = await conn.request(OffsetDelete, {
        groupId,
        topics: topics.map((t) => ({ name: t.topic, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex })) })),
      });
      return {
        error: kafkaErr(res.errorCode),
        partitions: res.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, error: kafkaErr(p.errorCode) }))),
      };
    },
    (r) => r.error?.code ?? 0,
    (error) => ({ error, partitions: [] }),
  );
}
