// Runs a range of seeds of the shell simulation and collects failures (each with its seed, to
// replay with run.ts).

import { type SeedsResult, sweepSeeds } from '../seed-sweep.ts';
import { ShellSim, type ShellSimOptions, type ShellSimStats } from './shell-sim.ts';

const ZERO: ShellSimStats = { steps: 0, elections: 0, acknowledged: 0, crashes: 0, membershipChanges: 0, compactions: 0, snapshotsInstalled: 0, frames: 0, streamedChunks: 0 };

export function runShellSeeds(from: number, count: number, options: ShellSimOptions = {}, progress?: (done: number) => void): Promise<SeedsResult<ShellSimStats>> {
  return sweepSeeds(from, count, ZERO, (seed) => new ShellSim(seed, options).run(), progress);
}
