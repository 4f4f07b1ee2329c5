// The fault schedule of a chaos run, decided by its seed alone (pure: the same seed and duration
// give the same schedule, so a failing run names what was done to whom and when). One fault at a
// time, on one node, then a quiet gap: with 3 nodes a majority is always up, so the cluster must
// stay available and lose nothing (the fault model of the Raft paper, section 5: any minority
// may fail). Jepsen's nemesis schedules are built the same way (start, hold, stop).
//
// The victim is named by its role (the leader, or a follower) rather than by node id: who leads
// is decided by the election's random timeouts, not by the seed, and the scenarios differ by
// role (a cut-off leader must step down and be replaced; a follower coming back must not depose
// anyone). So a seed always does the same things to the same roles.

import { Prng } from '../../src/base/prng.ts';

/**
 * kill -9 then restart; SIGSTOP then SIGCONT; cut off from every peer then healed; one direction
 * of the link between the victim and the leader (a follower's when the victim leads) cut, then
 * healed: an asymmetric partition.
 */
export type FaultKind = 'kill9' | 'pause' | 'isolate' | 'cut';
export const FAULT_KINDS: readonly FaultKind[] = ['kill9', 'pause', 'isolate', 'cut'];
/**
 * Whom a fault hits: the leader of the controller quorum (a single node leads itself), a
 * follower of it, or the leader of one of the workload's data partitions (issue 7 names the
 * partition leader: kill -9, SIGSTOP and isolation of it during acks=all production). A data
 * partition's leader is often not the controller's, so the roles differ.
 */
export type Victim = 'leader' | 'follower' | 'partition_leader';

export interface PlannedFault {
  /** When the fault starts, from the start of the workload. */
  readonly atMs: number;
  readonly kind: FaultKind;
  readonly victim: Victim;
  /** Which follower, when there are several: followers (by id) [pick % count]; which data partition: pick % partitions. */
  readonly pick: number;
  /** How long the node stays killed, paused or cut off before restart, SIGCONT or heal. */
  readonly holdMs: number;
}

export interface ScheduleParams {
  readonly seed: number;
  readonly durationMs: number;
  readonly victims: readonly Victim[];
  readonly kinds: readonly FaultKind[];
  /** Quiet time before each fault, drawn in [min, max]. */
  readonly gapMs: { readonly min: number; readonly max: number };
  /** How long each fault holds, drawn in [min, max]. */
  readonly holdMs: { readonly min: number; readonly max: number };
}

const PICK_MAX = 1_000_000;

/**
 * The victim's node id, once the leaders are known: `leaderId` the controller's, and for a
 * `partition_leader` victim `partitionLeaderId` the leader of the data partition it names.
 */
export function victimOf(f: PlannedFault, leaderId: number, nodeIds: readonly number[], partitionLeaderId?: number): number {
  if (f.victim === 'leader') return leaderId;
  if (f.victim === 'partition_leader') {
    if (partitionLeaderId === undefined) throw new Error('victimOf: no partition leader known');
    return partitionLeaderId;
  }
  const followers = nodeIds.filter((id) => id !== leaderId).sort((a, b) => a - b);
  if (followers.length === 0) throw new Error('victimOf: no follower');
  return followers[f.pick % followers.length];
}

/** A `cut`: whether the victim's side is the sender (its messages are dropped) or the receiver. */
export function cutOutbound(f: PlannedFault): boolean {
  return Math.floor(f.pick / 2) % 2 === 0;
}

/** The data partition a `partition_leader` fault names, of `partitions`. */
export function victimPartition(f: PlannedFault, partitions: number): number {
  return f.pick % partitions;
}

/** Faults one schedule holds at most (a 10-hour run at the shortest gaps stays far below). */
export const FAULTS_MAX = 100_000;

export function planFaults(p: ScheduleParams): PlannedFault[] {
  if (p.victims.length === 0 || p.kinds.length === 0) throw new Error('planFaults: no victims or no fault kinds');
  if (p.gapMs.min <= 0 || p.holdMs.min <= 0) throw new Error('planFaults: gaps and holds must be positive');
  const random = new Prng(p.seed);
  const faults: PlannedFault[] = [];
  let atMs = random.int(p.gapMs.min, p.gapMs.max);
  while (faults.length < FAULTS_MAX) {
    const holdMs = random.int(p.holdMs.min, p.holdMs.max);
    // A fault is planned only if it also ends within the run: the run stops by itself.
    if (atMs + holdMs > p.durationMs) break;
    faults.push({ atMs, kind: random.pick(p.kinds), victim: random.pick(p.victims), pick: random.int(0, PICK_MAX), holdMs });
    atMs += holdMs + random.int(p.gapMs.min, p.gapMs.max);
  }
  return faults;
}

export function describeFault(f: PlannedFault): string {
  const what = { kill9: 'kill -9, restart', pause: 'SIGSTOP, SIGCONT', isolate: 'isolate, heal', cut: `cut one way (${cutOutbound(f) ? 'from' : 'to'} it), heal` }[f.kind];
  const who = f.victim === 'partition_leader' ? 'partition leader' : f.victim;
  return `+${(f.atMs / 1000).toFixed(1)}s the ${who}: ${what} after ${f.holdMs} ms`;
}
