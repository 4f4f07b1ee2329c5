// What a chaos run of the controller quorum observes, and the checks on it (pure: observations
// in, violations out).
//
// Observations: every node's own log says whom it follows in which term (`cluster: controller
// leader is node 2 (term 5)`, `... is this node (term 5)`); DescribeQuorum asked of each node says
// the leader and term the quorum reports; and around each fault, the leader and term before
// it and after the quorum converged again.
//
// Checks:
// - election safety (Raft paper 5.2, Figure 3): at most one leader per term, across every
//   observer and every observation;
// - a node's term never goes back (5.1: terms only grow; the term is persisted before any vote,
//   so a restart does not lower it either);
// - no disruption: a fault on a node that was not the leader (killed and restarted, paused and
//   continued, cut off and healed), and a one-way cut between the leader and a follower, leave
//   the leader and its term as they were: PreVote and the voters' lease (dissertation 9.6) keep
//   a node that comes back from deposing a healthy leader;
// - converged: after each fault the quorum shows a leader with every voter caught up again;
// - failover: while the leader is killed or cut off, the others elect another in a higher term
//   (5.2); CheckQuorum (dissertation 6.2): a leader cut off steps down by itself;
// - a data partition's leader (the `partition_leader` victim): it was known before the fault,
//   and while it is killed or cut off the partition's other replicas elect another in a higher
//   leader epoch (the same Raft rule, in the partition's own group).

import type { FaultKind } from './faults.ts';

export interface LeaderClaim {
  /** Who said it: `node N` (its log) or `DescribeQuorum via N`. */
  readonly observer: string;
  readonly term: number;
  readonly leaderId: number;
}

export interface FaultOutcome {
  readonly kind: FaultKind;
  readonly nodeId: number;
  readonly before: { readonly leaderId: number; readonly term: number };
  /** The settled quorum after the fault ended; null when it did not settle in time. */
  readonly after: { readonly leaderId: number; readonly term: number } | null;
  /** The leader killed or cut off: who led the others meanwhile (null: nobody within the bound). */
  readonly replacement?: { readonly leaderId: number; readonly term: number } | null;
  /** The leader cut off: whether it stepped down by itself (CheckQuorum). */
  readonly steppedDown?: boolean;
  /** A `partition_leader` fault: the data partition's leader before it (null: none known in time). */
  readonly partitionBefore?: PartitionLeader | null;
  /** That leader killed or cut off: the partition's leader meanwhile (null: none other within the bound). */
  readonly partitionReplacement?: PartitionLeader | null;
}

export interface PartitionLeader {
  readonly partition: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

export type QuorumViolationKind = 'two_leaders' | 'term_regressed' | 'disrupted' | 'not_converged' | 'no_failover' | 'no_check_quorum' | 'no_partition_leader' | 'no_partition_failover';

export interface QuorumViolation {
  readonly kind: QuorumViolationKind;
  readonly detail: string;
}

const LEADER_LINE = /cluster: controller leader is (this node|node (\d+)) \(term (\d+)\)$/gm;

/** The leader claims in one node's log text, in log order. */
export function claimsInLog(nodeId: number, logs: string): LeaderClaim[] {
  const out: LeaderClaim[] = [];
  for (const m of logs.matchAll(LEADER_LINE)) {
    out.push({ observer: `node ${nodeId}`, term: Number(m[3]), leaderId: m[1] === 'this node' ? nodeId : Number(m[2]) });
  }
  return out;
}

/** Whether the node's log shows it losing the leadership after it last took it (a CheckQuorum step-down). */
export function steppedDownInLog(logs: string): boolean {
  const took = logs.lastIndexOf('cluster: controller leader is this node');
  if (took < 0) return false;
  const after = logs.slice(took);
  return after.includes('cluster: controller leader unknown') || /cluster: controller leader is node \d+/.test(after);
}

/** Claims seen at most (deduplicated): a bound on a long run's memory. */
export const CLAIMS_MAX = 1_000_000;

/** Claims from every observer, deduplicated, in order of first sight. */
export class ClaimLog {
  readonly claims: LeaderClaim[] = [];
  private readonly seen = new Set<string>();

  add(c: LeaderClaim): void {
    const key = `${c.observer}|${c.term}|${c.leaderId}`;
    if (this.seen.has(key) || this.claims.length >= CLAIMS_MAX) return;
    this.seen.add(key);
    this.claims.push(c);
  }
}

export function checkQuorum(claims: readonly LeaderClaim[], outcomes: readonly FaultOutcome[]): QuorumViolation[] {
  const out: QuorumViolation[] = [];
  const leaderOf = new Map<number, LeaderClaim>();
  const lastTerm = new Map<string, number>();
  for (const c of claims) {
    const first = leaderOf.get(c.term);
    if (first === undefined) leaderOf.set(c.term, c);
    else if (first.leaderId !== c.leaderId) {
      out.push({ kind: 'two_leaders', detail: `term ${c.term}: ${first.observer} saw node ${first.leaderId} lead, ${c.observer} node ${c.leaderId}` });
    }
    const prev = lastTerm.get(c.observer);
    if (c.observer.startsWith('node ') && prev !== undefined && c.term < prev) {
      out.push({ kind: 'term_regressed', detail: `${c.observer} went from term ${prev} back to ${c.term}` });
    }
    lastTerm.set(c.observer, Math.max(prev ?? 0, c.term));
  }
  for (const o of outcomes) out.push(...checkOutcome(o));
  return out;
}

function checkOutcome(o: FaultOutcome): QuorumViolation[] {
  const what = `${o.kind} of node ${o.nodeId} (leader ${o.before.leaderId}, term ${o.before.term})`;
  if (o.after === null) return [{ kind: 'not_converged', detail: `${what}: no settled quorum afterwards` }];
  const out: QuorumViolation[] = [];
  // A one-way cut between the leader and one follower must not move the leader either: the
  // other follower keeps the leader's quorum, and PreVote plus the lease keep the cut-off
  // follower's campaigns from going anywhere.
  const undisturbed = o.nodeId !== o.before.leaderId || o.kind === 'cut';
  if (undisturbed && (o.after.term !== o.before.term || o.after.leaderId !== o.before.leaderId)) {
    out.push({ kind: 'disrupted', detail: `${what}: afterwards node ${o.after.leaderId} leads in term ${o.after.term}` });
  }
  if (o.steppedDown === false) out.push({ kind: 'no_check_quorum', detail: `${what}: the cut-off leader did not step down` });
  const r = o.replacement;
  if (r !== undefined && (r === null || r.leaderId === o.nodeId || r.term <= o.before.term)) {
    out.push({ kind: 'no_failover', detail: `${what}: the others elected no new leader in a higher term meanwhile (${JSON.stringify(r)})` });
  }
  return [...out, ...checkPartitionOutcome(o, what)];
}

function checkPartitionOutcome(o: FaultOutcome, what: string): QuorumViolation[] {
  const b = o.partitionBefore;
  if (b === undefined) return [];
  if (b === null) return [{ kind: 'no_partition_leader', detail: `${what}: the data partition had no leader to fault` }];
  const r = o.partitionReplacement;
  if (r !== undefined && (r === null || r.leaderId === b.leaderId || r.leaderEpoch <= b.leaderEpoch)) {
    return [{ kind: 'no_partition_failover', detail: `${what}: partition ${b.partition}'s leader ${b.leaderId} (epoch ${b.leaderEpoch}) was not replaced in a higher epoch meanwhile (${JSON.stringify(r)})` }];
  }
  return [];
}
