// Raft's own entries as Kafka control batches, the way KRaft writes them, so that every Kafka
// client skips them (a control batch is never handed to an application: Kafka's
// Fetcher, librdkafka's msgset reader and kafkajs's consumer Batch all drop it) and Kafka's own
// tools can read them.
//
// A control batch (https://kafka.apache.org/documentation/#controlbatch) has the control bit
// (0x20) in its attributes and one record whose key is (version int16 = 0, type int16):
// Kafka's ControlRecordType. Freshet writes two of Kafka's types:
//   - LEADER_CHANGE (2): a new leader's first entry (KIP-595), value a LeaderChangeMessage;
//   - KRAFT_VOTERS (6): a membership (KIP-853), value a VotersRecord. Kafka's VotersRecord has
//     no learners (KRaft's observers are not in it); Freshet's learners travel in tagged field
//     LEARNERS_TAG of the record, which Kafka's readers keep aside as an unknown tagged field.
// Both values are Kafka's flexible-version message encoding (compact arrays, tagged fields),
// written at version 0. Control batches of other types (COMMIT and ABORT markers of
// transactions, snapshot headers) are not Raft's: the log adapter treats them as data.
//
// The bytes are a pure function of the entry (offset, term, content): every replica writes the
// same batch, CRC included. So the timestamps are Kafka's NO_TIMESTAMP (-1) rather than a
// leader's clock: the entry carries no time, and a follower must not invent one. Time-based
// retention and ListOffsets by time never select a control batch for its time.

import { DecodeError, Reader, Writer, ZERO_UUID } from '../protocol/primitives.ts';
import { BatchHeader, Compression } from '../protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../protocol/records/records.ts';
import { membership, type ControlEntry, type ControlRecord, type Membership, type NodeId } from './core/index.ts';

/** Kafka's ControlRecordType codes (org.apache.kafka.common.record.ControlRecordType). */
export const CONTROL_TYPE_LEADER_CHANGE = 2;
export const CONTROL_TYPE_KRAFT_VOTERS = 6;
/** The control record key's own version (ControlRecordType.CURRENT_CONTROL_RECORD_KEY_VERSION). */
const CONTROL_KEY_VERSION = 0;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
export const CONTROL_BATCH_TIMESTAMP = -1;
/** The tagged field of VotersRecord that carries Freshet's learners (an array of int32). */
export const LEARNERS_TAG = 1000;
/** Voters or learners in one record at most: far above any replication factor. */
export const CONTROL_MEMBERS_MAX = 1024;

const LEADER_CHANGE_VERSION = 0;
const VOTERS_RECORD_VERSION = 0;

/** The whole control batch of a Raft control entry: offsets, term, one record. */
export function encodeControlBatch(e: ControlEntry): Uint8Array {
  const type = e.control.type === 'leader_change' ? CONTROL_TYPE_LEADER_CHANGE : CONTROL_TYPE_KRAFT_VOTERS;
  const key = new Writer(4);
  key.int16(CONTROL_KEY_VERSION);
  key.int16(type);
  return buildBatch({
    baseOffset: e.firstIndex,
    partitionLeaderEpoch: e.term,
    baseTimestamp: CONTROL_BATCH_TIMESTAMP,
    maxTimestamp: CONTROL_BATCH_TIMESTAMP,
    control: true,
    records: [{ key: key.bytes(), value: encodeControlValue(e.control) }],
  });
}

export function encodeControlValue(c: ControlRecord): Uint8Array {
  const w = new Writer(64);
  if (c.type === 'leader_change') {
    // LeaderChangeMessage v0: Version, LeaderId, Voters, GrantingVoters. The core does not
    // keep who granted its votes; the list is left empty (Kafka only prints it).
    w.int16(LEADER_CHANGE_VERSION);
    w.int32(c.leaderId);
    writeVoterIds(w, c.voters);
    writeVoterIds(w, []);
    w.uvarint(0); // tagged fields
    return w.bytes();
  }
  // VotersRecord v0: Version, Voters (id, directory id, endpoints, kraft.version range).
  w.int16(VOTERS_RECORD_VERSION);
  w.compactArrayLength(c.membership.voters.length);
  for (const id of c.membership.voters) {
    w.int32(id);
    w.uuid(ZERO_UUID); // no directory ids (KIP-853's disk identity): Freshet names a replica by node
    w.compactArrayLength(0); // endpoints: the cluster's metadata holds them
    w.int16(0); // KRaftVersionFeature.MinSupportedVersion
    w.int16(0); // KRaftVersionFeature.MaxSupportedVersion
    w.uvarint(0); // KRaftVersionFeature's tagged fields
    w.uvarint(0); // the voter's tagged fields
  }
  const learners = new Writer(16);
  learners.compactArrayLength(c.membership.learners.length);
  for (const id of c.membership.learners) learners.int32(id);
  const data = learners.bytes();
  w.uvarint(1); // one tagged field
  w.uvarint(LEARNERS_TAG);
  w.uvarint(data.length);
  w.raw(data);
  return w.bytes();
}

