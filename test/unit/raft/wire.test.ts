// The Raft wire codec (src/raft/wire.ts): every message type comes back exactly as written,
// group ids in every form; heartbeats of many partitions cost a few bytes each; and the
// decoder refuses, with DecodeError, what would otherwise reach the core's assertions
// (non-ascending or overlapping memberships, out-of-range terms and indexes).

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import type { Message } from '../../../src/raft/core/index.ts';
import { CONTROLLER_GROUP } from '../../../src/raft/transport.ts';
import { decodeRaftBatch, encodeRaftBatch, RAFT_WIRE_VERSIONS, type RaftBatch } from '../../../src/raft/wire.ts';
import { BatchGen, heartbeats } from './wire-gen.ts';

const TOPIC = 'AAECAwQFBgcICQoLDA0ODw'; // bytes 0..15, canonical
const PROPERTY_BATCHES = 3_000;

const VERSION = RAFT_WIRE_VERSIONS.max;

function encode(batch: RaftBatch, version: number = VERSION): Uint8Array {
  const w = new Writer();
  encodeRaftBatch(w, batch, version);
  return w.bytes().slice();
}

const roundTrip = (batch: RaftBatch) => decodeRaftBatch(encode(batch), VERSION);
const one = (message: Message, group = `${TOPIC}:0`): RaftBatch => ({ from: message.from, to: message.to, messages: [{ group, message }] });

describe('raft wire: round trips', () => {
  const env = { from: 1, to: 2, term: 7 };
  const every: Message[] = [
    {
      ...env,
      type: 'append_entries',
      prevIndex: 99,
      prevTerm: 6,
      commit: 90,
      entries: [
        { kind: 'data', firstIndex: 100, lastIndex: 104, term: 6, payload: new Uint8Array([1, 2, 3]) },
        { kind: 'control', firstIndex: 105, lastIndex: 105, term: 7, control: { type: 'leader_change', leaderId: 1, voters: [1, 2, 3] } },
        { kind: 'control', firstIndex: 106, lastIndex: 106, term: 7, control: { type: 'membership', membership: { voters: [1, 2, 3], learners: [4] } } },
        { kind: 'data', firstIndex: 107, lastIndex: 107, term: 7, payload: new Uint8Array(0) },
      ],
    },
    { ...env, type: 'append_entries', prevIndex: -1, prevTerm: 0, commit: -1, entries: [] },
    { ...env, type: 'append_entries_response', reject: false, matchIndex: 106 },
    { ...env, type: 'append_entries_response', reject: true, rejectedIndex: 99, hintIndex: 50, hintTerm: 3 },
    { ...env, type: 'heartbeat', commit: 106 },
    { ...env, type: 'heartbeat_response' },
    { ...env, type: 'request_vote', preVote: true, transfer: false, lastIndex: 106, lastTerm: 7 },
    { ...env, type: 'request_vote', preVote: false, transfer: true, lastIndex: -1, lastTerm: 0 },
    { ...env, type: 'request_vote_response', preVote: true, granted: false },
    { ...env, type: 'request_vote_response', preVote: false, granted: true },
    { ...env, type: 'timeout_now' },
    { ...env, type: 'install_snapshot', snapshot: { index: 5000, term: 4, membership: { voters: [1, 2], learners: [3] } } },
  ];

  test('every message type, alone and all in one batch', () => {
    for (const m of every) expect(roundTrip(one(m))).toEqual(one(m));
    const all: RaftBatch = { from: 1, to: 2, messages: every.map((message, i) => ({ group: `${TOPIC}:${i}`, message })) };
    expect(roundTrip(all)).toEqual(all);
    expect(roundTrip({ from: 1, to: 2, messages: [] })).toEqual({ from: 1, to: 2, messages: [] });
  });

  test(`${PROPERTY_BATCHES} random batches (seeded) come back equal`, () => {
    const gen = new BatchGen(new Prng(0x3a7e));
    for (let i = 0; i < PROPERTY_BATCHES; i++) {
      const b = gen.batch();
      expect(roundTrip(b)).toEqual(b);
    }
  });

  test('group ids in every form come back unchanged; partitions of one topic take the short form', () => {
    const groups = [
      `${TOPIC}:0`,
      `${TOPIC}:0`, // same group
      `${TOPIC}:2147483647`, // same topic
      CONTROLLER_GROUP,
      `${TOPIC.slice(0, 21)}x:1`, // a uuid whose text is not canonical (low bits set in the last char)
      `${TOPIC}:01`, // leading zero
      `${TOPIC}:2147483648`, // past int32
      `${TOPIC}:`, // no partition
      'ünïcode:3',
      '',
    ];
    const batch: RaftBatch = { from: 3, to: 4, messages: groups.map((group) => ({ group, message: { type: 'heartbeat_response', from: 3, to: 4, term: 1 } })) };
    expect(roundTrip(batch)).toEqual(batch);
    const sameTopic = encode({ from: 1, to: 2, messages: [0, 1].map((p) => ({ group: `${TOPIC}:${p}`, message: { type: 'heartbeat_response', from: 1, to: 2, term: 1 } })) });
    // header 3 bytes; first: form + 16-byte id + partition + type + term = 20; second: form + partition + type + term = 4
    expect(sameTopic.length).toBe(3 + 20 + 4);
  });
});

