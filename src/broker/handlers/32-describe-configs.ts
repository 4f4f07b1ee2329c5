// DescribeConfigs (32) v1-4. Follows Kafka's ConfigHelper.describeConfigs:
// - TOPIC resources: every topic config with its effective value and source; a null or empty
//   configurationKeys means all. An illegal name is INVALID_TOPIC_EXCEPTION, an unknown topic
//   UNKNOWN_TOPIC_OR_PARTITION (no message, as Kafka).
// - BROKER resources: name String(nodeId) lists the broker properties (all read-only: there are
//   no dynamic broker configs yet); the empty name (cluster default) lists the dynamic
//   cluster-wide defaults, of which there are none, so it is an empty list as in Kafka. Another
//   id is INVALID_REQUEST "Unexpected broker id, ...", a non-number INVALID_REQUEST too.
// - Other resource types (BROKER_LOGGER, CLIENT_METRICS, GROUP) are INVALID_REQUEST.
// - v1+ synonyms when includeSynonyms (KIP-226), most specific first: the topic override, the
//   static broker setting (--set / config file), the default.
// - v3+ configType always, documentation when includeDocumentation (KIP-525).

import { brokerPropertySynonyms, CONFIG_TYPE_CODE, type ConfigSynonym, topicConfigSynonyms } from '../../config/topic-config.ts';
import { BROKER_PROPERTIES, type PropertyDef, TOPIC_CONFIGS } from '../../config/properties.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { DescribeConfigs } from '../../protocol/messages/index.ts';
import type { Encodable, RequestOf, ResponseOf } from '../../protocol/schema.ts';
import { validateTopicName } from '../../cluster/topic-table.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';

/** ConfigResource.Type ids (org.apache.kafka.common.config.ConfigResource). */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32 } as const;

export function resourceTypeName(id: number): string {
  for (const [name, v] of Object.entries(ConfigResourceType)) if (v === id) return name;
  return 'UNKNOWN';
}

type ResourceIn = RequestOf<typeof DescribeConfigs>['resources'][number];
type ResultOut = Encodable<ResponseOf<typeof DescribeConfigs>['results'][number]>;
type ConfigOut = Encodable<ResponseOf<typeof DescribeConfigs>['results'][number]['configs'][number]>;

interface Options {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

export default handler(DescribeConfigs, (ctx, req) => {
  const opts = { includeSynonyms: req.includeSynonyms, includeDocumentation: req.includeDocumentation };
  return { throttleTimeMs: 0, results: req.resources.map((r) => describeResource(ctx.broker, r, opts)) };
});

function describeResource(broker: Broker, r: ResourceIn, opts: Options): ResultOut {
  const base = { resourceType: r.resourceType, resourceName: r.resourceName };
  const wanted = r.configurationKeys === null || r.configurationKeys.length === 0 ? null : new Set(r.configurationKeys);
  const fail = (e: KafkaError): ResultOut => ({ ...base, errorCode: e.code, errorMessage: e.message, configs: [] });
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC: {
      const bad = validateTopicName(r.resourceName);
      if (bad) return fail(bad);
      const t = broker.topics.get(r.resourceName);
      if (!t) return fail(kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      const configs = TOPIC_CONFIGS.filter((d) => wanted === null || wanted.has(d.name)).map((d) =>
        topicEntry(broker, d, t.configs[d.name], opts),
      );
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    }
    case ConfigResourceType.BROKER: {
      if (r.resourceName === '') return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: [] };
      const bad = checkBrokerName(broker, r.resourceName);
      if (bad) return fail(bad);
      const configs = BROKER_PROPERTIES.filter((d) => wanted === null || wanted.has(d.name)).map((d) => brokerEntry(broker, d, opts));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
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

/** Integer.parseInt: optional sign, decimal digits, within int32. */
export function parseJavaInt(text: string): number | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

function topicEntry(broker: Broker, d: (typeof TOPIC_CONFIGS)[number], override: string | undefined, opts: Options): ConfigOut {
  const synonyms = topicConfigSynonyms(d, override, broker.config.props, broker.config.explicit);
  return entry(d, synonyms[0].value, synonyms[0].source, false, synonyms, opts);
}

function brokerEntry(broker: Broker, d: PropertyDef, opts: Options): ConfigOut {
  const synonyms = brokerPropertySynonyms(d, d.name, broker.config.props, broker.config.explicit);
  return entry(d, synonyms[0].value, synonyms[0].source, true, synonyms, opts);
}

function entry(d: PropertyDef, value: string, source: number, readOnly: boolean, synonyms: ConfigSynonym[], opts: Options): ConfigOut {
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

