// Runs the Raft shell simulation from the command line.
//   bun test/simulation/raft-shell/run.ts --seed N      replays one seed, printing its transcript
//   bun test/simulation/raft-shell/run.ts --seeds N     runs seeds 1..N (long mode: --seeds 100000)
//   --from S                                            first seed of --seeds (default 1)

import { seedCommand } from '../seed-sweep.ts';
import { runShellSeeds } from './seeds.ts';
import { ShellSim } from './shell-sim.ts';

await seedCommand({
  name: 'raft-shell',
  replay: (seed, trace) => new ShellSim(seed, { trace }).run(),
  sweep: (from, count, progress) => runShellSeeds(from, count, {}, progress),
});
