// Runs a range of seeds of the partition simulation and collects failures (each with its seed,
// to replay with run.ts).

import { PartitionSim, type PartitionSimOptions, type PartitionSimStats } from './partition-sim.ts';

export interface SeedFailure {
  readonly seed: number;
  readonly error: string;
}

export interface SeedsResult {
  readonly seeds: number;
  readonly failures: SeedFailure[];
  readonly totals: PartitionSimStats;
}

export async function runPartitionSeeds(from: number, count: number, options: PartitionSimOptions = {}, progress?: (done: number) => void): Promise<SeedsResult> {
  const failures: SeedFailure[] = [];
  const totals: PartitionSimStats = { steps: 0, crashes: 0, transfers: 0, compactions: 0, snapshotsInstalled: 0, produceRequests: 0, retries: 0, duplicates: 0, notLeaderAnswers: 0, notEnoughReplicasAnswers: 0, outOfOrderAnswers: 0, acknowledgedRecords: 0, consumedRecords: 0, simulatedMs: 0 };
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    try {
      const s = await new PartitionSim(seed, options).run();
      for (const k of Object.keys(totals) as (keyof PartitionSimStats)[]) totals[k] += s[k];
    } catch (e) {
      failures.push({ seed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    progress?.(i + 1);
  }
  return { seeds: count, failures, totals };
}
