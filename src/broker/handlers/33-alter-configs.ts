// AlterConfigs (33) v0-2: replaces a resource's whole set of config overrides; keys left out are
// removed. Clients should prefer IncrementalAlterConfigs (44), which shares the checks here.
// Kafka's rules (ConfigAdminManager.preprocess on the broker, then the controller's
// ConfigurationControlManager with ControllerConfigurationValidator):
// - a resource named twice: INVALID_REQUEST "Each resource must appear at most once." (both);
//   a key twice: "Error due to duplicate config keys"; a null value: "Null value not supported
//   for : <keys>" (INVALID_REQUEST);
// - TOPIC: the empty name is INVALID_REQUEST, an illegal one INVALID_TOPIC_EXCEPTION; the new
//   set is validated (INVALID_CONFIG) before existence is checked (UNKNOWN_TOPIC_OR_PARTITION
//   "The topic 'x' does not exist.");
// - BROKER (KIP-226): the empty name is the cluster default, else the name must be this node's
//   id (INVALID_REQUEST). The new set is checked as DynamicBrokerConfig.validateConfigs does
//   (config/broker-config.ts): a read-only key is INVALID_REQUEST "Cannot update these configs
//   dynamically: [...]", a bad value INVALID_REQUEST (KAFKA-13609 explains why not
//   INVALID_CONFIG), an unknown key INVALID_CONFIG. Stored in the data dir and applied at once:
//   topics without their own override take the new defaults;
// - GROUP (KIP-848): any non-empty group name, existing or not; the new set is checked by
//   GroupConfig's rules (config/group-config.ts, INVALID_CONFIG), stored, and read by the group
//   coordinator on the group's next heartbeat;
// - other resource types: INVALID_REQUEST.
// - validateOnly runs every check and changes nothing.

import { validateDynamicBrokerConfigs } from '../../config/broker-config.ts';
import { validateGroupConfigs } from '../../config/group-config.ts';
import { BROKER_PROPERTY_BY_NAME, formatProperty } from '../../config/properties.ts';
import { GROUP_CONFIG_ENTRIES_MAX } from '../../cluster/config-store.ts';
import { validateTopicConfigs } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { AlterConfigs } from '../../protocol/messages/index.ts';
import { validateTopicName } from '../../cluster/topic-table.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { ConfigResourceType, parseJavaInt, resourceTypeName } from './32-describe-configs.ts';

export default handler(AlterConfigs, (ctx, req) => {
  const broker = ctx.broker;
  const dup = duplicateResources(req.resources);
  const responses = req.resources.map((r) => {
    const base = { resourceType: r.resourceType, resourceName: r.resourceName };
    const e = dup.has(resourceKey(r))
      ? kafkaError(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.')
      : alterOne(broker, r.resourceType, r.resourceName, r.configs, req.validateOnly);
    return { ...base, errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null };
  });
  return { throttleTimeMs: 0, responses };
});

function alterOne(
  broker: Broker,
  type: number,
  name: string,
  configs: ReadonlyArray<{ name: string; value: string | null }>,
  validateOnly: boolean,
): KafkaError | null {
  const bad = checkEntries(configs.map((c) => c.name), configs.filter((c) => c.value === null).map((c) => c.name));
  if (bad) return bad;
  const replacement = Object.fromEntries(configs.map((c) => [c.name, c.value!]));
  const next = (): NextConfigs => ({ ok: true, configs: replacement });
  switch (type) {
    case ConfigResourceType.TOPIC:
      return alterTopic(broker, name, next, validateOnly);
    case ConfigResourceType.BROKER:
      return alterBroker(broker, name, next, validateOnly);
    case ConfigResourceType.GROUP:
      return alterGroup(broker, name, next, validateOnly);
    default:
      return unsupportedResource(type);
  }
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
