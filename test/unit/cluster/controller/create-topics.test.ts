// CreateTopics on the controller: the records it proposes (TopicRecord, ConfigRecords,
// PartitionRecords, in KRaft's order), the answer, and every refusal with the single node's
// codes and messages (test/unit/broker/admin-topics.test.ts holds the same ones), plus what a
// cluster adds: placement across brokers, manual assignments naming several brokers,
// max.broker.partitions per node, and the one-batch limit.

import { describe, expect, test } from 'bun:test';
import { createTopics, type MetadataImage, RECORDS_PER_BATCH_MAX, setBrokerFenced } from '../../../../src/cluster/controller/index.ts';
import { ConfigSource } from '../../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { cluster, createRequest, inputs, mustCreate } from './harness.ts';

type NewTopic = Parameters<typeof createRequest>[0][number];

function create(
  image: MetadataImage,
  topics: NewTopic[],
  opts: { validateOnly?: boolean; set?: Record<string, string>; internal?: boolean; defaultReplicationFactor?: number } = {},
) {
  const given = inputs(1, opts.set);
  // default.replication.factor of the controller node (properties.ts).
  if (opts.defaultReplicationFactor !== undefined) (given.broker.props as Map<string, number>).set('default.replication.factor', opts.defaultReplicationFactor);
  const r = createTopics(image, createRequest(topics, opts.validateOnly), { ...given, internal: opts.internal });
  const by = Object.fromEntries(r.response.topics!.map((t) => [t!.name!, t!]));
  return { records: r.records, topics: r.response.topics!, by };
}

describe('CreateTopics', () => {
  test("creates a topic: its records in KRaft's order, applied to the working image, and Kafka's v7 answer", () => {
    const { image } = cluster([0, 1, 2]);
    const r = create(image, [{ name: 'orders', numPartitions: 3, replicationFactor: 3, configs: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'compact' }] }]);
    const t = r.topics[0]!;
    expect(t).toMatchObject({ name: 'orders', errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: 3, replicationFactor: 3 });
    expect(r.records.map((x) => x.type)).toEqual(['topic', 'config', 'config', 'partition', 'partition', 'partition']);
    expect(r.records[0]).toEqual({ type: 'topic', name: 'orders', topicId: t.topicId! });
    expect(r.records.slice(1, 3).map((x) => x.type === 'config' && x.name)).toEqual(['cleanup.policy', 'retention.ms']);
    const topic = image.topic('orders')!;
    expect(topic.topicId).toBe(t.topicId!);
    expect(topic.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
    expect(new Set(topic.partitions.map((p) => p.replicas[0])).size).toBe(3); // one leader per broker
    const retention = t.configs!.find((c) => c!.name === 'retention.ms')!;
    expect(retention).toMatchObject({ value: '1000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(t.configs!.find((c) => c!.name === 'segment.bytes')!.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
    expect(t.configs!.map((c) => c!.name)).toEqual([...t.configs!.map((c) => c!.name!)].sort());
  });

  test('-1 takes num.partitions and default.replication.factor from the controller node (KIP-464)', () => {
    const { image } = cluster([0, 1, 2]);
    const r = create(image, [{ name: 'd', numPartitions: -1, replicationFactor: -1 }], { set: { 'num.partitions': '4' }, defaultReplicationFactor: 2 });
    expect(r.by.d).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 4, replicationFactor: 2 });
    expect(image.topic('d')!.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2, 2]);
  });

  test('validateOnly checks everything and proposes nothing, and still answers a topic id as KRaft does', () => {
    const { image } = cluster();
    const r = create(image, [{ name: 'dry', numPartitions: 2 }], { validateOnly: true });
    expect(r.records).toEqual([]);
    expect(r.by.dry).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2 });
    expect(r.by.dry.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(image.topic('dry')).toBeUndefined();
    expect(create(image, [{ name: 'dry', numPartitions: 0 }], { validateOnly: true }).by.dry.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
  });

  test('refusals carry Kafka codes and messages', () => {
    const { image } = cluster([0, 1, 2]);
    mustCreate(image, [{ name: 'exists' }]);
    const r = create(image, [
      { name: 'exists' },
      { name: 'bad name!' },
      { name: 'zero', numPartitions: 0 },
      { name: 'rf0', replicationFactor: 0 },
      { name: 'rf4', replicationFactor: 4 },
      { name: 'huge', numPartitions: 10_001 },
      { name: 'cfg', configs: [{ name: 'retention.ms', value: 'soon' }] },
      { name: 'unknowncfg', configs: [{ name: 'no.such.config', value: '1' }] },
      { name: 'nullcfg', configs: [{ name: 'retention.ms', value: null }, { name: 'segment.ms', value: null }] },
      { name: 'dup' },
      { name: 'dup' },
    ]);
    expect(r.by.exists).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: "Topic 'exists' already exists." });
    expect(r.by['bad name!'].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(r.by.zero).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions was set to an invalid non-positive value.' });
    expect(r.by.rf0).toMatchObject({ errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.' });
    expect(r.by.rf4).toMatchObject({
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: 'Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.',
    });
    expect(r.by.huge).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: 'Number of partitions must be in [1, 10000], got 10001.' });
    expect(r.by.cfg.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(r.by.unknowncfg).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown topic config name: no.such.config' });
    expect(r.by.nullcfg).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Null value not supported for topic configs: retention.ms,segment.ms' });
    expect(r.topics.filter((t) => t!.name === 'dup')).toEqual([{ name: 'dup', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.', numPartitions: -1, replicationFactor: -1, configs: [] }]);
    expect(r.records).toEqual([]);
  });

  test("a '.'/'_' collision with an existing topic, or with one created earlier in the same request", () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 'a.b' }]);
    const r = create(image, [{ name: 'a_b' }, { name: 'c_d' }, { name: 'c.d' }]);
    expect(r.by.a_b).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: "Topic 'a_b' collides with existing topic: a.b" });
    expect(r.by.c_d.errorCode).toBe(ErrorCode.NONE);
    expect(r.by['c.d']).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: "Topic 'c.d' collides with existing topic: c_d" });
  });

  test('a second request for a name proposed but not yet committed sees it (the working image)', () => {
    const { image } = cluster();
    expect(create(image, [{ name: 'x' }]).by.x.errorCode).toBe(ErrorCode.NONE);
    expect(create(image, [{ name: 'x' }]).by.x.errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });
});

