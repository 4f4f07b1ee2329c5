// Segment streaming's pure parts (src/raft/stream): the chunk check a follower runs on bytes
// from another node before writing them (framing, CRC, contiguous offsets, terms, no membership
// entry; never a throw, never an allocation from an unchecked length), the range request and
// answer codec, and what a node serves from its log (only committed, flushed batches after a
// matching (from - 1, prevTerm), stopping before a membership entry).

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { Reader, Writer } from '../../../src/protocol/primitives.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { encodeControlBatch } from '../../../src/raft/control-batch.ts';
import { type Entry, membership } from '../../../src/raft/core/index.ts';
import { PartitionRaftLog } from '../../../src/raft/partition-raft-log.ts';
import { checkChunk, type ChunkExpectation } from '../../../src/raft/stream/chunk.ts';
import { RANGE_BYTES_MAX, readRangeAnswer, readRangeRequest, serveRange, writeRangeAnswer, writeRangeRequest } from '../../../src/raft/stream/protocol.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const batch = (at: number, term: number, n = 2): Uint8Array =>
  buildBatch({ baseOffset: at, partitionLeaderEpoch: term, records: Array.from({ length: n }, (_, k) => ({ value: `v${at + k}` })) });

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const membershipBatch = (at: number, term: number) =>
  encodeControlBatch({ kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'membership', membership: membership([1, 2]) } });
const leaderChangeBatch = (at: number, term: number) =>
  encodeControlBatch({ kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'leader_change', leaderId: 1, voters: [1, 2, 3] } });

const EXPECT: ChunkExpectation = { firstIndex: 10, prevTerm: 2, termMax: 4, bytesMax: 1 << 20 };
/** Batches [10,11]@2 [12,13]@3 [14]@3 (leader change) [15,16]@4. */
const good = () => concat([batch(10, 2), batch(12, 3), leaderChangeBatch(14, 3), batch(15, 4)]);

describe('checkChunk', () => {
  test('a chunk that continues the log: its last index and term', () => {
    expect(checkChunk(good(), EXPECT)).toEqual({ ok: true, lastIndex: 16, lastTerm: 4, batches: 4 });
  });

  const refused: Array<[string, () => Uint8Array, Partial<ChunkExpectation>?]> = [
    ['empty', () => new Uint8Array(0)],
    ['more bytes than asked for', good, { bytesMax: 100 }],
    ['cut inside a batch', () => good().subarray(0, good().length - 1)],
    ['shorter than a header at the end', () => concat([batch(10, 2), new Uint8Array(20)])],
    ['a batch length past the chunk (no allocation from it)', () => {
      const b = good();
      new DataView(b.buffer, b.byteOffset).setInt32(8, 0x7fffffff);
      return b;
    }],
    ['a negative batch length', () => {
      const b = good();
      new DataView(b.buffer, b.byteOffset).setInt32(8, -5);
      return b;
    }],
    ['a flipped byte in a record (CRC)', () => {
      const b = good();
      b[b.length - 3] ^= 0x40;
      return b;
    }],
    ['magic 1', () => {
      const b = good();
      b[16] = 1;
      return b;
    }],
    ['not starting at the log end', () => concat([batch(11, 2), batch(13, 3)])],
    ['a gap between batches', () => concat([batch(10, 2), batch(13, 3)])],
    ['an overlap between batches', () => concat([batch(10, 2), batch(11, 3)])],
    ['a term below the log end\'s', () => concat([batch(10, 1)])],
    ['terms decreasing', () => concat([batch(10, 3), batch(12, 2)])],
    ['a term past the follower\'s', () => concat([batch(10, 5)])],
    ['a membership entry', () => concat([batch(10, 2), membershipBatch(12, 2)])],
  ];
  for (const [what, bytes, expectation] of refused) {
    test(`refused: ${what}`, () => {
      const r = checkChunk(bytes(), { ...EXPECT, ...expectation });
      expect(r.ok).toBe(false);
    });
  }

  test('10,000 random mutations of a good chunk: never a throw, and a refusal unless the bytes still make a good chunk', () => {
    const random = new Prng(7);
    const original = good();
    let refusedCount = 0;
    for (let i = 0; i < 10_000; i++) {
      const b = original.slice();
      const flips = 1 + random.int(0, 3);
      for (let f = 0; f < flips; f++) b[random.int(0, b.length - 1)] ^= 1 << random.int(0, 7);
      const cut = random.next() < 0.2 ? b.subarray(0, random.int(0, b.length)) : b;
      const r = checkChunk(cut, EXPECT);
      if (!r.ok) refusedCount++;
      else {
        // Only the fields outside the CRC can change unnoticed (baseOffset, length,
        // partitionLeaderEpoch): what passes must still be contiguous from 10 with sane terms.
        expect(r.lastIndex).toBeGreaterThanOrEqual(10);
        expect(r.lastTerm).toBeGreaterThanOrEqual(2);
        expect(r.lastTerm).toBeLessThanOrEqual(4);
      }
    }
    expect(refusedCount).toBeGreaterThan(9_000);
  });
});

