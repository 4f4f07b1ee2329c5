// Partition reassignments (KIP-455) on the controller: the intent, not the move. The
// controller records where a partition should go (its target replicas); the partition's own
// Raft group does the move (adds the new replicas as learners, promotes them once caught up,
// removes the old ones, one server at a time: Raft dissertation 4.1-4.2) and its leader reports
// the committed voters back, which ends the reassignment.
//
// AlterPartitionReassignments (45), as Kafka's ReplicationControlManager
// .alterPartitionReassignment answers it:
// - unknown topic: UNKNOWN_TOPIC_OR_PARTITION "Unable to find a topic named t."; unknown
//   partition: "Unable to find partition t:p.";
// - null replicas cancel: NO_REASSIGNMENT_IN_PROGRESS (no message, as Kafka's) when none runs;
//   otherwise the target is dropped and the group keeps the voters it has reached (the replicas
//   the move was adding stay listed until the group's leader reports its voters: below);
// - a target: validateManualPartitionAssignment (INVALID_REPLICA_ASSIGNMENT); with
//   allowReplicationFactorChange false (KIP-860) a different size is INVALID_REPLICATION_FACTOR
//   "The replication factor is changed from X to Y" (X counts a move in progress by its target);
//   max.broker.partitions on the nodes that gain a replica (INVALID_REPLICA_ASSIGNMENT);
// - a target that is the current set reorders the replicas (a new preferred leader) at once
//   and ends any move in progress: no Raft membership change is needed; unless the move in
//   progress was adding replicas, which may vote already: then it is a move back like any other.
// ListPartitionReassignments (46) lists the moves in progress from the image.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { AlterPartitionReassignments, ListPartitionReassignments } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { MetadataImage, PartitionImage } from './image.ts';
import { type ControllerInputs, type ControllerResult, Proposal } from './proposal.ts';
import { removeDrained } from './maintenance.ts';
import { recordProblem } from './record-codec.ts';
import type { NodeId } from './records.ts';
import { checkManualAssignment, checkRoom } from './replica-checks.ts';

export type AlterPartitionReassignmentsResponse = Encodable<ResponseOf<typeof AlterPartitionReassignments>>;
export type ListPartitionReassignmentsResponse = Encodable<ResponseOf<typeof ListPartitionReassignments>>;
type Outcome = { errorCode: number; errorMessage: string | null };

const DONE: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const sameSet = (a: readonly NodeId[], b: readonly NodeId[]) => a.length === b.length && a.every((id) => b.includes(id));
const sameList = (a: readonly NodeId[], b: readonly NodeId[]) => a.length === b.length && a.every((id, i) => b[i] === id);

export function alterPartitionReassignments(
  image: MetadataImage,
  req: RequestOf<typeof AlterPartitionReassignments>,
  inputs: ControllerInputs,
): ControllerResult<AlterPartitionReassignmentsResponse> {
  const proposal = new Proposal(image);
  const responses = req.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const e = reassignPartition(proposal, t.name, p.partitionIndex, p.replicas, req.allowReplicationFactorChange, inputs);
      return { partitionIndex: p.partitionIndex, ...(e === null ? DONE : { errorCode: e.code, errorMessage: e.message }) };
    }),
  }));
  return proposal.result({ throttleTimeMs: 0, allowReplicationFactorChange: req.allowReplicationFactorChange, errorCode: ErrorCode.NONE, errorMessage: null, responses });
}

/**
 * One partition's AlterPartitionReassignments on the proposal: its records added, or the
 * refusal (nothing added). Decommissioning (decommission.ts) sets its targets through it.
 */
