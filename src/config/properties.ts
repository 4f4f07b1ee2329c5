// Typed configuration properties: the broker-level settings (`--set key=value`, the YAML
// `set:` map) and the per-topic configs (CreateTopics, AlterConfigs, DescribeConfigs).
// Names, defaults and ranges are Kafka's (https://kafka.apache.org/documentation/#brokerconfigs,
// #topicconfigs) so that operators and admin tools find what they expect.

import { KAFKA_BROKER_CATALOG } from './broker-catalog.ts';

export type PropertyType = 'int' | 'long' | 'boolean' | 'string' | 'list' | 'double';

export type PropertyValue = number | boolean | string;

export interface PropertyDef {
  readonly name: string;
  readonly type: PropertyType;
  /** null: Kafka defines no default (log.retention.ms: its synonyms supply the value). */
  readonly default: PropertyValue | null;
  /** Inclusive numeric bounds, checked after parsing. -1 may be allowed separately. */
  readonly min?: number;
  readonly max?: number;
  /** Why the bounds are what they are, when this build narrows Kafka's: added to the range error. */
  readonly rangeWhy?: string;
  /** Whether -1 is accepted as "unlimited" (Kafka's retention.ms / retention.bytes). */
  readonly allowMinusOne?: boolean;
  readonly oneOf?: readonly string[];
  /** A further check of a string or list value; returns Kafka's reason when it fails. */
  readonly check?: (text: string) => string | null;
  /** Values Kafka knows that this build refuses, with the reason given to the caller. */
  readonly notYet?: { readonly values: readonly string[]; readonly why: string };
  /** False for configs that are stored and described but not acted on yet. */
  readonly applied?: boolean;
  /**
   * Broker properties Kafka lets AlterConfigs change at runtime (KIP-226,
   * DynamicBrokerConfig.ALL_DYNAMIC_CONFIGS); absent means read-only, set only at start.
   */
  readonly dynamic?: 'cluster-wide' | 'per-broker';
  /** Set by this `freshet start` flag, not by --set (listeners, log.dirs, node.id). */
  readonly setByFlag?: string;
  /** The value under `freshet start --dev` when not set explicitly (laptop / CI-sidecar mode). */
  readonly devDefault?: PropertyValue;
  readonly doc: string;
}

export type ParseResult = { ok: true; value: PropertyValue } | { ok: false; error: string };

const INT_MAX = 2147483647;
/** Long.MAX_VALUE under the int64 policy (protocol/primitives.ts): the largest safe integer. */
export const LONG_MAX = Number.MAX_SAFE_INTEGER;
const LONG_MAX_TEXT = '9223372036854775807';

/** A value as Kafka prints it (Long.MAX_VALUE sentinels keep their Java spelling). */
export function formatProperty(def: PropertyDef, v: PropertyValue): string;
export function formatProperty(def: PropertyDef, v: PropertyValue | null): string | null;
export function formatProperty(def: PropertyDef, v: PropertyValue | null): string | null {
  if (v === null) return null;
  if (def.type === 'long' && typeof v === 'number' && v >= LONG_MAX) return LONG_MAX_TEXT;
  return String(v);
}

