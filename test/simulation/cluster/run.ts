// The cluster simulation from the command line:
//   bun test/simulation/cluster/run.ts --seed N [--voters 3|5] [--no-clients]   one seed, with its transcript
//   bun test/simulation/cluster/run.ts --seeds N [--from S]      seeds S..S+N-1 (long mode)

import { log } from '../../../src/base/log.ts';
import { intFlag, seedCommand } from '../seed-sweep.ts';
import { runClusterSeed, runClusterSeeds } from './seeds.ts';

log.setLevel(process.env.FRESHET_LOG === 'info' ? 'info' : 'error');
const voters = intFlag('--voters');
const clients = !process.argv.includes('--no-clients');
await seedCommand({
  name: 'cluster',
  replay: (seed, trace) => runClusterSeed(seed, { voters, clients, trace }),
  sweep: (from, count, progress) => runClusterSeeds(from, count, { voters, clients }, progress),
  extraUsage: '[--voters 3|5] [--no-clients]',
});
