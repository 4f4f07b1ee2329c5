// The __consumer_offsets records of KIP-848 consumer groups, in Kafka's own format
// (apache/kafka group-coordinator/src/main/resources/common/message/ConsumerGroup*.json):
//
//   key v3 ConsumerGroupMetadataKey {group}                      -> ConsumerGroupMetadataValue {epoch}
//   key v4 ConsumerGroupPartitionMetadataKey {group}             -> ...PartitionMetadataValue {topics}
//   key v5 ConsumerGroupMemberMetadataKey {group, member}        -> ...MemberMetadataValue {subscription}
//   key v6 ConsumerGroupTargetAssignmentMetadataKey {group}      -> ...TargetAssignmentMetadataValue {epoch}
//   key v7 ConsumerGroupTargetAssignmentMemberKey {group, member}-> ...TargetAssignmentMemberValue {partitions}
//   key v8 ConsumerGroupCurrentMemberAssignmentKey {group, member}-> ...CurrentMemberAssignmentValue
//
// Keys are never flexible; every value is version 0, flexible (compact forms, tagged fields).
// A null value is a tombstone. We write every field Kafka 4.3 writes except the tagged
// ClassicMemberMetadata (online protocol migration is not supported) and the deprecated
// per-partition racks (written as an empty list, as Kafka 4.0 does). The current assignment
// carries KIP-1251's AssignmentEpochs (tag 0 of each TopicPartitions, aligned with Partitions);
// readers before Kafka 4.3 skip the tag, and a record without it (written by Kafka 4.0-4.2)
// reads as every partition assigned at the record's member epoch, as Kafka 4.3 reads it.

import { DecodeError, Reader, Writer } from '../protocol/primitives.ts';
import { array, decoderFor, encoderFor, int8, int32, string, struct, type StructDef, uuid } from '../protocol/schema.ts';
import type { StateRecord } from './records.ts';

export const CONSUMER_KEY_VERSION_MIN = 3;
export const CONSUMER_KEY_VERSION_MAX = 8;
const VALUE_VERSION = 0;

/** A member's partitions by topic id. */
export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;
export const EMPTY_ASSIGNMENT: Assignment = new Map();

/**
 * KIP-1251: for each partition a member holds (assigned or pending revocation), the epoch at
 * which it was assigned to the member; topic id -> partition -> epoch.
 */
export type AssignmentEpochs = ReadonlyMap<string, ReadonlyMap<number, number>>;
export const EMPTY_ASSIGNMENT_EPOCHS: AssignmentEpochs = new Map();

export interface TopicMeta {
  topicId: string;
  topicName: string;
  numPartitions: number;
}

/** ConsumerGroupMemberMetadataValue: what a member subscribes with. */
export interface MemberSubscription {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: readonly string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
}

/** ConsumerGroupCurrentMemberAssignmentValue: where a member is in its reconciliation. */
export interface MemberAssignmentState {
  memberEpoch: number;
  previousMemberEpoch: number;
  /** MemberState: 0 STABLE, 1 UNREVOKED_PARTITIONS, 2 UNRELEASED_PARTITIONS, 127 UNKNOWN. */
  state: number;
  assigned: Assignment;
  pendingRevocation: Assignment;
  /** The assignment epoch of every partition in `assigned` and `pendingRevocation`. */
  assignmentEpochs: AssignmentEpochs;
}

export type ConsumerRecord =
  | { type: 'groupEpoch'; groupId: string; value: number | null }
  | { type: 'partitionMetadata'; groupId: string; value: TopicMeta[] | null }
  | { type: 'memberSubscription'; groupId: string; memberId: string; value: MemberSubscription | null }
  | { type: 'targetEpoch'; groupId: string; value: number | null }
  | { type: 'targetMember'; groupId: string; memberId: string; value: Assignment | null }
  | { type: 'currentAssignment'; groupId: string; memberId: string; value: MemberAssignmentState | null };

const GroupKey = struct({ groupId: string() });
const MemberKey = struct({ groupId: string(), memberId: string() });

const TopicPartitions = struct({ topicId: uuid(), partitions: array(int32()) });

