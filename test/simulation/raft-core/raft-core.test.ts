// The Raft core under deterministic simulation: 1,000 seeds, each a run of 3 or 5 nodes (plus
// spares) through crashes, torn writes, partitions, one-way links, loss, duplication,
// reordering, membership changes, transfers and compaction, checked after every event, then
// healed and required to converge. A failure names its seed; replay it with
//   bun test/simulation/raft-core/run.ts --seed N
// and run the long mode with --seeds 100000.

import { expect, test } from 'bun:test';
import { runSeeds } from './seeds.ts';
import { RaftCoreSim } from './sim.ts';

const SEEDS = 1000;

test(`${SEEDS} seeds: every safety property holds after every event, and every run converges`, () => {
  const r = runSeeds(1, SEEDS);
  const failed = r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/raft-core/run.ts --seed ${f.seed})`);
  expect(failed).toEqual([]);
  // The runs did what they are for: thousands of elections, crashes and acknowledged writes.
  expect(r.totals.elections).toBeGreaterThan(SEEDS);
  expect(r.totals.crashes).toBeGreaterThan(SEEDS);
  expect(r.totals.membershipChanges).toBeGreaterThan(SEEDS / 2);
  expect(r.totals.acknowledged).toBeGreaterThan(50 * SEEDS);
}, 120_000);

test('a seed replays exactly: the same transcript, event for event', () => {
  const transcript = (seed: number) => {
    const lines: string[] = [];
    new RaftCoreSim(seed, { trace: (l) => lines.push(l) }).run();
    return lines;
  };
  const first = transcript(7);
  expect(first.length).toBeGreaterThan(1000);
  expect(transcript(7)).toEqual(first);
  expect(transcript(8)).not.toEqual(first);
});
