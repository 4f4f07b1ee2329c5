// Replicated partitions under deterministic simulation: seeds of 3 nodes hosting every
// partition (replication factor 3) through their ReplicaBackends, idempotent acks=all
// producers retrying through failovers, consumers fetching from the leaders, crashes with torn
// writes, partitions, one-way links, loss, duplication, reordering, leadership transfers and
// compactions (so lagging followers restart their logs at the leader's snapshot point);
// the checker runs after every step, then every partition must converge with every
// acknowledged record in place. A failure names its seed; replay it with
//   bun test/simulation/partitions/run.ts --seed N
// and run the long mode with --seeds 100000.

import { expect, test } from 'bun:test';
import { withRealSourcesWatched } from '../real-sources.ts';
import { runPartitionSeeds } from './seeds.ts';
import { PartitionSim } from './partition-sim.ts';

const SEEDS = 200;

test(`${SEEDS} seeds: no acknowledged record lost, duplicated or reordered, no read past the high watermark, and every run converges`, async () => {
  const r = await runPartitionSeeds(1, SEEDS);
  const failed = r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/partitions/run.ts --seed ${f.seed})`);
  expect(failed).toEqual([]);
  // The runs did what they are for: faults, retries, deduplicated retries, reads.
  expect(r.totals.crashes).toBeGreaterThan(3 * SEEDS);
  expect(r.totals.transfers).toBeGreaterThan(SEEDS / 2);
  expect(r.totals.compactions).toBeGreaterThan(SEEDS / 2);
  expect(r.totals.deletions).toBeGreaterThan(SEEDS / 8);
  expect(r.totals.snapshotsInstalled).toBeGreaterThan(0);
  expect(r.totals.retries).toBeGreaterThan(20 * SEEDS);
  expect(r.totals.duplicates).toBeGreaterThan(SEEDS / 2);
  expect(r.totals.notLeaderAnswers).toBeGreaterThan(10 * SEEDS);
  expect(r.totals.notEnoughReplicasAnswers).toBeGreaterThan(SEEDS);
  expect(r.totals.outOfOrderAnswers).toBeGreaterThan(0); // windows above 1: a batch overtook an older one, and was sent again
  expect(r.totals.acknowledgedRecords).toBeGreaterThan(100 * SEEDS);
  expect(r.totals.consumedRecords).toBeGreaterThan(100 * SEEDS);
}, 120_000);

test('a seed replays exactly: the same transcript, step for step', async () => {
  const transcript = async (seed: number) => {
    const lines: string[] = [];
    await new PartitionSim(seed, { trace: (l) => lines.push(l) }).run();
    return lines;
  };
  const first = await transcript(7);
  expect(first.length).toBeGreaterThan(200);
  expect(await transcript(7)).toEqual(first);
  expect(await transcript(8)).not.toEqual(first);
});

test('a run reaches no real clock, timer or randomness: the seed is all there is', async () => {
  const { leaks } = await withRealSourcesWatched(() => new PartitionSim(3).run());
  expect(leaks).toEqual([]);
});