const GroupEpochValue = struct({ epoch: int32() });
const PartitionMetadataValue = struct({
  topics: array(struct({
    topicId: uuid(),
    topicName: string(),
    numPartitions: int32(),
    partitionMetadata: array(struct({ partition: int32(), racks: array(string()) })),
  })),
});
const MemberMetadataValue = struct({
  instanceId: string('0+', { nullable: '0+', default: null }),
  rackId: string('0+', { nullable: '0+', default: null }),
  clientId: string(),
  clientHost: string(),
  subscribedTopicNames: array(string()),
  subscribedTopicRegex: string('0+', { nullable: '0+', default: null }),
  rebalanceTimeoutMs: int32('0+', { default: -1 }),
  serverAssignor: string('0+', { nullable: '0+', default: null }),
});
const TargetEpochValue = struct({ assignmentEpoch: int32() });
const TargetMemberValue = struct({ topicPartitions: array(TopicPartitions) });
/** TopicPartitions of ConsumerGroupCurrentMemberAssignmentValue: with KIP-1251's epochs. */
const CurrentTopicPartitions = struct({
  topicId: uuid(),
  partitions: array(int32()),
  assignmentEpochs: array(int32(), '0+', { nullable: '0+', tag: 0, default: null }),
});
const CurrentAssignmentValue = struct({
  memberEpoch: int32(),
  previousMemberEpoch: int32(),
  state: int8(),
  assignedPartitions: array(CurrentTopicPartitions),
  partitionsPendingRevocation: array(CurrentTopicPartitions),
});

const KEY_VERSION: Record<ConsumerRecord['type'], number> = {
  groupEpoch: 3,
  partitionMetadata: 4,
  memberSubscription: 5,
  targetEpoch: 6,
  targetMember: 7,
  currentAssignment: 8,
};

function encodeKey(version: number, def: StructDef<unknown>, data: unknown): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  encoderFor(def, version, false)(w, data as never);
  return w.bytes();
}

function encodeValue(def: StructDef<unknown>, data: unknown): Uint8Array {
  const w = new Writer(64);
  w.int16(VALUE_VERSION);
  encoderFor(def, VALUE_VERSION, true)(w, data as never);
  return w.bytes();
}

/** Topic ids sorted, partitions ascending: the same assignment always encodes the same way. */
export function toTopicPartitions(a: Assignment): Array<{ topicId: string; partitions: number[] }> {
  return [...a.keys()].sort().map((topicId) => ({ topicId, partitions: [...a.get(topicId)!].sort((x, y) => x - y) }));
}

export function fromTopicPartitions(list: ReadonlyArray<{ topicId: string; partitions: readonly number[] }>): Assignment {
  const out = new Map<string, Set<number>>();
  for (const tp of list) {
    if (tp.partitions.length === 0) continue;
    const s = out.get(tp.topicId) ?? new Set<number>();
    for (const p of tp.partitions) s.add(p);
    out.set(tp.topicId, s);
  }
  return out;
}

/** Partitions with their assignment epochs aligned (a missing epoch is `fallback`). */
function withEpochs(a: Assignment, epochs: AssignmentEpochs, fallback: number) {
  return toTopicPartitions(a).map((tp) => ({ ...tp, assignmentEpochs: tp.partitions.map((p) => epochs.get(tp.topicId)?.get(p) ?? fallback) }));
}

/** Adds the epochs of `list` to `into`; without AssignmentEpochs (Kafka before 4.3), `fallback`. */
function readEpochs(list: ReadonlyArray<{ topicId: string; partitions: readonly number[]; assignmentEpochs: readonly number[] | null }>, fallback: number, into: Map<string, Map<number, number>>): void {
  for (const tp of list) {
    if (tp.assignmentEpochs !== null && tp.assignmentEpochs.length !== tp.partitions.length) {
      throw new DecodeError(`AssignmentEpochs of ${tp.topicId}: ${tp.assignmentEpochs.length} epochs for ${tp.partitions.length} partitions`);
    }
    if (tp.partitions.length === 0) continue;
    const epochs = into.get(tp.topicId) ?? new Map<number, number>();
    tp.partitions.forEach((p, i) => epochs.set(p, tp.assignmentEpochs?.[i] ?? fallback));
    into.set(tp.topicId, epochs);
  }
}

