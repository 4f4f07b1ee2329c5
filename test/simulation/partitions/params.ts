// Everything one seed decides about a run of the partition simulation: the Raft cores' limits
// and the network and disk (drawn as the shell simulation draws them), the topic's
// min.insync.replicas and the leader's replica.lag.time.max.ms, how many partitions and
// producers, and how often faults, produces and fetches come.

import type { Prng } from '../../../src/base/prng.ts';
import { shellParamsFor, type ShellSimParams } from '../raft-shell/params.ts';

export interface PartitionSimParams {
  /** Nodes, each hosting a replica of every partition (replication factor = nodes). */
  readonly nodes: number;
  readonly partitions: number;
  /** The Raft cores, network, disk and clocks, as the shell simulation draws them. */
  readonly shell: ShellSimParams;
  readonly minInsyncReplicas: number;
  readonly replicaLagTimeMaxMs: number;
  readonly producers: number;
  /** max.in.flight.requests.per.connection of the producers (at most 5 with idempotence). */
  readonly producerWindow: number;
  /** A producer gives up waiting for an answer after this and sends the batch again. */
  readonly requestTimeoutMs: number;
  readonly produceIntervalMs: number;
  readonly fetchIntervalMs: number;
  readonly downMsMax: number;
  readonly chaosMs: number;
  readonly chaosIntervalMs: number;
  /** After the faults heal: produce on, then quiesce and converge. */
  readonly settleMs: number;
  /**
   * A compacted topic (cleanup.policy=compact, keyed records, segments of at most 2 KiB): every
   * replica's log is cleaned every `cleanIntervalMs` (compaction.ts). Not drawn from the seed,
   * so the seeds of the plain runs stay what they were.
   */
  readonly compacted: boolean;
  readonly cleanIntervalMs: number;
}

/** Segments of a compacted run: small, so that cleaning has sealed segments to work on. */
const COMPACTED_SEGMENT_BYTES_MAX = 2048;

export function partitionParamsFor(prng: Prng, overrides: Partial<PartitionSimParams> = {}): PartitionSimParams {
  const shell = shellParamsFor(prng);
  const p: PartitionSimParams = {
    nodes: 3,
    partitions: prng.int(1, 3),
    shell,
    minInsyncReplicas: prng.pick([1, 2, 2, 3]),
    replicaLagTimeMaxMs: prng.pick([50, 300, 30_000]),
    producers: prng.int(2, 4),
    producerWindow: prng.pick([1, 1, 2, 5]),
    requestTimeoutMs: prng.pick([100, 400, 1000]),
    produceIntervalMs: prng.int(3, 15),
    fetchIntervalMs: prng.int(5, 30),
    downMsMax: shell.downMsMax,
    chaosMs: 1500,
    chaosIntervalMs: prng.int(20, 80),
    settleMs: 1500,
    compacted: false,
    cleanIntervalMs: 60,
    ...overrides,
  };
  if (!p.compacted) return p;
  return { ...p, shell: { ...p.shell, segmentBytes: Math.min(p.shell.segmentBytes, COMPACTED_SEGMENT_BYTES_MAX) } };
}
