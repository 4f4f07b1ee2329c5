// Authorized operations (KIP-430) without an authorizer: Kafka's AuthHelper.authorizedOperations
// answers every operation the resource type supports (AclEntry.supportedOperations) as a bit
// field, and leaves Integer.MIN_VALUE where the client did not ask. The expected values are
// spelled out from AclOperation codes here, independently of src/broker/authorizer.ts.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import metadata from '../../../src/broker/handlers/03-metadata.ts';
import describeGroups from '../../../src/broker/handlers/15-describe-groups.ts';
import describeCluster from '../../../src/broker/handlers/60-describe-cluster.ts';
import consumerGroupHeartbeat from '../../../src/broker/handlers/68-consumer-group-heartbeat.ts';
import consumerGroupDescribe from '../../../src/broker/handlers/69-consumer-group-describe.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

const bits = (...ops: number[]) => ops.reduce((b, op) => b + 2 ** op, 0);
// READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
const TOPIC = bits(3, 4, 5, 6, 7, 8, 10, 11);
// READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
const GROUP = bits(3, 6, 8, 10, 11);
// CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12
const CLUSTER = bits(5, 7, 8, 9, 10, 11, 12);
const OMITTED = -(2 ** 31);

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
  tb.broker.createTopic('t', 1, []);
});
afterEach(async () => {
  await tb.close();
});

describe('authorized operations without an authorizer', () => {
  test('Metadata v10: topic and cluster operations when asked, MIN_VALUE when not', async () => {
    const asked = await call(tb, metadata, 10, {
      topics: [{ name: 't' }, { name: 'missing' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    });
    expect(asked.clusterAuthorizedOperations).toBe(CLUSTER);
    expect(asked.topics.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([
      ['t', ErrorCode.NONE, TOPIC],
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, TOPIC],
    ]);
    const notAsked = await call(tb, metadata, 10, { topics: [{ name: 't' }], allowAutoTopicCreation: false });
    expect(notAsked.clusterAuthorizedOperations).toBe(OMITTED);
    expect(notAsked.topics[0].topicAuthorizedOperations).toBe(OMITTED);
  });

  test('Metadata v12: topic operations on topics asked by name, not on unknown ids', async () => {
    const r = await call(tb, metadata, 12, {
      topics: [{ name: 't' }, { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }],
      includeTopicAuthorizedOperations: true,
    });
    expect(r.topics.map((t) => [t.errorCode, t.topicAuthorizedOperations])).toEqual([
      [ErrorCode.NONE, TOPIC],
      [ErrorCode.UNKNOWN_TOPIC_ID, OMITTED],
    ]);
  });

  test('DescribeCluster: cluster operations when asked', async () => {
    expect((await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 })).clusterAuthorizedOperations).toBe(CLUSTER);
    expect((await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 })).clusterAuthorizedOperations).toBe(OMITTED);
  });

  test('DescribeGroups v3-5: group operations on groups answered without an error', async () => {
    for (const version of [3, 5]) {
      const r = await call(tb, describeGroups, version, { groups: ['g'], includeAuthorizedOperations: true });
      expect([r.groups[0].errorCode, r.groups[0].authorizedOperations]).toEqual([ErrorCode.NONE, GROUP]);
      const notAsked = await call(tb, describeGroups, version, { groups: ['g'], includeAuthorizedOperations: false });
      expect(notAsked.groups[0].authorizedOperations).toBe(OMITTED);
    }
  });

  test('DescribeGroups v6: an unknown group is an error, so it keeps MIN_VALUE', async () => {
    const r = await call(tb, describeGroups, 6, { groups: ['g'], includeAuthorizedOperations: true });
    expect([r.groups[0].errorCode, r.groups[0].authorizedOperations]).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, OMITTED]);
  });

  test('ConsumerGroupDescribe: group operations on a KIP-848 group when asked', async () => {
    const joined = await call(tb, consumerGroupHeartbeat, 1, {
      groupId: 'g848',
      memberId: 'm1',
      memberEpoch: 0,
      rebalanceTimeoutMs: 30_000,
      subscribedTopicNames: ['t'],
      topicPartitions: [],
    });
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const asked = await call(tb, consumerGroupDescribe, 0, { groupIds: ['g848'], includeAuthorizedOperations: true });
    expect([asked.groups[0].errorCode, asked.groups[0].authorizedOperations]).toEqual([ErrorCode.NONE, GROUP]);
    const notAsked = await call(tb, consumerGroupDescribe, 0, { groupIds: ['g848'], includeAuthorizedOperations: false });
    expect(notAsked.groups[0].authorizedOperations).toBe(OMITTED);
  });

  test('ConsumerGroupDescribe: an unknown group is an error, so it keeps MIN_VALUE', async () => {
    const r = await call(tb, consumerGroupDescribe, 0, { groupIds: ['g'], includeAuthorizedOperations: true });
    expect([r.groups[0].errorCode, r.groups[0].authorizedOperations]).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, OMITTED]);
  });
});