describe('the range codec', () => {
  test('request and answer round trip', () => {
    const w = new Writer();
    writeRangeRequest(w, { group: 'abc:3', from: 2 ** 40, prevTerm: 7, bytesMax: 4096 });
    expect(readRangeRequest(new Reader(w.bytes()))).toEqual({ group: 'abc:3', from: 2 ** 40, prevTerm: 7, bytesMax: 4096 });
    const a = new Writer();
    writeRangeAnswer(a, { status: 'ok', end: 99, bytes: good() });
    const back = readRangeAnswer(new Reader(a.bytes()), RANGE_BYTES_MAX);
    expect(back.status).toBe('ok');
    expect(back.end).toBe(99);
    expect(Buffer.from(back.bytes).equals(Buffer.from(good()))).toBe(true);
  });

  test('an answer longer than the ask, a length past the frame, bytes with a refusal, or an unknown status is refused', () => {
    const answer = (status: number, length: number, body: Uint8Array) => {
      const w = new Writer();
      w.int8(status);
      w.int64(5);
      w.int32(length);
      w.raw(body);
      return new Reader(w.bytes());
    };
    expect(() => readRangeAnswer(answer(0, 100, new Uint8Array(100)), 99)).toThrow();
    expect(() => readRangeAnswer(answer(0, 1 << 30, new Uint8Array(10)), RANGE_BYTES_MAX)).toThrow();
    expect(() => readRangeAnswer(answer(0, 50, new Uint8Array(10)), RANGE_BYTES_MAX)).toThrow();
    expect(() => readRangeAnswer(answer(1, 10, new Uint8Array(10)), RANGE_BYTES_MAX)).toThrow();
    expect(() => readRangeAnswer(answer(9, 0, new Uint8Array(0)), RANGE_BYTES_MAX)).toThrow();
    const bad = new Writer();
    writeRangeRequest(bad, { group: 'g', from: -4, prevTerm: 1, bytesMax: 10 });
    expect(() => readRangeRequest(new Reader(bad.bytes()))).toThrow();
  });
});

describe('serveRange', () => {
  const data = (at: number, term: number, n = 2): Entry => ({ kind: 'data', firstIndex: at, lastIndex: at + n - 1, term, payload: batch(at, term, n) });
  const member = (at: number, term: number): Entry => ({ kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'membership', membership: membership([1, 2]) } });

  async function served() {
    const fs = new SimStorageFs();
    const log = PartitionLog.open('/n/kafka/t/0', {}, { fs, clock: new ManualClock(), crc32c });
    const raftLog = PartitionRaftLog.open(log, undefined, membership([1, 2, 3]));
    // [0,1]@1 [2,3]@1 [4,5]@2 [6]@2 membership [7,8]@2, flushed; then [9,10]@2 not flushed.
    raftLog.persist([data(0, 1), data(2, 1), data(4, 2), member(6, 2), data(7, 2)]);
    await log.flush();
    raftLog.persist([data(9, 2)]);
    return raftLog;
  }
  const req = (from: number, prevTerm: number, bytesMax = 1 << 20) => ({ group: 't:0', from, prevTerm, bytesMax });

  test('committed batches after a matching point, up to the commit', async () => {
    const log = await served();
    const r = serveRange(log, 3, req(0, 0));
    expect(r.status).toBe('ok');
    expect(r.lastIndex).toBe(3);
    expect(checkChunk(r.bytes, { firstIndex: 0, prevTerm: 0, termMax: 2, bytesMax: RANGE_BYTES_MAX })).toMatchObject({ ok: true, lastIndex: 3 });
    expect(serveRange(log, 3, req(2, 1))).toMatchObject({ status: 'ok', lastIndex: 3 });
  });

  test('never past the commit, the flushed log, or a membership entry', async () => {
    const log = await served();
    expect(serveRange(log, 1, req(2, 1))).toMatchObject({ status: 'nothing_committed', end: 1 });
    // Committed to 10, but [9,10] is not flushed here and 6 is a membership entry.
    expect(serveRange(log, 10, req(4, 1))).toMatchObject({ status: 'ok', lastIndex: 5, end: 5 });
    expect(serveRange(log, 10, req(6, 2))).toMatchObject({ status: 'nothing_committed' });
    expect(serveRange(log, 10, req(7, 2))).toMatchObject({ status: 'ok', lastIndex: 8, end: 8 });
  });

  test('a point the log does not hold with that term: diverged; before the log start: behind it', async () => {
    const log = await served();
    expect(serveRange(log, 8, req(4, 2)).status).toBe('diverged');
    expect(serveRange(log, 8, req(20, 2)).status).toBe('diverged');
    await log.log.flush();
    const meta = log.beginCompaction(3)!;
    log.finishCompaction(meta);
    expect(serveRange(log, 8, req(2, 1)).status).toBe('behind_log_start');
    expect(serveRange(log, 8, req(4, 1))).toMatchObject({ status: 'ok', lastIndex: 5 });
  });
});
