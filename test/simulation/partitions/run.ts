// Runs the partition simulation from the command line.
//   bun test/simulation/partitions/run.ts --seed N      replays one seed, printing its transcript
//   bun test/simulation/partitions/run.ts --seeds N     runs seeds 1..N (long mode: --seeds 100000)
//   --from S                                            first seed of --seeds (default 1)
// Each run ends with the records the cluster acknowledged per second of simulated time.

import { runPartitionSeeds } from './seeds.ts';
import { PartitionSim } from './partition-sim.ts';

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

function perSimulatedSecond(records: number, simulatedMs: number): string {
  return `${((records * 1000) / Math.max(1, simulatedMs)).toFixed(0)} acknowledged records per simulated second`;
}

const seed = flag('--seed');
const seeds = flag('--seeds');
if (seed !== undefined) {
  const sim = new PartitionSim(seed, { trace: (line) => console.log(line) });
  try {
    const stats = await sim.run();
    console.log(`seed ${seed}: ok ${JSON.stringify(stats)}; ${perSimulatedSecond(stats.acknowledgedRecords, stats.simulatedMs)}`);
  } catch (e) {
    console.log(`seed ${seed}: FAILED: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    process.exit(1);
  }
} else if (seeds !== undefined) {
  const from = flag('--from') ?? 1;
  const started = performance.now();
  const r = await runPartitionSeeds(from, seeds, {}, (done) => {
    if (done % 100 === 0) console.log(`${done} seeds`);
  });
  const s = (performance.now() - started) / 1000;
  console.log(`${r.seeds} seeds in ${s.toFixed(1)} s (${(r.seeds / s).toFixed(1)} seeds/s), ${r.failures.length} failed; ${JSON.stringify(r.totals)}; ${perSimulatedSecond(r.totals.acknowledgedRecords, r.totals.simulatedMs)}`);
  for (const f of r.failures.slice(0, 20)) console.log(`seed ${f.seed}: ${f.error}  (replay: bun test/simulation/partitions/run.ts --seed ${f.seed})`);
  if (r.failures.length > 0) process.exit(1);
} else {
  console.error('usage: bun test/simulation/partitions/run.ts --seed N | --seeds N [--from S]');
  process.exit(2);
}
