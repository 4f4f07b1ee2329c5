// The metadata records' codec: every type round-trips (a seeded property test over random
// records of every type, edges included), the frame is KRaft's (frame version 1, type, version,
// body, tagged fields), batches round-trip and carry null keys, and every refusal is a
// DecodeError: an unknown type or newer version, bytes after the record, values out of range,
// a bad CRC or compressed batch. Control batches (Raft's) decode to null.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../../src/base/prng.ts';
import { AssertionError } from '../../../../src/base/assert.ts';
import { decodeMetadataBatch, encodeMetadataBatch, encodeMetadataBatches, RECORDS_PER_BATCH_MAX } from '../../../../src/cluster/controller/metadata-batch.ts';
import { decodeRecord, encodeRecord } from '../../../../src/cluster/controller/record-codec.ts';
import { type MetadataRecord, RecordType, type RecordTypeName } from '../../../../src/cluster/controller/records.ts';
import { DecodeError, Writer } from '../../../../src/protocol/primitives.ts';
import { BatchHeader, Compression } from '../../../../src/protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../../../src/protocol/records/records.ts';
import { encodeControlBatch } from '../../../../src/raft/control-batch.ts';
import { randomRecord, uuid } from './record-gen.ts';

const TYPES = Object.keys(RecordType) as RecordTypeName[];
const ROUND_TRIPS = 3000;