export function reassignPartition(
  proposal: Proposal,
  topic: string,
  partition: number,
  target: readonly NodeId[] | null,
  allowReplicationFactorChange: boolean,
  inputs: ControllerInputs,
): KafkaError | null {
  const image = proposal.image;
  const t = image.topic(topic);
  if (!t) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find a topic named ${topic}.`);
  const p = t.partitions[partition];
  if (partition < 0 || p === undefined) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Unable to find partition ${topic}:${partition}.`);
  if (!proposal.fits(1)) return kafkaError(ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.');
  const change = (c: { replicas?: readonly NodeId[]; targetReplicas?: readonly NodeId[] | null }) =>
    proposal.add({ type: 'partition_change', topicId: t.topicId, partition, ...c });
  // Nodes the move in progress adds may already vote in the group (promoted, not reported yet).
  // A cancel or a new target that leaves them out keeps them in the replicas, so their node
  // keeps its replica (metadata-reconciler's hostsReplica) until the group's leader reports
  // the voters it really has: a voter must never lose its log while its group counts on it.
  const adding = (p.targetReplicas ?? []).filter((id) => !p.replicas.includes(id));
  const kept = (keep: readonly NodeId[]) => {
    const dropped = adding.filter((id) => !keep.includes(id));
    return dropped.length === 0 ? {} : { replicas: [...p.replicas, ...dropped] };
  };
  if (target === null) {
    if (p.targetReplicas === null) return kafkaError(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    change({ ...kept([]), targetReplicas: null });
    return null;
  }
  const bad = checkManualAssignment(image, target, null) ?? checkFactor(p, target, allowReplicationFactorChange);
  if (bad) return bad;
  const keep = kept(target);
  if (sameSet(target, p.replicas) && keep.replicas === undefined) {
    if (!sameList(target, p.replicas) || p.targetReplicas !== null) change({ replicas: target, targetReplicas: null });
    return null;
  }
  const occupied = new Set([...p.replicas, ...(p.targetReplicas ?? [])]);
  const gaining = target.filter((id) => !occupied.has(id));
  const full = checkRoom(image, inputs, [gaining], `move ${topic}-${partition}`, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  if (full) return full;
  if (p.targetReplicas === null || !sameList(p.targetReplicas, target)) change({ ...keep, targetReplicas: target });
  return null;
}

function checkFactor(p: PartitionImage, target: readonly NodeId[], allowReplicationFactorChange: boolean): KafkaError | null {
  const current = (p.targetReplicas ?? p.replicas).length;
  if (allowReplicationFactorChange || current === target.length) return null;
  return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `The replication factor is changed from ${current} to ${target.length}`);
}

/**
 * The partition group's leader reports the voters its log has committed (after a membership
 * change of a move). `partitionEpoch` is the epoch the leader last read, as Kafka's
 * AlterPartition carries one: a report over a newer assignment is INVALID_UPDATE_VERSION, and
 * the leader reads the image again. Voters equal to the target (as a set) end the move and take
 * the target's order; other voters replace the replicas, the move going on. A decommissioned
 * node left holding nothing is removed in the same batch (maintenance.ts's removeDrained).
 */
export function reportPartitionVoters(
  image: MetadataImage,
  report: { topicId: string; partition: number; partitionEpoch: number; voters: readonly NodeId[] },
): ControllerResult<KafkaError | null> {
  const proposal = new Proposal(image);
  const p = image.partition(report.topicId, report.partition);
  if (p === undefined) return proposal.result(kafkaError(ErrorCode.UNKNOWN_TOPIC_ID));
  if (p.partitionEpoch !== report.partitionEpoch) return proposal.result(kafkaError(ErrorCode.INVALID_UPDATE_VERSION));
  const change = { type: 'partition_change' as const, topicId: report.topicId, partition: report.partition };
  const problem = recordProblem({ ...change, replicas: report.voters });
  if (problem !== null) return proposal.result(kafkaError(ErrorCode.INVALID_REQUEST, `Voters of ${report.topicId}:${report.partition}: ${problem}`));
  if (p.targetReplicas !== null && sameSet(report.voters, p.targetReplicas)) {
    proposal.add({ ...change, replicas: p.targetReplicas, targetReplicas: null });
  } else if (!sameSet(report.voters, p.replicas)) {
    // Keep the current order for those that stay, then the newcomers in the target's order.
    const order = [...p.replicas, ...(p.targetReplicas ?? []), ...report.voters];
    proposal.add({ ...change, replicas: [...new Set(order)].filter((id) => report.voters.includes(id)) });
  }
  // A draining (decommissioned) node this report leaves with no replica is removed in the same batch.
  removeDrained(proposal);
  return proposal.result(null);
}

/**
 * ListPartitionReassignments (46): the moves in progress, for the topics asked for or all.
 * `replicas` is the whole set during the move (current, then those being added), as Kafka lists it.
 */
export function listPartitionReassignments(image: MetadataImage, req: RequestOf<typeof ListPartitionReassignments>): ListPartitionReassignmentsResponse {
  const wanted = req.topics === null ? image.topics().map((t) => ({ name: t.name, partitionIndexes: null })) : req.topics;
  const topics = [];
  for (const w of wanted) {
    const t = image.topic(w.name);
    if (!t) continue;
    const indexes = w.partitionIndexes ?? t.partitions.map((_, i) => i);
    const partitions = [];
    for (const i of indexes) {
      const p = t.partitions[i];
      if (p?.targetReplicas == null) continue;
      const target = p.targetReplicas;
      const adding = target.filter((id) => !p.replicas.includes(id));
      const removing = p.replicas.filter((id) => !target.includes(id));
      partitions.push({ partitionIndex: i, replicas: [...p.replicas, ...adding], addingReplicas: adding, removingReplicas: removing });
    }
    if (partitions.length > 0) topics.push({ name: t.name, partitions });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics };
}
