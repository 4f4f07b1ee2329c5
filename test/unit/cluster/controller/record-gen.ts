// Random metadata records of every type, each within the limits recordProblem holds, with the
// edges drawn often (empty strings where allowed, the longest names, node id 2^31-1, a
// partition at PARTITIONS_PER_TOPIC_MAX-1, nulls). For the codec's round trips and the fuzzer.

import type { Prng } from '../../../../src/base/prng.ts';
import {
  BROKERS_MAX,
  ConfigResourceType,
  type MetadataRecord,
  PARTITIONS_PER_TOPIC_MAX,
  RecordType,
  type RecordTypeName,
  TOPIC_NAME_MAX_CHARS,
} from '../../../../src/cluster/controller/records.ts';
import { uuidToString } from '../../../../src/protocol/primitives.ts';

const TYPES = Object.keys(RecordType) as RecordTypeName[];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789._-';

export function uuid(rng: Prng): string {
  for (;;) {
    const id = uuidToString(rng.bytes(16), 0);
    if (id !== 'AAAAAAAAAAAAAAAAAAAAAA') return id;
  }
}

function text(rng: Prng, min: number, max: number): string {
  const n = rng.chance(0.1) ? max : rng.int(min, Math.min(max, 20));
  let s = '';
  for (let i = 0; i < n; i++) s += rng.chance(0.02) ? 'é' : ALPHABET[rng.int(0, ALPHABET.length - 1)];
  return s;
}

function nodeId(rng: Prng): number {
  return rng.chance(0.1) ? 0x7fffffff : rng.int(0, 50);
}

function ids(rng: Prng): number[] {
  const n = rng.chance(0.05) ? rng.int(1, BROKERS_MAX) : rng.int(1, 5);
  const set = new Set<number>();
  while (set.size < n) set.add(rng.chance(0.5) ? set.size : nodeId(rng));
  return [...set];
}

const epoch = (rng: Prng) => (rng.chance(0.1) ? Number.MAX_SAFE_INTEGER : rng.int(0, 1000));
const endpoint = (rng: Prng) => ({ host: text(rng, 1, 255), port: rng.int(0, 0xffff) });

export function randomRecord(rng: Prng, type: RecordTypeName = rng.pick(TYPES)): MetadataRecord {
  switch (type) {
    case 'cluster_id':
      return { type, clusterId: text(rng, 1, 64) };
    case 'feature_level':
      return { type, name: text(rng, 1, 255), level: rng.int(0, 0x7fff) };
    case 'register_broker':
      return { type, nodeId: nodeId(rng), incarnationId: uuid(rng), brokerEpoch: epoch(rng), kafkaEndpoint: endpoint(rng), rpcEndpoint: endpoint(rng), rack: rng.chance(0.5) ? null : text(rng, 0, 255) };
    case 'unregister_broker':
      return { type, nodeId: nodeId(rng), brokerEpoch: epoch(rng) };
    case 'broker_registration_change':
      return { type, nodeId: nodeId(rng), brokerEpoch: epoch(rng), fenced: rng.chance(0.5) };
    case 'broker_maintenance':
      return { type, nodeId: nodeId(rng), enabled: rng.chance(0.5) };
    case 'broker_membership':
      return { type, nodeId: nodeId(rng), state: rng.pick(['active', 'draining', 'removed'] as const) };
    case 'topic':
      return { type, name: text(rng, 1, TOPIC_NAME_MAX_CHARS), topicId: uuid(rng) };
    case 'partition':
      return {
        type,
        topicId: uuid(rng),
        partition: rng.chance(0.1) ? PARTITIONS_PER_TOPIC_MAX - 1 : rng.int(0, 100),
        replicas: ids(rng),
        targetReplicas: rng.chance(0.5) ? null : ids(rng),
        partitionEpoch: rng.chance(0.1) ? 0x7fffffff : rng.int(0, 100),
      };
    case 'partition_change': {
      const base = { type, topicId: uuid(rng), partition: rng.int(0, PARTITIONS_PER_TOPIC_MAX - 1) };
      const withReplicas = rng.chance(0.5) ? { ...base, replicas: ids(rng) } : base;
      return rng.chance(0.5) ? { ...withReplicas, targetReplicas: rng.chance(0.5) ? null : ids(rng) } : withReplicas;
    }
    case 'remove_topic':
      return { type, topicId: uuid(rng) };
    case 'config':
      return {
        type,
        resourceType: rng.pick([ConfigResourceType.TOPIC, ConfigResourceType.BROKER, ConfigResourceType.GROUP]),
        resourceName: text(rng, 0, 300),
        name: text(rng, 1, 255),
        value: rng.chance(0.3) ? null : rng.chance(0.02) ? 'v'.repeat(64 * 1024) : text(rng, 0, 100),
      };
    case 'producer_ids':
      return { type, nodeId: nodeId(rng), brokerEpoch: epoch(rng), nextProducerId: epoch(rng) };
  }
}
