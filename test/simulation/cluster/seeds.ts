// Runs one seed of the cluster simulation, or a range of them collecting failures (each with its
// seed, to replay with run.ts).

import { type SeedsResult, sweepSeeds } from '../seed-sweep.ts';
import { ClusterSim, type ClusterSimOptions, type ClusterSimStats } from './cluster-sim.ts';
import { tellStory } from './story.ts';

export interface ClusterRunOptions {
  /** 3 or 5; default: 3 for odd seeds, 5 for even ones. */
  readonly voters?: number;
  readonly churn?: ClusterSimOptions['churn'];
  /** Kafka clients on a replicated topic (default: every seed). */
  readonly clients?: boolean;
  /** metadata.log.max.record.bytes.between.snapshots (default: snapshotBytesFor(seed)). */
  readonly snapshotBytes?: number | null;
  readonly snapshotIntervalMs?: number;
  readonly trace?: (line: string) => void;
}

export function votersFor(seed: number, options: ClusterRunOptions): number {
  return options.voters ?? (seed % 2 === 1 ? 3 : 5);
}

/**
 * Every third seed runs with a tiny snapshot threshold (a snapshot every few writer batches), so
 * its nodes compact the controller log and the learner and restarted nodes catch up through
 * InstallSnapshot and a fetch; the others keep Kafka's 20 MiB (never reached in a run).
 */
export const SNAPSHOT_BYTES_SIM = 600;

export function snapshotBytesFor(seed: number, options: ClusterRunOptions): number | undefined {
  if (options.snapshotBytes !== undefined) return options.snapshotBytes ?? undefined;
  return seed % 3 === 0 ? SNAPSHOT_BYTES_SIM : undefined;
}

export async function runClusterSeed(seed: number, options: ClusterRunOptions = {}): Promise<ClusterSimStats> {
  const sim = new ClusterSim(seed, { voters: votersFor(seed, options), churn: options.churn, clients: options.clients ?? true, snapshotBytes: snapshotBytesFor(seed, options), snapshotIntervalMs: options.snapshotIntervalMs, trace: options.trace });
  sim.trace(`seed ${seed}: ${sim.options.voters} seeds and a learner`);
  await tellStory(sim);
  for (const n of sim.nodes) sim.countSnapshots(n);
  sim.stats.steps = sim.world.loop.steps;
  sim.stats.simulatedMs = sim.nowMs;
  sim.stats.topicsCreated = sim.admins.stats.created;
  sim.stats.topicsDeleted = sim.admins.stats.deleted;
  sim.stats.configsChanged = sim.admins.stats.altered;
  sim.stats.partitionsAdded = sim.admins.stats.grown;
  sim.stats.producedRecords = sim.clients?.stats.producedRecords ?? 0;
  sim.stats.consumedRecords = sim.clients?.stats.consumedRecords ?? 0;
  sim.stats.produceRetries = sim.clients?.stats.produceRetries ?? 0;
  return sim.stats;
}

export function runClusterSeeds(from: number, count: number, options: ClusterRunOptions = {}, progress?: (done: number) => void): Promise<SeedsResult<ClusterSimStats>> {
  const zero: ClusterSimStats = { elections: 0, crashes: 0, partitions: 0, proposed: 0, acknowledged: 0, steps: 0, simulatedMs: 0, topicsCreated: 0, topicsDeleted: 0, configsChanged: 0, partitionsAdded: 0, producedRecords: 0, consumedRecords: 0, produceRetries: 0, snapshotsWritten: 0, snapshotsInstalled: 0, compactions: 0 };
  return sweepSeeds(from, count, zero, (seed) => runClusterSeed(seed, options), progress);
}
