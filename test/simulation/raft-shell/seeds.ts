// Runs a range of seeds of the shell simulation and collects failures (each with its seed, to
// replay with run.ts).

import { ShellSim, type ShellSimOptions, type ShellSimStats } from './shell-sim.ts';

export interface SeedFailure {
  readonly seed: number;
  readonly error: string;
}

export interface SeedsResult {
  readonly seeds: number;
  readonly failures: SeedFailure[];
  readonly totals: ShellSimStats;
  readonly elapsedMs: number;
}

export async function runShellSeeds(from: number, count: number, options: ShellSimOptions = {}, progress?: (done: number) => void): Promise<SeedsResult> {
  const started = performance.now();
  const failures: SeedFailure[] = [];
  const totals: ShellSimStats = { steps: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, compactions: 0, snapshotsInstalled: 0, frames: 0 };
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    try {
      const s = await new ShellSim(seed, options).run();
      for (const k of Object.keys(totals) as (keyof ShellSimStats)[]) totals[k] += s[k];
    } catch (e) {
      failures.push({ seed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    progress?.(i + 1);
  }
  return { seeds: count, failures, totals, elapsedMs: performance.now() - started };
}
