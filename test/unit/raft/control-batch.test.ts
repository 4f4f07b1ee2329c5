// Raft's control entries as Kafka control batches (src/raft/control-batch.ts): Kafka's key
// layout and message encodings (checked against Apache Kafka's own message specs with a
// decoder that shares no code with ours), a round trip, the bytes being a pure function of the
// entry, and clients we did not write skipping them: kafkajs's Fetch decoder and consumer
// batch, and our internal client's decoder.

import { createRequire } from 'node:module';
import { describe, expect, test } from 'bun:test';
import { BatchHeader, CONTROL } from '../../../src/protocol/records/batch.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../../src/protocol/records/records.ts';
import { recordsFromFetch } from '../../../src/client/fetched-records.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import { membership, type ControlEntry } from '../../../src/raft/core/index.ts';
import {
  CONTROL_BATCH_TIMESTAMP,
  CONTROL_TYPE_KRAFT_VOTERS,
  CONTROL_TYPE_LEADER_CHANGE,
  decodeRaftControl,
  encodeControlBatch,
  encodeControlValue,
} from '../../../src/raft/control-batch.ts';
import { KAFKA_SPECS, testRequiring } from '../../helpers/requirements.ts';
import { SpecDecoder } from '../../helpers/spec-decoder.ts';

const leaderChange: ControlEntry = { kind: 'control', firstIndex: 41, lastIndex: 41, term: 7, control: { type: 'leader_change', leaderId: 2, voters: [1, 2, 3] } };
const voters: ControlEntry = {
  kind: 'control',
  firstIndex: 42,
  lastIndex: 42,
  term: 7,
  control: { type: 'membership', membership: membership([1, 2, 3], [4, 5]) },
};

function keyOf(batch: Uint8Array): { version: number; type: number } {
  const range = batchRecordsRange(batch, 0);
  const [r] = decodeRecords(batch, range.start, range.end, 1);
  const v = new DataView(r.key!.buffer, r.key!.byteOffset, r.key!.byteLength);
  expect(r.key!.length).toBe(4);
  return { version: v.getInt16(0), type: v.getInt16(2) };
}

function valueOf(batch: Uint8Array): Uint8Array {
  const range = batchRecordsRange(batch, 0);
  return decodeRecords(batch, range.start, range.end, 1)[0].value!;
}

describe('the batch', () => {
  test('a control batch of one record at the entry offset and term, with a CRC over its bytes, Kafka key (0, type)', () => {
    for (const [e, type] of [
      [leaderChange, CONTROL_TYPE_LEADER_CHANGE],
      [voters, CONTROL_TYPE_KRAFT_VOTERS],
    ] as const) {
      const b = encodeControlBatch(e);
      const h = new BatchHeader(b);
      expect(h.sizeBytes).toBe(b.length);
      expect(h.baseOffset).toBe(e.firstIndex);
      expect(h.lastOffsetDelta).toBe(0);
      expect(h.partitionLeaderEpoch).toBe(e.term);
      expect(h.attributes & CONTROL).toBe(CONTROL);
      expect(h.recordCount).toBe(1);
      expect(h.producerId).toBe(-1);
      expect(h.baseTimestamp).toBe(CONTROL_BATCH_TIMESTAMP);
      expect(h.maxTimestamp).toBe(CONTROL_BATCH_TIMESTAMP);
      expect(h.crc).toBe(crc32c(b, 21, b.length));
      expect(keyOf(b)).toEqual({ version: 0, type });
    }
  });

  test('round trip: the decoded control record is the entry`s', () => {
    expect(decodeRaftControl(encodeControlBatch(leaderChange))).toEqual(leaderChange.control);
    expect(decodeRaftControl(encodeControlBatch(voters))).toEqual(voters.control);
    const noLearners: ControlEntry = { ...voters, control: { type: 'membership', membership: membership([3]) } };
    expect(decodeRaftControl(encodeControlBatch(noLearners))).toEqual(noLearners.control);
  });

  test('the bytes are a function of the entry alone: two encodings are identical (every replica writes the same batch)', () => {
    expect(encodeControlBatch(voters)).toEqual(encodeControlBatch(structuredClone(voters)));
  });

  test('data batches and control batches of other types are not Raft`s', () => {
    expect(decodeRaftControl(buildBatch({ records: [{ value: 'x' }] }))).toBeNull();
    const commitMarker = new Writer(4);
    commitMarker.int16(0);
    commitMarker.int16(1); // COMMIT
    const marker = buildBatch({ control: true, transactional: true, producerId: 9, records: [{ key: commitMarker.bytes(), value: new Uint8Array(6) }] });
    expect(decodeRaftControl(marker)).toBeNull();
  });

  test('a malformed Raft control record is a DecodeError, never a wrong value', () => {
    const key = new Writer(4);
    key.int16(0);
    key.int16(CONTROL_TYPE_KRAFT_VOTERS);
    const value = encodeControlValue(voters.control).slice(0, 9);
    expect(() => decodeRaftControl(buildBatch({ control: true, records: [{ key: key.bytes(), value }] }))).toThrow(DecodeError);
    const twice = buildBatch({ control: true, records: [{ key: key.bytes(), value: encodeControlValue({ type: 'membership', membership: { voters: [1], learners: [1] } }) }] });
    expect(() => decodeRaftControl(twice)).toThrow('twice');
  });
});