describe('raft wire: size', () => {
  test('an idle tick of 1,000 partition heartbeats is a few bytes per group', () => {
    const oneTopic = encode(heartbeats(1000, 1)).length;
    const tenTopics = encode(heartbeats(1000, 10)).length;
    const thousandTopics = encode(heartbeats(1000, 1000)).length;
    process.stderr.write(`[measure] 1,000 heartbeats: ${oneTopic} bytes (1 topic), ${tenTopics} (10 topics), ${thousandTopics} (1,000 topics of 1 partition)\n`);
    expect(oneTopic).toBeLessThan(1000 * 8);
    expect(tenTopics).toBeLessThan(1000 * 8 + 10 * 17);
    expect(thousandTopics).toBeLessThan(1000 * 26);
  });
});

describe('raft wire: what the decoder refuses', () => {
  const env = { from: 1, to: 2, term: 1 };
  const snap = (voters: number[], learners: number[]): Message => ({ ...env, type: 'install_snapshot', snapshot: { index: 1, term: 1, membership: { voters, learners } } });

  /** Encodes with the checks of the encoder bypassed where needed: the bytes a buggy or hostile peer sends. */
  const refused = (bytes: Uint8Array, why: RegExp) => {
    let error: unknown = null;
    try {
      decodeRaftBatch(bytes, 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as Error).message).toMatch(why);
  };

  test('memberships that are not strictly ascending, or name a node twice', () => {
    refused(encode(one(snap([2, 1], []))), /ascending/);
    refused(encode(one(snap([1, 1], []))), /ascending/);
    refused(encode(one(snap([1, 2], [2]))), /both voter and learner/);
    expect(roundTrip(one(snap([1, 2], [3])))).toEqual(one(snap([1, 2], [3])));
  });

  test('terms past int32, indexes below -1 or past 2^53, node ids past int32', () => {
    refused(encode(one({ ...env, type: 'heartbeat', term: 2 ** 31, commit: 0 })), /term .* out of range/);
    refused(encode(one({ ...env, type: 'heartbeat', commit: -2 })), /index -2 out of range/);
    const w = new Writer();
    w.uvarint(1);
    w.uvarint(2);
    w.uvarint(1);
    w.int8(3); // name form
    w.uvarint(1);
    w.raw(new Uint8Array([0x61]));
    w.int8(2); // heartbeat
    w.uvarint(1);
    w.raw(new Uint8Array([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])); // zig-zag 2^63-1
    refused(w.bytes().slice(), /index .* out of range/);
    const big = new Writer();
    big.uvarint(2 ** 31);
    refused(big.bytes().slice(), /node id .* out of range/);
  });

  test('unknown types, forms and flags; "same group" with nothing before; bytes left over; a version not spoken', () => {
    const hb = encode(one({ ...env, type: 'heartbeat', commit: 1 }, CONTROLLER_GROUP));
    const at = (patch: (b: Uint8Array) => void) => {
      const b = hb.slice();
      patch(b);
      return b;
    };
    const groupAt = 3;
    const typeAt = groupAt + 2 + CONTROLLER_GROUP.length;
    refused(at((b) => (b[typeAt] = 8)), /unknown message type 8/);
    refused(at((b) => (b[groupAt] = 9)), /unknown group form 9/);
    refused(at((b) => (b[groupAt] = 0)), /same group/);
    refused(at((b) => (b[groupAt] = 1)), /same topic/);
    const trailing = new Uint8Array(hb.length + 1);
    trailing.set(hb);
    refused(trailing, /bytes after the last message/);
    const vote = encode(one({ ...env, type: 'request_vote_response', preVote: false, granted: false }));
    vote[vote.length - 1] = 4;
    refused(vote, /unknown flags/);
    expect(() => decodeRaftBatch(hb, VERSION + 1)).toThrow(DecodeError);
  });

  test('a data entry of no records; a count larger than the bytes left', () => {
    const append: Message = { ...env, type: 'append_entries', prevIndex: -1, prevTerm: 0, commit: -1, entries: [{ kind: 'data', firstIndex: 0, lastIndex: 0, term: 1, payload: new Uint8Array([9]) }] };
    const b = encode(one(append));
    // ... entries count 1, kind 0, term 1, records 1, length 1, payload 9: set records to 0
    b[b.length - 3] = 0;
    refused(b, /no records/);
    const w = new Writer();
    w.uvarint(1);
    w.uvarint(2);
    w.uvarint(1_000_000);
    refused(w.bytes().slice(), /1000000 messages in 0 bytes/);
  });

  test('the encoder refuses a batch it could not decode the same (a bug of the caller)', () => {
    expect(() => encode({ from: 1, to: 2, messages: [{ group: 'g', message: { type: 'heartbeat_response', from: 1, to: 3, term: 1 } }] })).toThrow(RangeError);
    const gap: Message = { ...env, type: 'append_entries', prevIndex: 5, prevTerm: 1, commit: 0, entries: [{ kind: 'data', firstIndex: 7, lastIndex: 7, term: 1, payload: new Uint8Array(0) }] };
    expect(() => encode(one(gap))).toThrow(RangeError);
    expect(() => encode(one({ ...env, type: 'heartbeat_response' }, 'x'.repeat(513)))).toThrow(RangeError);
  });
});

