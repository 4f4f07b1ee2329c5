// Runs the Raft shell simulation from the command line.
//   bun test/simulation/raft-shell/run.ts --seed N      replays one seed, printing its transcript
//   bun test/simulation/raft-shell/run.ts --seeds N     runs seeds 1..N (long mode: --seeds 100000)
//   --from S                                            first seed of --seeds (default 1)

import { runShellSeeds } from './seeds.ts';
import { ShellSim } from './shell-sim.ts';

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`${name} needs a non-negative integer`);
    process.exit(2);
  }
  return v;
}

const seed = flag('--seed');
const seeds = flag('--seeds');
if (seed !== undefined) {
  const sim = new ShellSim(seed, { trace: (line) => console.log(line) });
  try {
    const stats = await sim.run();
    console.log(`seed ${seed}: ok ${JSON.stringify(stats)}`);
  } catch (e) {
    console.log(`seed ${seed}: FAILED: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exit(1);
  }
} else if (seeds !== undefined) {
  const from = flag('--from') ?? 1;
  const r = await runShellSeeds(from, seeds, {}, (done) => {
    if (done % 100 === 0) console.log(`${done} seeds`);
  });
  console.log(`${r.seeds} seeds in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.failures.length} failed; ${JSON.stringify(r.totals)}`);
  for (const f of r.failures.slice(0, 20)) console.log(`seed ${f.seed}: ${f.error}  (replay: bun test/simulation/raft-shell/run.ts --seed ${f.seed})`);
  if (r.failures.length > 0) process.exit(1);
} else {
  console.error('usage: bun test/simulation/raft-shell/run.ts --seed N | --seeds N [--from S]');
  process.exit(2);
}
