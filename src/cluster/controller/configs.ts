// AlterConfigs (33) and IncrementalAlterConfigs (44) on the controller: the ConfigRecords of a
// change and Kafka's answer. The single node's checks and messages (broker/config-resources.ts,
// broker/handlers/33 and 44), which are Kafka's ConfigAdminManager.preprocess and
// ConfigurationControlManager with ControllerConfigurationValidator:
// - a resource named twice: INVALID_REQUEST "Each resource must appear at most once."; a key
//   twice: "Error due to duplicate config keys"; a null value (but for DELETE): "Null value not
//   supported for : <keys>"; an unknown operation: "Unknown operations type N";
// - TOPIC: the empty name is INVALID_REQUEST, an illegal one INVALID_TOPIC_EXCEPTION; the new
//   set is validated (config/topic-config.ts, INVALID_CONFIG) before existence is checked
//   (UNKNOWN_TOPIC_OR_PARTITION "The topic 'x' does not exist.");
// - BROKER (KIP-226): "" is the cluster default, else the name must be the id of the node the
//   client sent the request to (Kafka's broker checks that before forwarding); the new set is
//   checked by config/broker-config.ts (read-only keys and bad values INVALID_REQUEST, unknown
//   keys INVALID_CONFIG);
// - GROUP (KIP-848): any non-empty group id; the new set is checked by config/group-config.ts
//   against the controller's group.consumer.* bounds; at most GROUP_CONFIG_ENTRIES_MAX groups;
// - other resource types: INVALID_REQUEST;
// - validateOnly runs every check and proposes nothing.
// A change is the keys whose value differs (set) or that are gone (value null), by key.

import { validateDynamicBrokerConfigs } from '../../config/broker-config.ts';
import { GROUP_CONFIG_BY_NAME, validateGroupConfigs } from '../../config/group-config.ts';
import { BROKER_PROPERTY_BY_NAME, formatProperty, type PropertyDef, TOPIC_CONFIG_BY_NAME } from '../../config/properties.ts';
import { validateTopicConfigs } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { AlterConfigs, IncrementalAlterConfigs } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import type { MetadataImage } from './image.ts';
import { type ControllerInputs, type ControllerResult, Proposal } from './proposal.ts';
import { CONFIG_VALUE_MAX_CHARS, ConfigResourceType, type ConfigResourceTypeId, type MetadataRecord, type NodeId } from './records.ts';
import { validateTopicName } from './topic-names.ts';

/** Groups with stored overrides at most (the single node's limit, cluster/config-store.ts). */
export const GROUP_CONFIG_ENTRIES_MAX = 100_000;

/** AlterConfigOp.OpType ids. */
export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

type AlterRequest = RequestOf<typeof AlterConfigs>;
type IncrementalRequest = RequestOf<typeof IncrementalAlterConfigs>;
type Entry = IncrementalRequest['resources'][number]['configs'][number];
export type AlterConfigsResponse = Encodable<ResponseOf<typeof AlterConfigs>>;
export type IncrementalAlterConfigsResponse = Encodable<ResponseOf<typeof IncrementalAlterConfigs>>;
type Overrides = Readonly<Record<string, string>>;
type NextConfigs = { ok: true; configs: Record<string, string> } | { ok: false; error: KafkaError };

export interface ConfigChangeInputs extends Pick<ControllerInputs, 'broker'> {
  /** The node the client sent the request to: a BROKER resource other than "" must name it. */
  readonly receivedBy: NodeId;
}

interface Resource {
  readonly resourceType: number;
  readonly resourceName: string;
}

export function alterConfigs(image: MetadataImage, req: AlterRequest, inputs: ConfigChangeInputs): ControllerResult<AlterConfigsResponse> {
  return eachResource(image, req.resources, (proposal, r) => {
    const bad = checkEntries(r.configs.map((c) => c.name), r.configs.filter((c) => c.value === null).map((c) => c.name));
    if (bad) return bad;
    const replacement = Object.fromEntries(r.configs.map((c) => [c.name, c.value!]));
    return alterResource(proposal, r, () => ({ ok: true, configs: replacement }), req.validateOnly, inputs);
  });
}

