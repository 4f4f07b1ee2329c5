// The metadata image: what each record does when applied, the lookups the broker and the
// partition groups will read, and the assertions that stop a record the controller could not
// have written (replaying past one would fork the cluster's metadata).

import { describe, expect, test } from 'bun:test';
import { AssertionError } from '../../../../src/base/assert.ts';
import { MetadataImage } from '../../../../src/cluster/controller/image.ts';
import { ConfigResourceType, type MetadataRecord } from '../../../../src/cluster/controller/records.ts';
import { snapshotRecords } from '../../../../src/cluster/controller/snapshot.ts';

const T1 = 'AAAAAAAAAAAAAAAAAAAAAQ';
const T2 = 'AAAAAAAAAAAAAAAAAAAAAg';
const INC = 'BBBBBBBBBBBBBBBBBBBBBA';
const ep = (port: number) => ({ host: 'h', port });

function register(nodeId: number, brokerEpoch: number): MetadataRecord {
  return { type: 'register_broker', nodeId, incarnationId: INC, brokerEpoch, kafkaEndpoint: ep(9092), rpcEndpoint: ep(33145), rack: null };
}

function topicWith(name: string, topicId: string, replicas: number[][]): MetadataRecord[] {
  return [{ type: 'topic', name, topicId }, ...replicas.map((r, partition) => ({ type: 'partition' as const, topicId, partition, replicas: r, targetReplicas: null, partitionEpoch: 0 }))];
}

describe('applying records', () => {
  test('topics by name and id, partitions in order, replicas counted per node', () => {
    const image = new MetadataImage().applyAll([...topicWith('orders', T1, [[1, 2], [2, 3], [3, 1]]), ...topicWith('audit', T2, [[1]])]);
    expect(image.topic('orders')).toEqual(image.topicById(T1)!);
    expect(image.topic('orders')!.partitions.map((p) => p.replicas)).toEqual([[1, 2], [2, 3], [3, 1]]);
    expect(image.topics().map((t) => t.name)).toEqual(['audit', 'orders']);
    expect([1, 2, 3, 4].map((n) => image.replicasOn(n))).toEqual([3, 2, 2, 0]);
    expect(image.partition(T1, 2)).toEqual({ replicas: [3, 1], targetReplicas: null, partitionEpoch: 0 });
    expect(image.partition(T1, 3)).toBeUndefined();
  });

  test('a partition change moves the epoch; a target counts on its nodes until the move ends', () => {
    const image = new MetadataImage().applyAll(topicWith('t', T1, [[1, 2]]));
    image.apply({ type: 'partition_change', topicId: T1, partition: 0, targetReplicas: [2, 3] });
    expect(image.partition(T1, 0)).toEqual({ replicas: [1, 2], targetReplicas: [2, 3], partitionEpoch: 1 });
    expect([1, 2, 3].map((n) => image.replicasOn(n))).toEqual([1, 1, 1]);
    image.apply({ type: 'partition_change', topicId: T1, partition: 0, replicas: [2, 3], targetReplicas: null });
    expect(image.partition(T1, 0)).toEqual({ replicas: [2, 3], targetReplicas: null, partitionEpoch: 2 });
    expect([1, 2, 3].map((n) => image.replicasOn(n))).toEqual([0, 1, 1]);
  });

  test("removing a topic drops its partitions, its replica counts, its configs and its name's collision key", () => {
    const image = new MetadataImage().applyAll([
      ...topicWith('d.e', T1, [[1]]),
      { type: 'config', resourceType: ConfigResourceType.TOPIC, resourceName: 'd.e', name: 'retention.ms', value: '5' },
    ]);
    expect(image.collidingTopic('d_e')).toBe('d.e');
    expect(image.configResourceCount(ConfigResourceType.TOPIC)).toBe(1);
    image.apply({ type: 'remove_topic', topicId: T1 });
    expect(image.topic('d.e')).toBeUndefined();
    expect(image.replicasOn(1)).toBe(0);
    expect(image.configsOf(ConfigResourceType.TOPIC, 'd.e').size).toBe(0);
    expect(image.configResourceCount(ConfigResourceType.TOPIC)).toBe(0);
    expect(image.collidingTopic('d_e')).toBeUndefined();
    image.applyAll(topicWith('d_e', T2, [[1]]));
    expect(image.topic('d_e')!.topicId).toBe(T2);
  });

  test('configs: a value sets, null deletes, a resource with no keys left is gone', () => {
    const image = new MetadataImage();
    const set = (name: string, value: string | null) => image.apply({ type: 'config', resourceType: ConfigResourceType.BROKER, resourceName: '', name, value });
    set('log.retention.ms', '1000');
    set('max.connections', '10');
    expect(Object.fromEntries(image.configsOf(ConfigResourceType.BROKER, ''))).toEqual({ 'log.retention.ms': '1000', 'max.connections': '10' });
    set('log.retention.ms', null);
    set('max.connections', null);
    expect(image.configResources(ConfigResourceType.BROKER)).toEqual([]);
    expect(image.configResourceCount(ConfigResourceType.BROKER)).toBe(0);
  });

  test('brokers: a registration replaces the last, an unregistered broker keeps its epoch, fencing is kept', () => {
    const image = new MetadataImage().applyAll([register(1, 0), register(2, 1), { type: 'broker_registration_change', nodeId: 2, brokerEpoch: 1, fenced: true }]);
    expect(image.brokers().map((b) => [b.nodeId, b.fenced])).toEqual([[1, false], [2, true]]);
    image.apply({ type: 'unregister_broker', nodeId: 2, brokerEpoch: 1 });
    expect(image.broker(2)).toBeUndefined();
    expect(image.brokerEpochHigh).toBe(1);
    expect(image.brokerHistory().map((b) => [b.nodeId, b.registered])).toEqual([[1, true], [2, false]]);
    image.apply(register(2, 2));
    expect(image.broker(2)).toMatchObject({ brokerEpoch: 2, fenced: false, registered: true });
  });

  test('producer-id blocks: the next id is past the last block', () => {
    const image = new MetadataImage();
    expect(image.nextProducerId).toBe(0);
    image.apply({ type: 'producer_ids', nodeId: 1, brokerEpoch: 0, nextProducerId: 1000 });
    image.apply({ type: 'producer_ids', nodeId: 2, brokerEpoch: 0, nextProducerId: 2000 });
    expect(image.nextProducerId).toBe(2000);
    expect(image.lastProducerIdsBlock).toEqual({ nodeId: 2, brokerEpoch: 0, nextProducerId: 2000 });
  });

  test('values handed out stay as they were when the image changes later', () => {
    const image = new MetadataImage().applyAll(topicWith('t', T1, [[1]]));
    const before = image.topic('t')!;
    image.apply({ type: 'partition', topicId: T1, partition: 1, replicas: [2], targetReplicas: null, partitionEpoch: 0 });
    image.apply({ type: 'partition_change', topicId: T1, partition: 0, replicas: [3] });
    expect(before.partitions).toEqual([{ replicas: [1], targetReplicas: null, partitionEpoch: 0 }]);
  });

  test('the snapshot of a small image, in its order: what a record refers to comes first', () => {
    const image = new MetadataImage().applyAll([
      register(2, 5),
      register(1, 6),
      { type: 'broker_registration_change', nodeId: 2, brokerEpoch: 5, fenced: true },
      ...topicWith('t', T1, [[1, 2]]),
      { type: 'config', resourceType: ConfigResourceType.TOPIC, resourceName: 't', name: 'retention.ms', value: '5' },
      { type: 'cluster_id', clusterId: 'c' },
    ]);
    expect(snapshotRecords(image).map((r) => r.type)).toEqual(['cluster_id', 'register_broker', 'broker_registration_change', 'register_broker', 'topic', 'partition', 'config']);
  });
});

