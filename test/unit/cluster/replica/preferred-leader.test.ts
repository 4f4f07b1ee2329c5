// Preferred leaders (src/cluster/replica/preferred-leader.ts): the preferred election a leader
// runs (Kafka's PREFERRED ElectLeaders outcomes) and the brokers the automatic rebalance acts
// for (KafkaController.checkAndTriggerAutoLeaderRebalance's imbalance ratio against
// leader.imbalance.per.broker.percentage).

import { describe, expect, test } from 'bun:test';
import { imbalancedBrokers, preferredElection } from '../../../../src/cluster/replica/preferred-leader.ts';

describe('a preferred election on the leader', () => {
  test('the preferred replica leading is ELECTION_NOT_NEEDED; in sync it gets the leadership; out of sync or not a voter it is not available', () => {
    expect(preferredElection(1, [1, 2, 3], [1, 2, 3], [1])).toEqual({ kind: 'not_needed' });
    expect(preferredElection(2, [1, 2, 3], [1, 2, 3], [1, 2, 3])).toEqual({ kind: 'transfer', to: 1 });
    expect(preferredElection(2, [1, 2, 3], [1, 2, 3], [2, 3]).kind).toBe('not_available');
    expect(preferredElection(2, [1, 2, 3], [2, 3], [2, 3]).kind).toBe('not_available');
    expect(preferredElection(2, [], [2, 3], [2, 3])).toEqual({ kind: 'not_needed' });
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