describe('manual assignments', () => {
  const manual = (assignments: Array<[number, number[]]>, extra: Partial<NewTopic> = {}): NewTopic => ({
    name: 'm',
    numPartitions: -1,
    replicationFactor: -1,
    assignments: assignments.map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })),
    ...extra,
  });
  const refusal = (image: MetadataImage, t: NewTopic) => {
    const r = create(image, [t]).by.m;
    return [r.errorCode, r.errorMessage];
  };

  test('a valid assignment is taken as given, replica order (the preferred leader first) kept', () => {
    const { image } = cluster([0, 1, 2]);
    const r = create(image, [manual([[1, [2, 0]], [0, [1, 2]]])]);
    expect(r.by.m).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2, replicationFactor: 2 });
    expect(image.topic('m')!.partitions.map((p) => p.replicas)).toEqual([[1, 2], [2, 0]]);
  });

  test("refusals, with Kafka's messages", () => {
    const { image } = cluster([0, 1, 2]);
    expect(refusal(image, manual([[0, [0]]], { replicationFactor: 1 }))).toEqual([ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.']);
    expect(refusal(image, manual([[0, [0]]], { numPartitions: 1 }))).toEqual([ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.']);
    expect(refusal(image, manual([[0, [0]], [0, [1]]]))).toEqual([ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Found multiple manual partition assignments for partition 0']);
    expect(refusal(image, manual([[0, [0, 9]]]))).toEqual([ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 9, but no such broker is registered.']);
    expect(refusal(image, manual([[0, [1, 1]]]))).toEqual([ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 1 more than once.']);
    expect(refusal(image, manual([[0, []]]))).toEqual([ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.']);
    expect(refusal(image, manual([[0, [0, 1]], [1, [2]]]))).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).',
    ]);
    expect(refusal(image, manual([[0, [0]], [2, [1]]]))).toEqual([ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence']);
    setBrokerFenced(image, 1, image.broker(1)!.brokerEpoch, true);
    expect(refusal(image, manual([[0, [1]]]))).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'All brokers specified in the manual partition assignment for partition 0 are fenced or in controlled shutdown.',
    ]);
  });
});

describe('limits', () => {
  test('max.broker.partitions counts replicas per node, keeps room for __consumer_offsets, and never refuses the internal topic', () => {
    const { image } = cluster([0, 1]);
    const set = { 'max.broker.partitions': '60', 'offsets.topic.num.partitions': '50' };
    expect(create(image, [{ name: 'a', numPartitions: 5, replicationFactor: 2 }], { set }).by.a.errorCode).toBe(ErrorCode.NONE);
    const full = create(image, [{ name: 'b', numPartitions: 6, replicationFactor: 2 }], { set }).by.b;
    expect(full).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Cannot create 6 partition(s): node 0 holds 5 and keeps 50 for __consumer_offsets, and max.broker.partitions is 60.',
    });
    expect(create(image, [{ name: '__consumer_offsets', numPartitions: 50, replicationFactor: 2 }], { set, internal: true }).by.__consumer_offsets.errorCode).toBe(ErrorCode.NONE);
    expect(image.replicasOn(0)).toBe(55);
    // Once it exists nothing more is kept for it.
    expect(create(image, [{ name: 'c', numPartitions: 5, replicationFactor: 2 }], { set }).by.c.errorCode).toBe(ErrorCode.NONE);
    expect(create(image, [{ name: 'd', numPartitions: 1, replicationFactor: 1 }], { set }).by.d).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: expect.stringMatching(/^Cannot create 1 partition\(s\): node [01] holds 60, and max.broker.partitions is 60\.$/),
    });
  });

  test('a topic whose records would not fit in the request\'s one batch is POLICY_VIOLATION; the topics before it are created', () => {
    const { image } = cluster([0]);
    const set = { 'max.broker.partitions': '100000' };
    const r = create(image, [{ name: 'big1', numPartitions: 10_000 }, { name: 'big2', numPartitions: 10_000 }, { name: 'small' }], { set });
    expect(r.by.big1.errorCode).toBe(ErrorCode.NONE);
    expect(r.by.big2).toMatchObject({ errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of partitions per request.' });
    expect(r.by.small.errorCode).toBe(ErrorCode.NONE);
    expect(r.records.length).toBeLessThanOrEqual(RECORDS_PER_BATCH_MAX);
  });

  test('a config value longer than one record holds is INVALID_CONFIG', () => {
    const { image } = cluster();
    const value = Array.from({ length: 10_000 }, (_, i) => `${i}:1`).join(',');
    const r = create(image, [{ name: 'long', configs: [{ name: 'follower.replication.throttled.replicas', value }] }]);
    expect(r.by.long).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'The value of follower.replication.throttled.replicas is longer than 65536 characters.' });
  });
});
