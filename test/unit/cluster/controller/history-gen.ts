// Random histories of the controller log, made by the controller's own operations on a working
// image from one seed: brokers registering, restarting, leaving, fenced and unfenced; topics
// created (counts or manual assignments), grown and deleted; configs of topics, brokers and
// groups set and removed; producer-id blocks; reassignments started, reported, cancelled;
// maintenance mode on and off; brokers decommissioned (and removed once empty) or recommissioned. Each
// operation's records are one batch, as the shell will propose them. Refused operations (a
// name taken, a factor too high) are part of the history too: they propose nothing.

import { Prng } from '../../../../src/base/prng.ts';
import {
  allocateProducerIds,
  alterConfigs,
  alterPartitionReassignments,
  bootstrapCluster,
  createPartitions,
  createTopics,
  decommissionBroker,
  deleteTopics,
  incrementalAlterConfigs,
  MetadataImage,
  type MetadataRecord,
  recommissionBroker,
  registerBroker,
  reportPartitionVoters,
  setBrokerFenced,
  setMaintenance,
  unregisterBroker,
} from '../../../../src/cluster/controller/index.ts';
import { brokerView, CLUSTER_ID, createRequest, deleteRequest, FEATURES, partitionsRequest, registration } from './harness.ts';

export interface History {
  /** One entry per operation that proposed something: the batch it would be. */
  readonly batches: MetadataRecord[][];
  /** The working image the operations ran on (every record applied as it was made). */
  readonly working: MetadataImage;
}

const TOPICS = ['a', 'b', 'c', 'd.e', 'd_e', 'orders', '__consumer_offsets'];
const GROUPS = ['g1', 'g2'];

export function randomHistory(seed: number, operations: number): History {
  const rng = new Prng(seed);
  const image = new MetadataImage();
  const batches: MetadataRecord[][] = [];
  const keep = (records: readonly MetadataRecord[]) => records.length > 0 && batches.push([...records]);
  const ctx = { broker: brokerView({ 'max.broker.partitions': '200' }), random: rng };
  keep(bootstrapCluster(image, CLUSTER_ID, FEATURES).records);
  const restarts = new Map<number, number>();
  for (let i = 0; i < operations; i++) {
    const nodeId = rng.int(0, 5);
    const topic = rng.pick(TOPICS);
    switch (rng.int(0, 13)) {
      case 0:
      case 1: {
        const k = (restarts.get(nodeId) ?? 0) + 1;
        restarts.set(nodeId, k);
        keep(registerBroker(image, registration(nodeId, k), { hasLiveSession: () => rng.chance(0.2) }).records);
        break;
      }
      case 2:
        if (rng.chance(0.3)) keep(unregisterBroker(image, nodeId).records);
        else keep(setBrokerFenced(image, nodeId, image.broker(nodeId)?.brokerEpoch ?? 0, rng.chance(0.5)).records);
        break;
      case 3:
      case 4: {
        const manual = rng.chance(0.2) && image.brokers().length > 0;
        const brokers = image.brokers().map((b) => b.nodeId);
        const t = manual
          ? { name: topic, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: brokers.slice(0, rng.int(1, brokers.length)) }] }
          : { name: topic, numPartitions: rng.int(1, 8), replicationFactor: rng.int(1, 3), configs: rng.chance(0.3) ? [{ name: 'retention.ms', value: String(rng.int(1, 1e6)) }] : [] };
        keep(createTopics(image, createRequest([t], rng.chance(0.1)), ctx).records);
        break;
      }
      case 5:
        keep(createPartitions(image, partitionsRequest([{ name: topic, count: (image.topic(topic)?.partitions.length ?? 0) + rng.int(0, 3) }]), ctx).records);
        break;
      case 6:
        keep(deleteTopics(image, deleteRequest([topic]), { ...ctx, apiVersion: 6 }).records);
        break;
      case 7:
        keep(alterConfig(image, rng, topic, nodeId, ctx.broker));
        break;
      case 8:
        keep(allocateProducerIds(image, { brokerId: nodeId, brokerEpoch: image.broker(nodeId)?.brokerEpoch ?? 0 }).records);
        break;
      case 9:
      case 10: {
        const t = image.topic(topic);
        const brokers = image.brokers().map((b) => b.nodeId);
        if (!t || brokers.length === 0) break;
        const partition = rng.int(0, t.partitions.length - 1);
        const target = rng.chance(0.2) ? null : [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.pick(brokers)))];
        const req = { timeoutMs: 1000, allowReplicationFactorChange: true, topics: [{ name: topic, partitions: [{ partitionIndex: partition, replicas: target }] }] };
        keep(alterPartitionReassignments(image, req, ctx).records);
        break;
      }
      case 12:
        keep(setMaintenance(image, nodeId, rng.chance(0.6)).records);
        break;
      case 13:
        if (rng.chance(0.7)) keep(decommissionBroker(image, nodeId, ctx, []).records);
        else keep(recommissionBroker(image, nodeId, ctx).records);
        break;
      default: {
        // The partition's group reports its voters: half way (some of the target), or all of it.
        const t = image.topic(topic);
        const p = t?.partitions[0];
        if (!t || !p?.targetReplicas) break;
        const voters = rng.chance(0.5) ? p.targetReplicas : [...new Set([...p.replicas.slice(0, 1), ...p.targetReplicas.slice(0, 1)])];
        keep(reportPartitionVoters(image, { topicId: t.topicId, partition: 0, partitionEpoch: p.partitionEpoch, voters }).records);
      }
    }
  }
  return { batches, working: image };
}

function alterConfig(image: MetadataImage, rng: Prng, topic: string, nodeId: number, broker: ReturnType<typeof brokerView>): readonly MetadataRecord[] {
  const inputs = { broker, receivedBy: nodeId };
  const validateOnly = rng.chance(0.1);
  switch (rng.int(0, 3)) {
    case 0:
      return alterConfigs(image, { validateOnly, resources: [{ resourceType: 2, resourceName: topic, configs: rng.chance(0.5) ? [] : [{ name: 'cleanup.policy', value: 'compact' }] }] }, inputs).records;
    case 1: {
      const configs = [{ name: 'log.retention.ms', configOperation: rng.int(0, 1), value: String(rng.int(1, 1e9)) }];
      return incrementalAlterConfigs(image, { validateOnly, resources: [{ resourceType: 4, resourceName: rng.chance(0.5) ? '' : String(nodeId), configs }] }, inputs).records;
    }
    case 2: {
      const configs = [{ name: 'cleanup.policy', configOperation: rng.pick([2, 3]), value: 'compact' }];
      return incrementalAlterConfigs(image, { validateOnly, resources: [{ resourceType: 2, resourceName: topic, configs }] }, inputs).records;
    }
    default: {
      const configs = [{ name: 'consumer.session.timeout.ms', configOperation: rng.int(0, 1), value: String(rng.int(45_000, 60_000)) }];
      return incrementalAlterConfigs(image, { validateOnly, resources: [{ resourceType: 32, resourceName: rng.pick(GROUPS), configs }] }, inputs).records;
    }
  }
}
