// The records of __consumer_offsets, in Kafka's own format so Kafka's tools can read our log
// (apache/kafka group-coordinator/src/main/resources/common/message/*.json):
//
//   key   = int16 key version, then the key struct (never flexible)
//   value = int16 value version, then the value struct; a null value is a tombstone
//
//   key v0/v1 OffsetCommitKey   { group, topic, partition }          -> OffsetCommitValue
//   key v2    GroupMetadataKey  { group }                            -> GroupMetadataValue
//   key v3+   records of the KIP-848 consumer groups (passed to whoever registered for them)
//
// We write OffsetCommitKey v1, OffsetCommitValue v3, GroupMetadataKey v2, GroupMetadataValue
// v3 (the last non-flexible versions, what Kafka 3.x brokers write) and read every version.

import { DecodeError, Reader, Writer } from '../protocol/primitives.ts';
import { array, bytes, decoderFor, encoderFor, int32, int64, string, struct } from '../protocol/schema.ts';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;
/** The first flexible version of both value schemas (KIP-915). */
const VALUE_FLEXIBLE_FROM = 4;
const VALUE_VERSION_MAX = 4;

const OffsetCommitKey = struct({
  group: string(),
  topic: string(),
  partition: int32(),
});

const GroupMetadataKey = struct({
  group: string(),
});

const OffsetCommitValue = struct({
  offset: int64(),
  leaderEpoch: int32('3+', { default: -1 }),
  metadata: string(),
  commitTimestamp: int64(),
  expireTimestamp: int64('1', { default: -1 }),
});

const MemberMetadata = struct({
  memberId: string(),
  groupInstanceId: string('3+', { nullable: '3+', default: null }),
  clientId: string(),
  clientHost: string(),
  rebalanceTimeout: int32('1+'),
  sessionTimeout: int32(),
  subscription: bytes(),
  assignment: bytes(),
});

const GroupMetadataValue = struct({
  protocolType: string(),
  generation: int32(),
  protocol: string('0+', { nullable: '0+' }),
  leader: string('0+', { nullable: '0+' }),
  currentStateTimestamp: int64('2+', { default: -1 }),
  members: array(MemberMetadata),
});

export type OffsetCommitKeyData = { group: string; topic: string; partition: number };
export type OffsetCommitValueData = { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number };
export type GroupMetadataMember = {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
};
export type GroupMetadataValueData = {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMetadataMember[];
};

/** One record of __consumer_offsets: key and value bytes (value null = tombstone). */
export interface StateRecord {
  key: Uint8Array;
  value: Uint8Array | null;
}

function encode<T>(version: number, def: Parameters<typeof encoderFor<T>>[0], data: T, flexible = false): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  encoderFor(def, version, flexible)(w, data as never);
  return w.bytes();
}

export function offsetCommitKey(group: string, topic: string, partition: number): Uint8Array {
  return encode(OFFSET_COMMIT_KEY_VERSION, OffsetCommitKey, { group, topic, partition });
}

export function groupMetadataKey(group: string): Uint8Array {
  return encode(GROUP_METADATA_KEY_VERSION, GroupMetadataKey, { group });
}

export function offsetCommitValue(v: OffsetCommitValueData): Uint8Array {
  return encode(OFFSET_COMMIT_VALUE_VERSION, OffsetCommitValue, { ...v, expireTimestamp: -1 });
}

export function groupMetadataValue(v: GroupMetadataValueData): Uint8Array {
  return encode(GROUP_METADATA_VALUE_VERSION, GroupMetadataValue, v);
}

export type DecodedKey =
  | { kind: 'offset'; key: OffsetCommitKeyData }
  | { kind: 'group'; group: string }
  | { kind: 'other'; version: number; reader: Reader };

/** Decodes a record key; throws DecodeError on malformed bytes. */
export function decodeKey(bytes: Uint8Array): DecodedKey {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', key: decoderFor(OffsetCommitKey, version, false)(r) };
  if (version === 2) return { kind: 'group', group: decoderFor(GroupMetadataKey, version, false)(r).group };
  if (version < 0) throw new DecodeError(`negative key version ${version}`);
  return { kind: 'other', version, reader: r };
}

function valueReader(bytes: Uint8Array, what: string): { r: Reader; version: number } {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > VALUE_VERSION_MAX) throw new DecodeError(`${what} version ${version} unknown`);
  return { r, version };
}

export function decodeOffsetCommitValue(bytes: Uint8Array): OffsetCommitValueData {
  const { r, version } = valueReader(bytes, 'OffsetCommitValue');
  const v = decoderFor(OffsetCommitValue, version, version >= VALUE_FLEXIBLE_FROM)(r);
  return { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp };
}

export function decodeGroupMetadataValue(bytes: Uint8Array): GroupMetadataValueData {
  const { r, version } = valueReader(bytes, 'GroupMetadataValue');
  return decoderFor(GroupMetadataValue, version, version >= VALUE_FLEXIBLE_FROM)(r);
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The __consumer_offsets partition of a group: Kafka's Utils.abs(groupId.hashCode) % n, where
 * Utils.abs maps Integer.MIN_VALUE to 0 (it is `n & 0x7fffffff`).
 */
export function partitionForGroup(groupId: string, partitions: number): number {
  return (javaStringHashCode(groupId) & 0x7fffffff) % partitions;
}
