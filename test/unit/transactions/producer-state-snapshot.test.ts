// Snapshot round trips, replay after a snapshot, and refusal of corrupt bytes.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { ProducerState, type AppendedBatch } from '../../../src/transactions/producer-state.ts';
import { decodeSnapshot } from '../../../src/transactions/producer-state-snapshot.ts';

const T0 = 1_700_000_000_000;
const options = { clock: new ManualClock(T0) };

/** A deterministic pseudo-random log of batches from a few producers, some epochs bumped. */
function makeLog(seed: number, count: number): AppendedBatch[] {
  let x = seed;
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const seqs = new Map<number, { epoch: number; seq: number }>();
  const log: AppendedBatch[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const records = 1 + rand(4);
    const pick = rand(8);
    let b: AppendedBatch;
    if (pick === 0) {
      b = { producerId: -1, producerEpoch: -1, baseSequence: -1, lastOffsetDelta: records - 1, maxTimestamp: T0 + i, baseOffset: offset, isControl: false };
    } else {
      const p = seqs.get(pick) ?? { epoch: 0, seq: 0 };
      if (rand(20) === 0) {
        p.epoch++;
        p.seq = 0;
      }
      b = { producerId: pick * 1000, producerEpoch: p.epoch, baseSequence: p.seq, lastOffsetDelta: records - 1, maxTimestamp: T0 + i, baseOffset: offset, isControl: false };
      p.seq += records;
      seqs.set(pick, p);
    }
    log.push(b);
    offset += records;
  }
  return log;
}

function liveState(log: AppendedBatch[]): ProducerState {
  const s = new ProducerState(options);
  for (const b of log) {
    expect(s.check(b).kind).toBe('append');
    s.record(b, b.baseOffset);
  }
  return s;
}

function load(bytes: Uint8Array): ProducerState {
  const r = ProducerState.fromSnapshot(bytes, options);
  if (!r.ok) throw new Error(r.error.reason);
  return r.state;
}

describe('snapshot', () => {
  test('round trip gives the same state', () => {
    const live = liveState(makeLog(1, 200));
    const bytes = live.snapshot();
    const loaded = load(bytes);
    expect(loaded.endOffset).toBe(live.endOffset);
    expect(loaded.producerCount).toBe(live.producerCount);
    expect(loaded.snapshot()).toEqual(bytes);
    for (const e of live.activeProducers()) {
      const f = loaded.entry(e.producerId)!;
      expect(f.producerEpoch).toBe(e.producerEpoch);
      expect(f.lastTimestamp).toBe(e.lastTimestamp);
      expect(f.batchMetadata).toEqual(e.batchMetadata);
    }
  });

  test('an empty state round-trips', () => {
    const loaded = load(new ProducerState(options, 42).snapshot());
    expect(loaded.endOffset).toBe(42);
    expect(loaded.producerCount).toBe(0);
  });

  test('snapshot + replay of the rest equals the live state, and answers duplicates the same', () => {
    for (const seed of [2, 3, 4, 5]) {
      const log = makeLog(seed, 300);
      const cut = 50 + seed * 30;
      const partial = liveState(log.slice(0, cut));
      const recovered = load(partial.snapshot());
      // Recovery replays from a segment boundary below the snapshot offset: covered batches are skipped.
      for (const b of log.slice(cut - 20)) recovered.replay(b);
      const live = liveState(log);
      expect(recovered.snapshot()).toEqual(live.snapshot());
      for (const b of log.slice(-10)) expect(recovered.check(b)).toEqual(live.check(b));
    }
  });

  test('a replayed transaction marker moves the epoch and clears the batches', () => {
    const s = liveState(makeLog(6, 20));
    const marker: AppendedBatch = { producerId: 1000, producerEpoch: 9, baseSequence: -1, lastOffsetDelta: 0, maxTimestamp: T0 + 99, baseOffset: s.endOffset, isControl: true };
    s.replay(marker);
    expect(s.entry(1000)?.producerEpoch).toBe(9);
    expect(s.entry(1000)?.isEmpty).toBe(true);
    const next: AppendedBatch = { ...marker, baseSequence: 0, isControl: false };
    expect(s.check(next).kind).toBe('append');
    expect(s.check({ ...next, baseSequence: 1 })).toMatchObject({ kind: 'error' });
    expect(load(s.snapshot()).entry(1000)?.lastTimestamp).toBe(T0 + 99);
  });
});

describe('corrupt snapshots are refused with a typed error', () => {
  const good = liveState(makeLog(7, 60)).snapshot();

  function refused(bytes: Uint8Array): void {
    const r = ProducerState.fromSnapshot(bytes, options);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('corrupt_snapshot');
  }

  test('every flipped byte is caught', () => {
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i] ^= 0x40;
      refused(bad);
    }
  });

  test('every truncation is caught', () => {
    for (let n = 0; n < good.length; n++) refused(good.subarray(0, n));
  });

  test('an unknown version is refused', () => {
    const bad = good.slice();
    new DataView(bad.buffer).setInt16(0, 2);
    refused(bad);
  });

  /** Rewrites the CRC so that only the structure checks can catch the damage. */
  function withCrc(bytes: Uint8Array): Uint8Array {
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(2, crc32c(bytes, 6, bytes.length));
    return bytes;
  }

  test('structurally bad bytes with a valid CRC are refused, never thrown', () => {
    const hugeCount = good.slice();
    new DataView(hugeCount.buffer).setInt32(14, 0x7fffffff);
    refused(withCrc(hugeCount));
    const negCount = good.slice();
    new DataView(negCount.buffer).setInt32(14, -1);
    refused(withCrc(negCount));
    const tooManyBatches = good.slice();
    new DataView(tooManyBatches.buffer).setInt8(18 + 18, 6);
    refused(withCrc(tooManyBatches));
    const trailing = new Uint8Array(good.length + 3);
    trailing.set(good);
    refused(withCrc(trailing));
    const endBelowBatches = good.slice();
    new DataView(endBelowBatches.buffer).setUint32(6 + 4, 1);
    refused(withCrc(endBelowBatches));
  });

  test('random bytes never throw', () => {
    let x = 99;
    for (let i = 0; i < 2000; i++) {
      const len = i % 200;
      const bytes = new Uint8Array(len);
      for (let j = 0; j < len; j++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        bytes[j] = x & 0xff;
      }
      if (len >= 6) withCrc(bytes);
      expect(() => decodeSnapshot(bytes)).not.toThrow();
    }
  });
});
