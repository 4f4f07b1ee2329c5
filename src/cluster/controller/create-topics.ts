// CreateTopics (19) on the controller: the records that create the topics and Kafka's answer.
// The checks and messages are those the single node gives today (broker/handlers/19), which
// follow Kafka's ReplicationControlManager.createTopics, in its order:
// - a name twice in one request: INVALID_REQUEST "Duplicate topic name." (answered once);
// - the name (INVALID_TOPIC_EXCEPTION), existence (TOPIC_ALREADY_EXISTS), '.'/'_' collisions;
// - configs: nulls first (INVALID_CONFIG), then config/topic-config.ts's validation;
// - the layout: a manual assignment (replicationFactor and numPartitions must be -1, each
//   partition once, each list checked by replica-checks.ts, partitions 0..n-1), or the counts
//   (-1 for num.partitions / default.replication.factor, KIP-464) placed by placement.ts; a
//   factor above the registered brokers is INVALID_REPLICATION_FACTOR "Unable to replicate the
//   partition R time(s): The target replication factor of R cannot be reached because only N
//   broker(s) are registered.";
// - max.broker.partitions on every node that takes replicas (replica-checks.ts), last.
// validateOnly runs every check and proposes nothing; like KRaft it still answers a topic id.
// A topic whose records would not fit in the request's one batch is POLICY_VIOLATION with
// Kafka's "Excessively large number of partitions per request." (Kafka fails the whole request;
// here the topics before it are created).
// Records per topic, in KRaft's order: TopicRecord, its ConfigRecords, its PartitionRecords.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { CreateTopics } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import { describeTopicConfigs, validateTopicConfigs } from '../../config/topic-config.ts';
import { tooLongValue } from './configs.ts';
import type { MetadataImage } from './image.ts';
import { placeReplicas } from './placement.ts';
import { type ControllerInputs, type ControllerResult, intProp, newTopicId, Proposal } from './proposal.ts';
import { ConfigResourceType, type MetadataRecord, type NodeId, PARTITIONS_PER_TOPIC_MAX } from './records.ts';
import { checkManualAssignment, checkRoom, checkSomeUnfenced } from './replica-checks.ts';
import { validateTopicName } from './topic-names.ts';

type Request = RequestOf<typeof CreateTopics>;
type TopicIn = Request['topics'][number];
type TopicOut = Encodable<ResponseOf<typeof CreateTopics>['topics'][number]>;
export type CreateTopicsResponse = Encodable<ResponseOf<typeof CreateTopics>>;

export interface CreateTopicsInputs extends ControllerInputs {
  /** The node's own internal topic (the group coordinator's __consumer_offsets): never refused by max.broker.partitions. */
  readonly internal?: boolean;
}