export function parseProperty(def: PropertyDef, raw: string | number | boolean): ParseResult {
  const text = String(raw).trim();
  switch (def.type) {
    case 'boolean': {
      if (def.notYet?.values.includes(text)) {
        return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: ${def.notYet.why}` };
      }
      if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
      return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Expected value to be either true or false` };
    }
    case 'int':
    case 'long':
    case 'double': {
      if (!/^-?\d+(\.\d+)?$/.test(text) || (def.type !== 'double' && text.includes('.'))) {
        return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Not a number of type ${def.type.toUpperCase()}` };
      }
      const n = text === LONG_MAX_TEXT && def.type === 'long' ? LONG_MAX : Math.min(Number(text), LONG_MAX);
      const hardMax = def.type === 'int' ? INT_MAX : LONG_MAX;
      if (n === -1 && def.allowMinusOne) return { ok: true, value: n };
      if (n > hardMax || (def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        const range = `[${def.min ?? '...'},...,${def.max ?? hardMax}]`;
        const why = def.rangeWhy === undefined ? '' : ` (${def.rangeWhy})`;
        return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Value must be in ${range}${why}` };
      }
      return { ok: true, value: n };
    }
    case 'string':
    case 'list': {
      if (def.oneOf) {
        const parts = def.type === 'list' ? text.split(',').map((s) => s.trim()) : [text];
        for (const p of parts) {
          if (def.notYet?.values.includes(p)) {
            return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: ${def.notYet.why}` };
          }
          if (!def.oneOf.includes(p)) {
            return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: String must be one of: ${def.oneOf.join(', ')}` };
          }
        }
        return { ok: true, value: parts.join(',') };
      }
      const reason = def.check?.(text) ?? null;
      if (reason !== null) return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: ${reason}` };
      return { ok: true, value: text };
    }
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A topic config and the broker property that supplies its default (null: none, as in Kafka). */
export type TopicConfigDef = PropertyDef & { readonly brokerKey: string | null };

/** Kafka's compression.type values (topic and broker); `producer` keeps the producer's codec. */
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export type CompressionType = (typeof COMPRESSION_TYPES)[number];

/** Topic-level configs we honour, each with the broker property that supplies its default. */
export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  {
    name: 'cleanup.policy',
    brokerKey: 'log.cleanup.policy',
    type: 'list',
    default: 'delete',
    oneOf: ['delete', 'compact'],
    doc: 'delete old segments by retention, compact by key, or both',
  },
  {
    name: 'retention.ms',
    brokerKey: 'log.retention.ms',
    type: 'long',
    default: 7 * DAY_MS,
    min: 0,
    allowMinusOne: true,
    doc: 'how long a closed segment is kept; -1 keeps it forever',
  },
  {
    name: 'retention.bytes',
    brokerKey: 'log.retention.bytes',
    type: 'long',
    default: -1,
    min: 0,
    allowMinusOne: true,
    doc: 'the most bytes a partition keeps; -1 means no limit',
  },
  {
    name: 'segment.bytes',
    brokerKey: 'log.segment.bytes',
    type: 'int',
    default: 1024 * 1024 * 1024,
    min: 14,
    doc: 'roll a new segment when the active one reaches this size',
  },
  {
    name: 'segment.ms',
    brokerKey: 'log.roll.ms',
    type: 'long',
    default: 7 * DAY_MS,
    min: 1,
    doc: 'roll a new segment after this long even if it is not full',
  },
  {
    name: 'max.message.bytes',
    brokerKey: 'message.max.bytes',
    type: 'int',
    default: 1024 * 1024 + 12,
    min: 0,
    doc: 'the largest record batch the topic accepts',
  },
  {
    name: 'message.timestamp.type',
    brokerKey: 'log.message.timestamp.type',
    type: 'string',
    default: 'CreateTime',
    oneOf: ['CreateTime', 'LogAppendTime'],
    doc: 'whether records keep the producer timestamp or get the broker append time',
  },
  {
    name: 'min.insync.replicas',
    brokerKey: 'min.insync.replicas',
    type: 'int',
    default: 1,
    min: 1,
    doc: 'replicas that must have a batch before acks=all is answered',
  },
  // Log compaction (src/storage/compaction.ts), for topics whose cleanup.policy holds compact.
  { name: 'delete.retention.ms', brokerKey: 'log.cleaner.delete.retention.ms', type: 'long', default: DAY_MS, min: 0,
    doc: 'how long delete tombstones are kept on compacted topics after their batch was first cleaned (KIP-534)' },
  { name: 'min.compaction.lag.ms', brokerKey: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: 0, min: 0,
    doc: 'the least time a record stays uncompacted' },
  { name: 'min.cleanable.dirty.ratio', brokerKey: 'log.cleaner.min.cleanable.ratio', type: 'double', default: 0.5, min: 0, max: 1,
    doc: 'dirty share of the log that triggers compaction' },
  // Kafka topic configs that are accepted, stored and described, but not acted on yet: tools
  // (kafka-topics, Terraform providers, Strimzi) set them routinely and must not be refused.
  // Broker-side recompression (src/broker/recompress.ts): a batch whose codec differs is stored
  // re-encoded with this one, as Kafka's LogValidator does.
  { name: 'compression.type', brokerKey: 'compression.type', type: 'string', default: 'producer', oneOf: COMPRESSION_TYPES,
    doc: 'the compression of stored batches; producer keeps what the producer sent, a codec re-encodes batches that differ' },
  ...notAppliedYet([
    { name: 'max.compaction.lag.ms', brokerKey: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, min: 1, doc: 'the most time a record may stay uncompacted' },
    { name: 'file.delete.delay.ms', brokerKey: 'log.segment.delete.delay.ms', type: 'long', default: 60_000, min: 0, doc: 'delay before a deleted segment file is removed' },
    { name: 'flush.messages', brokerKey: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, min: 1, doc: 'records between forced fsyncs (group commit fsyncs regardless)' },
    { name: 'flush.ms', brokerKey: 'log.flush.interval.ms', type: 'long', default: LONG_MAX, min: 0, doc: 'time between forced fsyncs (group commit fsyncs regardless)' },
    { name: 'index.interval.bytes', brokerKey: 'log.index.interval.bytes', type: 'int', default: 4096, min: 0, doc: 'bytes between sparse offset index entries' },
    { name: 'segment.index.bytes', brokerKey: 'log.index.size.max.bytes', type: 'int', default: 10 * 1024 * 1024, min: 4, doc: 'the largest offset index of one segment' },
    { name: 'segment.jitter.ms', brokerKey: 'log.roll.jitter.ms', type: 'long', default: 0, min: 0, doc: 'random jitter subtracted from segment.ms' },
    { name: 'preallocate', brokerKey: 'log.preallocate', type: 'boolean', default: false, doc: 'preallocate segment files' },
    { name: 'unclean.leader.election.enable', brokerKey: 'unclean.leader.election.enable', type: 'boolean', default: false, doc: 'let an out-of-sync replica lead (never done: Raft)' },
    { name: 'remote.storage.enable', brokerKey: 'remote.log.storage.system.enable', type: 'boolean', default: false,
      notYet: { values: ['true'], why: 'tiered storage is not available yet' }, doc: 'tier closed segments to object storage' },
    { name: 'local.retention.ms', brokerKey: 'log.local.retention.ms', type: 'long', default: -2, min: -2, doc: 'local retention when tiered (-2: retention.ms)' },
    { name: 'local.retention.bytes', brokerKey: 'log.local.retention.bytes', type: 'long', default: -2, min: -2, doc: 'local retention when tiered (-2: retention.bytes)' },
    // Replication quotas (KIP-73): no broker synonym in Kafka; nothing to throttle on one node.
    { name: 'leader.replication.throttled.replicas', brokerKey: null, type: 'list', default: '', check: throttledReplicas,
      doc: 'replicas whose log replication is throttled on the leader side' },
    { name: 'follower.replication.throttled.replicas', brokerKey: null, type: 'list', default: '', check: throttledReplicas,
      doc: 'replicas whose log replication is throttled on the follower side' },
  ]),
  { name: 'message.timestamp.before.max.ms', brokerKey: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'how far in the past a CreateTime timestamp may be (KIP-937)' },
  { name: 'message.timestamp.after.max.ms', brokerKey: 'log.message.timestamp.after.max.ms', type: 'long', default: 60 * 60 * 1000, min: 0,
    doc: 'how far in the future a CreateTime timestamp may be (KIP-937)' },
];

/** Kafka's ThrottledReplicaListValidator: empty, `*`, or partitionId:brokerId pairs. */
function throttledReplicas(text: string): string | null {
  if (text === '' || text === '*' || /^\s*\d+\s*:\s*\d+\s*(,\s*\d+\s*:\s*\d+\s*)*$/.test(text)) return null;
  return 'must be the literal \'*\' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...';
}

function notAppliedYet<T extends PropertyDef>(defs: T[]): T[] {
  return defs.map((d) => ({ ...d, applied: false, doc: `${d.doc} (accepted and stored; not acted on yet)` }));
}

export const TOPIC_CONFIG_BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/**
 * Broker keys whose value Kafka derives from a synonym chain (KafkaConfig.logRetentionTimeMillis
 * and friends): they have no default of their own; the last, coarsest synonym has one.
 */
export const BROKER_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  'log.retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'log.roll.ms': ['log.roll.ms', 'log.roll.hours'],
  'log.roll.jitter.ms': ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  'log.flush.interval.ms': ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
};

/** Topic defaults Kafka cannot change at runtime (not in ServerTopicConfigSynonyms). */
const STATIC_TOPIC_DEFAULTS: ReadonlySet<string> = new Set(['remote.log.storage.system.enable']);

/** The broker property behind each topic config: the topic's default, dynamic as in Kafka. */
function topicDefaults(): PropertyDef[] {
  const out: PropertyDef[] = [];
  for (const { brokerKey, ...d } of TOPIC_CONFIGS) {
    if (brokerKey === null) continue;
    const derived = BROKER_SYNONYMS[brokerKey] !== undefined;
    out.push({
      ...d,
      name: brokerKey,
      default: derived ? null : d.default,
      ...(STATIC_TOPIC_DEFAULTS.has(brokerKey) ? {} : { dynamic: 'cluster-wide' as const }),
    });
  }
  return out;
}

const HOUR_MS = 60 * 60 * 1000;

/** The coarser synonyms: Kafka's server.properties sets log.retention.hours=168. */
const SYNONYM_PROPERTIES: readonly PropertyDef[] = [
  { name: 'log.retention.minutes', type: 'int', default: null, min: -1, allowMinusOne: true,
    doc: 'log.retention.ms in minutes; used when log.retention.ms is not set' },
  { name: 'log.retention.hours', type: 'int', default: (7 * DAY_MS) / HOUR_MS, min: -1, allowMinusOne: true,
    doc: 'log.retention.ms in hours; used when neither log.retention.ms nor log.retention.minutes is set' },
  { name: 'log.roll.hours', type: 'int', default: (7 * DAY_MS) / HOUR_MS, min: 1, doc: 'log.roll.ms in hours; used when log.roll.ms is not set' },
  { name: 'log.roll.jitter.hours', type: 'int', default: 0, min: 0, doc: 'log.roll.jitter.ms in hours; used when log.roll.jitter.ms is not set' },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, min: 0,
    doc: 'the default of log.flush.interval.ms (group commit fsyncs regardless)', applied: false },
];

/** Broker-level properties, settable with --set or the YAML `set:` map. */
export const BROKER_PROPERTIES: readonly PropertyDef[] = [
  ...topicDefaults(),
  ...SYNONYM_PROPERTIES,
  // Off unless --dev (as Redpanda's auto_create_topics_enabled): with it on, any client that can
  // connect creates topics, and each costs disk, memory and descriptors.
  {
    name: 'auto.create.topics.enable',
    type: 'boolean',
    default: false,
    devDefault: true,
    doc: 'create a topic when a client asks Metadata for an unknown one (default false; true under --dev unless set)',
  },
  // KIP-578's proposed name (not adopted by Kafka); Redpanda's equivalent is topic_partitions_per_shard.
  {
    name: 'max.broker.partitions',
    type: 'int',
    default: 20_000,
    min: 1,
    doc: 'partitions this node holds at most, internal topics included; creating more is refused with INVALID_PARTITIONS',
  },
  { name: 'num.partitions', type: 'int', default: 1, min: 1, max: 10000, doc: 'partitions of an auto-created topic' },
  {
    name: 'default.replication.factor',
    type: 'int',
    default: 1,
    min: 1,
    max: 32767,
    doc: 'replication factor of topics created without one (auto-creation, replication factor -1): at most the registered brokers (a lone node: 1)',
  },
  { name: 'delete.topic.enable', type: 'boolean', default: true, doc: 'whether DeleteTopics is allowed' },
  {
    name: 'socket.request.max.bytes',
    type: 'int',
    default: 100 * 1024 * 1024,
    min: 1024,
    doc: 'the largest request frame accepted; larger ones close the connection unread',
  },
  {
    name: 'connections.max.idle.ms',
    type: 'long',
    default: 10 * 60 * 1000,
    min: 1000,
    doc: 'close connections idle for this long',
  },
  {
    name: 'max.connections',
    type: 'int',
    default: 10000,
    min: 1,
    dynamic: 'cluster-wide',
    doc: 'connections accepted at once; more are closed on accept',
  },
  {
    name: 'queued.max.requests.per.connection',
    type: 'int',
    default: 100,
    min: 1,
    max: 10000,
    doc: 'requests read from one connection before its answers are written; reading pauses beyond',
  },
  {
    name: 'log.retention.check.interval.ms',
    type: 'long',
    default: 5 * 60 * 1000,
    min: 1,
    doc: 'how often retention runs',
  },
  {
    name: 'log.flush.offset.checkpoint.interval.ms',
    type: 'int',
    default: 60_000,
    min: 1,
    doc: 'how often each idle partition records its recovery point (data known flushed; recovery never cuts below it)',
  },
  {
    name: 'storage.min.free.bytes',
    type: 'long',
    default: 5 * 1024 * 1024 * 1024,
    // A laptop or CI sidecar often runs on a nearly full disk holding little data: 5 GiB would
    // refuse its every write. --dev keeps a smaller reserve unless set.
    devDefault: 64 * 1024 * 1024,
    min: 0,
    doc: 'free space kept for metadata and offsets: produce is refused (KAFKA_STORAGE_ERROR) below the smaller of this and storage.min.free.percent (Redpanda\'s storage_min_free_bytes; 64 MiB under --dev unless set)',
  },
  {
    name: 'storage.min.free.percent',
    type: 'int',
    default: 5,
    min: 0,
    max: 100,
    doc: 'the same reserve as a percentage of the data directory\'s file system; the smaller of the two applies',
  },
  {
    name: 'log.cleaner.backoff.ms',
    type: 'long',
    default: 15_000,
    min: 1,
    dynamic: 'cluster-wide',
    doc: 'how often the log cleaner looks for compacted partitions to clean',
  },
  {
    name: 'max.incremental.fetch.session.cache.slots',
    type: 'int',
    default: 1000,
    min: 0,
    doc: 'incremental fetch sessions (KIP-227) kept at once',
  },
  {
    name: 'fetch.max.bytes',
    type: 'int',
    default: 55 * 1024 * 1024,
    min: 1024,
    doc: 'the most bytes one Fetch response carries',
  },
  {
    name: 'offsets.topic.replication.factor',
    type: 'int',
    default: 3,
    min: 1,
    max: 32767,
    doc: 'replication factor of __consumer_offsets on a cluster, capped at the number of seeds (a lone node: 1); created once that many brokers are registered',
  },
  {
    name: 'offsets.topic.num.partitions',
    type: 'int',
    default: 50,
    min: 1,
    doc: 'partitions of __consumer_offsets (used by the group coordinator)',
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: 'int',
    default: 3000,
    min: 0,
    doc: 'how long the first rebalance of an empty group waits for more members (0 under --dev unless set)',
  },
  { name: 'group.min.session.timeout.ms', type: 'int', default: 6000, min: 0, doc: 'the smallest session timeout a member may ask for' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: 1_800_000, min: 0, doc: 'the largest session timeout a member may ask for' },
  { name: 'group.max.size', type: 'int', default: 1000, min: 1, doc: 'members of one consumer group (Kafka: unlimited; Freshet bounds it)' },
  { name: 'offsets.retention.minutes', type: 'int', default: 10080, min: 1, doc: 'how long committed offsets of an empty group are kept' },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: 600_000, min: 1, doc: 'how often expired committed offsets are removed' },
  { name: 'offset.metadata.max.bytes', type: 'int', default: 4096, min: 0, doc: 'the largest metadata string of a committed offset' },
  { name: 'group.consumer.heartbeat.interval.ms', type: 'int', default: 5000, min: 1, doc: 'KIP-848 consumer groups: how often members heartbeat' },
  { name: 'group.consumer.session.timeout.ms', type: 'int', default: 45_000, min: 1, doc: 'KIP-848 consumer groups: a member silent this long is removed' },
  { name: 'group.consumer.max.size', type: 'int', default: 1000, min: 1, doc: 'KIP-848 consumer groups: members per group (Kafka: unlimited; Freshet bounds it)' },
  // The bounds of the per-group overrides consumer.session.timeout.ms and
  // consumer.heartbeat.interval.ms (GroupConfig.validateValues).
  { name: 'group.consumer.min.session.timeout.ms', type: 'int', default: 45_000, min: 1, doc: 'KIP-848: the smallest consumer.session.timeout.ms a group may have' },
  { name: 'group.consumer.max.session.timeout.ms', type: 'int', default: 60_000, min: 1, doc: 'KIP-848: the largest consumer.session.timeout.ms a group may have' },
  { name: 'group.consumer.min.heartbeat.interval.ms', type: 'int', default: 5000, min: 1, doc: 'KIP-848: the smallest consumer.heartbeat.interval.ms a group may have' },
  { name: 'group.consumer.max.heartbeat.interval.ms', type: 'int', default: 15_000, min: 1, doc: 'KIP-848: the largest consumer.heartbeat.interval.ms a group may have' },
  // Connection resource limits (broker/server.ts, broker/request-memory.ts). Kafka leaves both
  // unbounded by default (-1 and Int.MAX); a node that must survive hostile or broken clients
  // cannot, so Freshet bounds them and says why in src/broker/README.md.
  {
    name: 'queued.max.request.bytes',
    type: 'long',
    default: 100 * 1024 * 1024,
    min: 1024,
    doc: 'request bytes held in memory across all connections (read, not yet answered); past it connections stop being read until memory frees. At least socket.request.max.bytes (Kafka: -1, unbounded)',
  },
  // The first piece of the multi-core model (docs/multicore.md): Produce's per-byte checks
  // (CRC32C, the record walk, decompression) on Worker threads, appends on the event loop. Off
  // by default: on the 2-core machines measured it pays only for compressed requests with the
  // event loop the limit and a core to spare, and in durable mode the faster loop runs more
  // fsync rounds (docs/multicore.md "Built: validation threads").
  {
    name: 'produce.validation.threads',
    type: 'int',
    default: 0,
    min: 0,
    max: 16,
    doc: 'threads that validate large compressed Produce requests (64 KiB of records and up, or a topic that recompresses) off the event loop, started on first use; 0 validates everything on the event loop',
  },
  {
    name: 'max.connections.per.ip',
    type: 'int',
    default: 1000,
    min: 1,
    doc: 'connections accepted at once from one IP address; more are closed on accept (Kafka: unlimited)',
  },
  // Kafka's other broker properties, described and accepted but not acted on (broker-catalog.ts).
  ...KAFKA_BROKER_CATALOG,
];

export const BROKER_PROPERTY_BY_NAME = new Map(BROKER_PROPERTIES.map((d) => [d.name, d]));