describe('raft wire: versions (quiescence, src/raft/core/quiescence.ts)', () => {
  const env = { from: 1, to: 2, term: 3 };
  const quiesce: Message = { ...env, type: 'heartbeat', commit: 9, quiesce: true };
  const wake: Message = { ...env, type: 'heartbeat_response', wake: true };
  const plainAnswer: Message = { ...env, type: 'heartbeat_response' };

  test('version 2 carries quiesce and wake; a plain heartbeat costs the same bytes as in version 1', () => {
    expect(decodeRaftBatch(encode(one(quiesce), 2), 2)).toEqual(one(quiesce));
    expect(decodeRaftBatch(encode(one(wake), 2), 2)).toEqual(one(wake));
    expect(decodeRaftBatch(encode(one(plainAnswer), 2), 2)).toEqual(one(plainAnswer));
    expect(encode(heartbeats(1000, 1), 2)).toEqual(encode(heartbeats(1000, 1), 1));
  });

  test('to a version-1 node a quiesce heartbeat is a plain one; from it every heartbeat answer is a wake', () => {
    expect(decodeRaftBatch(encode(one(quiesce), 1), 1)).toEqual(one({ ...env, type: 'heartbeat', commit: 9 }));
    expect(decodeRaftBatch(encode(one(plainAnswer), 1), 1)).toEqual(one(wake));
  });

  test('a version-1 reader refuses the version-2 type codes', () => {
    expect(() => decodeRaftBatch(encode(one(quiesce), 2), 1)).toThrow(/unknown message type 8/);
  });
});
