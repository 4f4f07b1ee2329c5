// Runs a range of seeds and collects failures (each with its seed, to replay with run.ts).

import { type SeedsResult, sweepSeedsSync } from '../seed-sweep.ts';
import { RaftCoreSim, type SimOptions, type SimStats } from './sim.ts';

const ZERO: SimStats = { events: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, messagesSent: 0 };

export function runSeeds(from: number, count: number, progress?: (done: number) => void, options: SimOptions = {}): SeedsResult<SimStats> {
  return sweepSeedsSync(from, count, ZERO, (seed) => new RaftCoreSim(seed, options).run(), progress);
}
