// Reassignments on the controller (KIP-455): the intent is a target on the partition; the
// partition's Raft group reports its voters as it moves, and the move ends when they are the
// target. Kafka's refusals and KIP-860's replication factor check; a reorder of the same
// replicas is immediate; ListPartitionReassignments reads the moves from the image.

import { describe, expect, test } from 'bun:test';
import {
  alterPartitionReassignments,
  listPartitionReassignments,
  type MetadataImage,
  reportPartitionVoters,
} from '../../../../src/cluster/controller/index.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { cluster, inputs, mustCreate } from './harness.ts';

function reassign(image: MetadataImage, partitions: Array<[string, number, number[] | null]>, allowReplicationFactorChange = true, set: Record<string, string> = {}) {
  const topics = [...new Set(partitions.map(([t]) => t))].map((name) => ({
    name,
    partitions: partitions.filter(([t]) => t === name).map(([, partitionIndex, replicas]) => ({ partitionIndex, replicas })),
  }));
  const r = alterPartitionReassignments(image, { timeoutMs: 1000, allowReplicationFactorChange, topics }, inputs(1, set));
  return { records: r.records, results: r.response.responses!.flatMap((t) => t!.partitions!.map((p) => [p!.errorCode, p!.errorMessage])) };
}

/** A topic `t` of one partition on replicas [0, 1] in a cluster of brokers 0..3. */
function setup() {
  const { image } = cluster([0, 1, 2, 3]);
  mustCreate(image, [{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [0, 1] }] }]);
  return { image, topicId: image.topic('t')!.topicId };
}

const ok = [ErrorCode.NONE, null];

