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
// - BROKER: the name must be empty or this node's id (INVALID_REQUEST); no broker config can be
//   changed at runtime yet, so any change is Kafka's answer for a non-dynamic config:
//   INVALID_REQUEST "Cannot update these configs dynamically: Set(...)" (KAFKA-13609 explains
//   why it is not INVALID_CONFIG);
// - other resource types: INVALID_REQUEST.
// - validateOnly runs every check and changes nothing.

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
  if (type === ConfigResourceType.BROKER) return alterBroker(broker, name, configs.map((c) => c.name));
  if (type !== ConfigResourceType.TOPIC) return unsupportedResource(type);
  const replacement = Object.fromEntries(configs.map((c) => [c.name, c.value!]));
  return alterTopic(broker, name, () => ({ ok: true, configs: replacement }), validateOnly);
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

/** A BROKER resource: only this node or the cluster default, and nothing is dynamic yet. */
export function alterBroker(broker: Broker, name: string, changed: readonly string[]): KafkaError | null {
  if (name !== '') {
    const id = parseJavaInt(name);
    if (id === null) return kafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
    const self = broker.config.nodeId;
    if (id !== self) return kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${self}, but received ${name}`);
  }
  if (changed.length === 0) return null;
  return kafkaError(
    ErrorCode.INVALID_REQUEST,
    `Cannot update these configs dynamically: Set(${changed.join(', ')}) ` +
      '(dynamic broker configs are not supported yet: set them with --set or the config file and restart)',
  );
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
