// CreatePartitions (37) on the controller: grows a topic's partition count (KIP-195). The
// single node's checks and messages (broker/handlers/37), which are Kafka's
// (ReplicationControlManager.createPartitions):
// - a topic named twice: INVALID_REQUEST "Duplicate topic name." (answered once);
// - an unknown topic: UNKNOWN_TOPIC_OR_PARTITION;
// - the count must grow: equal is INVALID_PARTITIONS "Topic already has N partition(s).", less
//   is "The topic t currently has N partition(s); M would not be an increase."; more than
//   PARTITIONS_PER_TOPIC_MAX is INVALID_PARTITIONS;
// - assignments, when given, must number exactly the new partitions, each a valid list with the
//   topic's replication factor (replica-checks.ts), not all fenced (INVALID_REPLICA_ASSIGNMENT);
//   without them the new partitions are placed with the topic's replication factor, continuing
//   the stripe after the last partition's leader (placement.ts);
// - max.broker.partitions on every node that takes replicas (INVALID_PARTITIONS), last;
// - validateOnly runs every check and proposes nothing.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { CreatePartitions } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { MetadataImage, TopicImage } from './image.ts';
import { placeReplicas } from './placement.ts';
import { type ControllerInputs, type ControllerResult, Proposal } from './proposal.ts';
import { type NodeId, PARTITIONS_PER_TOPIC_MAX } from './records.ts';
import { checkManualAssignment, checkRoom, checkSomeUnfenced } from './replica-checks.ts';

type Request = RequestOf<typeof CreatePartitions>;
type TopicIn = Request['topics'][number];
export type CreatePartitionsResponse = Encodable<ResponseOf<typeof CreatePartitions>>;

export function createPartitions(image: MetadataImage, req: Request, inputs: ControllerInputs): ControllerResult<CreatePartitionsResponse> {
  const proposal = new Proposal(image);
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const answered = new Set<string>();
  const results = [];
  for (const t of req.topics) {
    if (answered.has(t.name)) continue;
    answered.add(t.name);
    const e = counts.get(t.name)! > 1 ? kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.') : growOne(proposal, t, req.validateOnly, inputs);
    results.push({ name: t.name, errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null });
  }
  return proposal.result({ throttleTimeMs: 0, results });
}

function growOne(proposal: Proposal, req: TopicIn, validateOnly: boolean, inputs: ControllerInputs): KafkaError | null {
  const image = proposal.image;
  const t = image.topic(req.name);
  if (!t) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const current = t.partitions.length;
  if (req.count === current) return kafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (req.count < current) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `The topic ${req.name} currently has ${current} partition(s); ${req.count} would not be an increase.`);
  }
  if (req.count > PARTITIONS_PER_TOPIC_MAX) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${req.count}.`);
  }
  const layout = newLayout(proposal, t, req, inputs);
  if ('code' in layout) return layout;
  const full = checkRoom(image, inputs, layout, `create ${layout.length} partition(s)`);
  if (full) return full;
  if (!proposal.fits(layout.length)) return kafkaError(ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.');
  if (validateOnly) return null;
  proposal.add(
    ...layout.map((replicas, i) => ({ type: 'partition' as const, topicId: t.topicId, partition: current + i, replicas, targetReplicas: null, partitionEpoch: 0 })),
  );
  return null;
}

/** The replica lists of the new partitions: the request's assignments, checked, or placed. */
function newLayout(proposal: Proposal, t: TopicImage, req: TopicIn, inputs: ControllerInputs): NodeId[][] | KafkaError {
  const image = proposal.image;
  const additional = req.count - t.partitions.length;
  // Every partition keeps the topic's replication factor: that of its first partition (a move
  // in progress counts with its target, as Kafka's replicationFactor of the topic does).
  const first = t.partitions[0];
  const replicationFactor = (first.targetReplicas ?? first.replicas).length;
  if (req.assignments === null) {
    const last = t.partitions[t.partitions.length - 1];
    const placed = placeReplicas(image.placeableBrokers(), additional, replicationFactor, inputs.random, last.replicas[0]);
    if ('error' in placed) return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): ${placed.error}`);
    return placed;
  }
  if (req.assignments.length !== additional) {
    return kafkaError(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `Attempted to add ${additional} additional partition(s), but only ${req.assignments.length} assignment(s) were specified.`,
    );
  }
  for (const [i, a] of req.assignments.entries()) {
    const bad = checkManualAssignment(image, a.brokerIds, replicationFactor) ?? checkSomeUnfenced(image, a.brokerIds, t.partitions.length + i);
    if (bad) return bad;
  }
  return req.assignments.map((a) => a.brokerIds);
}
