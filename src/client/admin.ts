// Admin calls: topics, partitions and configs. Sent to the controller (Kafka's routing); every
// per-topic or per-resource error comes back as a KafkaErr value in the result.

import { CreatePartitions } from '../protocol/messages/37-create-partitions.ts';
import { CreateTopics } from '../protocol/messages/19-create-topics.ts';
import { DeleteTopics } from '../protocol/messages/20-delete-topics.ts';
import { DescribeConfigs } from '../protocol/messages/32-describe-configs.ts';
import { IncrementalAlterConfigs } from '../protocol/messages/44-incremental-alter-configs.ts';
import type { ClientCore } from './core.ts';
import { type KafkaErr, kafkaErr } from './errors.ts';

/** Admin calls wait this long on the broker side (the request's timeoutMs). */
export const ADMIN_TIMEOUT_MS = 30_000;

export interface NewTopic {
  name: string;
  /** -1: the broker's num.partitions (KIP-464). */
  numPartitions?: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  configs?: Record<string, string | null>;
}

export interface CreateTopicResult {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
  error: KafkaErr | null;
}

export async function createTopics(c: ClientCore, topics: readonly NewTopic[], options: { validateOnly?: boolean } = {}): Promise<CreateTopicResult[]> {
  const conn = await c.controller();
  const res = await conn.request(CreateTopics, {
    topics: topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      assignments: [],
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: ADMIN_TIMEOUT_MS,
    validateOnly: options.validateOnly ?? false,
  });
  return res.topics.map((t) => ({
    name: t.name,
    topicId: t.topicId,
    numPartitions: t.numPartitions,
    replicationFactor: t.replicationFactor,
    error: kafkaErr(t.errorCode, t.errorMessage),
  }));
}

export interface TopicResult {
  name: string;
  error: KafkaErr | null;
}

export async function deleteTopics(c: ClientCore, names: readonly string[]): Promise<TopicResult[]> {
  const conn = await c.controller();
  // v6 names topics in `topics` (by name or id), older versions in `topicNames`; the encoder
  // writes only the fields of the negotiated version.
  const res = await conn.request(DeleteTopics, {
    topics: names.map((name) => ({ name })),
    topicNames: [...names],
    timeoutMs: ADMIN_TIMEOUT_MS,
  });
  return res.responses.map((r) => ({ name: r.name ?? '', error: kafkaErr(r.errorCode, r.errorMessage) }));
}

/** Grows topics to `count` partitions in total (KIP-195). */
export async function createPartitions(c: ClientCore, topics: ReadonlyArray<{ name: string; count: number }>, options: { validateOnly?: boolean } = {}): Promise<TopicResult[]> {
  const conn = await c.controller();
  const res = await conn.request(CreatePartitions, {
    topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: null })),
    timeoutMs: ADMIN_TIMEOUT_MS,
    validateOnly: options.validateOnly ?? false,
  });
  return res.results.map((r) => ({ name: r.name, error: kafkaErr(r.errorCode, r.errorMessage) }));
}

/** Kafka's ConfigResource.Type codes. */
export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;
export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];

/** Kafka's DescribeConfigsResponse.ConfigSource codes, by name (for display). */
export const CONFIG_SOURCE_NAMES: Readonly<Record<number, string>> = {
  [-1]: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
  7: 'CLIENT_METRICS_CONFIG',
  8: 'GROUP_CONFIG',
};

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** A CONFIG_SOURCE_NAMES key. */
  source: number;
  isSensitive: boolean;
}

export interface ConfigResourceResult {
  type: number;
  name: string;
  error: KafkaErr | null;
  configs: ConfigEntry[];
}

export async function describeConfigs(
  c: ClientCore,
  resources: ReadonlyArray<{ type: ResourceTypeCode; name: string; keys?: string[] | null }>,
): Promise<ConfigResourceResult[]> {
  const conn = await c.controller();
  const res = await conn.request(DescribeConfigs, {
    resources: resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.keys ?? null })),
    includeSynonyms: false,
    includeDocumentation: false,
  });
  return res.results.map((r) => ({
    type: r.resourceType,
    name: r.resourceName,
    error: kafkaErr(r.errorCode, r.errorMessage),
    configs: r.configs.map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: e.readOnly,
      // v0 has only isDefault; map it onto the v1+ source codes.
      source: e.configSource !== -1 ? e.configSource : e.isDefault ? 5 : 1,
      isSensitive: e.isSensitive,
    })),
  }));
}

/** IncrementalAlterConfigs operations (KIP-339). */
export const ConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOpCode = (typeof ConfigOp)[keyof typeof ConfigOp];

export interface ConfigAlteration {
  type: ResourceTypeCode;
  name: string;
  configs: ReadonlyArray<{ name: string; op: ConfigOpCode; value?: string | null }>;
}

export async function incrementalAlterConfigs(
  c: ClientCore,
  resources: readonly ConfigAlteration[],
  options: { validateOnly?: boolean } = {},
): Promise<Array<{ type: number; name: string; error: KafkaErr | null }>> {
  const conn = await c.controller();
  const res = await conn.request(IncrementalAlterConfigs, {
    resources: resources.map((r) => ({
      resourceType: r.type,
      resourceName: r.name,
      configs: r.configs.map((e) => ({ name: e.name, configOperation: e.op, value: e.value ?? null })),
    })),
    validateOnly: options.validateOnly ?? false,
  });
  return res.responses.map((r) => ({ type: r.resourceType, name: r.resourceName, error: kafkaErr(r.errorCode, r.errorMessage) }));
}
