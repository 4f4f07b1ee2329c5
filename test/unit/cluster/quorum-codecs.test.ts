// The pure parts of the cluster node: the registration and quorum-description codecs (round
// trips, and a peer's bad bytes refused with DecodeError only), the broker table, the quorum
// description built from a leader's status.

import { describe, expect, test } from 'bun:test';
import { decodeQuorumAnswer, describeQuorum, encodeQuorumAnswer } from '../../../src/cluster/quorum/describe-quorum.ts';
import {
  BROKERS_MAX,
  BrokerTable,
  decodeRegisterAnswer,
  decodeRegisterRequest,
  encodeRegisterAnswer,
  encodeRegisterRequest,
  type RegisterAnswer,
} from '../../../src/cluster/quorum/registration.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import { type Entry, membership, type Status } from '../../../src/raft/core/index.ts';

const reg = (nodeId: number, host = `n${nodeId}`) => ({ nodeId, rpc: { host, port: 33145 }, kafka: { host, port: 9092 } });

describe('registration', () => {
  test('request and answer round trips; the sender is the one the handshake authenticated', () => {
    const w = new Writer(64);
    encodeRegisterRequest(w, reg(4, 'node-4.example'));
    expect(decodeRegisterRequest(w.bytes().slice(), 4)).toEqual(reg(4, 'node-4.example'));
    expect(decodeRegisterRequest(w.bytes().slice(), 9).nodeId).toBe(9);
    const a: RegisterAnswer = { outcome: 'joining', leaderId: 2, leaderEpoch: 7, brokers: [reg(1), reg(2), reg(4)], message: 'x' };
    expect(decodeRegisterAnswer(encodeRegisterAnswer(a))).toEqual(a);
    for (const outcome of ['registered', 'not_leader', 'retry', 'refused'] as const) {
      expect(decodeRegisterAnswer(encodeRegisterAnswer({ ...a, outcome })).outcome).toBe(outcome);
    }
  });

  test("a peer's bad bytes are a DecodeError: truncated, trailing, unknown outcome, empty or long host, too many brokers", () => {
    const good = encodeRegisterAnswer({ outcome: 'registered', leaderId: 1, leaderEpoch: 1, brokers: [reg(1)], message: '' });
    const bad: Uint8Array[] = [good.subarray(0, good.length - 3), new Uint8Array([...good, 0]), new Uint8Array([9, ...good.subarray(1)])];
    const many = new Writer(16);
    many.int8(0);
    many.int32(1);
    many.int32(1);
    many.uvarint(BROKERS_MAX + 1);
    bad.push(many.bytes().slice());
    for (const b of bad) expect(() => decodeRegisterAnswer(b)).toThrow(DecodeError);
    const emptyHost = new Writer(16);
    emptyHost.compactString('');
    emptyHost.uint16(1);
    expect(() => decodeRegisterRequest(emptyHost.bytes().slice(), 1)).toThrow(DecodeError);
    const longHost = new Writer(512);
    longHost.compactString('h'.repeat(256));
    longHost.uint16(1);
    expect(() => decodeRegisterRequest(longHost.bytes().slice(), 1)).toThrow(DecodeError);
  });

  test('the broker table: same, changed (a new node or a moved one), full at BROKERS_MAX; listed by id', () => {
    const t = new BrokerTable();
    expect(t.put(reg(3))).toBe('changed');
    expect(t.put(reg(1))).toBe('changed');
    expect(t.put(reg(3))).toBe('same');
    expect(t.put(reg(3, 'moved'))).toBe('changed');
    expect(t.all().map((b) => [b.nodeId, b.rpc.host])).toEqual([
      [1, 'n1'],
      [3, 'moved'],
    ]);
    for (let id = 10; t.size < BROKERS_MAX; id++) t.put(reg(id));
    expect(t.put(reg(99_999))).toBe('full');
    expect(t.put(reg(1, 'moved'))).toBe('changed'); // a known node may still move
  });
});

describe('the quorum description', () => {
  const status = (role: Status['role']): Status => ({
    id: 2,
    role,
    term: 5,
    vote: 2,
    leaderId: 2,
    commit: 9,
    applied: 9,
    firstIndex: 0,
    lastIndex: 11,
    membership: membership([1, 2, 3], [4]),
    transferee: null,
    progress:
      role === 'leader'
        ? new Map([
            [1, { match: 11, next: 12, state: 'replicate' as const }],
            [2, { match: 11, next: 12, state: 'replicate' as const }],
            [3, { match: -1, next: 0, state: 'probe' as const }],
            [4, { match: 6, next: 7, state: 'replicate' as const }],
          ])
        : null,
  });
  const times = { lastHeardMs: new Map([[1, 990], [4, 995]]), lastCaughtUpMs: new Map([[1, 990]]) };
  const endpoints = [1, 2, 3].map((nodeId) => ({ nodeId, host: `n${nodeId}`, port: 33145 }));

  test("the leader's: log end = match + 1 for a member heard from, -1 for one never heard; itself at its log end, now", () => {
    const q = describeQuorum(status('leader'), times, 1_000, endpoints)!;
    expect(q).toMatchObject({ leaderId: 2, leaderEpoch: 5, highWatermark: 10 });
    expect(q.voters).toEqual([
      { nodeId: 1, logEndOffset: 12, lastFetchTimestampMs: 990, lastCaughtUpTimestampMs: 990 },
      { nodeId: 2, logEndOffset: 12, lastFetchTimestampMs: 1_000, lastCaughtUpTimestampMs: 1_000 },
      { nodeId: 3, logEndOffset: -1, lastFetchTimestampMs: -1, lastCaughtUpTimestampMs: -1 },
    ]);
    expect(q.observers).toEqual([{ nodeId: 4, logEndOffset: 7, lastFetchTimestampMs: 995, lastCaughtUpTimestampMs: -1 }]);
    expect(describeQuorum(status('follower'), times, 1_000, endpoints)).toBeNull();
  });

  test('the forwarded answer round trips (null: the asked node no longer leads); bad bytes are a DecodeError', () => {
    const q = describeQuorum(status('leader'), times, 1_000, endpoints)!;
    expect(decodeQuorumAnswer(encodeQuorumAnswer(q))).toEqual(q);
    expect(decodeQuorumAnswer(encodeQuorumAnswer(null))).toBeNull();
    const bytes = encodeQuorumAnswer(q);
    expect(() => decodeQuorumAnswer(bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
    expect(() => decodeQuorumAnswer(new Uint8Array([...bytes, 1]))).toThrow(DecodeError);
  });
});
