// The Raft shell under deterministic simulation: 300 seeds, each a run of 4 nodes hosting 3 to
// 5 groups (partitions and the controller group) over real PartitionLogs on simulated disks,
// through crashes with torn writes, partitions, one-way links, loss, duplication, reordering,
// membership changes, leadership transfers and log compactions (so lagging followers restart
// their logs at the leader's snapshot point), checked after every step, then healed and
// required to converge. A failure names its seed; replay it with
//   bun test/simulation/raft-shell/run.ts --seed N
// and run the long mode with --seeds 100000.

import { expect, test } from 'bun:test';
import { runShellSeeds } from './seeds.ts';
import { ShellSim } from './shell-sim.ts';

const SEEDS = 300;

test(`${SEEDS} seeds: every safety property holds after every step, and every run converges`, async () => {
  const r = await runShellSeeds(1, SEEDS);
  const failed = r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/raft-shell/run.ts --seed ${f.seed})`);
  expect(failed).toEqual([]);
  // The runs did what they are for.
  expect(r.totals.elections).toBeGreaterThan(5 * SEEDS);
  expect(r.totals.crashes).toBeGreaterThan(3 * SEEDS);
  expect(r.totals.membershipChanges).toBeGreaterThan(SEEDS);
  expect(r.totals.compactions).toBeGreaterThan(SEEDS);
  expect(r.totals.snapshotsInstalled).toBeGreaterThan(SEEDS / 5);
  expect(r.totals.acknowledged).toBeGreaterThan(100 * SEEDS);
  // Far-behind followers streamed segment ranges (src/raft/stream) in many runs.
  expect(r.totals.streamedChunks).toBeGreaterThan(SEEDS);
}, 120_000);

test('a seed replays exactly: the same transcript, step for step', async () => {
  const transcript = async (seed: number) => {
    const lines: string[] = [];
    await new ShellSim(seed, { trace: (l) => lines.push(l) }).run();
    return lines;
  };
  const first = await transcript(11);
  expect(first.length).toBeGreaterThan(300);
  expect(await transcript(11)).toEqual(first);
  expect(await transcript(8)).not.toEqual(first);
});
