// Per-group configuration overrides (KIP-848): the GROUP config resource of DescribeConfigs,
// IncrementalAlterConfigs and AlterConfigs. Names, checks and messages are Kafka's
// (org.apache.kafka.coordinator.group.GroupConfig); each name's default is the broker property
// "group." + name (group.consumer.session.timeout.ms), as ConfigHelper.createGroupConfigEntry
// reports it. Pure: the broker stores the overrides (cluster/config-store.ts) and the group
// coordinator reads them (groups/config.ts).

import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { brokerSynonyms, type ConfigSynonym, ConfigSource } from './broker-config.ts';
import { formatProperty, parseProperty, type PropertyDef, type PropertyValue } from './properties.ts';
import type { BrokerView } from './topic-config.ts';

/** Kafka's GroupConfig.GROUP_PREFIX: a group config's broker-wide default is this + its name. */
export const GROUP_PREFIX = 'group.';

/** The consumer-group configs Kafka 4 defines (share.* belong to share groups, not built). */
export const GROUP_CONFIGS: readonly PropertyDef[] = [
  { name: 'consumer.session.timeout.ms', type: 'int', default: 45_000, min: 1,
    doc: 'KIP-848: a member of this group silent this long is removed (overrides group.consumer.session.timeout.ms)' },
  { name: 'consumer.heartbeat.interval.ms', type: 'int', default: 5000, min: 1,
    doc: 'KIP-848: how often members of this group heartbeat (overrides group.consumer.heartbeat.interval.ms)' },
];

export const GROUP_CONFIG_BY_NAME = new Map(GROUP_CONFIGS.map((d) => [d.name, d]));

/** A group's effective value of `name`: its override, else the broker's group.<name>. */
export function groupConfigValue(name: string, overrides: Readonly<Record<string, string>>, props: ReadonlyMap<string, PropertyValue>): PropertyValue {
  const def = GROUP_CONFIG_BY_NAME.get(name)!;
  const o = overrides[name];
  if (o !== undefined) {
    const p = parseProperty(def, o);
    if (p.ok) return p.value;
  }
  return props.get(GROUP_PREFIX + name) ?? def.default!;
}

/**
 * GroupConfig.validate on a group's complete new override set: names (INVALID_CONFIG "Unknown
 * group config name: x"), types, then the values against the broker's bounds and each other.
 * Returns the normalised strings to store.
 */
export function validateGroupConfigs(
  overrides: Readonly<Record<string, string>>,
  props: ReadonlyMap<string, PropertyValue>,
): { ok: true; configs: Record<string, string> } | { ok: false; error: KafkaError } {
  const fail = (m: string) => ({ ok: false as const, error: kafkaError(ErrorCode.INVALID_CONFIG, m) });
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(overrides)) {
    const def = GROUP_CONFIG_BY_NAME.get(name);
    if (!def) return fail(`Unknown group config name: ${name}`);
    const p = parseProperty(def, text);
    if (!p.ok) return fail(p.error);
    out[name] = formatProperty(def, p.value);
  }
  const num = (n: string) => groupConfigValue(n, out, props) as number;
  const bound = (n: string) => props.get(n) as number;
  const heartbeat = num('consumer.heartbeat.interval.ms');
  const session = num('consumer.session.timeout.ms');
  const checks: Array<[boolean, string]> = [
    [heartbeat < bound('group.consumer.min.heartbeat.interval.ms'), 'consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms'],
    [heartbeat > bound('group.consumer.max.heartbeat.interval.ms'), 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
    [session < bound('group.consumer.min.session.timeout.ms'), 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
    [session > bound('group.consumer.max.session.timeout.ms'), 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'],
    [session <= heartbeat, 'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms'],
  ];
  for (const [bad, message] of checks) if (bad) return fail(message);
  return { ok: true, configs: out };
}

/** ConfigHelper.createGroupConfigEntry: the override (GROUP_CONFIG), then the broker's chain. */
export function describeGroupConfig(def: PropertyDef, overrides: Readonly<Record<string, string>>, broker: BrokerView) {
  const brokerName = GROUP_PREFIX + def.name;
  const chain = brokerSynonyms(brokerName, broker.layers, true);
  const own: ConfigSynonym[] =
    overrides[def.name] === undefined ? [] : [{ name: def.name, value: overrides[def.name], source: ConfigSource.GROUP_CONFIG }];
  const synonyms = [...own, ...chain];
  const value = formatProperty(def, groupConfigValue(def.name, overrides, broker.props));
  return { value, source: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG, synonyms };
}
