// Preferred leaders (src/cluster/replica/preferred-leader.ts): the preferred election a leader
// runs (Kafka's PREFERRED ElectLeaders outcomes) and the brokers the automatic rebalance acts
// for (KafkaController.checkAndTriggerAutoLeaderRebalance's imbalance ratio against
// leader.imbalance.per.broker.percentage).

import { describe, expect, test } from 'bun:test';
import { drainTarget, imbalancedBrokers, preferredElection } from '../../../../src/cluster/replica/preferred-leader.ts';

describe('a preferred election on the leader', () => {
  test('the preferred replica leading is ELECTION_NOT_NEEDED; in sync it gets the leadership; out of sync or not a voter it is not available', () => {
    expect(preferredElection(1, [1, 2, 3], [1, 2, 3], [1])).toEqual({ kind: 'not_needed' });
    expect(preferredElection(2, [1, 2, 3], [1, 2, 3], [1, 2, 3])).toEqual({ kind: 'transfer', to: 1 });
    expect(preferredElection(2, [1, 2, 3], [1, 2, 3], [2, 3]).kind).toBe('not_available');
    expect(preferredElection(2, [1, 2, 3], [2, 3], [2, 3]).kind).toBe('not_available');
    expect(preferredElection(2, [], [2, 3], [2, 3])).toEqual({ kind: 'not_needed' });
  });
});

describe('maintenance mode (Redpanda\'s drain: a node in maintenance takes no leadership)', () => {
  test('a preferred replica in maintenance is not available; the others are unaffected', () => {
    const m = new Set([1]);
    expect(preferredElection(2, [1, 2, 3], [1, 2, 3], [1, 2, 3], m)).toEqual({ kind: 'not_available', reason: 'the preferred replica 1 is in maintenance mode' });
    expect(preferredElection(3, [2, 1, 3], [1, 2, 3], [1, 2, 3], m)).toEqual({ kind: 'transfer', to: 2 });
  });

  test('a draining leader hands over to the first in-sync voter not in maintenance, in assignment order; none: null', () => {
    const m = new Set([2]);
    expect(drainTarget(2, [2, 3, 1], [1, 2, 3], [1, 2, 3], m)).toBe(3);
    expect(drainTarget(2, [2, 3, 1], [1, 2, 3], [1, 2], m)).toBe(1); // 3 is out of sync
    expect(drainTarget(2, [2, 3, 1], [2, 3], [2, 3], m)).toBe(3); // 1 is not a voter (a move)
    expect(drainTarget(2, [2, 3], [2, 3], [2], m)).toBeNull(); // nobody in sync: nothing can move
    expect(drainTarget(2, [2], [2], [2], m)).toBeNull();
    expect(drainTarget(2, [2, 3], [2, 3], [2, 3], new Set([2, 3]))).toBeNull();
  });
});

describe('the imbalance ratio per broker', () => {
  const placed = (preferred: number, count: number, ledElsewhere: number) =>
    Array.from({ length: count }, (_, i) => ({ replicas: [preferred, preferred + 10], leaderId: i < ledElsewhere ? preferred + 10 : preferred }));

  test('a broker is imbalanced once the share of its preferred partitions it does not lead is above the percentage', () => {
    expect([...imbalancedBrokers(placed(1, 10, 1), 10)]).toEqual([]); // 10%: not above 10%
    expect([...imbalancedBrokers(placed(1, 10, 2), 10)]).toEqual([1]);
    expect([...imbalancedBrokers(placed(1, 10, 1), 0)]).toEqual([1]);
    expect([...imbalancedBrokers(placed(1, 10, 10), 100)]).toEqual([]);
  });

  test('each broker is judged on its own preferred partitions; an unknown leader counts as not led', () => {
    const all = [...placed(1, 4, 0), ...placed(2, 4, 1), { replicas: [3, 1], leaderId: -1 }];
    expect([...imbalancedBrokers(all, 10)].sort()).toEqual([2, 3]);
    expect([...imbalancedBrokers(all, 30)].sort()).toEqual([3]);
  });
});
