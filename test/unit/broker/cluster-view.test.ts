// What the Kafka API says of the cluster comes from the node's ClusterView: Metadata and
// DescribeCluster list its brokers and controller (-1 while there is none), DescribeQuorum (55)
// maps its quorum description at every version, answers NOT_LEADER_OR_FOLLOWER while the quorum
// has no reachable leader, UNKNOWN_TOPIC_OR_PARTITION for anything but __cluster_metadata-0, and
// INVALID_REQUEST on a node that runs alone. AddRaftVoter and RemoveRaftVoter on a node that runs
// alone are UNSUPPORTED_VERSION.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import metadata from '../../../src/broker/handlers/03-metadata.ts';
import describeQuorum from '../../../src/broker/handlers/55-describe-quorum.ts';
import describeCluster from '../../../src/broker/handlers/60-describe-cluster.ts';
import addRaftVoter from '../../../src/broker/handlers/80-add-raft-voter.ts';
import removeRaftVoter from '../../../src/broker/handlers/81-remove-raft-voter.ts';
import type { ClusterView, QuorumAnswer } from '../../../src/cluster/cluster-view.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ZERO_UUID } from '../../../src/protocol/primitives.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
});
afterEach(async () => {
  await tb.close();
});

const QUORUM: QuorumAnswer = {
  ok: true,
  quorum: {
    leaderId: 2,
    leaderEpoch: 7,
    highWatermark: 12,
    voters: [
      { nodeId: 1, logEndOffset: 12, lastFetchTimestampMs: 1_000, lastCaughtUpTimestampMs: 990 },
      { nodeId: 2, logEndOffset: 12, lastFetchTimestampMs: 1_005, lastCaughtUpTimestampMs: 1_005 },
    ],
    observers: [{ nodeId: 4, logEndOffset: -1, lastFetchTimestampMs: -1, lastCaughtUpTimestampMs: -1 }],
    voterEndpoints: [
      { nodeId: 1, host: 'n1', port: 33145 },
      { nodeId: 2, host: 'n2', port: 33145 },
    ],
  },
};

function view(answer: QuorumAnswer, controllerId = 2): ClusterView {
  return {
    controllerId: () => controllerId,
    brokers: () => [
      { nodeId: 0, host: 'n0', port: 9092, rack: null, fenced: false },
      { nodeId: 2, host: 'n2', port: 9093, rack: null, fenced: false },
      { nodeId: 3, host: 'n3', port: 9094, rack: null, fenced: true },
    ],
    describeQuorum: () => Promise.resolve(answer),
  };
}

const ASK = { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] };

describe('DescribeQuorum', () => {
  test('a node that runs alone has no quorum: INVALID_REQUEST, with the reason from v2', async () => {
    const v0 = await call(tb, describeQuorum, 0, ASK);
    expect(v0.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(v0.topics).toEqual([]);
    const v2 = await call(tb, describeQuorum, 2, ASK);
    expect(v2.errorMessage).toMatch(/runs alone \(started without --seeds\)/);
  });

  test("the leader's description, with KIP-836 times from v1 and KIP-853 nodes from v2", async () => {
    tb.broker.cluster = view(QUORUM);
    const v0 = await call(tb, describeQuorum, 0, ASK);
    const p0 = v0.topics[0].partitions[0];
    expect(v0.topics[0].topicName).toBe('__cluster_metadata');
    expect(p0).toMatchObject({ partitionIndex: 0, errorCode: 0, leaderId: 2, leaderEpoch: 7, highWatermark: 12 });
    expect(p0.currentVoters.map((r) => [r.replicaId, r.logEndOffset, r.lastFetchTimestamp])).toEqual([
      [1, 12, -1], // v0 carries no times: the decoder gives the default
      [2, 12, -1],
    ]);
    const v2 = await call(tb, describeQuorum, 2, ASK);
    const p2 = v2.topics[0].partitions[0];
    expect(p2.currentVoters[0]).toEqual({ replicaId: 1, replicaDirectoryId: ZERO_UUID, logEndOffset: 12, lastFetchTimestamp: 1_000, lastCaughtUpTimestamp: 990 });
    expect(p2.observers.map((r) => r.replicaId)).toEqual([4]);
    expect(v2.nodes).toEqual([
      { nodeId: 1, listeners: [{ name: 'RPC', host: 'n1', port: 33145 }] },
      { nodeId: 2, listeners: [{ name: 'RPC', host: 'n2', port: 33145 }] },
    ]);
  });

  test('no leader (or it does not answer): NOT_LEADER_OR_FOLLOWER, which admin clients retry', async () => {
    tb.broker.cluster = view({ ok: false, error: 'no_leader', message: 'the controller quorum has no leader now' }, -1);
    const r = await call(tb, describeQuorum, 2, ASK);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: 'the controller quorum has no leader now', leaderId: -1 });
  });

  test('any other partition: UNKNOWN_TOPIC_OR_PARTITION', async () => {
    tb.broker.cluster = view(QUORUM);
    const r = await call(tb, describeQuorum, 1, { topics: [{ topicName: 'x', partitions: [{ partitionIndex: 0 }, { partitionIndex: 3 }] }] });
    expect(r.topics[0].partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });
});

