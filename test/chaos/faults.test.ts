// The fault schedule (faults.ts): the seed alone decides it; every fault starts after a gap and
// ends within the run; kinds and victims come from those allowed; victims resolve by role.

import { describe, expect, test } from 'bun:test';
import { type FaultKind, planFaults, type ScheduleParams, victimOf, victimPartition } from './faults.ts';

const PARAMS: ScheduleParams = {
  seed: 1,
  durationMs: 60_000,
  victims: ['leader', 'follower'],
  kinds: ['kill9', 'pause', 'isolate'],
  gapMs: { min: 800, max: 2_500 },
  holdMs: { min: 300, max: 2_500 },
};

describe('fault schedule', () => {
  test('the same seed gives the same schedule; another seed another', () => {
    expect(planFaults(PARAMS)).toEqual(planFaults({ ...PARAMS }));
    expect(planFaults({ ...PARAMS, seed: 2 })).not.toEqual(planFaults(PARAMS));
  });

  test('over 200 seeds: faults in order, each after a gap in range, held in range, ending within the run', () => {
    for (let seed = 0; seed < 200; seed++) {
      const faults = planFaults({ ...PARAMS, seed });
      expect(faults.length).toBeGreaterThan(0);
      let freeAtMs = 0;
      for (const f of faults) {
        const gap = f.atMs - freeAtMs;
        expect(gap >= PARAMS.gapMs.min && gap <= PARAMS.gapMs.max).toBe(true);
        expect(f.holdMs >= PARAMS.holdMs.min && f.holdMs <= PARAMS.holdMs.max).toBe(true);
        expect(f.atMs + f.holdMs).toBeLessThanOrEqual(PARAMS.durationMs);
        freeAtMs = f.atMs + f.holdMs;
      }
    }
  });

  test('only the kinds and victims allowed; every one of them shows up in a long schedule', () => {
    const faults = planFaults({ ...PARAMS, durationMs: 600_000, kinds: ['kill9', 'pause'], victims: ['leader'] });
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set<FaultKind>(['kill9', 'pause']));
    expect(new Set(faults.map((f) => f.victim))).toEqual(new Set(['leader']));
  });

  test('a victim resolves by role: the leader, or one of the followers by the seed\'s pick', () => {
    const [f] = planFaults(PARAMS);
    expect(victimOf({ ...f, victim: 'leader' }, 2, [1, 2, 3])).toBe(2);
    expect(victimOf({ ...f, victim: 'follower', pick: 0 }, 2, [3, 2, 1])).toBe(1);
    expect(victimOf({ ...f, victim: 'follower', pick: 1 }, 2, [3, 2, 1])).toBe(3);
    expect(victimOf({ ...f, victim: 'follower', pick: 5 }, 1, [1, 2, 3])).toBe(3);
    expect(() => victimOf({ ...f, victim: 'follower' }, 1, [1])).toThrow('no follower');
  });

  test("a partition leader victim is the named data partition's leader, not the controller's", () => {
    const [f] = planFaults(PARAMS);
    const p = { ...f, victim: 'partition_leader' as const, pick: 7 };
    expect(victimPartition(p, 3)).toBe(1);
    expect(victimOf(p, 2, [1, 2, 3], 3)).toBe(3);
    expect(() => victimOf(p, 2, [1, 2, 3])).toThrow('no partition leader');
  });

  test('a run too short for one fault has none; nonsense parameters are refused', () => {
    expect(planFaults({ ...PARAMS, durationMs: 500 })).toEqual([]);
    expect(() => planFaults({ ...PARAMS, kinds: [] })).toThrow();
    expect(() => planFaults({ ...PARAMS, gapMs: { min: 0, max: 1 } })).toThrow();
  });
});
