// Metadata (3) v0-13.
// - v0: an empty topic list means all topics; v1+: null means all, empty means none.
// - v4+: allowAutoTopicCreation (older versions always allow it); a topic is created only when
//   auto.create.topics.enable is on too (off unless --dev), and only for a legal name. Otherwise
//   an unknown topic is UNKNOWN_TOPIC_OR_PARTITION. A creation refused (an illegal name, or
//   max.broker.partitions reached: INVALID_PARTITIONS) answers its error code, as Kafka's
//   AutoTopicCreationManager did when it created topics itself (ZooKeeper mode).
// - v10+: topic ids (KIP-516); v12+ a topic may be asked for by id alone, answered with
//   UNKNOWN_TOPIC_ID when unknown.
// - v8+: authorized operations (KIP-430) when asked for, as Kafka without an authorizer answers
//   (authorizer.ts): every topic named in the answer (KafkaApis sets them on the topics it looked
//   up by name, errors included, not on unknown ids), and the cluster's in v8-10 (v11 moved them
//   to DescribeCluster, KIP-700).
// A lone node is the leader and only replica of every partition it holds. On a cluster the
// replicas come from the metadata, the leader and epoch from the partition's Raft group, the
// ISR from its leader, and auto-creation goes through the controller (broker/clustered.ts). The
// brokers and the controller are the node's ClusterView's: a lone node is both; a clustered
// node lists the live (unfenced) brokers and the controller group's leader (-1 while none), as
// a KRaft broker lists the unfenced registrations and the active controller. A fenced broker
// (not heard from by the controller for broker.session.timeout.ms) is named in a partition's
// replicas and offline replicas only: never as its leader (LEADER_NOT_AVAILABLE until another
// replica's leadership is known) nor in its ISR, as Kafka's controller takes both away when
// it fences a broker.

import { ErrorCode } from '../../protocol/errors.ts';
import { Metadata } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/primitives.ts';
import type { ResponseOf } from '../../protocol/schema.ts';
import type { TopicRecord } from '../../cluster/topic-table.ts';
import { authorizedOperations } from '../authorizer.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { autoCreateInCluster } from '../clustered.ts';

type TopicOut = ResponseOf<typeof Metadata>['topics'][number];

export default handler(Metadata, async (ctx, req) => {
  const broker = ctx.broker;
  const fenced = new Set(broker.cluster.brokers().filter((b) => b.fenced).map((b) => b.nodeId));
  const describeTopic = (t: TopicRecord) => describeOne(broker, t, fenced);
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
  const topics: Partial<TopicOut>[] = [];
  if (all) {
    for (const t of broker.topics.all()) topics.push(describeTopic(t));
  } else {
    for (const want of req.topics!) {
      if (want.name === null || want.name === '') {
        const t = want.topicId !== ZERO_UUID ? broker.topics.getById(want.topicId) : undefined;
        topics.push(
          t
            ? describeTopic(t)
            : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: want.topicId, partitions: [] },
        );
        continue;
      }
      let t = broker.topics.get(want.name);
      if (!t && req.allowAutoTopicCreation) {
        const created = broker.controller !== null ? await autoCreateInCluster(broker, want.name) : broker.autoCreateTopic(want.name);
        if (created.kind === 'error') {
          topics.push({ errorCode: created.error.code, name: want.name, partitions: [] });
          continue;
        }
        t = created.kind === 'created' ? created.topic : undefined;
      }
      topics.push(
        t ? describeTopic(t) : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: want.name, partitions: [] },
      );
    }
  }
  if (req.includeTopicAuthorizedOperations) {
    const topicOperations = authorizedOperations('topic', true);
    for (const t of topics) if (t.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID) t.topicAuthorizedOperations = topicOperations;
  }
  return {
    throttleTimeMs: 0,
    // Kafka lists the live brokers only (KRaft: unfenced registrations); a fenced one may still
    // be named as a replica, as Kafka names an offline one.
    brokers: broker.cluster.brokers().filter((b) => !b.fenced).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    clusterId: broker.clusterId,
    controllerId: broker.cluster.controllerId(),
    topics,
    errorCode: ErrorCode.NONE,
    clusterAuthorizedOperations: authorizedOperations('cluster', req.includeClusterAuthorizedOperations),
  };
});

function describeOne(broker: Broker, t: TopicRecord, fenced: ReadonlySet<number>): Partial<TopicOut> {
  const nodeId = broker.config.nodeId;
  const partitions = [];
  for (let i = 0; i < t.partitions; i++) {
    // Replicas from the metadata; the leader and its epoch from the partition's Raft group (as
    // this node's replica knows them, else as its leader published them); the ISR from the
    // leader. A leader not known yet is -1 with LEADER_NOT_AVAILABLE (clients ask again).
    const replicas = broker.replicasOf(t.name, i);
    const known = broker.leaderOf(t.name, i);
    const leader = known === undefined || fenced.has(known.leaderId) ? { leaderId: -1, leaderEpoch: -1 } : known;
    const inSync = broker.inSyncReplicasOf(t.name, i);
    const isr = inSync === null ? null : inSync.filter((id) => !fenced.has(id));
    partitions.push({
      errorCode: leader.leaderId < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: i,
      leaderId: leader.leaderId,
      leaderEpoch: leader.leaderEpoch,
      replicaNodes: [...replicas],
      isrNodes: isr === null ? (leader.leaderId < 0 ? [] : [leader.leaderId]) : [...isr],
      // An offline partition (damaged log) keeps this node as leader so that clients send it
      // their requests and hear KAFKA_STORAGE_ERROR, and lists it as offline (README.md).
      offlineReplicas: broker.isOffline(t.name, i) ? [nodeId] : replicas.filter((id) => fenced.has(id)),
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.name.startsWith('__'),
    partitions,
  };
}