export function incrementalAlterConfigs(image: MetadataImage, req: IncrementalRequest, inputs: ConfigChangeInputs): ControllerResult<IncrementalAlterConfigsResponse> {
  return eachResource(image, req.resources, (proposal, r) => {
    const nulls = r.configs.filter((c) => c.configOperation !== OpType.DELETE && c.value === null).map((c) => c.name);
    const bad = checkEntries(r.configs.map((c) => c.name), nulls);
    if (bad) return bad;
    const unknownOp = r.configs.find((c) => OP_NAMES[c.configOperation] === undefined);
    if (unknownOp) return kafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${unknownOp.configOperation}`);
    const defs = r.resourceType === ConfigResourceType.TOPIC ? TOPIC_CONFIG_BY_NAME : r.resourceType === ConfigResourceType.BROKER ? BROKER_PROPERTY_BY_NAME : GROUP_CONFIG_BY_NAME;
    return alterResource(proposal, r, (current) => applyOps(current, r.configs, defs), req.validateOnly, inputs);
  });
}

function eachResource<R extends Resource>(
  image: MetadataImage,
  resources: readonly R[],
  alter: (proposal: Proposal, r: R) => KafkaError | null,
): ControllerResult<{ throttleTimeMs: number; responses: Array<Resource & { errorCode: number; errorMessage: string | null }> }> {
  const proposal = new Proposal(image);
  const seen = new Map<string, number>();
  for (const r of resources) seen.set(`${r.resourceType}:${r.resourceName}`, (seen.get(`${r.resourceType}:${r.resourceName}`) ?? 0) + 1);
  const responses = resources.map((r) => {
    const e = seen.get(`${r.resourceType}:${r.resourceName}`)! > 1 ? kafkaError(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.') : alter(proposal, r);
    return { resourceType: r.resourceType, resourceName: r.resourceName, errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null };
  });
  return proposal.result({ throttleTimeMs: 0, responses });
}

/** Duplicate keys, then null values (ConfigAdminManager.preprocess). */
function checkEntries(names: readonly string[], nullNames: readonly string[]): KafkaError | null {
  if (new Set(names).size !== names.length) return kafkaError(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  if (nullNames.length > 0) return kafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullNames.join(', ')}`);
  return null;
}

/** One resource: its complete new override set from `next`, checked, then the records of the difference. */
function alterResource(proposal: Proposal, r: Resource, next: (current: Overrides) => NextConfigs, validateOnly: boolean, inputs: ConfigChangeInputs): KafkaError | null {
  const checked = checkResource(proposal.image, r, next, inputs);
  if ('code' in checked) return checked;
  const tooLong = tooLongValue(checked.configs);
  if (tooLong) return tooLong;
  const type = r.resourceType as ConfigResourceTypeId;
  const name = checked.resourceName;
  const records = configChanges(type, name, Object.fromEntries(proposal.image.configsOf(type, name)), checked.configs);
  if (!proposal.fits(records.length)) return kafkaError(ErrorCode.POLICY_VIOLATION, 'Excessively large number of config changes per request.');
  if (!validateOnly) proposal.add(...records);
  return null;
}

/** The resource's complete new set, checked, and the name it is stored under. */
function checkResource(
  image: MetadataImage,
  r: Resource,
  next: (current: Overrides) => NextConfigs,
  inputs: ConfigChangeInputs,
): { configs: Record<string, string>; resourceName: string } | KafkaError {
  let name = r.resourceName;
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      if (name === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
      const badName = validateTopicName(name);
      if (badName) return badName;
      const exists = image.topic(name) !== undefined;
      const proposed = next(Object.fromEntries(image.configsOf(ConfigResourceType.TOPIC, name)));
      if (!proposed.ok) return proposed.error;
      const v = validateTopicConfigs(Object.entries(proposed.configs));
      if (!v.ok) return v.error;
      if (!exists) return kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
      return { configs: v.configs, resourceName: name };
    }
    case ConfigResourceType.BROKER: {
      if (name !== '') {
        const id = parseJavaInt(name);
        if (id === null) return kafkaError(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${name}`);
        if (id !== inputs.receivedBy) return kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${inputs.receivedBy}, but received ${name}`);
        name = String(id); // "+1" and "01" name node 1: stored where node 1 reads its configs
      }
      const proposed = next(Object.fromEntries(image.configsOf(ConfigResourceType.BROKER, name)));
      if (!proposed.ok) return proposed.error;
      const v = validateDynamicBrokerConfigs(Object.entries(proposed.configs), name !== '');
      if (!v.ok) return v.error;
      return { configs: Object.fromEntries([...v.values].map(([k, value]) => [k, formatProperty(BROKER_PROPERTY_BY_NAME.get(k)!, value)])), resourceName: name };
    }
    case ConfigResourceType.GROUP: {
      if (name === '') return kafkaError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty');
      const current = image.configsOf(ConfigResourceType.GROUP, name);
      const proposed = next(Object.fromEntries(current));
      if (!proposed.ok) return proposed.error;
      const v = validateGroupConfigs(proposed.configs, inputs.broker.props);
      if (!v.ok) return v.error;
      const isNew = current.size === 0 && Object.keys(v.configs).length > 0;
      if (isNew && image.configResourceCount(ConfigResourceType.GROUP) >= GROUP_CONFIG_ENTRIES_MAX) {
        return kafkaError(ErrorCode.INVALID_REQUEST, `Configs of more than ${GROUP_CONFIG_ENTRIES_MAX} groups are not stored.`);
      }
      return { configs: v.configs, resourceName: name };
    }
    default:
      return unsupportedResource(r.resourceType);
  }
}