describe('records the controller could not have written are assertions, not inputs', () => {
  const refused: Array<[string, MetadataRecord[]]> = [
    ['a partition of an unknown topic', [{ type: 'partition', topicId: T1, partition: 0, replicas: [1], targetReplicas: null, partitionEpoch: 0 }]],
    ['a partition out of order', [{ type: 'topic', name: 't', topicId: T1 }, { type: 'partition', topicId: T1, partition: 1, replicas: [1], targetReplicas: null, partitionEpoch: 0 }]],
    ['a topic name taken', [...topicWith('t', T1, []), ...topicWith('t', T2, [])]],
    ['a colliding topic name', [...topicWith('a.b', T1, []), ...topicWith('a_b', T2, [])]],
    ['a broker epoch that does not grow', [register(1, 3), register(2, 3)]],
    ['a fencing of another epoch', [register(1, 3), { type: 'broker_registration_change', nodeId: 1, brokerEpoch: 2, fenced: true }]],
    ['producer ids going back', [{ type: 'producer_ids', nodeId: 1, brokerEpoch: 0, nextProducerId: 1000 }, { type: 'producer_ids', nodeId: 1, brokerEpoch: 0, nextProducerId: 1000 }]],
    ['a config of an unknown topic', [{ type: 'config', resourceType: ConfigResourceType.TOPIC, resourceName: 'nope', name: 'retention.ms', value: '1' }]],
    ['removing an unknown topic', [{ type: 'remove_topic', topicId: T1 }]],
    ['a second cluster id', [{ type: 'cluster_id', clusterId: 'a' }, { type: 'cluster_id', clusterId: 'b' }]],
  ];
  for (const [what, records] of refused) {
    test(what, () => {
      expect(() => new MetadataImage().applyAll(records)).toThrow(AssertionError);
    });
  }
});
