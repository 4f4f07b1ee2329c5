// Checks on replica lists that CreateTopics (19), CreatePartitions (37) and
// AlterPartitionReassignments (45) share, with Kafka's messages: a manual assignment
// (ReplicationControlManager.validateManualPartitionAssignment), and the room a node has for
// more replicas (max.broker.partitions).

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { MetadataImage } from './image.ts';
import { type ControllerInputs, intProp } from './proposal.ts';
import type { NodeId } from './records.ts';
import { OFFSETS_TOPIC } from './topic-names.ts';

/**
 * One manual replica list: not empty, registered brokers only, none twice (checked in id order,
 * as Kafka does), and as many replicas as the partitions before it (`expectedReplicas`).
 */
export function checkManualAssignment(image: MetadataImage, brokerIds: readonly number[], expectedReplicas: number | null): KafkaError | null {
  const invalid = (m: string) => kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, m);
  if (brokerIds.length === 0) return invalid('The manual partition assignment includes an empty replica list.');
  const sorted = brokerIds.toSorted((a, b) => a - b);
  let previous: number | null = null;
  for (const id of sorted) {
    if (image.broker(id) === undefined) return invalid(`The manual partition assignment includes broker ${id}, but no such broker is registered.`);
    if (id === previous) return invalid(`The manual partition assignment includes the broker ${id} more than once.`);
    previous = id;
  }
  if (expectedReplicas !== null && brokerIds.length !== expectedReplicas) {
    return invalid(
      `The manual partition assignment includes a partition with ${brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${expectedReplicas} replica(s).`,
    );
  }
  return null;
}

/** Kafka refuses a manual list whose every broker is fenced: the partition could have no leader. */
export function checkSomeUnfenced(image: MetadataImage, brokerIds: readonly number[], partition: number): KafkaError | null {
  if (brokerIds.some((id) => image.broker(id)?.fenced === false)) return null;
  return kafkaError(
    ErrorCode.INVALID_REPLICA_ASSIGNMENT,
    `All brokers specified in the manual partition assignment for partition ${partition} are fenced or in controlled shutdown.`,
  );
}

/**
 * max.broker.partitions on every node that would take replicas: INVALID_PARTITIONS naming the
 * limit, as the single node answers (Redpanda refuses past its per-core limit alike; Kafka has
 * none, KIP-578 proposed one). Until __consumer_offsets exists each node keeps room for its
 * partitions, so filling the cluster with topics never breaks consumer groups. `what` says what
 * was refused ("create 3 partition(s)"); a move is refused as INVALID_REPLICA_ASSIGNMENT.
 */
export function checkRoom(
  image: MetadataImage,
  inputs: ControllerInputs,
  replicaLists: readonly (readonly NodeId[])[],
  what: string,
  code: number = ErrorCode.INVALID_PARTITIONS,
): KafkaError | null {
  const limit = intProp(inputs.broker, 'max.broker.partitions');
  const reserved = image.topic(OFFSETS_TOPIC) !== undefined ? 0 : intProp(inputs.broker, 'offsets.topic.num.partitions');
  const added = new Map<NodeId, number>();
  for (const list of replicaLists) for (const id of list) added.set(id, (added.get(id) ?? 0) + 1);
  for (const [id, n] of [...added].sort(([a], [b]) => a - b)) {
    const held = image.replicasOn(id);
    if (held + reserved + n <= limit) continue;
    const kept = reserved > 0 ? ` and keeps ${reserved} for ${OFFSETS_TOPIC}` : '';
    return kafkaError(code, `Cannot ${what}: node ${id} holds ${held}${kept}, and max.broker.partitions is ${limit}.`);
  }
  return null;
}
