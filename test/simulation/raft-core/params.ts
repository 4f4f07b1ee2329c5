// Everything one seed decides about a run: cluster size, the core's limits (small, so flow
// control, snapshots and batching all happen in a short run), network and disk behaviour,
// and how often each kind of fault or request comes.

import type { Prng } from '../../../src/base/prng.ts';
import type { RaftConfigInput } from '../../../src/raft/core/index.ts';
import { type NetworkFaults, networkFaultsFor } from './network.ts';

export interface SimParams {
  /** Nodes 1..initialVoters start as the voters; the pool has spares that membership changes add. */
  readonly initialVoters: number;
  readonly poolSize: number;
  readonly core: Omit<RaftConfigInput, 'id' | 'random'>;
  readonly network: NetworkFaults;
  /** A node's tick period, per node (clocks run at different rates). */
  readonly tickMs: readonly number[];
  readonly fsyncMsMax: number;
  /** Chance that a crash during a write keeps a prefix of its entries (but not its hard state). */
  readonly tornWriteProbability: number;
  /** A crashed node restarts after a random time up to this. */
  readonly downMsMax: number;
  readonly chaosMs: number;
  readonly chaosIntervalMs: number;
  readonly clientIntervalMs: number;
  readonly clients: number;
  /** Requests a client has outstanding at once. */
  readonly clientWindow: number;
  /** Healing and the final checks: time for the cluster to converge. */
  readonly settleMs: number;
}

export function paramsFor(prng: Prng, overrides: Partial<SimParams> = {}): SimParams {
  const initialVoters = prng.chance(0.5) ? 3 : 5;
  const poolSize = initialVoters + 2;
  const tickMs: number[] = [];
  for (let i = 0; i < poolSize; i++) tickMs.push(prng.int(8, 12));
  return {
    initialVoters,
    poolSize,
    core: {
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: prng.int(1, 3),
      appendBytesMax: prng.pick([16, 64, 1024]),
      inflightMessagesMax: prng.int(1, 8),
      inflightBytesMax: prng.pick([32, 256, 4096]),
      uncommittedBytesMax: prng.pick([64, 512, 8192]),
      readyApplyBytesMax: prng.pick([16, 1024]),
      snapshotTimeoutTicks: 30,
      conflictSearchEntriesMax: prng.pick([1, 4, 1024]),
      // Half the seeds quiesce idle groups (src/raft/core/quiescence.ts); the simulation then
      // runs node-level liveness as RaftGroups does and checks quiet-checker.ts's bounds.
      quiescence: prng.chance(0.5),
      quiesceAfterTicks: prng.int(1, 4),
    },
    network: networkFaultsFor(prng),
    tickMs,
    fsyncMsMax: prng.pick([0, 2, 10]),
    tornWriteProbability: 0.5,
    downMsMax: prng.pick([5, 50, 400]),
    chaosMs: 1500,
    chaosIntervalMs: prng.int(20, 80),
    // Some seeds' clients are slow enough for groups to go idle (and quiet) between requests.
    clientIntervalMs: prng.chance(0.75) ? prng.int(4, 20) : prng.int(40, 120),
    clients: 2,
    clientWindow: prng.int(1, 3),
    settleMs: 1200,
    ...overrides,
  };
}
