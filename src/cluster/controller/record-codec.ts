// One metadata record as the value of a Kafka record (the key is null, as KRaft writes them).
//
//   frameVersion  uvarint   1 (KRaft's AbstractApiMessageSerde frame)
//   type          uvarint   RecordType (Kafka's apiKey of the same record)
//   version       uvarint   the body's version, at most RECORD_VERSION[type]
//   body                    per type and version, below
//   taggedFields  uvarint count, then (tag uvarint, size uvarint, bytes): KIP-482's tagged
//                           fields, so a field can be added inside a version; unknown tags are
//                           skipped. None are written today.
//
// Bytes after the last field are an error (AbstractApiMessageSerde refuses "garbage" too).
// Decoding throws DecodeError and nothing else: every length comes from the protocol Reader,
// which checks it against the bytes left, and every value is held to `recordProblem` (the same
// rules the encoder asserts), so a record from disk or a peer is one the image can replay.
// A record of an unknown type or a newer version is refused: a node must not skip metadata it
// does not understand (KRaft gates new records behind metadata.version for the same reason).

import { assert } from '../../base/assert.ts';
import { DecodeError, isUuid, Reader, Writer, ZERO_UUID } from '../../protocol/primitives.ts';
import {
  BROKERS_MAX,
  CLUSTER_ID_MAX_CHARS,
  CONFIG_NAME_MAX_CHARS,
  CONFIG_VALUE_MAX_CHARS,
  ConfigResourceType,
  type Endpoint,
  FEATURE_LEVEL_MAX,
  FEATURE_NAME_MAX_CHARS,
  HOST_MAX_CHARS,
  MEMBERSHIP_STATES,
  type MetadataRecord,
  PARTITIONS_PER_TOPIC_MAX,
  RACK_MAX_CHARS,
  RECORD_VERSION,
  RecordType,
  type RecordTypeName,
  REPLICAS_MAX,
  RESOURCE_NAME_MAX_CHARS,
  TOPIC_NAME_MAX_CHARS,
} from './records.ts';

/** KRaft's DEFAULT_FRAME_VERSION; frame version 0 was the 2.8 preview, never written here. */
export const FRAME_VERSION = 1;
/** Node ids are int32 (Kafka's broker id); negative ids mean "none" on the wire, never a node. */
export const NODE_ID_MAX = 0x7fffffff;

const TYPE_BY_ID = new Map<number, RecordTypeName>(Object.entries(RecordType).map(([name, id]) => [id, name as RecordTypeName]));
const FLAG_REPLICAS = 1;
const FLAG_TARGET = 2;

export function encodeRecord(r: MetadataRecord): Uint8Array {
  const problem = recordProblem(r);
  assert(problem === null, `writing a bad ${r.type} record: ${problem}`);
  const w = new Writer(64);
  w.uvarint(FRAME_VERSION);
  w.uvarint(RecordType[r.type]);
  w.uvarint(RECORD_VERSION[r.type]);
  writeBody(w, r);
  w.uvarint(0); // tagged fields
  return w.bytes().slice();
}

export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  const rd = new Reader(bytes);
  const frame = rd.uvarint();
  if (frame !== FRAME_VERSION) throw new DecodeError(`metadata record frame version ${frame}, expected ${FRAME_VERSION}`);
  const typeId = rd.uvarint();
  const type = TYPE_BY_ID.get(typeId);
  if (type === undefined) throw new DecodeError(`unknown metadata record type ${typeId} (written by a newer Freshet?)`);
  const version = rd.uvarint();
  if (version > RECORD_VERSION[type]) throw new DecodeError(`${type} record version ${version}; this build reads up to ${RECORD_VERSION[type]}`);
  const r = readBody(rd, type);
  skipTaggedFields(rd);
  if (rd.remaining !== 0) throw new DecodeError(`${rd.remaining} byte(s) after a ${type} record`);
  const problem = recordProblem(r);
  if (problem !== null) throw new DecodeError(`bad ${type} record: ${problem}`);
  return r;
}

// --------------------------------------------------------------------------- bodies, v0