describe('against Apache Kafka`s message specs (a decoder sharing no code with ours)', () => {
  testRequiring(KAFKA_SPECS, 'the leader change value is a LeaderChangeMessage v0', () => {
    const m = new SpecDecoder('LeaderChangeMessage').decode(valueOf(encodeControlBatch(leaderChange)), 0);
    expect(m).toEqual({ Version: 0, LeaderId: 2, Voters: [{ VoterId: 1 }, { VoterId: 2 }, { VoterId: 3 }], GrantingVoters: [] });
  });

  testRequiring(KAFKA_SPECS, 'the membership value is a VotersRecord v0 (the learners in a tagged field Kafka skips)', () => {
    const m = new SpecDecoder('VotersRecord').decode(valueOf(encodeControlBatch(voters)), 0) as { Version: number; Voters: Array<{ VoterId: number; Endpoints: unknown[] }> };
    expect(m.Version).toBe(0);
    expect(m.Voters.map((v) => v.VoterId)).toEqual([1, 2, 3]);
    expect(m.Voters.every((v) => v.Endpoints.length === 0)).toBe(true);
  });
});

describe('clients skip them', () => {
  const data1 = buildBatch({ baseOffset: 40, partitionLeaderEpoch: 7, records: [{ value: 'before' }] });
  const data2 = buildBatch({ baseOffset: 43, partitionLeaderEpoch: 7, records: [{ value: 'after-1' }, { value: 'after-2' }] });
  const fetched = Buffer.concat([data1, encodeControlBatch(leaderChange), encodeControlBatch(voters), data2]);

  test('kafkajs: its Fetch records decoder reads past them, and its consumer batch hides them', async () => {
    const require = createRequire(import.meta.url);
    const Decoder = require('kafkajs/src/protocol/decoder');
    const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages');
    const Batch = require('kafkajs/src/consumer/batch');
    const field = Buffer.alloc(4 + fetched.length);
    field.writeInt32BE(fetched.length, 0);
    fetched.copy(field, 4);
    const messages = await decodeMessages(new Decoder(field));
    expect(messages.map((m: { offset: string }) => m.offset)).toEqual(['40', '41', '42', '43', '44']);
    const batch = new Batch('t', '40', { partition: 0, highWatermark: '45', messages, abortedTransactions: [] });
    expect(batch.messages.map((m: { offset: string; value: Buffer }) => [m.offset, m.value.toString()])).toEqual([
      ['40', 'before'],
      ['43', 'after-1'],
      ['44', 'after-2'],
    ]);
  });

  test('our internal client skips them', () => {
    const records = recordsFromFetch(fetched, 40).map((r) => [r.offset, new TextDecoder().decode(r.value!)]);
    expect(records).toEqual([
      [40, 'before'],
      [43, 'after-1'],
      [44, 'after-2'],
    ]);
  });
});
