// IncrementalAlterConfigs (44) v0-1: SET, DELETE, APPEND or SUBTRACT single config entries
// (KIP-339). The request-level checks, resource types and errors are those of AlterConfigs (33,
// see there); the differences, from ConfigurationControlManager.incrementalAlterConfigResource:
// - a null value is refused only for operations other than DELETE;
// - DELETE of a key that has no override is not an error;
// - BROKER and GROUP resources apply the operations to the stored dynamic set and check the
//   whole result (ConfigAdminManager.validateBrokerConfigChange / GroupConfig.validate);
// - APPEND and SUBTRACT apply only to LIST-typed configs (cleanup.policy), otherwise
//   INVALID_CONFIG "Can't APPEND to key x because its type is not LIST."; they start from the
//   override or, without one, from the topic config's default, as Kafka does; APPEND skips
//   values already present, SUBTRACT removes the first occurrence of each value;
// - an unknown operation is INVALID_REQUEST (Kafka: "Unknown operations type N").
// On a cluster the controller runs it (cluster/quorum/controller-ops.ts): TOPIC, BROKER and GROUP
// configs are records of the metadata, applied by every node.

import { GROUP_CONFIG_BY_NAME } from '../../config/group-config.ts';
import { BROKER_PROPERTY_BY_NAME, type PropertyDef, TOPIC_CONFIG_BY_NAME } from '../../config/properties.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { IncrementalAlterConfigs } from '../../protocol/messages/index.ts';
import type { RequestOf } from '../../protocol/schema.ts';
import type { Broker } from '../broker.ts';
import { INCREMENTAL_ALTER_CONFIGS } from '../../cluster/quorum/controller-ops.ts';
import { handler } from '../handler.ts';
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

/** AlterConfigOp.OpType ids. */
export const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

type Entry = RequestOf<typeof IncrementalAlterConfigs>['resources'][number]['configs'][number];

export default handler(IncrementalAlterConfigs, (ctx, req) => {
  if (ctx.broker.controller !== null) return ctx.broker.controller.call(INCREMENTAL_ALTER_CONFIGS, req, ctx.apiVersion);
  const broker = ctx.broker;
  const dup = duplicateResources(req.resources);
  const responses = req.resources.map((r) => {
    const e = dup.has(resourceKey(r))
      ? kafkaError(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.')
      : alterOne(broker, r.resourceType, r.resourceName, r.configs, req.validateOnly);
    return {
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      errorCode: e?.code ?? ErrorCode.NONE,
      errorMessage: e?.message ?? null,
    };
  });
  return { throttleTimeMs: 0, responses };
});

function alterOne(broker: Broker, type: number, name: string, entries: readonly Entry[], validateOnly: boolean): KafkaError | null {
  const nulls = entries.filter((c) => c.configOperation !== OpType.DELETE && c.value === null).map((c) => c.name);
  const bad = checkEntries(entries.map((c) => c.name), nulls);
  if (bad) return bad;
  const unknownOp = entries.find((c) => OP_NAMES[c.configOperation] === undefined);
  if (unknownOp) return kafkaError(ErrorCode.INVALID_REQUEST, `Unknown operations type ${unknownOp.configOperation}`);
  switch (type) {
    case ConfigResourceType.TOPIC:
      return alterTopic(broker, name, (current) => applyOps(current, entries, TOPIC_CONFIG_BY_NAME), validateOnly);
    case ConfigResourceType.BROKER:
      return alterBroker(broker, name, (current) => applyOps(current, entries, BROKER_PROPERTY_BY_NAME), validateOnly);
    case ConfigResourceType.GROUP:
      return alterGroup(broker, name, (current) => applyOps(current, entries, GROUP_CONFIG_BY_NAME), validateOnly);
    default:
      return unsupportedResource(type);
  }
}

/** The override set after applying `entries` in order to `current`; `defs` knows list types. */
export function applyOps(
  current: Readonly<Record<string, string>>,
  entries: readonly Entry[],
  defs: ReadonlyMap<string, PropertyDef>,
): NextConfigs {
  const configs: Record<string, string> = { ...current };
  for (const c of entries) {
    switch (c.configOperation) {
      case OpType.SET:
        configs[c.name] = c.value!;
        break;
      case OpType.DELETE:
        delete configs[c.name];
        break;
      default: {
        const def = defs.get(c.name);
        if (!def || def.type !== 'list') {
          const op = OP_NAMES[c.configOperation];
          return { ok: false, error: kafkaError(ErrorCode.INVALID_CONFIG, `Can't ${op} to key ${c.name} because its type is not LIST.`) };
        }
        const from = configs[c.name] ?? String(def.default ?? '');
        const parts = from.split(',').filter((s) => s !== '');
        for (const v of c.value!.split(',')) {
          if (c.configOperation === OpType.APPEND) {
            if (!parts.includes(v)) parts.push(v);
          } else {
            const i = parts.indexOf(v);
            if (i >= 0) parts.splice(i, 1);
          }
        }
        configs[c.name] = parts.join(',');
      }
    }
  }
  return { ok: true, configs };
}
