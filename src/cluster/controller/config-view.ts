// What a node reads of the image's configs to run with Kafka's precedence (KIP-226): a topic's
// overrides, then this node's dynamic broker configs (BROKER "<id>"), then the cluster default
// (BROKER ""), then its static configuration (--set, the config file), then Kafka's default.
// The image stores strings as Kafka does; here they become the typed layers config/ computes
// effective values and DescribeConfigs' synonyms from (broker-config.ts, topic-config.ts).

import { type BrokerConfigLayers, effectiveBrokerProps } from '../../config/broker-config.ts';
import { BROKER_PROPERTIES, BROKER_PROPERTY_BY_NAME, parseProperty, type PropertyValue } from '../../config/properties.ts';
import type { BrokerView } from '../../config/topic-config.ts';
import type { MetadataImage } from './image.ts';
import { ConfigResourceType, type NodeId } from './records.ts';

/** A stored value this build does not accept (a removed key, a narrower range): left out, for the caller to log. */
export interface SkippedConfig {
  readonly resourceName: string;
  readonly name: string;
  readonly value: string;
  readonly why: string;
}

/** The broker layers of node `nodeId` over its own static layer, and what was skipped. */
export function brokerConfigLayers(
  image: MetadataImage,
  nodeId: NodeId,
  staticLayer: ReadonlyMap<string, PropertyValue>,
): { layers: BrokerConfigLayers; skipped: SkippedConfig[] } {
  const skipped: SkippedConfig[] = [];
  const parse = (resourceName: string) => {
    const out = new Map<string, PropertyValue>();
    for (const [name, value] of image.configsOf(ConfigResourceType.BROKER, resourceName)) {
      const def = BROKER_PROPERTY_BY_NAME.get(name);
      const p = def === undefined ? { ok: false as const, error: 'not a broker property of this build' } : parseProperty(def, value);
      if (p.ok) out.set(name, p.value);
      else skipped.push({ resourceName, name, value, why: p.error });
    }
    return out;
  };
  return { layers: { static: staticLayer, dynamicDefault: parse(''), dynamicBroker: parse(String(nodeId)) }, skipped };
}

/**
 * Node `nodeId`'s effective broker properties and their layers, as the controller's operations
 * take them (ControllerInputs.broker) and DescribeConfigs reports them.
 */
export function brokerViewOf(image: MetadataImage, nodeId: NodeId, staticLayer: ReadonlyMap<string, PropertyValue>): { view: BrokerView; skipped: SkippedConfig[] } {
  const { layers, skipped } = brokerConfigLayers(image, nodeId, staticLayer);
  return { view: { props: effectiveBrokerProps(layers, BROKER_PROPERTIES), layers }, skipped };
}

/** A topic's overrides as config/topic-config.ts takes them (empty for an unknown topic). */
export function topicOverrides(image: MetadataImage, topic: string): Record<string, string> {
  return Object.fromEntries(image.configsOf(ConfigResourceType.TOPIC, topic));
}

/** A consumer group's overrides (KIP-848), for config/group-config.ts. */
export function groupOverrides(image: MetadataImage, groupId: string): Record<string, string> {
  return Object.fromEntries(image.configsOf(ConfigResourceType.GROUP, groupId));
}
