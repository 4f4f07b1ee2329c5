// The cluster simulation from the command line:
//   bun test/simulation/cluster/run.ts --seed N [--voters 3|5]   one seed, with its transcript
//   bun test/simulation/cluster/run.ts --seeds N [--from S]      seeds S..S+N-1 (long mode)

import { log } from '../../../src/base/log.ts';
import { runClusterSeed, runClusterSeeds } from './seeds.ts';

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
}

log.setLevel(process.env.FRESHET_LOG === 'info' ? 'info' : 'error');
const seed = flag('--seed');
const seeds = flag('--seeds');
const voters = flag('--voters');
if (seed !== undefined) {
  try {
    const stats = await runClusterSeed(seed, { voters, trace: (l) => console.log(l) });
    console.log(JSON.stringify(stats));
  } catch (e) {
    console.log(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    process.exit(1);
  }
} else if (seeds !== undefined) {
  const r = await runClusterSeeds(flag('--from') ?? 1, seeds, { voters }, (done) => {
    if (done % 100 === 0) console.log(`${done} seeds`);
  });
  for (const f of r.failures) console.log(`seed ${f.seed}: ${f.error}`);
  console.log(`${r.seeds} seeds in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.failures.length} failed; ${JSON.stringify(r.totals)}`);
  process.exit(r.failures.length > 0 ? 1 : 0);
} else {
  console.error('usage: bun test/simulation/cluster/run.ts --seed N [--voters 3|5] | --seeds N [--from S]');
  process.exit(2);
}
