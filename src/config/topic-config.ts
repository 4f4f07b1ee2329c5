// A topic's effective configuration: its overrides over the broker's defaults, validated with
// Kafka's messages, and described the way DescribeConfigs reports them (value, source).

import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { formatProperty, parseProperty, type PropertyDef, type PropertyType, type PropertyValue, TOPIC_CONFIG_BY_NAME, TOPIC_CONFIGS } from './properties.ts';

/** DescribeConfigs ConfigSource values (KIP-226). */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigs ConfigType values (KIP-614). */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

export interface TopicConfig {
  cleanupPolicy: string;
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  maxMessageBytes: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  minInsyncReplicas: number;
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  minCleanableDirtyRatio: number;
}

/** Validates overrides; returns the normalised strings to store, or Kafka's INVALID_CONFIG. */
export function validateTopicConfigs(
  overrides: Iterable<readonly [string, string | null]>,
): { ok: true; configs: Record<string, string> } | { ok: false; error: KafkaError } {
  const out: Record<string, string> = {};
  for (const [name, value] of overrides) {
    const def = TOPIC_CONFIG_BY_NAME.get(name);
    if (!def) return { ok: false, error: kafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`) };
    if (value === null) {
      return { ok: false, error: kafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic config: ${name}`) };
    }
    const parsed = parseProperty(def, value);
    if (!parsed.ok) return { ok: false, error: kafkaError(ErrorCode.INVALID_CONFIG, parsed.error) };
    out[name] = formatProperty(def, parsed.value);
  }
  return { ok: true, configs: out };
}

function value(name: string, overrides: Record<string, string>, broker: ReadonlyMap<string, PropertyValue>): PropertyValue {
  const def = TOPIC_CONFIG_BY_NAME.get(name)!;
  const o = overrides[name];
  if (o !== undefined) {
    const p = parseProperty(def, o);
    if (p.ok) return p.value;
  }
  return broker.get(def.brokerKey) ?? def.default;
}

export function effectiveTopicConfig(
  overrides: Record<string, string>,
  broker: ReadonlyMap<string, PropertyValue>,
): TopicConfig {
  const num = (n: string): number => value(n, overrides, broker) as number;
  return {
    cleanupPolicy: String(value('cleanup.policy', overrides, broker)),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    maxMessageBytes: num('max.message.bytes'),
    messageTimestampType: value('message.timestamp.type', overrides, broker) as TopicConfig['messageTimestampType'],
    minInsyncReplicas: num('min.insync.replicas'),
    messageTimestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
  };
}

export interface DescribedConfig {
  name: string;
  value: string;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  configType: number;
  documentation: string;
}

/** DescribeConfigs configType of each property type. */
export const CONFIG_TYPE_CODE: Record<PropertyType, number> = {
  boolean: ConfigType.BOOLEAN,
  string: ConfigType.STRING,
  int: ConfigType.INT,
  long: ConfigType.LONG,
  double: ConfigType.DOUBLE,
  list: ConfigType.LIST,
};

export interface ConfigSynonym {
  name: string;
  value: string;
  source: number;
}

/** A broker property's sources, most specific first (Kafka's ConfigHelper.configSynonyms). */
export function brokerPropertySynonyms(
  def: PropertyDef,
  name: string,
  broker: ReadonlyMap<string, PropertyValue>,
  brokerSetExplicitly: ReadonlySet<string>,
): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const set = broker.get(name);
  if (brokerSetExplicitly.has(name) && set !== undefined) {
    out.push({ name, value: formatProperty(def, set), source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  out.push({ name, value: formatProperty(def, def.default), source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

/** A topic config's sources, most specific first: the topic's override, then the broker's. */
export function topicConfigSynonyms(
  def: (typeof TOPIC_CONFIGS)[number],
  override: string | undefined,
  broker: ReadonlyMap<string, PropertyValue>,
  brokerSetExplicitly: ReadonlySet<string>,
): ConfigSynonym[] {
  const own: ConfigSynonym[] =
    override === undefined ? [] : [{ name: def.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }];
  return [...own, ...brokerPropertySynonyms(def, def.brokerKey, broker, brokerSetExplicitly)];
}

/** Every topic config with its effective value and where it came from. */
export function describeTopicConfigs(
  overrides: Record<string, string>,
  broker: ReadonlyMap<string, PropertyValue>,
  brokerSetExplicitly: ReadonlySet<string>,
): DescribedConfig[] {
  return TOPIC_CONFIGS.map((def) => {
    const [effective] = topicConfigSynonyms(def, overrides[def.name], broker, brokerSetExplicitly);
    return {
      name: def.name,
      value: effective.value,
      readOnly: false,
      isDefault: effective.source === ConfigSource.DEFAULT_CONFIG,
      configSource: effective.source,
      isSensitive: false,
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: def.doc,
    };
  });
}