describe('one record', () => {
  test(`${ROUND_TRIPS} random records of every type decode to what was encoded`, () => {
    const rng = new Prng(0xc0de);
    const seen = new Set<string>();
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const r = randomRecord(rng, TYPES[i % TYPES.length]);
      seen.add(r.type);
      expect(decodeRecord(encodeRecord(r))).toEqual(r);
    }
    expect(seen.size).toBe(TYPES.length);
  });

  test("the frame is KRaft's: frame version 1, the type's Kafka apiKey, the version, then the body and no tagged fields", () => {
    const bytes = encodeRecord({ type: 'remove_topic', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' });
    expect([...bytes.subarray(0, 3)]).toEqual([1, 9, 0]); // RemoveTopicRecord is Kafka's apiKey 9
    expect(bytes.length).toBe(3 + 16 + 1);
    expect(bytes[19]).toBe(0);
    expect(encodeRecord({ type: 'topic', name: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' })[1]).toBe(2); // TopicRecord
    expect(encodeRecord({ type: 'producer_ids', nodeId: 1, brokerEpoch: 0, nextProducerId: 1000 })[1]).toBe(15); // ProducerIdsRecord
  });

  test('a partition change says which fields change: undefined stays, null clears the target', () => {
    const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    for (const r of [
      { type: 'partition_change', topicId, partition: 3 },
      { type: 'partition_change', topicId, partition: 3, replicas: [1, 2] },
      { type: 'partition_change', topicId, partition: 3, targetReplicas: null },
      { type: 'partition_change', topicId, partition: 3, replicas: [2], targetReplicas: [2, 3] },
    ] as MetadataRecord[]) {
      const back = decodeRecord(encodeRecord(r));
      expect(back).toEqual(r);
      expect(Object.keys(back).sort()).toEqual(Object.keys(r).sort());
    }
  });

  test('unknown tagged fields are skipped (a field added inside a version)', () => {
    const w = new Writer();
    w.uvarint(1);
    w.uvarint(RecordType.cluster_id);
    w.uvarint(0);
    w.compactString('abc');
    w.uvarint(1); // one tagged field
    w.uvarint(7);
    w.uvarint(3);
    w.raw(new Uint8Array([1, 2, 3]));
    expect(decodeRecord(w.bytes())).toEqual({ type: 'cluster_id', clusterId: 'abc' });
  });

  const refused = (bytes: Uint8Array | number[], why: RegExp) => {
    const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    expect(() => decodeRecord(b)).toThrow(DecodeError);
    expect(() => decodeRecord(b)).toThrow(why);
  };

  test('refusals: frame version, unknown type, a newer version, garbage after, truncation', () => {
    const good = encodeRecord({ type: 'cluster_id', clusterId: 'abc' });
    refused([0, ...good.subarray(1)], /frame version 0/);
    refused([1, 99, 0], /unknown metadata record type 99/);
    refused([1, RecordType.cluster_id, 1, ...good.subarray(3)], /version 1; this build reads up to 0/);
    refused([...good, 0], /1 byte\(s\) after a cluster_id record/);
    for (let n = 0; n < good.length; n++) expect(() => decodeRecord(good.subarray(0, n))).toThrow(DecodeError);
  });

  test('refusals: values outside the limits, which the encoder refuses to write too', () => {
    const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const zeroId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const partition = (p: number, replicas: number[]) => ({ type: 'partition' as const, topicId, partition: p, replicas, targetReplicas: null, partitionEpoch: 0 });
    // Each bad record, and its v0 body written by hand (the encoder would refuse it).
    const writePartition = (p: number, replicas: number[]) => (w: Writer) => {
      w.uuid(topicId);
      w.int32(p);
      w.compactArrayLength(replicas.length);
      for (const id of replicas) w.int32(id);
      w.uvarint(0);
      w.int32(0);
    };
    const bad: Array<[MetadataRecord, (w: Writer) => void, RegExp]> = [
      [{ type: 'topic', name: '', topicId }, (w) => (w.compactString(''), w.uuid(topicId)), /topic name of 0 characters/],
      [{ type: 'topic', name: 'x'.repeat(250), topicId }, (w) => (w.compactString('x'.repeat(250)), w.uuid(topicId)), /topic name of 250/],
      [{ type: 'topic', name: 't', topicId: zeroId }, (w) => (w.compactString('t'), w.uuid(zeroId)), /zero topic id/],
      [partition(10_000, [1]), writePartition(10_000, [1]), /partition 10000/],
      [partition(0, []), writePartition(0, []), /0 replicas/],
      [partition(0, [1, 1]), writePartition(0, [1, 1]), /name a node twice/],
      [partition(0, [-1]), writePartition(0, [-1]), /node -1/],
      [{ type: 'producer_ids', nodeId: 1, brokerEpoch: -1, nextProducerId: 0 }, (w) => (w.int32(1), w.int64(-1), w.int64(0)), /broker epoch -1/],
      [{ type: 'feature_level', name: 'f', level: -1 }, (w) => (w.compactString('f'), w.int16(-1)), /feature level -1/],
      [
        { type: 'config', resourceType: 2, resourceName: 't', name: 'k', value: 'v'.repeat(64 * 1024 + 1) },
        (w) => (w.int8(2), w.compactString('t'), w.compactString('k'), w.compactString('v'.repeat(64 * 1024 + 1))),
        /config value of 65537/,
      ],
    ];
    for (const [r, body, why] of bad) {
      expect(() => encodeRecord(r)).toThrow(AssertionError);
      const w = new Writer();
      w.uvarint(1);
      w.uvarint(RecordType[r.type]);
      w.uvarint(0);
      body(w);
      w.uvarint(0);
      refused(w.bytes(), why);
    }
  });

  test('a boolean byte other than 0 or 1, a resource type Kafka does not store, unknown flags: refused', () => {
    const fence = encodeRecord({ type: 'broker_registration_change', nodeId: 1, brokerEpoch: 2, fenced: true });
    const twisted = fence.slice();
    twisted[3 + 4 + 8] = 2;
    refused(twisted, /boolean byte 2/);
    const cfg = encodeRecord({ type: 'config', resourceType: 2, resourceName: 't', name: 'k', value: 'v' });
    const other = cfg.slice();
    other[3] = 8; // BROKER_LOGGER
    refused(other, /resource type 8/);
    const change = encodeRecord({ type: 'partition_change', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 0 });
    const flags = change.slice();
    flags[3 + 16 + 4] = 4;
    refused(flags, /flags 4/);
  });
});

describe('batches', () => {
  test('records go as null-keyed Kafka records, one batch, and come back with offset and term as the shell set them', () => {
    const rng = new Prng(7);
    const records = Array.from({ length: 50 }, () => randomRecord(rng));
    const batch = encodeMetadataBatch(records, 1_700_000_000_000);
    const h = new BatchHeader(batch);
    expect(h.recordCount).toBe(50);
    expect(h.isControl).toBe(false);
    expect(h.compression).toBe(Compression.None);
    expect(h.maxTimestamp).toBe(1_700_000_000_000);
    const range = batchRecordsRange(batch);
    expect(decodeRecords(batch, range.start, range.end, 50).every((r) => r.key === null)).toBe(true);
    h.baseOffset = 120; // the Raft shell places the batch: offset and term are outside the CRC
    h.partitionLeaderEpoch = 4;
    expect(decodeMetadataBatch(batch)).toEqual({ baseOffset: 120, term: 4, records });
  });

  test('a snapshot too long for one batch is cut into batches that hold it all, in order', () => {
    const rng = new Prng(8);
    const records = Array.from({ length: RECORDS_PER_BATCH_MAX + 5 }, () => randomRecord(rng, 'remove_topic'));
    const batches = encodeMetadataBatches(records, 0);
    expect(batches.length).toBe(2);
    expect(batches.flatMap((b) => decodeMetadataBatch(b)!.records)).toEqual(records);
    expect(() => encodeMetadataBatch([], 0)).toThrow(AssertionError);
  });

  test("Raft's control batches in the same log decode to null", () => {
    const control = encodeControlBatch({ kind: 'control', firstIndex: 9, lastIndex: 9, term: 2, control: { type: 'leader_change', leaderId: 1, voters: [1, 2, 3] } });
    expect(decodeMetadataBatch(control)).toBeNull();
  });

  test('refusals: a bad CRC, compression, a key, too few bytes, a record that is not a metadata record', () => {
    const batch = encodeMetadataBatch([{ type: 'cluster_id', clusterId: 'c' }], 0);
    const flipped = batch.slice();
    flipped[flipped.length - 2] ^= 1;
    expect(() => decodeMetadataBatch(flipped)).toThrow(/CRC/);
    expect(() => decodeMetadataBatch(batch.subarray(0, 40))).toThrow(DecodeError);
    expect(() => decodeMetadataBatch(batch.subarray(0, batch.length - 1))).toThrow(DecodeError);
    const keyed = buildBatch({ records: [{ key: 'k', value: encodeRecord({ type: 'cluster_id', clusterId: 'c' }) }] });
    expect(() => decodeMetadataBatch(keyed)).toThrow(/not a metadata record/);
    const garbage = buildBatch({ records: [{ value: new Uint8Array([1, 2, 3]) }] });
    expect(() => decodeMetadataBatch(garbage)).toThrow(DecodeError);
    const gzip = buildBatch({ compression: Compression.Gzip, records: [{ value: 'x' }] }, (_t, b) => b);
    expect(() => decodeMetadataBatch(gzip)).toThrow(/compressed/);
    expect(() => decodeMetadataBatch(buildBatch({ records: [] }))).toThrow(/0 records/);
  });

  test('uuid helper makes ids the codec keeps', () => {
    const rng = new Prng(3);
    for (let i = 0; i < 100; i++) {
      const id = uuid(rng);
      expect(decodeRecord(encodeRecord({ type: 'remove_topic', topicId: id }))).toEqual({ type: 'remove_topic', topicId: id });
    }
  });
});
