// Runs a range of seeds and collects failures (each with its seed, to replay with run.ts).

import { RaftCoreSim, type SimOptions, type SimStats } from './sim.ts';

export interface SeedFailure {
  readonly seed: number;
  readonly error: string;
}

export interface SeedsResult {
  readonly seeds: number;
  readonly failures: SeedFailure[];
  readonly totals: SimStats;
  readonly elapsedMs: number;
}

export function runSeeds(from: number, count: number, progress?: (done: number) => void, options: SimOptions = {}): SeedsResult {
  const started = performance.now();
  const failures: SeedFailure[] = [];
  const totals: SimStats = { events: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, messagesSent: 0 };
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    try {
      const s = new RaftCoreSim(seed, options).run();
      for (const k of Object.keys(totals) as (keyof SimStats)[]) totals[k] += s[k];
    } catch (e) {
      failures.push({ seed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    progress?.(i + 1);
  }
  return { seeds: count, failures, totals, elapsedMs: performance.now() - started };
}
