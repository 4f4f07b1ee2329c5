// Helpers for the controller's tests: an image with registered brokers, the controller node's
// broker view from Kafka's defaults (or given properties), seeded inputs, and full requests
// built from the fields a test cares about.

import { Prng } from '../../../../src/base/prng.ts';
import { type BrokerConfigLayers, effectiveBrokerProps } from '../../../../src/config/broker-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, parseProperty, type PropertyValue } from '../../../../src/config/properties.ts';
import type { BrokerView } from '../../../../src/config/topic-config.ts';
import {
  bootstrapCluster,
  type ControllerInputs,
  createTopics,
  MetadataImage,
  type MetadataRecord,
  registerBroker,
} from '../../../../src/cluster/controller/index.ts';
import type { CreatePartitions, CreateTopics, DeleteTopics } from '../../../../src/protocol/messages/index.ts';
import type { RequestOf } from '../../../../src/protocol/schema.ts';

export const CLUSTER_ID = 'q1Sh-9_ISia_zwGINzRvyQ';
export const FEATURES = new Map([['metadata.version', 25], ['group.version', 1]]);
export const SUPPORTED = [
  { name: 'metadata.version', minSupported: 25, maxSupported: 25 },
  { name: 'group.version', minSupported: 0, maxSupported: 1 },
];

/** The controller node's broker view: Kafka's defaults under `set` (property name -> text). */
export function brokerView(set: Record<string, string> = {}): BrokerView {
  const statics = new Map<string, PropertyValue>();
  for (const [name, text] of Object.entries(set)) {
    const p = parseProperty(BROKER_PROPERTY_BY_NAME.get(name)!, text);
    if (!p.ok) throw new Error(`${name}=${text}: ${p.error}`);
    statics.set(name, p.value);
  }
  const layers: BrokerConfigLayers = { static: statics, dynamicDefault: new Map(), dynamicBroker: new Map() };
  return { props: effectiveBrokerProps(layers, BROKER_PROPERTIES), layers };
}

export function inputs(seed = 1, set: Record<string, string> = {}): ControllerInputs {
  return { broker: brokerView(set), random: new Prng(seed) };
}

/** An incarnation id for node `n`'s `k`-th start (any 22-character Kafka uuid). */
export function incarnation(n: number, k = 0): string {
  return `inc${String(n).padStart(4, '0')}x${String(k).padStart(4, '0')}AAAAAAAAA`.slice(0, 21) + 'A';
}

export function registration(nodeId: number, k = 0) {
  return {
    nodeId,
    clusterId: CLUSTER_ID,
    incarnationId: incarnation(nodeId, k),
    kafkaEndpoint: { host: `node${nodeId}.example`, port: 9092 },
    rpcEndpoint: { host: `node${nodeId}.example`, port: 33145 },
    rack: null,
    features: SUPPORTED,
  };
}

export const noSessions = { hasLiveSession: () => false };

/** A bootstrapped image with brokers `nodeIds` registered; also the records that made it. */
export function cluster(nodeIds: readonly number[] = [0, 1, 2]): { image: MetadataImage; records: MetadataRecord[] } {
  const image = new MetadataImage();
  const records = [...bootstrapCluster(image, CLUSTER_ID, FEATURES).records];
  for (const id of nodeIds) {
    const r = registerBroker(image, registration(id), noSessions);
    if (r.response.errorCode !== 0) throw new Error(`registering ${id}: ${r.response.errorMessage}`);
    records.push(...r.records);
  }
  return { image, records };
}

type TopicIn = RequestOf<typeof CreateTopics>['topics'][number];

export function createRequest(topics: Array<Partial<TopicIn> & { name: string }>, validateOnly = false): RequestOf<typeof CreateTopics> {
  return {
    topics: topics.map((t) => ({ numPartitions: 1, replicationFactor: 1, configs: [], assignments: [], ...t })),
    timeoutMs: 1000,
    validateOnly,
  };
}

/** Creates topics or fails the test; returns the records. */
export function mustCreate(image: MetadataImage, topics: Array<Partial<TopicIn> & { name: string }>, seed = 1): MetadataRecord[] {
  const r = createTopics(image, createRequest(topics), inputs(seed));
  for (const t of r.response.topics ?? []) if (t?.errorCode !== 0) throw new Error(`creating ${t?.name}: ${t?.errorMessage}`);
  return [...r.records];
}

export function partitionsRequest(
  topics: Array<{ name: string; count: number; assignments?: number[][] | null }>,
  validateOnly = false,
): RequestOf<typeof CreatePartitions> {
  return {
    topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments ? t.assignments.map((brokerIds) => ({ brokerIds })) : null })),
    timeoutMs: 1000,
    validateOnly,
  };
}

export function deleteRequest(names: string[], ids: Array<{ name: string | null; topicId: string }> = []): RequestOf<typeof DeleteTopics> {
  return { topicNames: names, topics: ids, timeoutMs: 1000 };
}
