// The broker's properties in Kafka's layers (KIP-226), most specific first: dynamic for this
// node (AlterConfigs on BROKER "<id>"), dynamic cluster default (BROKER ""), static (--set and
// the config file, plus what flags set), Kafka's default. Pure: the broker persists the dynamic
// layers (cluster/broker-configs.ts) and asks here for the effective values, the synonyms
// DescribeConfigs reports, and whether a change is allowed.

import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { BROKER_PROPERTY_BY_NAME, BROKER_SYNONYMS, formatProperty, parseProperty, type PropertyDef, type PropertyValue } from './properties.ts';

/** DescribeConfigs ConfigSource values (KIP-226; GROUP_CONFIG from KIP-848). */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  GROUP_CONFIG: 8,
} as const;

export interface BrokerConfigLayers {
  /** --set, the config file's `set:` map, and the values flags give (node.id, listeners). */
  readonly static: ReadonlyMap<string, PropertyValue>;
  /** AlterConfigs on BROKER "": every broker's default. */
  readonly dynamicDefault: Map<string, PropertyValue>;
  /** AlterConfigs on BROKER "<this node's id>". */
  readonly dynamicBroker: Map<string, PropertyValue>;
}

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

/** Where each layer's values are reported from, in Kafka's order (ConfigHelper.configSynonyms). */
function layersInOrder(l: BrokerConfigLayers): Array<[ReadonlyMap<string, PropertyValue>, number]> {
  return [
    [l.dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG],
    [l.dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [l.static, ConfigSource.STATIC_BROKER_CONFIG],
  ];
}

/** DynamicBrokerConfig.brokerConfigSynonyms: the chain a name belongs to, or the name alone. */
export function brokerConfigSynonyms(name: string): readonly string[] {
  for (const chain of Object.values(BROKER_SYNONYMS)) if (chain.includes(name)) return chain;
  return [name];
}

/** A property's own value: the most specific layer that sets it, else its default (maybe null). */
export function rawBrokerValue(name: string, l: BrokerConfigLayers): PropertyValue | null {
  for (const [layer] of layersInOrder(l)) {
    const v = layer.get(name);
    if (v !== undefined) return v;
  }
  return BROKER_PROPERTY_BY_NAME.get(name)?.default ?? null;
}

/**
 * Kafka's ConfigHelper.configSynonyms: every synonym set in each layer, layer by layer, then
 * the defaults; leading entries of other names dropped (so log.retention.ms unset anywhere
 * reports no synonyms even though log.retention.hours supplies the value, exactly as Kafka).
 * `perBroker` false (the cluster default resource) keeps only the dynamic default entries.
 */
export function brokerSynonyms(name: string, l: BrokerConfigLayers, perBroker: boolean): ConfigSynonym[] {
  const chain = brokerConfigSynonyms(name);
  const out: ConfigSynonym[] = [];
  const add = (n: string, v: PropertyValue | null | undefined, source: number) => {
    const def = BROKER_PROPERTY_BY_NAME.get(n);
    if (v === undefined || v === null || !def) return;
    out.push({ name: n, value: formatProperty(def, v), source });
  };
  for (const [layer, source] of layersInOrder(l)) for (const n of chain) add(n, layer.get(n), source);
  for (const n of chain) add(n, BROKER_PROPERTY_BY_NAME.get(n)?.default, ConfigSource.DEFAULT_CONFIG);
  const first = out.findIndex((s) => s.name === name);
  const kept = first < 0 ? [] : out.slice(first);
  return perBroker ? kept : kept.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
}

/** Every property's effective value: defaults, then the layers, then the synonym chains resolved. */
export function effectiveBrokerProps(l: BrokerConfigLayers, defs: readonly PropertyDef[]): Map<string, PropertyValue> {
  const merged = new Map<string, PropertyValue>();
  for (const d of defs) if (d.default !== null) merged.set(d.name, d.default);
  for (const [layer] of layersInOrder(l).reverse()) for (const [k, v] of layer) merged.set(k, v);
  // KafkaConfig: the finest unit that is set wins, whatever layer set it.
  const set = (n: string) => l.static.has(n) || l.dynamicDefault.has(n) || l.dynamicBroker.has(n);
  const ms = (chain: string, units: readonly number[]): number => {
    const names = BROKER_SYNONYMS[chain];
    for (let i = 0; i < names.length; i++) {
      const v = merged.get(names[i]);
      if (typeof v === 'number' && (set(names[i]) || i === names.length - 1)) return v < 0 ? -1 : v * units[i];
    }
    return -1;
  };
  merged.set('log.retention.ms', ms('log.retention.ms', [1, 60_000, 3_600_000]));
  merged.set('log.roll.ms', ms('log.roll.ms', [1, 3_600_000]));
  merged.set('log.roll.jitter.ms', ms('log.roll.jitter.ms', [1, 3_600_000]));
  merged.set('log.flush.interval.ms', ms('log.flush.interval.ms', [1, 1]));
  return merged;
}

/**
 * Checks a change to a dynamic layer as Kafka's DynamicBrokerConfig.validateConfigs does, and
 * parses the values. Unknown names are INVALID_CONFIG (Kafka stores unknown broker keys for
 * plugins; Freshet has none, so a typo must not be stored silently); read-only ones
 * INVALID_REQUEST "Cannot update these configs dynamically: [...]", and bad values
 * INVALID_REQUEST too (ConfigAdminManager wraps ConfigException so, KAFKA-13609).
 */
export function validateDynamicBrokerConfigs(
  entries: ReadonlyArray<readonly [string, string]>,
  perBroker: boolean,
): { ok: true; values: Map<string, PropertyValue> } | { ok: false; error: KafkaError } {
  const unknown = entries.filter(([n]) => !BROKER_PROPERTY_BY_NAME.has(n)).map(([n]) => n);
  if (unknown.length > 0) return { ok: false, error: kafkaError(ErrorCode.INVALID_CONFIG, `Unknown broker configs: [${unknown.join(', ')}]`) };
  const readOnly = entries.filter(([n]) => BROKER_PROPERTY_BY_NAME.get(n)!.dynamic === undefined).map(([n]) => n);
  if (readOnly.length > 0) {
    return { ok: false, error: kafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: [${readOnly.join(', ')}]`) };
  }
  const values = new Map<string, PropertyValue>();
  for (const [n, text] of entries) {
    const def = BROKER_PROPERTY_BY_NAME.get(n)!;
    if (!perBroker && def.dynamic === 'per-broker') {
      return { ok: false, error: kafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs at default cluster level, broker id must be specified: [${n}]`) };
    }
    const p = parseProperty(def, text);
    if (!p.ok) return { ok: false, error: kafkaError(ErrorCode.INVALID_REQUEST, p.error) };
    values.set(n, p.value);
  }
  return { ok: true, values };
}
