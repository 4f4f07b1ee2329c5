// A topic's effective configuration: its overrides over the broker's defaults, validated with
// Kafka's messages, and described the way DescribeConfigs reports them (value, source).

import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { type BrokerConfigLayers, brokerSynonyms, type ConfigSynonym, ConfigSource } from './broker-config.ts';
import {
  type CompressionType,
  formatProperty,
  parseProperty,
  type PropertyType,
  type PropertyValue,
  TOPIC_CONFIG_BY_NAME,
  TOPIC_CONFIGS,
  type TopicConfigDef,
} from './properties.ts';

export { ConfigSource, type ConfigSynonym } from './broker-config.ts';

/** What describing a topic needs of the broker: effective properties and their layers. */
export interface BrokerView {
  readonly props: ReadonlyMap<string, PropertyValue>;
  readonly layers: BrokerConfigLayers;
}

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
  compressionType: CompressionType;
}

/**
 * Topic configs Kafka 3.x accepted that clients and tools still send, and what they become.
 * message.timestamp.difference.max.ms (removed in Kafka 4 by KIP-937) bounds both directions:
 * it sets before.max.ms and after.max.ms unless the request sets those itself, as Kafka 3.6-3.9's
 * LogConfig derived them. message.format.version and message.downconversion.enable (removed in
 * Kafka 4, KIP-724) mean nothing for a log of v2 batches only: accepted, checked, not stored.
 */
const DEPRECATED_TOPIC_CONFIGS: Readonly<Record<string, { maps: readonly string[]; check: (v: string) => boolean; why: string }>> = {
  'message.timestamp.difference.max.ms': {
    maps: ['message.timestamp.before.max.ms', 'message.timestamp.after.max.ms'],
    check: (v) => /^\d+$/.test(v.trim()),
    why: 'Value must be in [0,...,9223372036854775807]',
  },
  'message.format.version': { maps: [], check: (v) => /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(v.trim()), why: 'not a Kafka version' },
  'message.downconversion.enable': { maps: [], check: (v) => v.trim() === 'true' || v.trim() === 'false', why: 'Expected value to be either true or false' },
};

/** Replaces deprecated names by what they map onto; explicit new names win. */
function mapDeprecated(pairs: ReadonlyArray<readonly [string, string | null]>): Array<readonly [string, string | null]> | KafkaError {
  const given = new Set(pairs.map(([n]) => n));
  const out: Array<readonly [string, string | null]> = [];
  for (const [name, v] of pairs) {
    const dep = DEPRECATED_TOPIC_CONFIGS[name];
    if (!dep) {
      out.push([name, v]);
      continue;
    }
    if (v === null || !dep.check(v)) return kafkaError(ErrorCode.INVALID_CONFIG, `Invalid value ${v} for configuration ${name}: ${dep.why}`);
    for (const m of dep.maps) if (!given.has(m)) out.push([m, v]);
  }
  return out;
}

/** Validates overrides; returns the normalised strings to store, or Kafka's INVALID_CONFIG. */
export function validateTopicConfigs(
  overrides: Iterable<readonly [string, string | null]>,
): { ok: true; configs: Record<string, string> } | { ok: false; error: KafkaError } {
  const mapped = mapDeprecated([...overrides]);
  if (!Array.isArray(mapped)) return { ok: false, error: mapped };
  const out: Record<string, string> = {};
  for (const [name, value] of mapped) {
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
  return (def.brokerKey === null ? undefined : broker.get(def.brokerKey)) ?? def.default!;
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
    compressionType: value('compression.type', overrides, broker) as CompressionType,
  };
}

export interface DescribedConfig {
  name: string;
  value: string | null;
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

/**
 * A topic config's sources, most specific first (ConfigHelper.createTopicConfigEntry): the
 * topic's override, then its broker synonym's chain through every broker layer.
 */
export function topicConfigSynonyms(def: TopicConfigDef, override: string | undefined, broker: BrokerView): ConfigSynonym[] {
  const own: ConfigSynonym[] = override === undefined ? [] : [{ name: def.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }];
  return [...own, ...(def.brokerKey === null ? [] : brokerSynonyms(def.brokerKey, broker.layers, true))];
}

/** A topic config's effective value as Kafka prints it, and where it came from. */
export function describeTopicConfig(def: TopicConfigDef, overrides: Record<string, string>, broker: BrokerView) {
  const synonyms = topicConfigSynonyms(def, overrides[def.name], broker);
  const v = value(def.name, overrides, broker.props);
  return { value: formatProperty(def, v), source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG, synonyms };
}

/** Every topic config with its effective value and where it came from. */
export function describeTopicConfigs(overrides: Record<string, string>, broker: BrokerView): DescribedConfig[] {
  return TOPIC_CONFIGS.map((def) => {
    const d = describeTopicConfig(def, overrides, broker);
    return {
      name: def.name,
      value: d.value,
      readOnly: false,
      isDefault: d.source === ConfigSource.DEFAULT_CONFIG,
      configSource: d.source,
      isSensitive: false,
      configType: CONFIG_TYPE_CODE[def.type],
      documentation: def.doc,
    };
  });
}
