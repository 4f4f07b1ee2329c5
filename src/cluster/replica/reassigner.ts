// The leader's side of a reassignment: every REASSIGNMENT_STEP_MS, each replica this node leads
// whose group differs from its assignment (a target, learners, or voters the controller does not
// know) takes the next step reassignment.ts decides: a membership change proposed through its
// group (GroupDriver.proposeMembershipChange: one server at a time, the core's rules), a
// leadership transfer, or a report of the committed voters to the controller (the `report`
// callback: reportPartitionVoters on the controller's leader, with the partition epoch the
// assignment was read at, as Kafka's AlterPartition carries one).
//
// What the shell keeps per group, for the term it leads in: the index of the last change it
// proposed (the membership is settled once the commit index reaches it and the leader has
// committed an entry of its own term, so nothing earlier is pending: core leader.ts), and the
// report in flight or answered. A report answered NONE or INVALID_UPDATE_VERSION is not sent
// again at the same partition epoch: the image moves on (the controller's change, or a newer
// assignment), and the reconciler hands the new epoch here (ReplicaBackend.assignmentOf).
// Other answers (NOT_CONTROLLER, REQUEST_TIMED_OUT) are retried on the next step.
//
// Only the leader acts; a follower or a leader of an older term does nothing, so two nodes
// never drive one group. Everything a step checks and proposes runs in one synchronous call.

import { logger } from '../../base/log.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { FollowerStatus, Index, NodeId, Status, Term } from '../../raft/core/index.ts';
import type { GroupId } from '../../raft/transport.ts';
import { nextReassignmentStep, type ReassignmentStep } from './reassignment.ts';
import type { DesiredReplica } from './replica-backend.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

const log = logger('cluster');

/** How often leaders look at their groups' moves. A move takes a few steps per replica moved. */
export const REASSIGNMENT_STEP_MS = 200;
/**
 * How far behind the leader's log end (in entries) a learner may be and be promoted: close
 * enough that the new voter does not hold commits back once it votes (dissertation 4.2.1 asks
 * for the learner to have caught up; the core only refuses one behind the commit index).
 */
export const PROMOTE_LAG_ENTRIES_MAX = 100;

/** What a leader tells the controller (controller/reassignments.ts reportPartitionVoters). */
export interface VotersReport {
  readonly topicId: string;
  readonly partition: number;
  readonly partitionEpoch: number;
  readonly voters: NodeId[];
}

export interface ReassignerOptions {
  readonly nodeId: NodeId;
  readonly replicas: () => Iterable<ReplicatedPartition>;
  readonly assignmentOf: (group: GroupId) => DesiredReplica | undefined;
  /** Sends a report to the controller; resolves with its Kafka error code (NONE when applied here). */
  readonly report: (r: VotersReport) => Promise<number>;
}

interface MoveState {
  readonly term: Term;
  /** The last membership change proposed in this term, -1 for none. */
  changeIndex: Index;
  reporting: boolean;
  /** The partition epoch of the last report the controller answered NONE or INVALID_UPDATE_VERSION, -2 for none. */
  reportedEpoch: number;
}

export class Reassigner {
  private readonly moves = new Map<GroupId, MoveState>();

  constructor(private readonly o: ReassignerOptions) {}

  /** One step for every group this node leads that is not where its assignment says. */
  step(): void {
    const led = new Set<GroupId>();
    for (const r of this.o.replicas()) {
      if (!r.isLeader) continue;
      const a = this.o.assignmentOf(r.groupId);
      if (a === undefined || !this.moving(r, a)) continue;
      led.add(r.groupId);
      this.stepOne(r, a);
    }
    for (const group of [...this.moves.keys()]) if (!led.has(group)) this.moves.delete(group);
  }

