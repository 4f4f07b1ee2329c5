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
// On a cluster the controller runs it (cluster/quorum/controller-ops.ts): TOPIC, BROKER and GROUP
// configs are records of the metadata, applied by every node.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { AlterConfigs } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import {
  alterBroker,
  alterGroup,
  alterTopic,
  checkEntries,
  ConfigResourceType,
  duplicateResources,
  type NextConfigs,
  resourceKey,
  unsupportedResource,
} from '../config-resources.ts';
import { ALTER_CONFIGS } from '../../cluster/quorum/controller-ops.ts';
import { handler } from '../handler.ts';

export default handler(AlterConfigs, (ctx, req) => {
  if (ctx.broker.controller !== null) return ctx.broker.controller.call(ALTER_CONFIGS, req, ctx.apiVersion);
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
