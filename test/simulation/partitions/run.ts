// Runs the partition simulation from the command line.
//   bun test/simulation/partitions/run.ts --seed N      replays one seed, printing its transcript
//   bun test/simulation/partitions/run.ts --seeds N     runs seeds 1..N (long mode: --seeds 100000)
//   --from S                                            first seed of --seeds (default 1)
//   --compacted                                         a compacted topic, every replica cleaned (cleaning.ts)
// Each run ends with the records the cluster acknowledged per second of simulated time.

import { seedCommand } from '../seed-sweep.ts';
import { PartitionSim } from './partition-sim.ts';
import { runPartitionSeeds } from './seeds.ts';

const options = process.argv.includes('--compacted') ? { params: { compacted: true } } : {};
process.argv = process.argv.filter((a) => a !== '--compacted');

await seedCommand({
  name: 'partitions',
  replay: (seed, trace) => new PartitionSim(seed, { ...options, trace }).run(),
  sweep: (from, count, progress) => runPartitionSeeds(from, count, options, progress),
  summary: (s) => `${((s.acknowledgedRecords * 1000) / Math.max(1, s.simulatedMs)).toFixed(0)} acknowledged records per simulated second`,
});
