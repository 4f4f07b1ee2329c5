// Runs the Raft core simulation from the command line.
//   bun test/simulation/raft-core/run.ts --seed N      replays one seed, printing its transcript
//   bun test/simulation/raft-core/run.ts --seeds N     runs seeds 1..N (long mode: --seeds 100000)
//   --from S                                           first seed of --seeds (default 1)

import { seedCommand } from '../seed-sweep.ts';
import { runSeeds } from './seeds.ts';
import { RaftCoreSim } from './sim.ts';

await seedCommand({
  name: 'raft-core',
  replay: (seed, trace) => new RaftCoreSim(seed, { trace }).run(),
  sweep: (from, count, progress) => runSeeds(from, count, progress),
  progressEvery: 1000,
});