export function encodeConsumerRecord(r: ConsumerRecord): StateRecord {
  const version = KEY_VERSION[r.type];
  const key = 'memberId' in r
    ? encodeKey(version, MemberKey as StructDef<unknown>, { groupId: r.groupId, memberId: r.memberId })
    : encodeKey(version, GroupKey as StructDef<unknown>, { groupId: r.groupId });
  if (r.value === null) return { key, value: null };
  switch (r.type) {
    case 'groupEpoch':
      return { key, value: encodeValue(GroupEpochValue as StructDef<unknown>, { epoch: r.value }) };
    case 'partitionMetadata':
      return { key, value: encodeValue(PartitionMetadataValue as StructDef<unknown>, { topics: r.value.map((t) => ({ ...t, partitionMetadata: [] })) }) };
    case 'memberSubscription':
      return { key, value: encodeValue(MemberMetadataValue as StructDef<unknown>, r.value) };
    case 'targetEpoch':
      return { key, value: encodeValue(TargetEpochValue as StructDef<unknown>, { assignmentEpoch: r.value }) };
    case 'targetMember':
      return { key, value: encodeValue(TargetMemberValue as StructDef<unknown>, { topicPartitions: toTopicPartitions(r.value) }) };
    case 'currentAssignment':
      return {
        key,
        value: encodeValue(CurrentAssignmentValue as StructDef<unknown>, {
          memberEpoch: r.value.memberEpoch,
          previousMemberEpoch: r.value.previousMemberEpoch,
          state: r.value.state,
          assignedPartitions: withEpochs(r.value.assigned, r.value.assignmentEpochs, r.value.memberEpoch),
          partitionsPendingRevocation: withEpochs(r.value.pendingRevocation, r.value.assignmentEpochs, r.value.memberEpoch),
        }),
      };
  }
}

function decodeValue<T>(def: StructDef<T>, bytes: Uint8Array, what: string): T {
  const r = new Reader(bytes);
  const version = r.int16();
  // Kafka's readers accept newer versions of these values; their fields are only appended,
  // but nobody writes one yet, so an unknown version is a record we do not understand.
  if (version !== VALUE_VERSION) throw new DecodeError(`${what} value version ${version} unknown`);
  return decoderFor(def, VALUE_VERSION, true)(r);
}

/**
 * Decodes a record whose key version is 3-8; `key` is positioned after the int16 version.
 * Throws DecodeError on malformed bytes.
 */
export function decodeConsumerRecord(version: number, key: Reader, value: Uint8Array | null): ConsumerRecord {
  const member = version === 5 || version === 7 || version === 8;
  const k = member ? decoderFor(MemberKey, version, false)(key) : { ...decoderFor(GroupKey, version, false)(key), memberId: '' };
  const { groupId, memberId } = k;
  switch (version) {
    case 3:
      return { type: 'groupEpoch', groupId, value: value === null ? null : decodeValue(GroupEpochValue, value, 'ConsumerGroupMetadata').epoch };
    case 4:
      return {
        type: 'partitionMetadata',
        groupId,
        value: value === null ? null : decodeValue(PartitionMetadataValue, value, 'ConsumerGroupPartitionMetadata').topics.map((t) => ({ topicId: t.topicId, topicName: t.topicName, numPartitions: t.numPartitions })),
      };
    case 5:
      return { type: 'memberSubscription', groupId, memberId, value: value === null ? null : decodeValue(MemberMetadataValue, value, 'ConsumerGroupMemberMetadata') };
    case 6:
      return { type: 'targetEpoch', groupId, value: value === null ? null : decodeValue(TargetEpochValue, value, 'ConsumerGroupTargetAssignmentMetadata').assignmentEpoch };
    case 7:
      return { type: 'targetMember', groupId, memberId, value: value === null ? null : fromTopicPartitions(decodeValue(TargetMemberValue, value, 'ConsumerGroupTargetAssignmentMember').topicPartitions) };
    case 8: {
      if (value === null) return { type: 'currentAssignment', groupId, memberId, value: null };
      const v = decodeValue(CurrentAssignmentValue, value, 'ConsumerGroupCurrentMemberAssignment');
      const assignmentEpochs = new Map<string, Map<number, number>>();
      readEpochs(v.assignedPartitions, v.memberEpoch, assignmentEpochs);
      readEpochs(v.partitionsPendingRevocation, v.memberEpoch, assignmentEpochs);
      return {
        type: 'currentAssignment',
        groupId,
        memberId,
        value: {
          memberEpoch: v.memberEpoch,
          previousMemberEpoch: v.previousMemberEpoch,
          state: v.state,
          assigned: fromTopicPartitions(v.assignedPartitions),
          pendingRevocation: fromTopicPartitions(v.partitionsPendingRevocation),
          assignmentEpochs,
        },
      };
    }
    default:
      throw new DecodeError(`consumer group key version ${version} unknown`);
  }
}
