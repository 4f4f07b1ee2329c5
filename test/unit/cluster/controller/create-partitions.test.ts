// CreatePartitions on the controller: new PartitionRecords placed with the topic's replication
// factor, continuing the leaders' stripe, or as assigned; the single node's refusals with
// Kafka's messages; the factor of a manual assignment checked against the topic's.

import { describe, expect, test } from 'bun:test';
import { createPartitions, type MetadataImage, unregisterBroker } from '../../../../src/cluster/controller/index.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { cluster, inputs, mustCreate, partitionsRequest } from './harness.ts';

function grow(image: MetadataImage, topics: Parameters<typeof partitionsRequest>[0], validateOnly = false, set: Record<string, string> = {}) {
  const r = createPartitions(image, partitionsRequest(topics, validateOnly), inputs(2, set));
  return { records: r.records, results: r.response.results!, by: Object.fromEntries(r.response.results!.map((x) => [x!.name!, [x!.errorCode, x!.errorMessage]])) };
}

describe('CreatePartitions', () => {
  test("grows a topic with its replication factor; the new leaders continue the stripe after the last one", () => {
    const { image } = cluster([0, 1, 2]);
    mustCreate(image, [{ name: 't', numPartitions: 2, replicationFactor: 2 }]);
    const before = image.topic('t')!.partitions;
    const r = grow(image, [{ name: 't', count: 5 }]);
    expect(r.by.t).toEqual([ErrorCode.NONE, null]);
    expect(r.records.map((x) => x.type === 'partition' && x.partition)).toEqual([2, 3, 4]);
    const after = image.topic('t')!.partitions;
    expect(after.slice(0, 2)).toEqual([...before]);
    expect(after.every((p) => p.replicas.length === 2 && new Set(p.replicas).size === 2)).toBe(true);
    const leaders = after.map((p) => p.replicas[0]);
    for (let i = 1; i < leaders.length; i++) expect(leaders[i]).toBe((leaders[i - 1] + 1) % 3);
  });

  test('manual assignments: exactly the new partitions, each with the topic\'s replication factor', () => {
    const { image } = cluster([0, 1, 2]);
    mustCreate(image, [{ name: 't', numPartitions: 1, replicationFactor: 2 }]);
    expect(grow(image, [{ name: 't', count: 3, assignments: [[2, 0]] }]).by.t).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.',
    ]);
    expect(grow(image, [{ name: 't', count: 2, assignments: [[2]] }]).by.t).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).',
    ]);
    expect(grow(image, [{ name: 't', count: 2, assignments: [[2, 7]] }]).by.t).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      'The manual partition assignment includes broker 7, but no such broker is registered.',
    ]);
    expect(grow(image, [{ name: 't', count: 3, assignments: [[2, 0], [0, 1]] }]).by.t).toEqual([ErrorCode.NONE, null]);
    expect(image.topic('t')!.partitions.slice(1).map((p) => p.replicas)).toEqual([[2, 0], [0, 1]]);
  });

  test("the single node's refusals, with Kafka's messages", () => {
    const { image } = cluster([0]);
    mustCreate(image, [{ name: 't', numPartitions: 3 }]);
    const r = grow(image, [{ name: 't', count: 3 }, { name: 'nope', count: 2 }, { name: 'dup', count: 2 }, { name: 'dup', count: 3 }]);
    expect(r.by.t).toEqual([ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);
    expect(r.by.nope).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null]);
    expect(r.results.filter((x) => x!.name === 'dup')).toEqual([{ name: 'dup', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }]);
    expect(grow(image, [{ name: 't', count: 2 }]).by.t).toEqual([ErrorCode.INVALID_PARTITIONS, 'The topic t currently has 3 partition(s); 2 would not be an increase.']);
    expect(grow(image, [{ name: 't', count: 10_001 }]).by.t).toEqual([ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be in [1, 10000], got 10001.']);
    expect(grow(image, [{ name: 't', count: 100 }], false, { 'max.broker.partitions': '100' }).by.t).toEqual([
      ErrorCode.INVALID_PARTITIONS,
      'Cannot create 97 partition(s): node 0 holds 3 and keeps 50 for __consumer_offsets, and max.broker.partitions is 100.',
    ]);
  });

  test('validateOnly checks everything and proposes nothing', () => {
    const { image } = cluster([0]);
    mustCreate(image, [{ name: 't', numPartitions: 1 }]);
    const r = grow(image, [{ name: 't', count: 4 }], true);
    expect(r.by.t).toEqual([ErrorCode.NONE, null]);
    expect(r.records).toEqual([]);
    expect(image.topic('t')!.partitions.length).toBe(1);
  });

  test('the replication factor cannot be kept once brokers left: INVALID_REPLICATION_FACTOR', () => {
    const { image } = cluster([0, 1, 2]);
    mustCreate(image, [{ name: 't', numPartitions: 1, replicationFactor: 3 }]);
    unregisterBroker(image, 2); // applied to the working image as proposed
    expect(grow(image, [{ name: 't', count: 2 }]).by.t).toEqual([
      ErrorCode.INVALID_REPLICATION_FACTOR,
      'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 2 broker(s) are registered.',
    ]);
  });
});
