// Replica placement (Kafka's StripedReplicaPlacer without racks): leaders go round the
// brokers, so over any whole round each broker leads once and holds as many replicas as any
// other; replicas of a partition are distinct; a leader is never fenced; new partitions of a
// topic continue after its last leader; Kafka's refusals. The evenness check is shown failing
// for a placer that always starts at the first broker.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../../src/base/prng.ts';
import { placeReplicas, type UsableBroker } from '../../../../src/cluster/controller/placement.ts';

type Placer = (brokers: UsableBroker[], count: number, rf: number, seed: number) => number[][];

const striped: Placer = (brokers, count, rf, seed) => {
  const r = placeReplicas(brokers, count, rf, new Prng(seed));
  if ('error' in r) throw new Error(r.error);
  return r;
};

const brokers = (n: number, fenced: number[] = []) => Array.from({ length: n }, (_, i) => ({ nodeId: i * 10, fenced: fenced.includes(i * 10) }));

/** How unevenly `placer` spreads leaders and replicas over whole rounds, for many shapes; '' when evenly. */
function unevenness(placer: Placer): string {
  for (let n = 1; n <= 7; n++) {
    for (let rf = 1; rf <= n; rf++) {
      for (const rounds of [1, 2, 5]) {
        for (const seed of [1, 2, 3]) {
          const placed = placer(brokers(n), n * rounds, rf, seed);
          const leaders = new Map<number, number>();
          const replicas = new Map<number, number>();
          for (const list of placed) {
            if (list.length !== rf || new Set(list).size !== rf) return `n=${n} rf=${rf}: list ${list}`;
            leaders.set(list[0], (leaders.get(list[0]) ?? 0) + 1);
            for (const id of list) replicas.set(id, (replicas.get(id) ?? 0) + 1);
          }
          const even = (m: Map<number, number>, each: number) => m.size === n && [...m.values()].every((c) => c === each);
          if (!even(leaders, rounds)) return `n=${n} rf=${rf} rounds=${rounds}: leaders ${[...leaders]}`;
          if (!even(replicas, rounds * rf)) return `n=${n} rf=${rf} rounds=${rounds}: replicas ${[...replicas]}`;
        }
      }
    }
  }
  return '';
}

describe('striped placement', () => {
  test('over whole rounds every broker leads as often, and holds as many replicas, as any other', () => {
    expect(unevenness(striped)).toBe('');
  });

  test('the check catches a placer that always starts at the first broker', () => {
    const firstAlways: Placer = (b, count, rf) => Array.from({ length: count }, () => b.slice(0, rf).map((x) => x.nodeId));
    expect(unevenness(firstAlways)).toContain('leaders');
  });

  test("the stripe: consecutive partitions start one broker further, as Kafka's placer does", () => {
    const placed = striped(brokers(3), 3, 2, 1);
    const start = placed[0][0] / 10;
    const at = (k: number) => ((start + k) % 3) * 10;
    expect(placed).toEqual([[at(0), at(1)], [at(1), at(2)], [at(2), at(0)]]);
  });

  test('partial rounds: leaders differ by at most one', () => {
    for (let count = 1; count <= 20; count++) {
      const leaders = new Map<number, number>();
      for (const list of striped(brokers(4), count, 3, count)) leaders.set(list[0], (leaders.get(list[0]) ?? 0) + 1);
      const counts = [0, 10, 20, 30].map((id) => leaders.get(id) ?? 0);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  test('a leader is never fenced; fenced brokers are used only when the unfenced run out', () => {
    const b = brokers(4, [0, 20]);
    for (const seed of [1, 2, 3, 4]) {
      for (const list of striped(b, 12, 3, seed)) {
        expect([10, 30]).toContain(list[0]);
        expect(list.filter((id) => id === 10 || id === 30).length).toBe(2);
      }
    }
  });

  test('new partitions of a topic continue after its last leader', () => {
    expect(placeReplicas(brokers(3), 2, 1, new Prng(9), 10)).toEqual([[20], [0]]);
    expect(placeReplicas(brokers(3), 1, 1, new Prng(9), 20)).toEqual([[0]]);
  });

  test('the same seed places the same way; the start is drawn from it', () => {
    expect(striped(brokers(5), 10, 3, 42)).toEqual(striped(brokers(5), 10, 3, 42));
    const starts = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => striped(brokers(5), 1, 1, seed)[0][0]));
    expect(starts.size).toBeGreaterThan(1);
  });

  test("Kafka's refusals", () => {
    expect(placeReplicas(brokers(2), 1, 3, new Prng(1))).toEqual({ error: 'The target replication factor of 3 cannot be reached because only 2 broker(s) are registered.' });
    expect(placeReplicas(brokers(2, [0, 10]), 1, 1, new Prng(1))).toEqual({ error: 'All brokers are currently fenced.' });
    expect(placeReplicas(brokers(2), 1, 0, new Prng(1))).toEqual({ error: 'Invalid replication factor 0: the replication factor must be positive.' });
    expect(placeReplicas([], 1, 1, new Prng(1))).toEqual({ error: 'All brokers are currently fenced.' });
  });
});
