// The classic consumer protocol's assignors against the worked examples in Apache Kafka's
// RangeAssignor.java and RoundRobinAssignor.java class comments, and the member ordering of
// AbstractPartitionAssignor.MemberInfo.compareTo.

import { describe, expect, test } from 'bun:test';
import { type GroupAssignment, type MemberSubscription, rangeAssign, roundRobinAssign } from '../../../src/client/assignors.ts';

const m = (memberId: string, topics: string[], groupInstanceId: string | null = null): MemberSubscription => ({ memberId, groupInstanceId, topics });
const show = (a: GroupAssignment): Record<string, string[]> => Object.fromEntries([...a].map(([id, ps]) => [id, ps.map((p) => `${p.topic}p${p.partition}`)]));

describe('RangeAssignor', () => {
  test('Kafka example: C0, C1 on t0, t1 of 3 partitions each', () => {
    // "C0: [t0p0, t0p1, t1p0, t1p1]  C1: [t0p2, t1p2]"
    const a = rangeAssign([m('C1', ['t0', 't1']), m('C0', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(show(a)).toEqual({ C0: ['t0p0', 't0p1', 't1p0', 't1p1'], C1: ['t0p2', 't1p2'] });
  });

  test('each topic is split among its own subscribers only', () => {
    const a = rangeAssign([m('a', ['x']), m('b', ['x', 'y']), m('c', ['y'])], new Map([['x', 4], ['y', 1]]));
    expect(show(a)).toEqual({ a: ['xp0', 'xp1'], b: ['xp2', 'xp3', 'yp0'], c: [] });
  });

  test('more members than partitions: the last ones get nothing; unknown topics are skipped', () => {
    const a = rangeAssign([m('a', ['t', 'gone']), m('b', ['t']), m('c', ['t'])], new Map([['t', 2]]));
    expect(show(a)).toEqual({ a: ['tp0'], b: ['tp1'], c: [] });
  });

  test('static members sort before dynamic ones, by instance id', () => {
    const a = rangeAssign([m('a', ['t']), m('z', ['t'], 'i2'), m('y', ['t'], 'i1')], new Map([['t', 3]]));
    expect(show(a)).toEqual({ y: ['tp0'], z: ['tp1'], a: ['tp2'] });
  });
});

describe('RoundRobinAssignor', () => {
  test('Kafka example 1: identical subscriptions, C0, C1 on t0, t1 of 3 partitions', () => {
    // "C0: [t0p0, t0p2, t1p1]  C1: [t0p1, t1p0, t1p2]"
    const a = roundRobinAssign([m('C0', ['t0', 't1']), m('C1', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(show(a)).toEqual({ C0: ['t0p0', 't0p2', 't1p1'], C1: ['t0p1', 't1p0', 't1p2'] });
  });

  test('Kafka example 2: C0 on t0; C1 on t0, t1; C2 on t0, t1, t2 (1, 2, 3 partitions)', () => {
    // "C0: [t0p0]  C1: [t1p0]  C2: [t1p1, t2p0, t2p1, t2p2]"
    const a = roundRobinAssign([m('C2', ['t0', 't1', 't2']), m('C0', ['t0']), m('C1', ['t0', 't1'])], new Map([['t0', 1], ['t1', 2], ['t2', 3]]));
    expect(show(a)).toEqual({ C2: ['t1p1', 't2p0', 't2p1', 't2p2'], C0: ['t0p0'], C1: ['t1p0'] });
  });

  test('no members: an empty assignment', () => {
    expect(roundRobinAssign([], new Map([['t', 3]])).size).toBe(0);
  });
});
