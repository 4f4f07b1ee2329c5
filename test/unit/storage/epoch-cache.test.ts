import { describe, expect, test } from 'bun:test';
import { EpochCache } from '../../../src/storage/epoch-cache.ts';
import { OffsetIndex, TimeIndex } from '../../../src/storage/indexes.ts';
import { segmentsToDelete } from '../../../src/storage/retention.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { readCheckpoint, writeCheckpoint } from '../../../src/storage/checkpoint.ts';

describe('EpochCache.endOffsetFor (Kafka LeaderEpochFileCache semantics)', () => {
  const cache = () => new EpochCache([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }, { epoch: 5, startOffset: 20 }]);
  test.each([
    [-1, -1, -1], // undefined epoch
    [5, 5, 30], // the latest epoch ends at the log end
    [3, 3, 20], // a known epoch ends where the next begins
    [4, 3, 20], // unknown epoch between: the greatest lower one, ending where the next begins
    [2, 1, 10],
    [0, 0, 0], // older than all known: the requested epoch, ending at the first start
    [6, -1, -1], // newer than all known
  ])('epoch %i -> (%i, %i)', (requested, epoch, endOffset) => {
    expect(cache().endOffsetFor(requested, 30)).toEqual({ epoch, endOffset });
  });

  test('an empty cache knows nothing', () => {
    expect(new EpochCache().endOffsetFor(0, 0)).toEqual({ epoch: -1, endOffset: -1 });
  });

  test('truncation from either end', () => {
    const c = cache();
    c.truncateFromEnd(20);
    expect(c.latestEpoch).toBe(3);
    c.truncateFromStart(15);
    expect(c.all()).toEqual([{ epoch: 3, startOffset: 15 }]);
    expect(c.epochAt(14)).toBe(-1);
    expect(c.epochAt(100)).toBe(3);
  });

  test('assign rejects going back in epochs', () => {
    const c = cache();
    c.assign(5, 25); // same epoch: no-op
    expect(c.all().length).toBe(3);
    expect(() => c.assign(4, 30)).toThrow();
    // An entry at the same start offset is replaced (the marker of an emptied log), as in Kafka.
    c.assign(6, 20);
    expect(c.all().at(-1)).toEqual({ epoch: 6, startOffset: 20 });
    expect(c.all().length).toBe(3);
  });
});

describe('indexes', () => {
  test('offset index lookups give the greatest entry <= target', () => {
    const idx = new OffsetIndex();
    for (let i = 0; i < 100; i++) idx.append(i * 10, i * 1000);
    expect(idx.lookup(0)).toBe(0);
    expect(idx.lookup(55)).toBe(5000);
    expect(idx.lookup(10_000)).toBe(99_000);
    idx.truncateTo(50);
    expect(idx.count).toBe(5);
    const back = OffsetIndex.fromBytes(idx.toBytes(), 100_000, 1000, 100);
    expect(back?.lookup(45)).toBe(4000);
  });

  test('a corrupt offset index fails the sanity check', () => {
    const idx = new OffsetIndex();
    idx.append(5, 100);
    idx.append(9, 200);
    const bytes = idx.toBytes();
    expect(OffsetIndex.fromBytes(bytes, 150, 100, 10)).toBeNull(); // position past the log
    expect(OffsetIndex.fromBytes(bytes, 1000, 8, 10)).toBeNull(); // offset past the segment
    expect(OffsetIndex.fromBytes(bytes.subarray(0, 12), 1000, 100, 10)).toBeNull(); // torn
    expect(OffsetIndex.fromBytes(bytes, 1000, 100, 1)).toBeNull(); // too many entries
  });

  test('time index: last entry below a timestamp', () => {
    const t = new TimeIndex();
    t.maybeAppend(100, 0);
    t.maybeAppend(90, 3); // not a new maximum: ignored
    t.maybeAppend(200, 5);
    expect(t.count).toBe(2);
    expect(t.lastBelow(100)).toBe(-1);
    expect(t.lastBelow(101)).toBe(0);
    expect(t.lastBelow(1000)).toBe(5);
    expect(TimeIndex.fromBytes(t.toBytes(), 6)?.last()).toEqual({ timestamp: 200, relOffset: 5 });
  });
});

describe('retention choice', () => {
  const segs = [
    { baseOffset: 0, nextOffset: 10, sizeBytes: 100, maxTimestamp: 1000 },
    { baseOffset: 10, nextOffset: 20, sizeBytes: 100, maxTimestamp: 2000 },
    { baseOffset: 20, nextOffset: 30, sizeBytes: 100, maxTimestamp: 500 },
  ];
  test('by time stops at the first young segment and never takes the active one', () => {
    expect(segmentsToDelete(segs, { retentionMs: 1000, retentionBytes: Infinity }, 2500, 0).count).toBe(1);
    expect(segmentsToDelete(segs, { retentionMs: 1, retentionBytes: Infinity }, 1e9, 0).count).toBe(2);
  });
  test('by bytes and by log start offset', () => {
    expect(segmentsToDelete(segs, { retentionMs: Infinity, retentionBytes: 150 }, 0, 0).reasons).toEqual(['size']);
    expect(segmentsToDelete(segs, { retentionMs: Infinity, retentionBytes: Infinity }, 0, 20).reasons).toEqual(['log_start', 'log_start']);
  });
});

test('checkpoints round-trip and reject garbage', () => {
  const fs = new SimStorageFs();
  fs.mkdirp('/d');
  writeCheckpoint(fs, '/d', 'cp', [[1, 0], [4, 100]]);
  expect(readCheckpoint(fs, '/d', 'cp', 2)).toEqual([[1, 0], [4, 100]]);
  expect(readCheckpoint(fs, '/d', 'cp', 1)).toBeNull();
  expect(readCheckpoint(fs, '/d', 'missing', 1)).toBeNull();
  fs.crash(); // written atomically and durably
  expect(readCheckpoint(fs, '/d', 'cp', 2)).toEqual([[1, 0], [4, 100]]);
});
