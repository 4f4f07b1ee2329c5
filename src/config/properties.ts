// Typed configuration properties: the broker-level settings (`--set key=value`, the YAML
// `set:` map) and the per-topic configs (CreateTopics, AlterConfigs, DescribeConfigs).
// Names, defaults and ranges are Kafka's (https://kafka.apache.org/documentation/#brokerconfigs,
// #topicconfigs) so that operators and admin tools find what they expect.

export type PropertyType = 'int' | 'long' | 'boolean' | 'string' | 'list' | 'double';

export type PropertyValue = number | boolean | string;

export interface PropertyDef {
  readonly name: string;
  readonly type: PropertyType;
  readonly default: PropertyValue;
  /** Inclusive numeric bounds, checked after parsing. -1 may be allowed separately. */
  readonly min?: number;
  readonly max?: number;
  /** Whether -1 is accepted as "unlimited" (Kafka's retention.ms / retention.bytes). */
  readonly allowMinusOne?: boolean;
  readonly oneOf?: readonly string[];
  readonly doc: string;
}

export type ParseResult = { ok: true; value: PropertyValue } | { ok: false; error: string };

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export function parseProperty(def: PropertyDef, raw: string | number | boolean): ParseResult {
  const text = String(raw).trim();
  switch (def.type) {
    case 'boolean': {
      if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
      return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Expected value to be either true or false` };
    }
    case 'int':
    case 'long':
    case 'double': {
      if (!/^-?\d+(\.\d+)?$/.test(text) || (def.type !== 'double' && text.includes('.'))) {
        return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Not a number of type ${def.type.toUpperCase()}` };
      }
      const n = Number(text);
      const hardMax = def.type === 'int' ? INT_MAX : LONG_MAX;
      if (n === -1 && def.allowMinusOne) return { ok: true, value: n };
      if (n > hardMax || (def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        const range = `[${def.min ?? '...'},...,${def.max ?? hardMax}]`;
        return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: Value must be in ${range}` };
      }
      return { ok: true, value: n };
    }
    case 'string':
    case 'list': {
      if (def.oneOf) {
        const parts = def.type === 'list' ? text.split(',').map((s) => s.trim()) : [text];
        for (const p of parts) {
          if (!def.oneOf.includes(p)) {
            return { ok: false, error: `Invalid value ${text} for configuration ${def.name}: String must be one of: ${def.oneOf.join(', ')}` };
          }
        }
        return { ok: true, value: parts.join(',') };
      }
      return { ok: true, value: text };
    }
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Topic-level configs we honour, each with the broker property that supplies its default. */
export const TOPIC_CONFIGS: readonly (PropertyDef & { readonly brokerKey: string })[] = [
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
];

export const TOPIC_CONFIG_BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** Broker-level properties, settable with --set or the YAML `set:` map. */
export const BROKER_PROPERTIES: readonly PropertyDef[] = [
  ...TOPIC_CONFIGS.map(({ brokerKey, ...d }) => ({ ...d, name: brokerKey })),
  { name: 'auto.create.topics.enable', type: 'boolean', default: true, doc: 'create a topic on first Metadata/Produce for it' },
  { name: 'num.partitions', type: 'int', default: 1, min: 1, max: 10000, doc: 'partitions of an auto-created topic' },
  {
    name: 'default.replication.factor',
    type: 'int',
    default: 1,
    min: 1,
    max: 1,
    doc: 'replication factor of auto-created topics (1 until replication lands)',
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
    name: 'offsets.topic.num.partitions',
    type: 'int',
    default: 50,
    min: 1,
    doc: 'partitions of __consumer_offsets (used by the group coordinator)',
  },
];

export const BROKER_PROPERTY_BY_NAME = new Map(BROKER_PROPERTIES.map((d) => [d.name, d]));
