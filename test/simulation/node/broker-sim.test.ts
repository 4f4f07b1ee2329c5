// The real Broker, built as `freshet start` builds it but on simulated dependencies (ManualClock
// + SimScheduler, SimStorageFs, SimNetwork, a seeded Prng), serving our own client over the
// simulated network in one process: topic creation, acks=all produce, fetch, committed offsets;
// a kill with a power cut in the middle of produce; a restart on the same disk that serves every
// acknowledged record exactly once, in order, and the committed offsets. One seed replays the
// same transcript, and nothing below src/cli reached the real clock, timers or randomness.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { log } from '../../../src/base/log.ts';
import { withRealSourcesWatched } from '../real-sources.ts';
import { type Acknowledged, runBrokerScenario, type ScenarioResult } from './broker-scenario.ts';

/** Seeds the sweep below runs (each a whole create/produce/crash/restart/read cycle). */
const SEEDS = 100;

beforeAll(() => log.setLevel('error')); // a node's info lines, times a sweep, drown the report
afterAll(() => log.setLevel('info'));

/** The invariants of a run: every acknowledged record is there once, in order; commits survive. */
function checkRecovered(r: ScenarioResult): void {
  const byOffset = new Map<string, string>();
  for (const [partition, records] of r.recovered) {
    const offsets = records.map((x) => x.offset);
    expect(offsets, `p${partition} offsets strictly increase`).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const x of records) byOffset.set(`${partition}/${x.offset}`, x.value);
  }
  const allValues = [...r.recovered.values()].flat().map((x) => x.value);
  expect(new Set(allValues).size, 'no record twice').toBe(allValues.length);
  const missing = r.acknowledged.flatMap((a: Acknowledged) =>
    a.values.filter((v, i) => byOffset.get(`${a.partition}/${a.baseOffset + i}`) !== v).map((v) => `${v} at p${a.partition}/${a.baseOffset}`),
  );
  expect(missing, 'acknowledged records lost or moved').toEqual([]);
  expect(r.committedAfterRestart).toEqual(r.committed);
}

describe('the broker in a simulated world', () => {
  test('create, produce acks=all, fetch, commit; killed mid-produce, it restarts with every acknowledged record and offset', async () => {
    const { result, leaks } = await withRealSourcesWatched(() => runBrokerScenario(1));
    expect(leaks).toEqual([]);
    expect(result.acknowledged.length).toBeGreaterThan(8);
    expect(result.committed.size).toBe(3);
    checkRecovered(result);
  });

  test('one seed, one transcript: two runs of a seed answer the same at the same simulated times', async () => {
    const a = await runBrokerScenario(42);
    const b = await runBrokerScenario(42);
    expect(b.transcript).toEqual(a.transcript);
    const other = await runBrokerScenario(43);
    expect(other.transcript).not.toEqual(a.transcript);
  });

  test(`${SEEDS} seeds: the crash lands at different points, nothing acknowledged is ever lost`, async () => {
    for (let seed = 100; seed < 100 + SEEDS; seed++) {
      const r = await runBrokerScenario(seed);
      try {
        checkRecovered(r);
      } catch (e) {
        const replay = `bun test/simulation/node/replay.ts --seed ${seed}`;
        throw new Error(`seed ${seed} (replay: ${replay}): ${e instanceof Error ? e.message : e}\n${r.transcript.join('\n')}`);
      }
    }
  });
});

describe('the checks can fail', () => {
  test('a run whose recovery lost an acknowledged record, or served one twice, is caught', async () => {
    const r = await runBrokerScenario(1);
    const lost = structuredClone(r);
    const victim = lost.acknowledged[0];
    lost.recovered.set(victim.partition, lost.recovered.get(victim.partition)!.filter((x) => x.offset !== victim.baseOffset));
    expect(() => checkRecovered(lost)).toThrow();
    const doubled = structuredClone(r);
    const p0 = doubled.recovered.get(0)!;
    p0.push({ offset: p0.length + 1000, value: p0[0].value });
    expect(() => checkRecovered(doubled)).toThrow();
  });

  test('a call to the real clock from src/ during a run is reported', async () => {
    const { leaks } = await withRealSourcesWatched(async () => {
      const { systemClock } = await import('../../../src/base/clock.ts');
      return systemClock.nowMs();
    });
    expect(leaks).toEqual([expect.stringMatching(/^now: .*broker-sim\.test\.ts/)]);
  });

  test('a timer left by code outside the run (an earlier test file) is not the run\'s; one the run sets is', async () => {
    const outside = new Promise<void>((done) => setTimeout(() => done(void Math.random()), 1));
    const { leaks } = await withRealSourcesWatched(async () => {
      await outside;
      await new Promise((done) => setTimeout(done, 1));
    });
    expect(leaks).toEqual([expect.stringMatching(/^setTimeout: .*broker-sim\.test\.ts/)]);
  });
});
