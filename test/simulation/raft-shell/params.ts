// Everything one seed decides about a run of the shell simulation: how many nodes and groups,
// the cores' limits (small, so flow control, snapshots and batching happen in a short run),
// network and disk behaviour, and how often each fault or request comes.

import type { Prng } from '../../../src/base/prng.ts';
import type { RaftConfigInput } from '../../../src/raft/core/index.ts';
import type { StreamOptions } from '../../../src/raft/stream/streamer.ts';
import { type NetworkFaults, networkFaultsFor } from '../raft-core/network.ts';

export interface ShellSimParams {
  /** Nodes 1..voters start as every group's voters; the rest host every group as spares. */
  readonly voters: number;
  readonly poolSize: number;
  /** Partition groups on every node (the controller group comes on top). */
  readonly partitions: number;
  readonly core: Omit<RaftConfigInput, 'id' | 'random'>;
  /** Segment streaming (src/raft/stream): small thresholds and chunks so sessions start often and span many chunks; off on a quarter of the seeds. */
  readonly stream: StreamOptions | null;
  readonly network: NetworkFaults;
  /** Each node's tick period (clocks run at different rates). */
  readonly tickMs: readonly number[];
  readonly fsyncMsMax: number;
  /** Segments are small, so rolls, truncations across segments and compactions happen. */
  readonly segmentBytes: number;
  readonly downMsMax: number;
  readonly chaosMs: number;
  readonly chaosIntervalMs: number;
  readonly clientIntervalMs: number;
  readonly clients: number;
  readonly clientWindow: number;
  readonly settleMs: number;
}

export function shellParamsFor(prng: Prng, overrides: Partial<ShellSimParams> = {}): ShellSimParams {
  const voters = 3;
  const poolSize = 4;
  const tickMs: number[] = [];
  for (let i = 0; i < poolSize; i++) tickMs.push(prng.int(8, 12));
  return {
    voters,
    poolSize,
    partitions: prng.int(2, 4),
    core: {
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: prng.int(1, 3),
      appendBytesMax: prng.pick([100, 300, 4096]),
      inflightMessagesMax: prng.int(1, 8),
      inflightBytesMax: prng.pick([300, 1024, 16384]),
      uncommittedBytesMax: prng.pick([400, 2048, 32768]),
      readyApplyBytesMax: prng.pick([100, 4096]),
      snapshotTimeoutTicks: 30,
      conflictSearchEntriesMax: prng.pick([1, 4, 1024]),
      // Half the seeds quiesce idle groups (src/raft/core/quiescence.ts): RaftGroups then sends
      // node-level heartbeats and reports silent peers.
      quiescence: prng.chance(0.5),
      quiesceAfterTicks: prng.int(1, 4),
    },
    network: networkFaultsFor(prng),
    tickMs,
    fsyncMsMax: prng.pick([0, 2, 10]),
    segmentBytes: prng.pick([512, 2048, 1024 * 1024]),
    downMsMax: prng.pick([5, 50, 400]),
    chaosMs: 1500,
    chaosIntervalMs: prng.int(20, 80),
    clientIntervalMs: prng.int(4, 20),
    clients: 2,
    clientWindow: prng.int(1, 3),
    settleMs: 1200,
    stream: streamFor(tickMs),
    ...overrides,
  };
}

/**
 * Segment streaming's knobs, from the node tick lengths already drawn rather than from new draws:
 * the seed's other choices stay what they were before streaming existed.
 */
function streamFor(tickMs: readonly number[]): StreamOptions | null {
  const mix = tickMs.reduce((h, t) => h * 31 + t, 7);
  if (mix % 4 === 0) return null;
  return { lagOffsetsMin: [2, 8, 32][mix % 3], chunkBytes: [64, 700, 65536][Math.floor(mix / 3) % 3] };
}