describe('AddRaftVoter and RemoveRaftVoter (KIP-853)', () => {
  test('a node that runs alone has no quorum to change: UNSUPPORTED_VERSION at once, as a static KRaft quorum answers', async () => {
    const added = await call(tb, addRaftVoter, 0, { clusterId: null, timeoutMs: 1000, voterId: 2, voterDirectoryId: ZERO_UUID, listeners: [] });
    expect(added).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: expect.stringContaining('runs alone') });
    const removed = await call(tb, removeRaftVoter, 0, { clusterId: null, voterId: 0, voterDirectoryId: ZERO_UUID });
    expect(removed).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_VERSION });
  });
});

describe('Metadata and DescribeCluster', () => {
  test("list the view's brokers and controller; -1 while there is none", async () => {
    tb.broker.cluster = view(QUORUM);
    const md = await call(tb, metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.controllerId).toBe(2);
    expect(md.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([
      [0, 'n0', 9092],
      [2, 'n2', 9093],
    ]);
    tb.broker.cluster = view(QUORUM, -1);
    const dc = await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(dc.controllerId).toBe(-1);
    expect(dc.brokers.map((b) => b.brokerId)).toEqual([0, 2]);
  });

  test('a partition whose leader is fenced: no leader (LEADER_NOT_AVAILABLE), the fenced replica offline and out of the ISR', async () => {
    const ask = { topics: [{ name: 'fenced-leader', topicId: ZERO_UUID }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false };
    const created = await call(tb, metadata, 12, ask); // --dev: created here, led by this node (0)
    expect(created.topics[0].partitions[0]).toMatchObject({ leaderId: 0, isrNodes: [0], offlineReplicas: [] });
    tb.broker.cluster = {
      controllerId: () => 2,
      brokers: () => [
        { nodeId: 0, host: 'n0', port: 9092, rack: null, fenced: true },
        { nodeId: 2, host: 'n2', port: 9093, rack: null, fenced: false },
      ],
      describeQuorum: () => Promise.resolve(QUORUM),
    };
    const md = await call(tb, metadata, 12, ask);
    expect(md.brokers.map((b) => b.nodeId)).toEqual([2]);
    expect(md.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.LEADER_NOT_AVAILABLE, leaderId: -1, replicaNodes: [0], isrNodes: [], offlineReplicas: [0] });
  });

  test('a fenced broker is left out of Metadata and DescribeCluster, and listed with isFenced when DescribeCluster v2 asks (KIP-1073)', async () => {
    tb.broker.cluster = view(QUORUM);
    const md = await call(tb, metadata, 12, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.brokers.map((b) => b.nodeId)).toEqual([0, 2]);
    const without = await call(tb, describeCluster, 2, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: false });
    expect(without.brokers.map((b) => b.brokerId)).toEqual([0, 2]);
    const withFenced = await call(tb, describeCluster, 2, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
    expect(withFenced.brokers.map((b) => [b.brokerId, b.isFenced])).toEqual([
      [0, false],
      [2, false],
      [3, true],
    ]);
  });
});
