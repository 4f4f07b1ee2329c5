// The partition checker on hand-made histories: each property it holds, shown failing.

import { expect, test } from 'bun:test';
import { PartitionChecker } from './checker.ts';

const rec = (offset: number, value: string) => ({ offset, value });

test('a history that keeps every guarantee passes', () => {
  const c = new PartitionChecker();
  c.committed(0, 'n1', [rec(0, 'control@1'), rec(1, 'p1s0'), rec(2, 'p1s1')]);
  c.acknowledged(0, 'n1', ['p1s0', 'p1s1'], 1);
  c.consumed(0, 'n1', [rec(1, 'p1s0')]);
  c.committed(0, 'n2', [rec(0, 'control@1'), rec(1, 'p1s0'), rec(2, 'p1s1'), rec(3, 'p2s0')]);
  c.leaderHighWatermark(0, 1, 1, 1, 3);
  c.leaderHighWatermark(0, 1, 1, 1, 4);
  c.finalCheck(0, 4);
});

test('two replicas holding different records below their high watermarks: divergence', () => {
  const c = new PartitionChecker();
  c.committed(0, 'n1', [rec(0, 'control@1'), rec(1, 'p1s0')]);
  expect(() => c.committed(0, 'n2', [rec(0, 'control@1'), rec(1, 'p2s0')])).toThrow(/divergence/);
});

test('a record committed twice: duplicate', () => {
  const c = new PartitionChecker();
  expect(() => c.committed(0, 'n1', [rec(0, 'p1s0'), rec(1, 'p1s0')])).toThrow(/duplicate/);
});

test("a producer's records committed out of order, or with a gap: out of sequence", () => {
  expect(() => new PartitionChecker().committed(0, 'n1', [rec(0, 'p1s1'), rec(1, 'p1s0')])).toThrow(/out of sequence/);
  expect(() => new PartitionChecker().committed(0, 'n1', [rec(0, 'p1s0'), rec(1, 'p1s2')])).toThrow(/out of sequence/);
});

test('an acknowledged record whose offset the committed log then fills with another: lost', () => {
  const c = new PartitionChecker();
  c.acknowledged(0, 'n1', ['p1s0'], 1);
  expect(() => c.committed(0, 'n2', [rec(0, 'control@1'), rec(1, 'control@2')])).toThrow(/acknowledged record lost/);
  const d = new PartitionChecker();
  d.committed(0, 'n1', [rec(0, 'p2s0')]);
  expect(() => d.acknowledged(0, 'n1', ['p1s0'], 0)).toThrow(/acknowledged record lost/);
});

test('an acknowledged record the converged log never reaches: lost', () => {
  const c = new PartitionChecker();
  c.committed(0, 'n1', [rec(0, 'control@1')]);
  c.acknowledged(0, 'n1', ['p1s0'], 1);
  expect(() => c.finalCheck(0, 1)).toThrow(/acknowledged record lost/);
});

test('a record a consumer read that the committed log replaces, or never holds: vanished', () => {
  const c = new PartitionChecker();
  c.consumed(0, 'n1', [rec(0, 'p1s0')]);
  expect(() => c.committed(0, 'n2', [rec(0, 'control@2')])).toThrow(/consumer read vanished/);
  const d = new PartitionChecker();
  d.consumed(0, 'n1', [rec(0, 'p1s0')]);
  expect(() => d.finalCheck(0, 0)).toThrow(/consumer read vanished/);
});

test("a leader's high watermark going back in one life and term; a new term or life may start lower", () => {
  const c = new PartitionChecker();
  c.leaderHighWatermark(0, 1, 1, 3, 10);
  c.leaderHighWatermark(0, 1, 1, 4, 8);
  c.leaderHighWatermark(0, 1, 2, 3, 5);
  expect(() => c.leaderHighWatermark(0, 1, 1, 3, 9)).toThrow(/went back from 10 to 9/);
});

test('a replica reporting past the committed end: a gap', () => {
  expect(() => new PartitionChecker().committed(0, 'n1', [rec(1, 'p1s0')])).toThrow(/past the committed end/);
});
