// Config resources (DescribeConfigs 32, AlterConfigs 33, IncrementalAlterConfigs 44): the
// resource type ids and the checks and updates the two alter APIs share. One module both
// handlers import, rather than one handler importing another.
//
// Kafka's rules (ConfigAdminManager.preprocess on the broker, then the controller's
// ConfigurationControlManager with ControllerConfigurationValidator) are listed in the header
// of handlers/33-alter-configs.ts.

import { validateDynamicBrokerConfigs } from '../config/broker-config.ts';
import { validateGroupConfigs } from '../config/group-config.ts';
import { BROKER_PROPERTY_BY_NAME, formatProperty } from '../config/properties.ts';
import { GROUP_CONFIG_ENTRIES_MAX } from '../cluster/config-store.ts';
import { validateTopicConfigs } from '../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { validateTopicName } from '../cluster/topic-table.ts';
import type { Broker } from './broker.ts';

/** ConfigResource.Type ids (org.apache.kafka.common.config.ConfigResource). */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

export function resourceTypeName(id: number): string {
  for (const [name, v] of Object.entries(ConfigResourceType)) if (v === id) return name;
  return 'UNKNOWN';
}

/** Integer.parseInt: optional sign, decimal digits, within int32. */
export function parseJavaInt(text: string): number | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

export function resourceKey(r: { resourceType: number; resourceName: string }): string {
  return `${r.resourceType}:${r.resourceName}`;
}

/** Keys of resources that appear more than once in one request. */
export function duplicateResources(resources: ReadonlyArray<{ resourceType: number; resourceName: string }>): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const r of resources) {
    const k = resourceKey(r);
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return dup;
}

/** Duplicate keys, then null values (ConfigAdminManager.preprocess). */
export function checkEntries(names: readonly string[], nullNames: readonly string[]): KafkaError | null {
  if (new Set(names).size !== names.length) return kafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  if (nullNames.length > 0) return kafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullNames.join(', ')}`);
  return null;
}

export function unsupportedResource(type: number): KafkaError {
  const what = resourceTypeName(type);
  return kafkaError(
    ErrorCode.INVALID_REQUEST,
    what === 'UNKNOWN' ? `Unknown resource type ${type}` : `Resource type ${what} is not supported by this broker`,
  );
}

/**
 * A BROKER resource: this node's id or the cluster default (""). `next` computes the complete
 * new set of dynamic configs from the stored one; ConfigAdminManager.preprocess's checks.
 */
export function alterBroker(
  broker: Broker,
  name: string,
  next: (current: Readonly<Record<string, string>>) => NextConfigs,
  validateOnly: boolean,
): KafkaError | null {
  if (name !== '') {
    const id = parseJavaInt(name);
    if (id === null) return kafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
    const self = broker.config.nodeId;
    if (id !== self) return kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${self}, but received ${name}`);
  }
  const proposed = next(broker.configStore.broker(name));
  if (!proposed.ok) return proposed.error;
  const v = validateDynamicBrokerConfigs(Object.entries(proposed.configs), name !== '');
  if (!v.ok) return v.error;
  if (validateOnly) return null;
  const texts: Record<string, string> = {};
  for (const [k, value] of v.values) texts[k] = formatProperty(BROKER_PROPERTY_BY_NAME.get(k)!, value);
  broker.setDynamicBrokerConfigs(name, v.values, texts);
  return null;
}

/** A GROUP resource: the group's complete new override set, checked as GroupConfig.validate. */
export function alterGroup(
  broker: Broker,
  name: string,
  next: (current: Readonly<Record<string, string>>) => NextConfigs,
  validateOnly: boolean,
): KafkaError | null {
  if (name === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty');
  const current = broker.configStore.group(name);
  const proposed = next(current);
  if (!proposed.ok) return proposed.error;
  const v = validateGroupConfigs(proposed.configs, broker.config.props);
  if (!v.ok) return v.error;
  const isNew = Object.keys(current).length === 0 && Object.keys(v.configs).length > 0;
  if (isNew && broker.configStore.groupCount >= GROUP_CONFIG_ENTRIES_MAX) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `Configs of more than ${GROUP_CONFIG_ENTRIES_MAX} groups are not stored.`);
  }
  if (!validateOnly) broker.setGroupConfigs(name, v.configs);
  return null;
}

export type NextConfigs = { ok: true; configs: Record<string, string> } | { ok: false; error: KafkaError };

/**
 * A TOPIC resource: `next` computes the complete new override set from the current one.
 * Validation comes before the existence check, as in ConfigurationControlManager.
 */
export function alterTopic(
  broker: Broker,
  name: string,
  next: (current: Readonly<Record<string, string>>) => NextConfigs,
  validateOnly: boolean,
): KafkaError | null {
  if (name === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const badName = validateTopicName(name);
  if (badName) return badName;
  const t = broker.topics.get(name);
  const proposed = next(t?.configs ?? {});
  if (!proposed.ok) return proposed.error;
  const v = validateTopicConfigs(Object.entries(proposed.configs));
  if (!v.ok) return v.error;
  if (!t) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
  if (!validateOnly) broker.setTopicConfigs(t, v.configs);
  return null;
}
