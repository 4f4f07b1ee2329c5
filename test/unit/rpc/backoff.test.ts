// Reconnect backoff (src/rpc/backoff.ts), Kafka's formula: min * 2^(failures-1), capped at max,
// times a factor drawn from [1 - jitter, 1 + jitter) of the injected Random.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { backoffMs } from '../../../src/rpc/backoff.ts';

const POLICY = { minMs: 50, maxMs: 1000, jitter: 0.2 };
const fixed = (x: number) => ({ next: () => x, bytes: (n: number) => new Uint8Array(n) });

describe('rpc backoff', () => {
  test('doubles from min and stops at max (no jitter at the middle of its range)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(POLICY, n, fixed(0.5)))).toEqual([50, 100, 200, 400, 800, 1000, 1000, 1000]);
  });

  test('jitter stays within +-20% and spreads the delays; the same seed gives the same delays', () => {
    const draw = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 200 }, (_, i) => backoffMs(POLICY, 1 + (i % 8), rng));
    };
    const a = draw(1);
    a.forEach((d, i) => {
      const term = Math.min(50 * 2 ** (i % 8), 1000);
      expect(d).toBeGreaterThanOrEqual(Math.floor(term * 0.8));
      expect(d).toBeLessThanOrEqual(Math.ceil(term * 1.2));
    });
    expect(new Set(a.filter((_, i) => i % 8 === 7)).size).toBeGreaterThan(10);
    expect(draw(1)).toEqual(a);
    expect(draw(2)).not.toEqual(a);
    expect(backoffMs(POLICY, 9, fixed(0))).toBe(800);
    expect(backoffMs(POLICY, 9, fixed(0.9999))).toBe(1200);
  });

  test('without jitter, or with min at max, the delay is exact', () => {
    expect(backoffMs({ ...POLICY, jitter: 0 }, 3, fixed(0.9))).toBe(200);
    expect(backoffMs({ minMs: 300, maxMs: 300, jitter: 0 }, 7, fixed(0.3))).toBe(300);
  });
});