function writeVoterIds(w: Writer, ids: readonly NodeId[]): void {
  w.compactArrayLength(ids.length);
  for (const id of ids) {
    w.int32(id);
    w.uvarint(0); // Voter's tagged fields
  }
}

/**
 * The Raft control record in the batch at `pos` of `buf`, null when the batch is not one of
 * Raft's (a data batch, or a control batch of another type such as a transaction marker).
 * Malformed control records of Raft's types throw DecodeError.
 */
export function decodeRaftControl(buf: Uint8Array, pos = 0): ControlRecord | null {
  const h = new BatchHeader(buf, pos);
  if (!h.isControl) return null;
  if (h.compression !== Compression.None || h.recordCount !== 1) throw new DecodeError('a control batch holds one uncompressed record');
  const range = batchRecordsRange(buf, pos);
  const [record] = decodeRecords(buf, range.start, range.end, 1);
  if (record.key === null || record.key.length !== 4) throw new DecodeError('a control record key is (version int16, type int16)');
  const key = new Reader(record.key);
  const keyVersion = key.int16();
  const type = key.int16();
  if (keyVersion !== CONTROL_KEY_VERSION) return null;
  if (type !== CONTROL_TYPE_LEADER_CHANGE && type !== CONTROL_TYPE_KRAFT_VOTERS) return null;
  if (record.value === null) throw new DecodeError(`control record of type ${type} without a value`);
  return type === CONTROL_TYPE_LEADER_CHANGE ? decodeLeaderChange(new Reader(record.value)) : decodeVoters(new Reader(record.value));
}

function decodeLeaderChange(r: Reader): ControlRecord {
  const version = r.int16();
  if (version < 0 || version > 1) throw new DecodeError(`LeaderChangeMessage version ${version}`);
  const leaderId = r.int32();
  const voters = readVoterIds(r, version);
  readVoterIds(r, version); // GrantingVoters
  skipTaggedFields(r);
  return { type: 'leader_change', leaderId, voters };
}

function readVoterIds(r: Reader, version: number): NodeId[] {
  const n = membersCount(r);
  const ids: NodeId[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(r.int32());
    if (version >= 1) r.uuid(); // VoterDirectoryId (KIP-853)
    skipTaggedFields(r);
  }
  return ids;
}

function decodeVoters(r: Reader): ControlRecord {
  const version = r.int16();
  if (version !== VOTERS_RECORD_VERSION) throw new DecodeError(`VotersRecord version ${version}`);
  const voters: NodeId[] = [];
  const n = membersCount(r);
  for (let i = 0; i < n; i++) {
    voters.push(r.int32());
    r.uuid();
    const endpoints = r.compactArrayLength();
    for (let k = 0; k < endpoints; k++) {
      r.compactString();
      r.compactString();
      r.uint16();
      skipTaggedFields(r);
    }
    r.int16();
    r.int16();
    skipTaggedFields(r);
    skipTaggedFields(r);
  }
  let learners: NodeId[] = [];
  const tags = r.uvarint();
  for (let t = 0; t < tags; t++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const data = r.raw(size);
    if (tag === LEARNERS_TAG) {
      const lr = new Reader(data);
      const count = membersCount(lr);
      learners = [];
      for (let i = 0; i < count; i++) learners.push(lr.int32());
    }
  }
  return { type: 'membership', membership: checkedMembership(voters, learners) };
}

function membersCount(r: Reader): number {
  const n = r.compactArrayLength();
  if (n < 0 || n > CONTROL_MEMBERS_MAX) throw new DecodeError(`${n} members in a control record`);
  return n;
}

function checkedMembership(voters: NodeId[], learners: NodeId[]): Membership {
  if (new Set([...voters, ...learners]).size !== voters.length + learners.length) {
    throw new DecodeError('a membership lists a node twice');
  }
  return membership(voters, learners);
}

function skipTaggedFields(r: Reader): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    r.uvarint();
    r.skip(r.uvarint());
  }
}
