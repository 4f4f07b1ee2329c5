// AlterPartitionReassignments (45) v0-1, answered as Kafka's controller does
// (ReplicationControlManager.alterPartitionReassignment) on a cluster of one registered broker:
// - unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION with Kafka's message;
// - null replicas (cancel): NO_REASSIGNMENT_IN_PROGRESS, since no reassignment ever runs; the
//   message is null because Kafka's exception carries the error's default text
//   (ApiError.fromThrowable drops it);
// - a target replica set: validateManualPartitionAssignment's INVALID_REPLICA_ASSIGNMENT for an
//   empty list, a broker other than this node ("no such broker is registered") or a repeated
//   one, checked in broker id order as Kafka does; this node alone is the set the partition
//   already has, so it succeeds and changes nothing. KIP-860's replication factor check cannot
//   fail after that: the only valid target has the current factor, 1.
// On a cluster the controller runs it (cluster/controller/reassignments.ts through
// cluster/quorum/controller-ops.ts); the partition's group leader does the move.

import { ErrorCode } from '../../protocol/errors.ts';
import { AlterPartitionReassignments } from '../../protocol/messages/index.ts';
import type { RequestOf } from '../../protocol/schema.ts';
import type { Broker } from '../broker.ts';
import { ALTER_PARTITION_REASSIGNMENTS } from '../../cluster/quorum/controller-ops.ts';
import { handler } from '../handler.ts';

type Outcome = { errorCode: number; errorMessage: string | null };
const DONE: Outcome = { errorCode: ErrorCode.NONE, errorMessage: null };

export default handler(AlterPartitionReassignments, (ctx, req) => ctx.broker.controller?.call(ALTER_PARTITION_REASSIGNMENTS, req, ctx.apiVersion) ?? alone(ctx.broker, req));

function alone(broker: Broker, req: RequestOf<typeof AlterPartitionReassignments>) {
  return {
    throttleTimeMs: 0,
    allowReplicationFactorChange: req.allowReplicationFactorChange,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    responses: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        ...reassign(broker, t.name, p.partitionIndex, p.replicas),
      })),
    })),
  };
}

function reassign(broker: Broker, topic: string, partitionIndex: number, replicas: number[] | null): Outcome {
  const t = broker.topics.get(topic);
  if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find a topic named ${topic}.` };
  if (partitionIndex < 0 || partitionIndex >= t.partitions) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find partition ${topic}:${partitionIndex}.` };
  }
  if (replicas === null) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null };
  const invalid = validateTarget(replicas, broker.config.nodeId);
  return invalid === null ? DONE : { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: invalid };
}

/** ReplicationControlManager.validateManualPartitionAssignment with one registered broker. */
function validateTarget(replicas: readonly number[], nodeId: number): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const sorted = replicas.toSorted((a, b) => a - b);
  let previous: number | null = null;
  for (const brokerId of sorted) {
    if (brokerId !== nodeId) {
      return `The manual partition assignment includes broker ${brokerId}, but no such broker is registered.`;
    }
    if (brokerId === previous) return `The manual partition assignment includes the broker ${brokerId} more than once.`;
    previous = brokerId;
  }
  return null;
}