export function createTopics(image: MetadataImage, req: Request, inputs: CreateTopicsInputs): ControllerResult<CreateTopicsResponse> {
  const proposal = new Proposal(image);
  const counts = new Map<string, number>();
  for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const answeredDuplicates = new Set<string>();
  const topics: TopicOut[] = [];
  for (const t of req.topics) {
    if (counts.get(t.name)! > 1) {
      if (answeredDuplicates.has(t.name)) continue;
      answeredDuplicates.add(t.name);
      topics.push(failed(t.name, kafkaError(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')));
      continue;
    }
    topics.push(createOne(proposal, t, req.validateOnly, inputs));
  }
  return proposal.result({ throttleTimeMs: 0, topics });
}

function createOne(proposal: Proposal, t: TopicIn, validateOnly: boolean, inputs: CreateTopicsInputs): TopicOut {
  const image = proposal.image;
  const bad = checkNewName(image, t.name);
  if (bad) return failed(t.name, bad);
  const nulls = t.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return failed(t.name, kafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`));
  const v = validateTopicConfigs(t.configs.map((c) => [c.name, c.value] as const));
  if (!v.ok) return failed(t.name, v.error);
  const tooLong = tooLongValue(v.configs);
  if (tooLong) return failed(t.name, tooLong);
  const layout = resolveLayout(image, t, inputs);
  if ('code' in layout) return failed(t.name, layout);
  // The node's own internal topics count towards the limit but are never refused by it.
  const full = inputs.internal ? null : checkRoom(image, inputs, layout, `create ${layout.length} partition(s)`);
  if (full) return failed(t.name, full);
  const topicId = newTopicId(inputs.random, (id) => image.topicById(id) !== undefined);
  const records = topicRecords(t.name, topicId, v.configs, layout);
  if (!proposal.fits(records.length)) return failed(t.name, kafkaError(ErrorCode.POLICY_VIOLATION, 'Excessively large number of partitions per request.'));
  if (!validateOnly) proposal.add(...records);
  const configs = describeTopicConfigs(v.configs, inputs.broker)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, readOnly: c.readOnly, configSource: c.configSource, isSensitive: c.isSensitive }));
  return {
    name: t.name,
    topicId,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: layout.length,
    replicationFactor: layout[0].length,
    configs,
  };
}

/** A new topic's name against Kafka's rules and the topics there are. */
export function checkNewName(image: MetadataImage, name: string): KafkaError | null {
  const bad = validateTopicName(name);
  if (bad) return bad;
  if (image.topic(name)) return kafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  const other = image.collidingTopic(name);
  if (other !== undefined) {
    return kafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${name}' collides with existing topic: ${other}`);
  }
  return null;
}

/** The replica list of every partition, from a manual assignment or placed from the counts. */
function resolveLayout(image: MetadataImage, t: TopicIn, inputs: ControllerInputs): NodeId[][] | KafkaError {
  if (t.assignments.length > 0) return manualLayout(image, t);
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  }
  const partitions = t.numPartitions === -1 ? intProp(inputs.broker, 'num.partitions') : t.numPartitions;
  if (partitions > PARTITIONS_PER_TOPIC_MAX) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${partitions}.`);
  }
  const rf = t.replicationFactor === -1 ? intProp(inputs.broker, 'default.replication.factor') : t.replicationFactor;
  const placed = placeReplicas(image.placeableBrokers(), partitions, rf, inputs.random);
  if ('error' in placed) return kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${rf} time(s): ${placed.error}`);
  return placed;
}

function manualLayout(image: MetadataImage, t: TopicIn): NodeId[][] | KafkaError {
  if (t.replicationFactor !== -1) {
    return kafkaError(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.');
  }
  if (t.numPartitions !== -1) {
    return kafkaError(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.');
  }
  const byIndex = new Map<number, NodeId[]>();
  let expected: number | null = null;
  for (const a of t.assignments) {
    if (byIndex.has(a.partitionIndex)) {
      return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
    }
    const bad = checkManualAssignment(image, a.brokerIds, expected) ?? checkSomeUnfenced(image, a.brokerIds, a.partitionIndex);
    if (bad) return bad;
    expected = a.brokerIds.length;
    byIndex.set(a.partitionIndex, a.brokerIds);
  }
  const layout: NodeId[][] = [];
  for (let i = 0; i < byIndex.size; i++) {
    const replicas = byIndex.get(i);
    if (replicas === undefined) return kafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence');
    layout.push(replicas);
  }
  if (layout.length > PARTITIONS_PER_TOPIC_MAX) {
    return kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${layout.length}.`);
  }
  return layout;
}

function topicRecords(name: string, topicId: string, configs: Record<string, string>, layout: readonly NodeId[][]): MetadataRecord[] {
  const out: MetadataRecord[] = [{ type: 'topic', name, topicId }];
  for (const key of Object.keys(configs).sort()) {
    out.push({ type: 'config', resourceType: ConfigResourceType.TOPIC, resourceName: name, name: key, value: configs[key] });
  }
  layout.forEach((replicas, partition) => out.push({ type: 'partition', topicId, partition, replicas, targetReplicas: null, partitionEpoch: 0 }));
  return out;
}

function failed(name: string, e: KafkaError): TopicOut {
  return { name, errorCode: e.code, errorMessage: e.message, numPartitions: -1, replicationFactor: -1, configs: [] };
}