describe('AlterPartitionReassignments', () => {
  test('a target is recorded as the intent; the replicas stay until the group reports', () => {
    const { image, topicId } = setup();
    const r = reassign(image, [['t', 0, [2, 3]]]);
    expect(r.results).toEqual([ok]);
    expect(r.records).toEqual([{ type: 'partition_change', topicId, partition: 0, targetReplicas: [2, 3] }]);
    expect(image.partition(topicId, 0)).toEqual({ replicas: [0, 1], targetReplicas: [2, 3], partitionEpoch: 1 });
    expect(reassign(image, [['t', 0, [2, 3]]]).records).toEqual([]); // asked again: nothing new
  });

  test('the group reports as it moves: partial voters replace the replicas, the target\'s set ends the move in its order', () => {
    const { image, topicId } = setup();
    reassign(image, [['t', 0, [3, 2]]]);
    const report = (voters: number[]) => reportPartitionVoters(image, { topicId, partition: 0, partitionEpoch: image.partition(topicId, 0)!.partitionEpoch, voters });
    expect(report([0, 1, 3]).response).toBeNull();
    expect(image.partition(topicId, 0)).toMatchObject({ replicas: [0, 1, 3], targetReplicas: [3, 2] });
    report([2, 3]);
    expect(image.partition(topicId, 0)).toEqual({ replicas: [3, 2], targetReplicas: null, partitionEpoch: 3 });
    expect(report([3, 2]).records).toEqual([]);
  });

  test('a report from a leader that read an older assignment is INVALID_UPDATE_VERSION; bad voters are INVALID_REQUEST', () => {
    const { image, topicId } = setup();
    reassign(image, [['t', 0, [2, 3]]]);
    expect(reportPartitionVoters(image, { topicId, partition: 0, partitionEpoch: 0, voters: [2, 3] }).response).toEqual({ code: ErrorCode.INVALID_UPDATE_VERSION, message: null });
    expect(reportPartitionVoters(image, { topicId, partition: 0, partitionEpoch: 1, voters: [2, 2] }).response!.code).toBe(ErrorCode.INVALID_REQUEST);
    expect(reportPartitionVoters(image, { topicId, partition: 5, partitionEpoch: 1, voters: [2] }).response!.code).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  test('cancel: the target goes, the replicas reached stay, and those it was adding stay listed until the group reports; with no move it is NO_REASSIGNMENT_IN_PROGRESS', () => {
    const { image, topicId } = setup();
    expect(reassign(image, [['t', 0, null]]).results).toEqual([[ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, null]]);
    reassign(image, [['t', 0, [1, 2]]]);
    // Node 2 may vote already (promoted, not reported): its node must keep its replica.
    expect(reassign(image, [['t', 0, null]]).records).toEqual([{ type: 'partition_change', topicId, partition: 0, replicas: [0, 1, 2], targetReplicas: null }]);
    expect(image.partition(topicId, 0)).toMatchObject({ replicas: [0, 1, 2], targetReplicas: null });
    // The group's leader reports the voters it has (node 2 was a learner): the replicas follow.
    const partitionEpoch = image.partition(topicId, 0)!.partitionEpoch;
    reportPartitionVoters(image, { topicId, partition: 0, partitionEpoch, voters: [0, 1] });
    expect(image.partition(topicId, 0)).toMatchObject({ replicas: [0, 1], targetReplicas: null });
    // A move that added nothing yet is cancelled as it was.
    reassign(image, [['t', 0, [0]]]);
    expect(reassign(image, [['t', 0, null]]).records).toEqual([{ type: 'partition_change', topicId, partition: 0, targetReplicas: null }]);
  });

  test('a new target that leaves out a node the move was adding keeps it listed until the group reports', () => {
    const { image, topicId } = setup();
    reassign(image, [['t', 0, [2, 3]]]);
    expect(reassign(image, [['t', 0, [2, 1]]]).records).toEqual([{ type: 'partition_change', topicId, partition: 0, replicas: [0, 1, 3], targetReplicas: [2, 1] }]);
  });

  test('the same replicas in another order: a new preferred leader at once, ending any move that added nothing', () => {
    const { image, topicId } = setup();
    reassign(image, [['t', 0, [0]]]);
    expect(reassign(image, [['t', 0, [1, 0]]]).records).toEqual([{ type: 'partition_change', topicId, partition: 0, replicas: [1, 0], targetReplicas: null }]);
    expect(reassign(image, [['t', 0, [1, 0]]]).records).toEqual([]);
    // Back to the current set during a move that adds node 3: a move back, node 3 listed until the group reports.
    reassign(image, [['t', 0, [1, 3]]]);
    expect(reassign(image, [['t', 0, [1, 0]]]).records).toEqual([{ type: 'partition_change', topicId, partition: 0, replicas: [1, 0, 3], targetReplicas: [1, 0] }]);
  });

  test("refusals, with Kafka's messages", () => {
    const { image } = setup();
    const r = reassign(image, [['nope', 0, [1]], ['t', 7, [1]], ['t', -1, [1]], ['t', 0, [9]], ['t', 0, []], ['t', 0, [2, 2]]]);
    expect(r.results).toEqual([
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find a topic named nope.'],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find partition t:7.'],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'Unable to find partition t:-1.'],
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 9, but no such broker is registered.'],
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.'],
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 2 more than once.'],
    ]);
    expect(r.records).toEqual([]);
  });

  test('KIP-860: with allowReplicationFactorChange false a different size is INVALID_REPLICATION_FACTOR, a move counted by its target', () => {
    const { image } = setup();
    expect(reassign(image, [['t', 0, [1, 2, 3]]], false).results).toEqual([[ErrorCode.INVALID_REPLICATION_FACTOR, 'The replication factor is changed from 2 to 3']]);
    expect(reassign(image, [['t', 0, [1, 2, 3]]], true).results).toEqual([ok]);
    expect(reassign(image, [['t', 0, [2, 3]]], false).results).toEqual([[ErrorCode.INVALID_REPLICATION_FACTOR, 'The replication factor is changed from 3 to 2']]);
  });

  test('a move may not push a node past max.broker.partitions', () => {
    const { image } = setup();
    mustCreate(image, [{ name: 'fill', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [3] }] }]);
    expect(reassign(image, [['t', 0, [0, 3]]], true, { 'max.broker.partitions': '51' }).results).toEqual([
      [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Cannot move t-0: node 3 holds 1 and keeps 50 for __consumer_offsets, and max.broker.partitions is 51.'],
    ]);
  });
});

describe('ListPartitionReassignments', () => {
  test('the moves in progress, for all topics or those asked for, with adding and removing replicas', () => {
    const { image } = setup();
    mustCreate(image, [{ name: 'u', numPartitions: 2, replicationFactor: 1 }]);
    reassign(image, [['t', 0, [1, 2]]]);
    const all = listPartitionReassignments(image, { timeoutMs: 1000, topics: null });
    expect(all).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [0, 1, 2], addingReplicas: [2], removingReplicas: [0] }] }],
    });
    expect(listPartitionReassignments(image, { timeoutMs: 1000, topics: [{ name: 'u', partitionIndexes: [0, 1] }, { name: 'nope', partitionIndexes: [0] }] }).topics).toEqual([]);
    expect(listPartitionReassignments(image, { timeoutMs: 1000, topics: [{ name: 't', partitionIndexes: [0, 5] }] }).topics!.length).toBe(1);
  });
});
