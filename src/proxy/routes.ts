// The v2 resources the proxy serves, over the internal client: topics, partitions, offsets,
// brokers (confluentinc/kafka-rest resources/v2: TopicsResource, PartitionsResource,
// BrokersResource, RootResource; entities/v2: GetTopicResponse, GetPartitionResponse,
// TopicPartitionOffsetResponse, BrokerList). Produce is produce.ts, the stateless read read.ts.

import type { ClusterMetadata, KafkaClient, PartitionMetadata, TopicMetadata } from '../client/client.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { requestProblem } from './kafka-errors.ts';
import { bad, type Checked, good, json, problem, problems } from './wire.ts';

/** What the proxy needs of the internal client; a test passes a fake. */
export type ProxyClient = Pick<KafkaClient, 'metadata' | 'describeConfigs' | 'listOffsets' | 'produce' | 'fetch'>;

/** Kafka's ConfigResource.Type TOPIC (DescribeConfigs). */
const TOPIC_RESOURCE = 2;

/** GetPartitionResponse: the leader (-1 for none) and each replica with its leader and in_sync flags. */
export function partitionJson(p: PartitionMetadata): unknown {
  return {
    partition: p.partition,
    leader: p.leader,
    replicas: p.replicas.map((broker) => ({ broker, leader: broker === p.leader, in_sync: p.isr.includes(broker) })),
  };
}

/** The topic's metadata, or 40401 when the cluster does not know it (or refuses its name).
 *  `autoCreate`: ask as a producer does, so a broker with auto.create.topics.enable creates it. */
export async function topicMetadata(client: ProxyClient, topic: string, options: { autoCreate?: boolean } = {}): Promise<Checked<TopicMetadata>> {
  const md: ClusterMetadata = await client.metadata([topic], { allowAutoTopicCreation: options.autoCreate ?? false });
  const t = md.topics.find((x) => x.name === topic);
  if (t === undefined) return bad(problems.topicNotFound());
  if (t.error !== null) {
    if (t.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || t.error.code === ErrorCode.INVALID_TOPIC_EXCEPTION) return bad(problems.topicNotFound());
    return bad(requestProblem(t.error));
  }
  return good(t);
}

/** The partition's metadata, or 40401 / 40402. */
export async function partitionMetadata(client: ProxyClient, topic: string, partition: number): Promise<Checked<PartitionMetadata>> {
  const t = await topicMetadata(client, topic);
  if (!t.ok) return t;
  const p = t.value.partitions.find((x) => x.partition === partition);
  return p === undefined ? bad(problems.partitionNotFound()) : good(p);
}

/** GET /topics: the names, internal topics left out (AdminClient.listTopics' default). */
export async function listTopics(client: ProxyClient): Promise<Response> {
  const md = await client.metadata(null);
  return json(md.topics.filter((t) => t.error === null && !t.isInternal).map((t) => t.name).sort());
}

/** GET /topics/{topic}: name, every config's value (TopicConfigManager.listTopicConfigs), partitions. */
export async function getTopic(client: ProxyClient, topic: string): Promise<Response> {
  const t = await topicMetadata(client, topic);
  if (!t.ok) return problem(t.problem);
  const [described] = await client.describeConfigs([{ type: TOPIC_RESOURCE, name: topic }]);
  if (described === undefined) return problem(problems.internal());
  if (described.error !== null) {
    if (described.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return problem(problems.topicNotFound());
    return problem(requestProblem(described.error));
  }
  const configs: Record<string, string | null> = {};
  for (const c of described.configs) configs[c.name] = c.value;
  return json({ name: t.value.name, configs, partitions: t.value.partitions.map(partitionJson) });
}

/** GET /topics/{topic}/partitions. */
export async function listPartitions(client: ProxyClient, topic: string): Promise<Response> {
  const t = await topicMetadata(client, topic);
  return t.ok ? json(t.value.partitions.map(partitionJson)) : problem(t.problem);
}

/** GET /topics/{topic}/partitions/{partition}. */
export async function getPartition(client: ProxyClient, topic: string, partition: number): Promise<Response> {
  const p = await partitionMetadata(client, topic, partition);
  return p.ok ? json(partitionJson(p.value)) : problem(p.problem);
}

/** GET /topics/{topic}/partitions/{partition}/offsets: the earliest offset and the high
 *  watermark (Partition.getEarliestOffset / getLatestOffset: ListOffsets earliest and latest). */
export async function getOffsets(client: ProxyClient, topic: string, partition: number): Promise<Response> {
  const p = await partitionMetadata(client, topic, partition);
  if (!p.ok) return problem(p.problem);
  // Two requests: Kafka refuses one ListOffsets naming a partition twice (INVALID_REQUEST).
  const [[earliest], [latest]] = await Promise.all([
    client.listOffsets([{ topic, partition, spec: 'earliest' }]),
    client.listOffsets([{ topic, partition, spec: 'latest' }]),
  ]);
  for (const l of [earliest, latest]) {
    if (l === undefined) return problem(problems.internal());
    if (l.error !== null) return problem(l.error.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? problems.partitionNotFound() : requestProblem(l.error));
  }
  return json({ beginning_offset: earliest.offset, end_offset: latest.offset });
}

/** GET /brokers: {"brokers": [ids]}. */
export async function listBrokers(client: ProxyClient): Promise<Response> {
  const md = await client.metadata([]);
  return json({ brokers: md.brokers.map((b) => b.nodeId).sort((a, b) => a - b) });
}
