// Runs one seed of the cluster simulation, or a range of them collecting failures (each with its
// seed, to replay with run.ts).

import { ClusterSim, type ClusterSimOptions, type ClusterSimStats } from './cluster-sim.ts';
import { tellStory } from './story.ts';

export interface ClusterRunOptions {
  /** 3 or 5; default: 3 for odd seeds, 5 for even ones. */
  readonly voters?: number;
  readonly churn?: ClusterSimOptions['churn'];
  readonly trace?: (line: string) => void;
}

export function votersFor(seed: number, options: ClusterRunOptions): number {
  return options.voters ?? (seed % 2 === 1 ? 3 : 5);
}

export async function runClusterSeed(seed: number, options: ClusterRunOptions = {}): Promise<ClusterSimStats> {
  const sim = new ClusterSim(seed, { voters: votersFor(seed, options), churn: options.churn, trace: options.trace });
  sim.trace(`seed ${seed}: ${sim.options.voters} seeds and a learner`);
  await tellStory(sim);
  sim.stats.steps = sim.world.loop.steps;
  sim.stats.simulatedMs = sim.nowMs;
  sim.stats.topicsCreated = sim.admins.stats.created;
  sim.stats.topicsDeleted = sim.admins.stats.deleted;
  sim.stats.configsChanged = sim.admins.stats.altered;
  sim.stats.partitionsAdded = sim.admins.stats.grown;
  return sim.stats;
}

export interface SeedFailure {
  readonly seed: number;
  readonly error: string;
}

export interface SeedsResult {
  readonly seeds: number;
  readonly failures: SeedFailure[];
  readonly totals: ClusterSimStats;
  readonly elapsedMs: number;
}

export async function runClusterSeeds(from: number, count: number, options: ClusterRunOptions = {}, progress?: (done: number) => void): Promise<SeedsResult> {
  const started = performance.now();
  const failures: SeedFailure[] = [];
  const totals: ClusterSimStats = { elections: 0, crashes: 0, partitions: 0, proposed: 0, acknowledged: 0, steps: 0, simulatedMs: 0, topicsCreated: 0, topicsDeleted: 0, configsChanged: 0, partitionsAdded: 0 };
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    try {
      const s = await runClusterSeed(seed, options);
      for (const k of Object.keys(totals) as (keyof ClusterSimStats)[]) totals[k] += s[k];
    } catch (e) {
      failures.push({ seed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    progress?.(i + 1);
  }
  return { seeds: count, failures, totals, elapsedMs: performance.now() - started };
}
