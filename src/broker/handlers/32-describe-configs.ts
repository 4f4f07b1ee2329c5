// DescribeConfigs (32) v1-4. Follows Kafka's ConfigHelper.describeConfigs:
// - Which entries: a null or empty configurationKeys means all, sorted by name; otherwise the
//   names asked for that exist, in the order asked (each once), since clients read the entries
//   by position. Unknown names are left out, as Kafka does.
// - TOPIC resources: every topic config with its effective value and source. An illegal name is
//   INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION (no message, as Kafka).
// - BROKER resources: name String(nodeId) lists every broker property (properties.ts and the
//   Kafka catalogue in broker-catalog.ts) with its own value (null when unset and without a
//   default, log.retention.ms for one), readOnly unless Kafka updates it dynamically; the empty
//   name (cluster default) lists the dynamic cluster-wide defaults that are set. Another id is
//   INVALID_REQUEST "Unexpected broker id, ...", a non-number INVALID_REQUEST too.
// - GROUP resources (KIP-848): the group's configs, its overrides (GROUP_CONFIG) over the
//   broker's group.* defaults; any group name but the empty one (INVALID_REQUEST).
// - Other resource types (BROKER_LOGGER, CLIENT_METRICS) are INVALID_REQUEST.
// - v1+ synonyms when includeSynonyms (KIP-226), most specific first, exactly as Kafka's
//   ConfigHelper.configSynonyms lists them (config/broker-config.ts).
// - v3+ configType always, documentation when includeDocumentation (KIP-525).

import { brokerSynonyms, type ConfigSynonym, ConfigSource, rawBrokerValue } from '../../config/broker-config.ts';
import { describeGroupConfig, GROUP_CONFIGS } from '../../config/group-config.ts';
import { CONFIG_TYPE_CODE, describeTopicConfig } from '../../config/topic-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, formatProperty, type PropertyDef, TOPIC_CONFIG_BY_NAME } from '../../config/properties.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { DescribeConfigs } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import { validateTopicName } from '../../cluster/topic-table.ts';
import type { Broker } from '../broker.ts';
import { ConfigResourceType, parseJavaInt, resourceTypeName } from '../config-resources.ts';
import { handler } from '../handler.ts';

type ResourceIn = RequestOf<typeof DescribeConfigs>['resources'][number];
type ResultOut = Encodable<ResponseOf<typeof DescribeConfigs>['results'][number]>;
type ConfigOut = Encodable<ResponseOf<typeof DescribeConfigs>['results'][number]['configs'][number]>;

interface Options {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

const SORTED_BROKER_NAMES = BROKER_PROPERTIES.map((d) => d.name).sort();
const GROUP_CONFIG_BY_NAME = new Map(GROUP_CONFIGS.map((d) => [d.name, d]));

export default handler(DescribeConfigs, (ctx, req) => {
  const opts = { includeSynonyms: req.includeSynonyms, includeDocumentation: req.includeDocumentation };
  return { throttleTimeMs: 0, results: req.resources.map((r) => describeResource(ctx.broker, r, opts)) };
});

/** The names to describe: all (sorted) or those asked for that exist, in the asked order. */
export function selectNames(asked: readonly string[] | null, known: ReadonlyMap<string, unknown>, all: readonly string[]): string[] {
  if (asked === null || asked.length === 0) return [...all];
  return [...new Set(asked)].filter((n) => known.has(n));
}

function describeResource(broker: Broker, r: ResourceIn, opts: Options): ResultOut {
  const base = { resourceType: r.resourceType, resourceName: r.resourceName };
  const ok = (configs: ConfigOut[]): ResultOut => ({ ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs });
  const fail = (e: KafkaError): ResultOut => ({ ...base, errorCode: e.code, errorMessage: e.message, configs: [] });
  const keys = r.configurationKeys;
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      const bad = validateTopicName(r.resourceName);
      if (bad) return fail(bad);
      const t = broker.topics.get(r.resourceName);
      if (!t) return fail(kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      const names = selectNames(keys, TOPIC_CONFIG_BY_NAME, [...TOPIC_CONFIG_BY_NAME.keys()].sort());
      return ok(names.map((n) => {
        const def = TOPIC_CONFIG_BY_NAME.get(n)!;
        const d = describeTopicConfig(def, t.configs, broker.config);
        return entry(def, d.value, d.source, false, d.synonyms, opts);
      }));
    }
    case ConfigResourceType.BROKER: {
      if (r.resourceName === '') {
        const set = broker.config.layers.dynamicDefault;
        const names = selectNames(keys, set, [...set.keys()].sort());
        return ok(names.map((n) => brokerEntry(broker, BROKER_PROPERTY_BY_NAME.get(n)!, false, opts)));
      }
      const bad = checkBrokerName(broker, r.resourceName);
      if (bad) return fail(bad);
      const names = selectNames(keys, BROKER_PROPERTY_BY_NAME, SORTED_BROKER_NAMES);
      return ok(names.map((n) => brokerEntry(broker, BROKER_PROPERTY_BY_NAME.get(n)!, true, opts)));
    }
    case ConfigResourceType.GROUP: {
      if (r.resourceName === '') return fail(kafkaError(ErrorCode.INVALID_REQUEST, 'Group name must not be empty'));
      const overrides = broker.groupConfigsOf(r.resourceName);
      const names = selectNames(keys, GROUP_CONFIG_BY_NAME, [...GROUP_CONFIG_BY_NAME.keys()].sort());
      return ok(names.map((n) => {
        const def = GROUP_CONFIG_BY_NAME.get(n)!;
        const d = describeGroupConfig(def, overrides, broker.config);
        return entry(def, d.value, d.source, false, d.synonyms, opts);
      }));
    }
    default:
      return fail(kafkaError(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceTypeName(r.resourceType)}`));
  }
}

/** ConfigHelper.resourceNameToBrokerId plus the "is it me" check. */
function checkBrokerName(broker: Broker, name: string): KafkaError | null {
  const id = parseJavaInt(name);
  if (id === null) return kafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  const self = broker.config.nodeId;
  if (id !== self) {
    return kafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${self} or empty string, but received ${name}`);
  }
  return null;
}

/** ConfigHelper.createBrokerConfigEntry: the cluster default shows only its own layer. */
function brokerEntry(broker: Broker, d: PropertyDef, perBroker: boolean, opts: Options): ConfigOut {
  const layers = broker.config.layers;
  const synonyms = brokerSynonyms(d.name, layers, perBroker);
  const value = perBroker ? rawBrokerValue(d.name, layers) : (layers.dynamicDefault.get(d.name) ?? null);
  const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return entry(d, formatProperty(d, value), source, d.dynamic === undefined, synonyms, opts);
}

function entry(d: PropertyDef, value: string | null, source: number, readOnly: boolean, synonyms: ConfigSynonym[], opts: Options): ConfigOut {
  return {
    name: d.name,
    value,
    readOnly,
    configSource: source,
    isSensitive: false,
    synonyms: opts.includeSynonyms ? synonyms : [],
    configType: CONFIG_TYPE_CODE[d.type],
    documentation: opts.includeDocumentation ? d.doc : null,
  };
}
