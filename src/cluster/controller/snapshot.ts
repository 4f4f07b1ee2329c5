// A snapshot of the metadata image as records: applied in order to an empty image they rebuild
// the same image (image.toState() deep-equal), which a property test holds for random
// histories cut at random points: image(all records) == image(snapshot(prefix) + rest).
// So the controller log can be compacted below a snapshot (KRaft writes its snapshots as
// metadata records too), and a node far behind can be sent the snapshot instead of the log.
//
// Order: what a later record refers to comes first. Cluster id and features; brokers in epoch
// order (the epoch must grow as they are applied), each with its fencing and unregistration;
// then the node ids' maintenance flags and memberships;
// topics by name, each with its partitions; configs (topic configs after their topic); the
// producer-id block last.

import { type MetadataImage } from './image.ts';
import { ConfigResourceType, type MetadataRecord } from './records.ts';

export function snapshotRecords(image: MetadataImage): MetadataRecord[] {
  const out: MetadataRecord[] = [];
  if (image.clusterId !== null) out.push({ type: 'cluster_id', clusterId: image.clusterId });
  for (const [name, level] of [...image.features()].sort(([a], [b]) => (a < b ? -1 : 1))) out.push({ type: 'feature_level', name, level });
  for (const b of image.brokerHistory()) {
    const { nodeId, incarnationId, brokerEpoch, kafkaEndpoint, rpcEndpoint, rack } = b;
    out.push({ type: 'register_broker', nodeId, incarnationId, brokerEpoch, kafkaEndpoint, rpcEndpoint, rack });
    if (b.fenced) out.push({ type: 'broker_registration_change', nodeId, brokerEpoch, fenced: true });
    if (!b.registered) out.push({ type: 'unregister_broker', nodeId, brokerEpoch });
  }
  // After every registration: a member state names a node id that was registered once.
  for (const [nodeId, m] of image.members()) {
    if (m.maintenance) out.push({ type: 'broker_maintenance', nodeId, enabled: true });
    if (m.membership !== 'active') out.push({ type: 'broker_membership', nodeId, state: m.membership });
  }
  for (const t of image.topics()) {
    out.push({ type: 'topic', name: t.name, topicId: t.topicId });
    t.partitions.forEach((p, partition) => {
      const { replicas, targetReplicas, partitionEpoch } = p;
      out.push({ type: 'partition', topicId: t.topicId, partition, replicas, targetReplicas, partitionEpoch });
    });
  }
  for (const resourceType of [ConfigResourceType.TOPIC, ConfigResourceType.BROKER, ConfigResourceType.GROUP]) {
    for (const resourceName of image.configResources(resourceType)) {
      for (const [name, value] of [...image.configsOf(resourceType, resourceName)].sort(([a], [b]) => (a < b ? -1 : 1))) {
        out.push({ type: 'config', resourceType, resourceName, name, value });
      }
    }
  }
  const block = image.lastProducerIdsBlock;
  if (block !== null) out.push({ type: 'producer_ids', ...block });
  return out;
}
