// A clustered node's broker follows the controller's metadata image (src/cluster/controller):
// after every batch applied here it reconciles what it serves to the image, as a KRaft broker's
// BrokerMetadataPublisher applies each metadata delta to its ReplicaManager and config handlers.
//
// - Topics: the broker's TopicTable is a mirror of the image's topics (name, topic id, partition
//   count, overrides). A topic the image no longer holds, or holds under another id (deleted and
//   created again), is closed and its logs deleted here; so is what a topic this node never
//   opened left on disk (created before a crash, deleted while the node was down, both replayed
//   in one batch), found by the topic id in its partition.metadata.
// - Partitions: this node hosts each partition whose replicas or target replicas (a move in
//   progress, KIP-455) include it, and only those (hostsReplica), as a
//   replica (src/cluster/replica: its log under `<data>/kafka/<topic>/<index>` and its Raft group
//   with the partition's replicas as voters) through the broker's ReplicaBackend;
//   __consumer_offsets too.
// - Consumer groups: the leader of each __consumer_offsets partition coordinates its groups,
//   loading them when it becomes leader (Broker.followOffsetsLeaders), not here.
// - Configs: a topic's overrides and the dynamic broker layers (the cluster default and this
//   node's) come from the image; a stored value this build does not accept is skipped and
//   logged once (controller/config-view.ts).
// The image only changes by applying committed batches, so this runs after each apply.

import { logger } from '../base/log.ts';
import { brokerConfigLayers, ConfigResourceType, type MetadataImage, type MetadataRecord, type PartitionImage, topicOverrides } from '../cluster/controller/index.ts';
import type { TopicRecord } from '../cluster/topic-table.ts';
import type { DesiredReplica } from '../cluster/replica/replica-backend.ts';
import { effectiveTopicConfig } from '../config/topic-config.ts';
import type { PropertyValue } from '../config/properties.ts';
import type { Broker } from './broker.ts';

const log = logger('kafka');

export class MetadataReconciler {
  /** Skipped config values already logged ("resource/name=value"), so each is logged once. */
  private readonly skippedLogged = new Set<string>();

  constructor(private readonly broker: Broker) {}

  /** Topic names by id, from the `topic` records applied (a removal names only the id). */
  private readonly namesById = new Map<string, string>();

  /** `records`: what was applied since the last call (empty after a load or at attach). */
  reconcile(image: MetadataImage, records: readonly MetadataRecord[]): void {
    this.reconcileBrokerConfigs(image);
    const broker = this.broker;
    const self = broker.config.nodeId;
    for (const r of records) {
      if (r.type === 'topic') this.namesById.set(r.topicId, r.name);
      if (r.type !== 'remove_topic') continue;
      const name = this.namesById.get(r.topicId);
      this.namesById.delete(r.topicId);
      // A topic this node never opened (created and deleted within one batch on a restart).
      if (name !== undefined && broker.topics.get(name)?.id !== r.topicId) broker.removeLeftoverPartitions(name, r.topicId);
    }
    for (const t of [...broker.topics.all()]) {
      const now = image.topic(t.name);
      if (now === undefined || now.topicId !== t.id) broker.deleteTopic(t.name);
    }
    const desired: DesiredReplica[] = [];
    for (const t of image.topics()) {
      const configs = topicOverrides(image, t.name);
      const hosted = t.partitions.flatMap((p, i) => (hostsReplica(p, self) ? [i] : []));
      const config = effectiveTopicConfig(configs, broker.config.props);
      for (const i of hosted) {
        const p = t.partitions[i];
        desired.push({ topicId: t.topicId, topicName: t.name, partition: i, replicas: p.replicas, targetReplicas: p.targetReplicas, partitionEpoch: p.partitionEpoch, config });
      }
      const known = broker.topics.get(t.name);
      if (known === undefined) {
        const record: TopicRecord = { name: t.name, id: t.topicId, partitions: t.partitions.length, configs };
        broker.topics.put(record);
        log.info(`topic ${t.name} (id ${t.topicId}, ${t.partitions.length} partition(s)) from the metadata; this node hosts ${hosted.length ? hosted.join(',') : 'none'}`);
        continue;
      }
      if (known.partitions !== t.partitions.length) {
        known.partitions = t.partitions.length;
      }
      if (!sameConfigs(known.configs, configs)) broker.setTopicConfigs(known, configs);
    }
    // Every reconcile hands the whole desired set: the backend opens, removes and updates configs.
    broker.hostReplicas(desired);
  }

  private reconcileBrokerConfigs(image: MetadataImage): void {
    const config = this.broker.config;
    const { layers, skipped } = brokerConfigLayers(image, config.nodeId, config.layers.static);
    for (const s of skipped) {
      const key = `${s.resourceName}/${s.name}=${s.value}`;
      if (this.skippedLogged.has(key)) continue;
      this.skippedLogged.add(key);
      log.warn(`ignoring the dynamic broker config ${s.name}=${s.value} of '${s.resourceName}' in the metadata: ${s.why}`);
    }
    const same = sameLayer(config.layers.dynamicDefault, layers.dynamicDefault) && sameLayer(config.layers.dynamicBroker, layers.dynamicBroker);
    if (!same) this.broker.setDynamicLayers(layers.dynamicDefault, layers.dynamicBroker);
  }
}

/**
 * Whether this node hosts a replica of the partition: it is one of the replicas (the group's
 * voters), or the target of a move in progress names it (KIP-455's adding replicas: the replica
 * exists, empty, before its group's leader adds it as a learner). A node the move leaves keeps
 * its replica until the leader's report of the voters without it is applied, so a removed voter
 * is dropped only once it is in neither list.
 */
export function hostsReplica(p: PartitionImage, node: number): boolean {
  return p.replicas.includes(node) || (p.targetReplicas?.includes(node) ?? false);
}

/**
 * Whether a record changes what the broker serves: topics, partitions and TOPIC or BROKER
 * configs (registrations, producer ids and group configs are read where they are used).
 */
export function servedRecord(r: MetadataRecord): boolean {
  switch (r.type) {
    case 'topic':
    case 'partition':
    case 'partition_change':
    case 'remove_topic':
      return true;
    case 'config':
      return r.resourceType === ConfigResourceType.TOPIC || r.resourceType === ConfigResourceType.BROKER;
    default:
      return false;
  }
}

function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sameLayer(a: ReadonlyMap<string, PropertyValue>, b: ReadonlyMap<string, PropertyValue>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || JSON.stringify(b.get(k)) !== JSON.stringify(v)) return false;
  return true;
}