  /** Whether the group differs from its assignment (cheap: no status copy for the idle). */
  private moving(r: ReplicatedPartition, a: DesiredReplica): boolean {
    const m = r.driver.raft.membership;
    return (a.targetReplicas ?? null) !== null || m.learners.length > 0 || m.voters.length !== a.replicas.length || m.voters.some((id) => !a.replicas.includes(id));
  }

  private stepOne(r: ReplicatedPartition, a: DesiredReplica): void {
    const status = r.driver.status();
    let st = this.moves.get(r.groupId);
    if (st === undefined || st.term !== status.term) {
      st = { term: status.term, changeIndex: -1, reporting: false, reportedEpoch: -2 };
      this.moves.set(r.groupId, st);
    }
    const settled = r.driver.raft.termAt(status.commit) === status.term && status.transferee === null && st.changeIndex <= status.commit;
    const step = nextReassignmentStep({
      self: this.o.nodeId,
      voters: status.membership.voters,
      learners: status.membership.learners,
      settled,
      replicas: a.replicas,
      targetReplicas: a.targetReplicas ?? null,
      caughtUp: caughtUpLearners(status),
    });
    this.act(r, a, st, step);
  }

  private act(r: ReplicatedPartition, a: DesiredReplica, st: MoveState, step: ReassignmentStep): void {
    switch (step.type) {
      case 'idle':
      case 'wait':
        return;
      case 'report':
        return this.sendReport(r, a, st, step.voters);
      case 'change': {
        const p = r.driver.proposeMembershipChange(step.change);
        if (p.ok) {
          st.changeIndex = p.index;
          log.info(`reassignment of ${r.name}: ${step.change.type} ${step.change.node} proposed at offset ${p.index} (term ${st.term})`);
        } else if (p.reason === 'invalid' || p.reason === 'group_stopped') {
          log.warn(`reassignment of ${r.name}: ${step.change.type} ${step.change.node} refused: ${p.reason}${'detail' in p ? ` (${p.detail})` : ''}`);
        }
        // change_in_progress, leader_not_ready, learner_behind, transfer_in_progress: the next step tries again.
        return;
      }
      case 'transfer': {
        const t = r.driver.transferLeadership(step.to);
        if (t.ok) log.info(`reassignment of ${r.name}: leadership handed to ${step.to} (this node leaves the replicas)`);
        return;
      }
    }
  }

  private sendReport(r: ReplicatedPartition, a: DesiredReplica, st: MoveState, voters: readonly NodeId[]): void {
    const partitionEpoch = a.partitionEpoch ?? -1;
    if (st.reporting || st.reportedEpoch === partitionEpoch) return;
    st.reporting = true;
    const report = { topicId: a.topicId, partition: a.partition, partitionEpoch, voters: [...voters] };
    void this.o.report(report).then(
      (code) => {
        st.reporting = false;
        if (code === ErrorCode.NONE || code === ErrorCode.INVALID_UPDATE_VERSION) st.reportedEpoch = partitionEpoch;
        if (code === ErrorCode.NONE) log.info(`reassignment of ${r.name}: voters ${voters.join(',')} reported at partition epoch ${partitionEpoch}`);
        else if (code !== ErrorCode.INVALID_UPDATE_VERSION) log.debug(`reassignment of ${r.name}: the voters report got error ${code}; retrying`);
      },
      () => {
        st.reporting = false;
      },
    );
  }
}

/** Learners whose log has everything committed and is within PROMOTE_LAG_ENTRIES_MAX of the leader's end. */
export function caughtUpLearners(status: Status): Set<NodeId> {
  const out = new Set<NodeId>();
  for (const id of status.membership.learners) {
    const p: FollowerStatus | undefined = status.progress?.get(id);
    if (p !== undefined && isCaughtUp(p.match, status.commit, status.lastIndex)) out.add(id);
  }
  return out;
}

export function isCaughtUp(match: Index, commit: Index, lastIndex: Index): boolean {
  return match >= commit && lastIndex - match <= PROMOTE_LAG_ENTRIES_MAX;
}
