// DescribeQuorum (55) v0-2 (KIP-595, KIP-836, KIP-853): the controller quorum, as
// `kafka-metadata-quorum.sh describe` and Admin.describeMetadataQuorum read it. A Kafka broker
// forwards the request to the active controller; so does this node: its ClusterView asks the
// controller leader over the RPC when it is another node (cluster/quorum/describe-quorum.ts).
// - The only partition described is `__cluster_metadata` 0 (the controller group's log); anything
//   else asked is UNKNOWN_TOPIC_OR_PARTITION, as KafkaRaftClient answers.
// - No leader now, or the leader did not answer: NOT_LEADER_OR_FOLLOWER on the partition (what a
//   non-leader controller answers), which the admin client retries.
// - A node that runs alone (no --seeds) has no quorum: INVALID_REQUEST with a message saying so
//   (a ZooKeeper-mode Kafka broker does not serve the API at all).

import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeQuorum } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/primitives.ts';
import { METADATA_TOPIC, type QuorumDescription, type ReplicaState } from '../../cluster/cluster-view.ts';
import { handler } from '../handler.ts';

type Asked = Array<{ topicName: string; partitions: Array<{ partitionIndex: number }> }>;

export default handler(DescribeQuorum, async (ctx, req) => {
  const topics = req.topics as Asked;
  const valid = topics.length === 1 && topics[0].topicName === METADATA_TOPIC && topics[0].partitions.length === 1 && topics[0].partitions[0].partitionIndex === 0;
  if (!valid) return partitionErrors(topics, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `only ${METADATA_TOPIC}-0 has a quorum to describe`);
  const answer = await ctx.broker.cluster.describeQuorum();
  if (!answer.ok) {
    if (answer.error === 'alone') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: answer.message, topics: [], nodes: [] };
    return partitionErrors(topics, ErrorCode.NOT_LEADER_OR_FOLLOWER, answer.message);
  }
  const q = answer.quorum;
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: [{ topicName: METADATA_TOPIC, partitions: [describePartition(q)] }],
    nodes: q.voterEndpoints.map((e) => ({ nodeId: e.nodeId, listeners: [{ name: 'RPC', host: e.host, port: e.port }] })),
  };
});

function describePartition(q: QuorumDescription) {
  const replica = (r: ReplicaState) => ({
    replicaId: r.nodeId,
    replicaDirectoryId: ZERO_UUID,
    logEndOffset: r.logEndOffset,
    lastFetchTimestamp: r.lastFetchTimestampMs,
    lastCaughtUpTimestamp: r.lastCaughtUpTimestampMs,
  });
  return {
    partitionIndex: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    leaderId: q.leaderId,
    leaderEpoch: q.leaderEpoch,
    highWatermark: q.highWatermark,
    currentVoters: q.voters.map(replica),
    observers: q.observers.map(replica),
  };
}

function partitionErrors(topics: Asked, errorCode: number, errorMessage: string) {
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    topics: topics.map((t) => ({
      topicName: t.topicName,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode,
        errorMessage,
        leaderId: -1,
        leaderEpoch: -1,
        highWatermark: -1,
        currentVoters: [],
        observers: [],
      })),
    })),
    nodes: [],
  };
}
