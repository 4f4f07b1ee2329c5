// The admin APIs whose answers follow from "a single node without an authorizer": DescribeAcls,
// CreateAcls, DeleteAcls (29-31), ElectLeaders (43), AlterPartitionReassignments (45),
// ListPartitionReassignments (46). Each answer is compared with what Kafka's AclApis and
// ReplicationControlManager return in the same situation.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import describeAcls from '../../../src/broker/handlers/29-describe-acls.ts';
import createAcls from '../../../src/broker/handlers/30-create-acls.ts';
import deleteAcls from '../../../src/broker/handlers/31-delete-acls.ts';
import electLeaders from '../../../src/broker/handlers/43-elect-leaders.ts';
import alterReassignments from '../../../src/broker/handlers/45-alter-partition-reassignments.ts';
import listReassignments from '../../../src/broker/handlers/46-list-partition-reassignments.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
  tb.broker.createTopic('t', 2, []);
});
afterEach(async () => {
  await tb.close();
});

const acl = { resourceType: 2, resourceName: 't', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 };
const filter = { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 };

describe('ACL APIs without an authorizer', () => {
  for (const version of [1, 2, 3]) {
    test(`DescribeAcls v${version}: SECURITY_DISABLED, no resources`, async () => {
      const r = await call(tb, describeAcls, version, filter);
      expect(r.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
      expect(r.errorMessage).toBe('No Authorizer is configured on the broker');
      expect(r.resources).toEqual([]);
    });
  }

  test('CreateAcls: one SECURITY_DISABLED result per creation', async () => {
    const r = await call(tb, createAcls, 3, { creations: [acl, { ...acl, principal: 'User:b' }] });
    expect(r.results).toEqual([
      { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' },
      { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.' },
    ]);
  });

  test('DeleteAcls: one SECURITY_DISABLED result per filter, matching nothing', async () => {
    const r = await call(tb, deleteAcls, 1, { filters: [filter] });
    expect(r.filterResults).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', matchingAcls: [] }]);
  });
});

describe('ElectLeaders on the only replica', () => {
  test('named partitions: ELECTION_NOT_NEEDED; unknown ones: UNKNOWN_TOPIC_OR_PARTITION', async () => {
    for (const electionType of [0, 1]) {
      const r = await call(tb, electLeaders, 2, {
        electionType,
        topicPartitions: [
          { topic: 't', partitions: [0, 1, 7] },
          { topic: 'nope', partitions: [0] },
        ],
      });
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.replicaElectionResults).toEqual([
        {
          topic: 't',
          partitionResult: [
            { partitionId: 0, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
            { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
            { partitionId: 7, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such partition as t-7' },
          ],
        },
        { topic: 'nope', partitionResult: [{ partitionId: 0, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'No such topic as nope' }] },
      ]);
    }
  });

  test('v0 (no election type) elects the preferred leader', async () => {
    const r = await call(tb, electLeaders, 0, { topicPartitions: [{ topic: 't', partitions: [1] }] });
    expect(r.replicaElectionResults[0].partitionResult[0].errorCode).toBe(ErrorCode.ELECTION_NOT_NEEDED);
  });

  test('all partitions (null): every topic, no partition results', async () => {
    const r = await call(tb, electLeaders, 1, { electionType: 0, topicPartitions: null });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.replicaElectionResults).toEqual([{ topic: 't', partitionResult: [] }]);
  });

  test('an unknown election type is INVALID_REQUEST at the top and for each partition', async () => {
    const r = await call(tb, electLeaders, 1, { electionType: 5, topicPartitions: [{ topic: 't', partitions: [0] }] });
    expect(r.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(r.replicaElectionResults[0].partitionResult).toEqual([
      { partitionId: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown election type 5' },
    ]);
  });
});

describe('partition reassignments on a single node', () => {
  const alter = (partitions: { partitionIndex: number; replicas: number[] | null }[], name = 't', version = 1) =>
    call(tb, alterReassignments, version, { topics: [{ name, partitions }] });

  test('this node alone: nothing to move, NONE', async () => {
    const r = await alter([{ partitionIndex: 0, replicas: [0] }]);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.allowReplicationFactorChange).toBe(true);
    expect(r.responses).toEqual([{ name: 't', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.NONE, errorMessage: null }] }]);
  });

  test('targets Kafka refuses: empty, unregistered broker, repeated broker', async () => {
    const r = await alter([
      { partitionIndex: 0, replicas: [] },
      { partitionIndex: 1, replicas: [0, 3] },
      { partitionIndex: 0, replicas: [0, 0] },
    ]);
    expect(r.responses[0].partitions).toEqual([
      { partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes an empty replica list.' },
      {
        partitionIndex: 1,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'The manual partition assignment includes broker 3, but no such broker is registered.',
      },
      { partitionIndex: 0, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes the broker 0 more than once.' },
    ]);
  });

  test('cancel (null replicas): NO_REASSIGNMENT_IN_PROGRESS with no message', async () => {
    const r = await alter([{ partitionIndex: 1, replicas: null }], 't', 0);
    expect(r.responses[0].partitions).toEqual([{ partitionIndex: 1, errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: null }]);
  });

  test('unknown topic or partition', async () => {
    expect((await alter([{ partitionIndex: 0, replicas: [0] }], 'nope')).responses[0].partitions[0]).toEqual({
      partitionIndex: 0,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: 'Unable to find a topic named nope.',
    });
    expect((await alter([{ partitionIndex: 2, replicas: [0] }])).responses[0].partitions[0]).toEqual({
      partitionIndex: 2,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: 'Unable to find partition t:2.',
    });
  });

  test('ListPartitionReassignments: empty, for all topics and for named ones', async () => {
    for (const topics of [null, [{ name: 't', partitionIndexes: [0, 1] }, { name: 'nope', partitionIndexes: [0] }]]) {
      const r = await call(tb, listReassignments, 0, { topics });
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, topics: [] });
    }
  });
});
