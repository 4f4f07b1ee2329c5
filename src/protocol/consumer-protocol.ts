// The consumer protocol ("consumer" protocol type): what a classic-group consumer puts in
// JoinGroup member metadata (its subscription) and what the leader hands out in SyncGroup (each
// member's assignment). The broker only relays these bytes; DescribeGroups returns them, and
// the CLI decodes them to show who owns which partitions.
//
// Versions 0-3 of ConsumerProtocolSubscription and ConsumerProtocolAssignment (Apache Kafka's
// ConsumerProtocol*.json), never flexible. Each payload starts with an int16 version. v1 added
// owned partitions to the subscription (KIP-429, cooperative rebalancing), v2 the member's
// generation id, v3 its rack (KIP-881); the assignment only bumped its version alongside.
// Kafka reads a version newer than it knows with the newest format it knows (later versions
// may only append fields), and so do we.

import { DecodeError, Reader, Writer } from './primitives.ts';
import { array, bytes, decoderFor, encoderFor, int32, string, struct, type StructDef } from './schema.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
/** Newest version of both payloads that we know. */
export const CONSUMER_PROTOCOL_VERSION_MAX = 3;

const TopicPartition = struct({
  topic: string(),
  partitions: array(int32()),
});

export const ConsumerProtocolSubscription = struct({
  topics: array(string()),
  userData: bytes('0+', { nullable: '0+', default: null }),
  ownedPartitions: array(TopicPartition, '1+'),
  generationId: int32('2+', { default: -1 }),
  rackId: string('3+', { nullable: '3+', default: null }),
});

export const ConsumerProtocolAssignment = struct({
  assignedPartitions: array(TopicPartition),
  userData: bytes('0+', { nullable: '0+', default: null }),
});

export type Subscription = NonNullable<(typeof ConsumerProtocolSubscription)['__type']>;
export type Assignment = NonNullable<(typeof ConsumerProtocolAssignment)['__type']>;
export type Versioned<T> = T & { version: number };

function decodeVersioned<T>(def: StructDef<T>, what: string, b: Uint8Array): Versioned<T> {
  const r = new Reader(b);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`${what} version ${version} is negative`);
  const decoded = decoderFor(def, Math.min(version, CONSUMER_PROTOCOL_VERSION_MAX), false)(r);
  return { ...decoded, version };
}

/** Decodes member metadata; null for an empty payload. Throws DecodeError on garbage. */
export function decodeSubscription(b: Uint8Array): Versioned<Subscription> | null {
  return b.length === 0 ? null : decodeVersioned<Subscription>(ConsumerProtocolSubscription, 'subscription', b);
}

/** Decodes a member assignment; null for an empty payload (not yet synced). */
export function decodeAssignment(b: Uint8Array): Versioned<Assignment> | null {
  return b.length === 0 ? null : decodeVersioned<Assignment>(ConsumerProtocolAssignment, 'assignment', b);
}

export function encodeSubscription(s: Partial<Subscription> & { topics: string[] }, version = CONSUMER_PROTOCOL_VERSION_MAX): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  encoderFor(ConsumerProtocolSubscription, version, false)(w, s);
  return w.bytes().slice();
}

export function encodeAssignment(a: Partial<Assignment> & Pick<Assignment, 'assignedPartitions'>, version = CONSUMER_PROTOCOL_VERSION_MAX): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  encoderFor(ConsumerProtocolAssignment, version, false)(w, a);
  return w.bytes().slice();
}

/** The subscribed topics of member metadata, or null if it is not a consumer subscription. */
export function subscriptionTopics(metadata: Uint8Array): string[] | null {
  try {
    return decodeSubscription(metadata)?.topics ?? null;
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}