function writeBody(w: Writer, r: MetadataRecord): void {
  switch (r.type) {
    case 'cluster_id':
      return w.compactString(r.clusterId);
    case 'feature_level':
      w.compactString(r.name);
      return w.int16(r.level);
    case 'register_broker':
      w.int32(r.nodeId);
      w.uuid(r.incarnationId);
      w.int64(r.brokerEpoch);
      writeEndpoint(w, r.kafkaEndpoint);
      writeEndpoint(w, r.rpcEndpoint);
      return w.compactNullableString(r.rack);
    case 'unregister_broker':
      w.int32(r.nodeId);
      return w.int64(r.brokerEpoch);
    case 'broker_registration_change':
      w.int32(r.nodeId);
      w.int64(r.brokerEpoch);
      return w.bool(r.fenced);
    case 'broker_maintenance':
      w.int32(r.nodeId);
      return w.bool(r.enabled);
    case 'broker_membership':
      w.int32(r.nodeId);
      return w.int8(MEMBERSHIP_STATES.indexOf(r.state));
    case 'topic':
      w.compactString(r.name);
      return w.uuid(r.topicId);
    case 'partition':
      w.uuid(r.topicId);
      w.int32(r.partition);
      writeIds(w, r.replicas);
      writeIds(w, r.targetReplicas);
      return w.int32(r.partitionEpoch);
    case 'partition_change':
      w.uuid(r.topicId);
      w.int32(r.partition);
      w.int8((r.replicas !== undefined ? FLAG_REPLICAS : 0) | (r.targetReplicas !== undefined ? FLAG_TARGET : 0));
      if (r.replicas !== undefined) writeIds(w, r.replicas);
      if (r.targetReplicas !== undefined) writeIds(w, r.targetReplicas);
      return;
    case 'remove_topic':
      return w.uuid(r.topicId);
    case 'config':
      w.int8(r.resourceType);
      w.compactString(r.resourceName);
      w.compactString(r.name);
      return w.compactNullableString(r.value);
    case 'producer_ids':
      w.int32(r.nodeId);
      w.int64(r.brokerEpoch);
      return w.int64(r.nextProducerId);
  }
}

function readBody(rd: Reader, type: RecordTypeName): MetadataRecord {
  switch (type) {
    case 'cluster_id':
      return { type, clusterId: rd.compactString() };
    case 'feature_level':
      return { type, name: rd.compactString(), level: rd.int16() };
    case 'register_broker':
      return {
        type,
        nodeId: rd.int32(),
        incarnationId: rd.uuid(),
        brokerEpoch: rd.int64(),
        kafkaEndpoint: readEndpoint(rd),
        rpcEndpoint: readEndpoint(rd),
        rack: rd.compactNullableString(),
      };
    case 'unregister_broker':
      return { type, nodeId: rd.int32(), brokerEpoch: rd.int64() };
    case 'broker_registration_change':
      return { type, nodeId: rd.int32(), brokerEpoch: rd.int64(), fenced: readBool(rd) };
    case 'broker_maintenance':
      return { type, nodeId: rd.int32(), enabled: readBool(rd) };
    case 'broker_membership': {
      const nodeId = rd.int32();
      const code = rd.int8();
      const state = MEMBERSHIP_STATES[code] ?? fail(`membership state ${code}`);
      return { type, nodeId, state };
    }
    case 'topic':
      return { type, name: rd.compactString(), topicId: rd.uuid() };
    case 'partition':
      return {
        type,
        topicId: rd.uuid(),
        partition: rd.int32(),
        replicas: readIds(rd) ?? fail('partition replicas are null'),
        targetReplicas: readIds(rd),
        partitionEpoch: rd.int32(),
      };
    case 'partition_change':
      return readPartitionChange(rd);
    case 'remove_topic':
      return { type, topicId: rd.uuid() };
    case 'config':
      return readConfig(rd);
    case 'producer_ids':
      return { type, nodeId: rd.int32(), brokerEpoch: rd.int64(), nextProducerId: rd.int64() };
  }
}

function readPartitionChange(rd: Reader): MetadataRecord {
  const topicId = rd.uuid();
  const partition = rd.int32();
  const flags = rd.int8();
  if ((flags & ~(FLAG_REPLICAS | FLAG_TARGET)) !== 0) throw new DecodeError(`partition_change flags ${flags}`);
  const replicas = (flags & FLAG_REPLICAS) !== 0 ? (readIds(rd) ?? fail('partition_change replicas are null')) : undefined;
  const change = { type: 'partition_change' as const, topicId, partition, ...(replicas !== undefined ? { replicas } : {}) };
  return (flags & FLAG_TARGET) !== 0 ? { ...change, targetReplicas: readIds(rd) } : change;
}

function readConfig(rd: Reader): MetadataRecord {
  const resourceType = rd.int8();
  if (resourceType !== ConfigResourceType.TOPIC && resourceType !== ConfigResourceType.BROKER && resourceType !== ConfigResourceType.GROUP) {
    throw new DecodeError(`config record for resource type ${resourceType}`);
  }
  return { type: 'config', resourceType, resourceName: rd.compactString(), name: rd.compactString(), value: rd.compactNullableString() };
}

function writeEndpoint(w: Writer, e: Endpoint): void {
  w.compactString(e.host);
  w.uint16(e.port);
}

function readEndpoint(rd: Reader): Endpoint {
  return { host: rd.compactString(), port: rd.uint16() };
}

/** A nullable compact array of int32 node ids. */
function writeIds(w: Writer, ids: readonly number[] | null): void {
  if (ids === null) return w.uvarint(0);
  w.compactArrayLength(ids.length);
  for (const id of ids) w.int32(id);
}

function readIds(rd: Reader): number[] | null {
  const n = rd.compactArrayLength();
  if (n < 0) return null;
  if (n > REPLICAS_MAX) throw new DecodeError(`${n} replicas, more than ${REPLICAS_MAX}`);
  rd.need(n * 4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rd.int32());
  return out;
}

