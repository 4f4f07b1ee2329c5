// CreatePartitions (37) v0-3: grows a topic's partition count (KIP-195). Kafka's rules
// (ControllerApis.createPartitions, ReplicationControlManager.createPartitions):
// - a topic named twice is INVALID_REQUEST "Duplicate topic name." (answered once);
// - an unknown topic is UNKNOWN_TOPIC_OR_PARTITION;
// - the count must grow: equal is INVALID_PARTITIONS "Topic already has N partition(s).", less
//   is "The topic t currently has N partition(s); M would not be an increase.";
// - assignments, when given, must number exactly the new partitions and each must be a valid
//   replica list on this single node, i.e. [nodeId] (INVALID_REPLICA_ASSIGNMENT);
// - validateOnly runs every check and changes nothing.
// - growing past max.broker.partitions is INVALID_PARTITIONS (Broker.checkPartitionRoom).
// Partitions are never removed, so consumers see new partitions on their next Metadata.
// On a cluster the controller runs it (cluster/quorum/controller-ops.ts).

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { CreatePartitions } from '../../protocol/messages/index.ts';
import type { RequestOf } from '../../protocol/schema.ts';
import { PARTITIONS_PER_TOPIC_MAX } from '../../cluster/topic-table.ts';
import type { Broker } from '../broker.ts';
import { CREATE_PARTITIONS } from '../../cluster/quorum/controller-ops.ts';
import { handler, type RequestContext } from '../handler.ts';
import { checkManualAssignment } from '../replica-assignment.ts';

type TopicIn = RequestOf<typeof CreatePartitions>['topics'][number];

// One write of the topic table for the whole request (TopicTable.batch).
export default handler(CreatePartitions, (ctx, req) => ctx.broker.controller?.call(CREATE_PARTITIONS, req, ctx.apiVersion) ?? ctx.broker.topics.batch(() => createPartitions(ctx, req)));

function createPartitions(ctx: RequestContext, req: RequestOf<typeof CreatePartitions>) {
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const answered = new Set<string>();
  const results = [];
  for (const t of req.topics) {
    if (answered.has(t.name)) continue;
    answered.add(t.name);
    const e =
      counts.get(t.name)! > 1
        ? kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
        : growOne(ctx.broker, t, req.validateOnly);
    results.push({ name: t.name, errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null });
  }
  return { throttleTimeMs: 0, results };
}

function growOne(broker: Broker, req: TopicIn, validateOnly: boolean): KafkaError | null {
  const t = broker.topics.get(req.name);
  if (!t) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const current = t.partitions;
  if (req.count === current) return kafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (req.count < current) {
    return kafkaError(
      ErrorCode.INVALID_PARTITIONS,
      `The topic ${req.name} currently has ${current} partition(s); ${req.count} would not be an increase.`,
    );
  }
  if (req.count > PARTITIONS_PER_TOPIC_MAX) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${req.count}.`);
  }
  const additional = req.count - current;
  if (req.assignments !== null) {
    if (req.assignments.length !== additional) {
      return kafkaError(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${additional} additional partition(s), but only ${req.assignments.length} assignment(s) were specified.`,
      );
    }
    for (const a of req.assignments) {
      const bad = checkManualAssignment(broker.config.nodeId, a.brokerIds);
      if (bad) return bad;
    }
  }
  const full = broker.checkPartitionRoom(additional);
  if (full) return full;
  if (!validateOnly) broker.addPartitions(t, req.count);
  return null;
}