/** A value past what one record holds (CONFIG_VALUE_MAX_CHARS): INVALID_CONFIG, not stored. */
export function tooLongValue(configs: Overrides): KafkaError | null {
  for (const [name, value] of Object.entries(configs)) {
    if (value.length > CONFIG_VALUE_MAX_CHARS) return kafkaError(ErrorCode.INVALID_CONFIG, `The value of ${name} is longer than ${CONFIG_VALUE_MAX_CHARS} characters.`);
  }
  return null;
}

/** The ConfigRecords that turn `current` into `next`: changed keys set, removed keys null, by key. */
export function configChanges(resourceType: ConfigResourceTypeId, resourceName: string, current: Overrides, next: Overrides): MetadataRecord[] {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(next)])].sort();
  return keys
    .filter((k) => current[k] !== next[k])
    .map((name) => ({ type: 'config' as const, resourceType, resourceName, name, value: next[name] ?? null }));
}

function unsupportedResource(type: number): KafkaError {
  const names: Record<number, string> = { 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS' };
  const what = names[type];
  return kafkaError(ErrorCode.INVALID_REQUEST, what === undefined ? `Unknown resource type ${type}` : `Resource type ${what} is not supported by this broker`);
}

/** Integer.parseInt: optional sign, decimal digits, within int32. */
function parseJavaInt(text: string): number | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

/**
 * The override set after applying `entries` in order to `current` (KIP-339): SET, DELETE, and
 * APPEND / SUBTRACT on LIST configs only, starting from the override or else the default.
 */
export function applyOps(current: Overrides, entries: readonly Entry[], defs: ReadonlyMap<string, PropertyDef>): NextConfigs {
  const configs: Record<string, string> = { ...current };
  for (const c of entries) {
    if (c.configOperation === OpType.SET) configs[c.name] = c.value!;
    else if (c.configOperation === OpType.DELETE) delete configs[c.name];
    else {
      const def = defs.get(c.name);
      if (!def || def.type !== 'list') {
        const error = kafkaError(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[c.configOperation]} to key ${c.name} because its type is not LIST.`);
        return { ok: false, error };
      }
      const parts = (configs[c.name] ?? String(def.default ?? '')).split(',').filter((s) => s !== '');
      for (const v of c.value!.split(',')) {
        const i = parts.indexOf(v);
        if (c.configOperation === OpType.APPEND && i < 0) parts.push(v);
        if (c.configOperation === OpType.SUBTRACT && i >= 0) parts.splice(i, 1);
      }
      configs[c.name] = parts.join(',');
    }
  }
  return { ok: true, configs };
}
