// CreateTopics (19) v2-7.
// - Checks in Kafka's order (ControllerApis.createTopics, ReplicationControlManager.createTopics):
//   a name given twice in one request is INVALID_REQUEST ("Duplicate topic name.", answered once);
//   then the name (INVALID_TOPIC_EXCEPTION), existence (TOPIC_ALREADY_EXISTS), '.'/'_'
//   collisions (INVALID_TOPIC_EXCEPTION); then configs (INVALID_CONFIG, nulls first); then the
//   layout: manual assignments, replication factor, partition count.
// - v4+: numPartitions and replicationFactor may be -1 for the broker defaults (KIP-464):
//   num.partitions and default.replication.factor.
// - This node is the only broker: a replication factor above 1 cannot be placed
//   (INVALID_REPLICATION_FACTOR, Kafka's StripedReplicaPlacer message), and a manual assignment
//   may name only this node (INVALID_REPLICA_ASSIGNMENT).
// - Partitions beyond max.broker.partitions are INVALID_PARTITIONS with a message naming the
//   limit (Broker.checkPartitionRoom), after every other check.
// - validateOnly runs every check and creates nothing; like KRaft it still answers a topic id.
// - v5+ returns the partition count, replication factor and effective configs with their source
//   (KIP-525); v7 the topic id (KIP-516).
// - On a cluster the controller runs it (cluster/quorum/controller-ops.ts: its checks are the
//   same, a replication factor above 1 is refused until partitions are replicated); the answer
//   comes once the topic is in this node's metadata.

import { intProp } from '../../config/node-config.ts';
import { describeTopicConfigs, validateTopicConfigs } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { CreateTopics } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { Broker } from '../broker.ts';
import { CREATE_TOPICS } from '../../cluster/quorum/controller-ops.ts';
import { handler, type RequestContext } from '../handler.ts';
import { checkManualAssignment } from '../replica-assignment.ts';

type TopicIn = RequestOf<typeof CreateTopics>['topics'][number];
type TopicOut = Encodable<ResponseOf<typeof CreateTopics>['topics'][number]>;

// One write of the topic table for the whole request (TopicTable.batch).
export default handler(CreateTopics, (ctx, req) => ctx.broker.controller?.call(CREATE_TOPICS, req, ctx.apiVersion) ?? ctx.broker.topics.batch(() => createTopics(ctx, req)));

function createTopics(ctx: RequestContext, req: RequestOf<typeof CreateTopics>) {
  const broker = ctx.broker;
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const topics: TopicOut[] = [];
  const answeredDuplicates = new Set<string>();
  for (const t of req.topics) {
    if (counts.get(t.name)! > 1) {
      if (answeredDuplicates.has(t.name)) continue;
      answeredDuplicates.add(t.name);
      topics.push(failed(t.name, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')));
      continue;
    }
    topics.push(createOne(broker, t, req.validateOnly));
  }
  return { throttleTimeMs: 0, topics };
}

function createOne(broker: Broker, t: TopicIn, validateOnly: boolean): TopicOut {
  const bad = broker.topics.checkNew(t.name);
  if (bad) return failed(t.name, bad);
  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) {
    return failed(t.name, kafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`));
  }
  const pairs = t.configs.map((c) => [c.name, c.value] as const);
  const v = validateTopicConfigs(pairs);
  if (!v.ok) return failed(t.name, v.error);
  const layout = resolveLayout(broker, t);
  if ('code' in layout) return failed(t.name, layout);
  const r = broker.createTopic(t.name, layout.partitions, pairs, validateOnly);
  if (r.error || !r.topic) return failed(t.name, r.error ?? kafkaError(ErrorCode.UNKNOWN_SERVER_ERROR));
  const configs = describeTopicConfigs(r.topic.configs, broker.config)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({
      name: c.name,
      value: c.isSensitive ? null : c.value,
      readOnly: c.readOnly,
      configSource: c.configSource,
      isSensitive: c.isSensitive,
    }));
  return {
    name: t.name,
    topicId: r.topic.id,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: layout.partitions,
    replicationFactor: 1,
    configs,
  };
}

/** The partition count to create, from a manual assignment or the counts (with -1 defaults). */
function resolveLayout(broker: Broker, t: TopicIn): { partitions: number } | KafkaError {
  if (t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return kafkaError(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.');
    }
    if (t.numPartitions !== -1) {
      return kafkaError(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.');
    }
    const seen = new Set<number>();
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
      }
      const bad = checkManualAssignment(broker.config.nodeId, a.brokerIds);
      if (bad) return bad;
      seen.add(a.partitionIndex);
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) {
        return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
      }
    }
    return { partitions: seen.size };
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  }
  const rf = t.replicationFactor === -1 ? intProp(broker.config, 'default.replication.factor') : t.replicationFactor;
  if (rf > 1) {
    return kafkaError(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached ` +
        'because only 1 broker(s) are registered. (This build runs a single node: replication factor 1 only.)',
    );
  }
  return { partitions: t.numPartitions === -1 ? intProp(broker.config, 'num.partitions') : t.numPartitions };
}

function failed(name: string, e: KafkaError): TopicOut {
  return { name, errorCode: e.code, errorMessage: e.message, numPartitions: -1, replicationFactor: -1, configs: [] };
}
