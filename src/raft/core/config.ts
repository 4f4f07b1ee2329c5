// The knobs of one Raft node: its id, its timing in ticks, its randomness, and a named limit on
// everything that could otherwise grow without bound (TigerBeetle's "limit on everything").

import { assert } from '../../base/assert.ts';
import type { Index, NodeId } from './types.ts';

/** Randomness comes in from outside (the shell's seeded source); the core never calls Math.random. */
export interface RandomSource {
  /** An integer in [min, max], inclusive. src/base/prng.ts's Prng fits. */
  int(min: number, max: number): number;
}

export interface RaftConfig {
  readonly id: NodeId;
  /**
   * A follower that hears nothing from a leader for a random timeout in
   * [electionTimeoutTicks, 2 * electionTimeoutTicks) starts an election (paper 5.2). Also the
   * CheckQuorum period and the span of a leader's lease (dissertation 6.2, 9.6).
   */
  readonly electionTimeoutTicks: number;
  /** A leader sends heartbeats this often; must be well below the election timeout. */
  readonly heartbeatIntervalTicks: number;
  readonly random: RandomSource;
  /** Entry bytes in one AppendEntries (at least one entry is always sent). etcd's MaxSizePerMsg. */
  readonly appendBytesMax: number;
  /** AppendEntries in flight to one follower while pipelining (etcd's MaxInflightMsgs). */
  readonly inflightMessagesMax: number;
  /** Entry bytes in flight to one follower while pipelining (etcd's MaxInflightBytes). */
  readonly inflightBytesMax: number;
  /** Bytes a leader holds proposed but uncommitted; more proposals are refused (etcd's MaxUncommittedEntriesSize). */
  readonly uncommittedBytesMax: number;
  /** Bytes of committed entries handed to the shell in one Ready (etcd's MaxCommittedSizePerReady). */
  readonly readyApplyBytesMax: number;
  /** A follower sent an InstallSnapshot that has not answered in this long is probed again. */
  readonly snapshotTimeoutTicks: number;
  /** Walking back a divergent suffix to find a hint looks at no more entries than this per message. */
  readonly conflictSearchEntriesMax: number;
  /**
   * Quiescence (CockroachDB's replica quiescence; quiescence.ts): an idle leader whose followers
   * hold its whole log stops heartbeating and its followers stop their election timers; the
   * shell's node-level liveness (nodeUnreachable) takes over. Off: the paper's behaviour.
   */
  readonly quiescence: boolean;
  /** Ticks a leader must have been idle (everything committed, applied and acknowledged) before it quiesces. */
  readonly quiesceAfterTicks: number;
  /**
   * On restart: the last index the shell's state machine has applied (etcd's Config.Applied).
   * Defaults to the snapshot index, so committed entries after it are handed out again.
   */
  readonly appliedIndex?: Index;
}

export const RAFT_DEFAULTS = {
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  appendBytesMax: 1024 * 1024,
  inflightMessagesMax: 64,
  inflightBytesMax: 16 * 1024 * 1024,
  uncommittedBytesMax: 64 * 1024 * 1024,
  readyApplyBytesMax: 4 * 1024 * 1024,
  snapshotTimeoutTicks: 100,
  conflictSearchEntriesMax: 1024,
  quiescence: false,
  quiesceAfterTicks: 3,
} as const;

export type RaftConfigInput = Partial<RaftConfig> & Pick<RaftConfig, 'id' | 'random'>;

export function raftConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = { ...RAFT_DEFAULTS, ...input };
  assert(Number.isSafeInteger(c.id) && c.id >= 0, `node id ${c.id}`);
  assert(c.heartbeatIntervalTicks >= 1, 'heartbeatIntervalTicks >= 1');
  assert(c.electionTimeoutTicks > c.heartbeatIntervalTicks, 'the election timeout must exceed the heartbeat interval');
  for (const k of [
    'appendBytesMax',
    'inflightMessagesMax',
    'inflightBytesMax',
    'uncommittedBytesMax',
    'readyApplyBytesMax',
    'snapshotTimeoutTicks',
    'conflictSearchEntriesMax',
    'quiesceAfterTicks',
  ] as const) {
    assert(Number.isSafeInteger(c[k]) && c[k] >= 1, `${k} must be a positive integer, got ${c[k]}`);
  }
  return c;
}