function readBool(rd: Reader): boolean {
  const b = rd.int8();
  if (b !== 0 && b !== 1) throw new DecodeError(`boolean byte ${b}`);
  return b === 1;
}

function skipTaggedFields(rd: Reader): void {
  const n = rd.uvarint();
  if (n > rd.remaining) throw new DecodeError(`${n} tagged fields in ${rd.remaining} bytes`);
  for (let i = 0; i < n; i++) {
    rd.uvarint();
    rd.skip(rd.uvarint());
  }
}

function fail(why: string): never {
  throw new DecodeError(why);
}

// ---------------------------------------------------------------------------- validity

/**
 * What is wrong with a record's values, or null. The encoder asserts it (writing a bad record
 * is a bug), the decoder refuses it (bad bytes), so the image replays only records that pass.
 */
export function recordProblem(r: MetadataRecord): string | null {
  switch (r.type) {
    case 'cluster_id':
      return text(r.clusterId, 'cluster id', 1, CLUSTER_ID_MAX_CHARS);
    case 'feature_level':
      return text(r.name, 'feature name', 1, FEATURE_NAME_MAX_CHARS) ?? range(r.level, 'feature level', 0, FEATURE_LEVEL_MAX);
    case 'register_broker':
      return (
        nodeId(r.nodeId) ?? uuid(r.incarnationId, 'incarnation id') ?? epoch(r.brokerEpoch) ?? endpoint(r.kafkaEndpoint, 'Kafka') ?? endpoint(r.rpcEndpoint, 'RPC') ??
        (r.rack === null ? null : text(r.rack, 'rack', 0, RACK_MAX_CHARS))
      );
    case 'unregister_broker':
    case 'broker_registration_change':
      return nodeId(r.nodeId) ?? epoch(r.brokerEpoch);
    case 'broker_maintenance':
      return nodeId(r.nodeId);
    case 'broker_membership':
      return nodeId(r.nodeId) ?? (MEMBERSHIP_STATES.includes(r.state) ? null : `membership state ${r.state}`);
    case 'topic':
      return text(r.name, 'topic name', 1, TOPIC_NAME_MAX_CHARS) ?? topicId(r.topicId);
    case 'partition':
      return (
        topicId(r.topicId) ?? partition(r.partition) ?? replicas(r.replicas, 'replicas') ??
        (r.targetReplicas === null ? null : replicas(r.targetReplicas, 'target replicas')) ?? range(r.partitionEpoch, 'partition epoch', 0, 0x7fffffff)
      );
    case 'partition_change':
      return (
        topicId(r.topicId) ?? partition(r.partition) ?? (r.replicas === undefined ? null : replicas(r.replicas, 'replicas')) ??
        (r.targetReplicas === undefined || r.targetReplicas === null ? null : replicas(r.targetReplicas, 'target replicas'))
      );
    case 'remove_topic':
      return topicId(r.topicId);
    case 'config':
      return (
        text(r.resourceName, 'resource name', 0, RESOURCE_NAME_MAX_CHARS) ?? text(r.name, 'config name', 1, CONFIG_NAME_MAX_CHARS) ??
        (r.value === null ? null : text(r.value, 'config value', 0, CONFIG_VALUE_MAX_CHARS))
      );
    case 'producer_ids':
      return nodeId(r.nodeId) ?? epoch(r.brokerEpoch) ?? range(r.nextProducerId, 'next producer id', 0, Number.MAX_SAFE_INTEGER);
  }
}

const text = (s: string, what: string, min: number, max: number) => (s.length < min || s.length > max ? `${what} of ${s.length} characters` : null);
const range = (n: number, what: string, min: number, max: number) => (Number.isSafeInteger(n) && n >= min && n <= max ? null : `${what} ${n}`);
const nodeId = (n: number) => range(n, 'node id', 0, NODE_ID_MAX);
const epoch = (n: number) => range(n, 'broker epoch', 0, Number.MAX_SAFE_INTEGER);
const partition = (n: number) => range(n, 'partition', 0, PARTITIONS_PER_TOPIC_MAX - 1);
const uuid = (id: string, what: string) => (isUuid(id) ? null : `${what} ${id} is not a uuid`);
const topicId = (id: string) => uuid(id, 'topic id') ?? (id === ZERO_UUID ? 'the zero topic id' : null);
const endpoint = (e: Endpoint, what: string) => text(e.host, `${what} host`, 1, HOST_MAX_CHARS) ?? range(e.port, `${what} port`, 0, 0xffff);

function replicas(ids: readonly number[], what: string): string | null {
  if (ids.length === 0 || ids.length > REPLICAS_MAX || ids.length > BROKERS_MAX) return `${ids.length} ${what}`;
  for (const id of ids) if (nodeId(id) !== null) return `${what} name node ${id}`;
  return new Set(ids).size === ids.length ? null : `${what} name a node twice`;
}
