// Runs a range of seeds of the partition simulation and collects failures (each with its seed,
// to replay with run.ts).

import { type SeedsResult, sweepSeeds } from '../seed-sweep.ts';
import { PartitionSim, type PartitionSimOptions, type PartitionSimStats } from './partition-sim.ts';

const ZERO: PartitionSimStats = { steps: 0, crashes: 0, transfers: 0, compactions: 0, deletions: 0, snapshotsInstalled: 0, produceRequests: 0, retries: 0, duplicates: 0, notLeaderAnswers: 0, notEnoughReplicasAnswers: 0, outOfOrderAnswers: 0, cleaningPasses: 0, recordsCleaned: 0, tombstonesRemoved: 0, acknowledgedRecords: 0, consumedRecords: 0, simulatedMs: 0 };

export function runPartitionSeeds(from: number, count: number, options: PartitionSimOptions = {}, progress?: (done: number) => void): Promise<SeedsResult<PartitionSimStats>> {
  return sweepSeeds(from, count, ZERO, (seed) => new PartitionSim(seed, options).run(), progress);
}
