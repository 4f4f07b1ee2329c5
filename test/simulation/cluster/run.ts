// The cluster simulation from the command line:
//   bun test/simulation/cluster/run.ts --seed N [--voters 3|5] [--no-clients]   one seed, with its transcript
//   bun test/simulation/cluster/run.ts --seeds N [--from S]      seeds S..S+N-1 (long mode)
//   --snapshot-bytes B: metadata.log.max.record.bytes.between.snapshots for every seed (default: 600 on every third seed)

import { log } from '../../../src/base/log.ts';
import { intFlag, seedCommand } from '../seed-sweep.ts';
import { runClusterSeed, runClusterSeeds } from './seeds.ts';

log.setLevel(process.env.FRESHET_LOG === 'info' ? 'info' : 'error');
const voters = intFlag('--voters');
const clients = !process.argv.includes('--no-clients');
const snapshotBytes = intFlag('--snapshot-bytes');
await seedCommand({
  name: 'cluster',
  replay: (seed, trace) => runClusterSeed(seed, { voters, clients, snapshotBytes, trace }),
  sweep: (from, count, progress) => runClusterSeeds(from, count, { voters, clients, snapshotBytes }, progress),
  extraUsage: '[--voters 3|5] [--no-clients] [--snapshot-bytes B]',
});
