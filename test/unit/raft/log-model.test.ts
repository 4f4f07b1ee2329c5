// The log model: an entry is a batch covering offsets [firstIndex, lastIndex] with one term;
// the storage answers by offset, whole batches, and is cut only at batch starts. The in-memory
// storage is the reference a PartitionLog adapter must answer like.

import { describe, expect, test } from 'bun:test';
import { AssertionError } from '../../../src/base/assert.ts';
import { MemoryRaftStorage, membership } from '../../../src/raft/core/index.ts';
import { dataEntry, storageWith } from './harness.ts';

const ranges = (s: MemoryRaftStorage) => s.allEntries().map((e) => [e.firstIndex, e.lastIndex, e.term]);

describe('the log model', () => {
  // 0@t1, 1..3@t1, 4..8@t2, 9@t2
  const log = () => storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 3, 1), dataEntry(4, 8, 2), dataEntry(9, 9, 2)], { commit: 3 });

  test('every offset of a batch has the batch term; offsets outside the log have none', () => {
    const s = log();
    expect([s.term(-1), s.term(0), s.term(2), s.term(4), s.term(7), s.term(9), s.term(10)]).toEqual([0, 1, 1, 2, 2, 2, null]);
  });

  test('entries(from) starts with the batch holding `from` and stops at a byte budget, one batch at least', () => {
    const s = log();
    expect(s.entries(6, 0).map((e) => e.firstIndex)).toEqual([4]);
    expect(s.entries(2, 2).map((e) => e.firstIndex)).toEqual([1, 4]);
    expect(s.entries(0, 1000).map((e) => e.firstIndex)).toEqual([0, 1, 4, 9]);
  });

  test('appending at a batch start cuts the suffix from there; cutting inside a batch is a bug', () => {
    const s = log();
    s.append([dataEntry(4, 4, 3)]);
    expect(ranges(s)).toEqual([
      [0, 0, 1],
      [1, 3, 1],
      [4, 4, 3],
    ]);
    expect(() => log().append([dataEntry(6, 6, 3)])).toThrow(AssertionError);
  });

  test('compaction keeps the term and the membership of the point it compacts to', () => {
    const s = log();
    const change = { kind: 'control' as const, firstIndex: 10, lastIndex: 10, term: 2, control: { type: 'membership' as const, membership: membership([1, 2]) } };
    s.append([change, dataEntry(11, 12, 2)]);
    s.compact(10);
    expect(s.snapshot()).toEqual({ index: 10, term: 2, membership: membership([1, 2]) });
    expect([s.firstIndex(), s.lastIndex(), s.term(10), s.term(9)]).toEqual([11, 12, 2, null]);
  });

  test('the initial state lists the membership at the commit index and every later one', () => {
    const s = MemoryRaftStorage.bootstrap(membership([1, 2, 3]));
    const m = (index: number, voters: number[]) => ({ kind: 'control' as const, firstIndex: index, lastIndex: index, term: 1, control: { type: 'membership' as const, membership: membership(voters) } });
    s.append([dataEntry(0, 0, 1), m(1, [1, 2, 3, 4]), m(2, [1, 2, 3]), dataEntry(3, 3, 1), m(4, [1, 2])]);
    s.setHardState({ term: 1, vote: null, commit: 3 });
    expect(s.initialState().memberships).toEqual([
      { index: 2, membership: membership([1, 2, 3]) },
      { index: 4, membership: membership([1, 2]) },
    ]);
  });
});
