// ElectLeaders (43) v0-2, answered as Kafka's controller does (ReplicationControlManager
// .electLeaders).
// On a lone node this node is the only replica, the preferred leader and the leader of every
// partition, so there is never an election to hold:
// - a named partition that exists: ELECTION_NOT_NEEDED, for PREFERRED (0) and UNCLEAN (1) alike
//   (Kafka: "hasPreferredLeader" / "hasLeader");
// - an unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION with Kafka's message;
// - a null topic list (all partitions): every topic, each with no partition results, because
//   Kafka leaves out the partitions that already have their desired leader;
// - an election type other than 0 and 1 (v1+): INVALID_REQUEST at the top and for every named
//   partition (ElectLeadersRequest.getErrorResponse).
// On a cluster (src/broker/preferred-leaders.ts):
// - PREFERRED: each partition's leader hands leadership to the preferred replica when it is in
//   sync (NONE once moved), ELECTION_NOT_NEEDED where it leads, PREFERRED_LEADER_NOT_AVAILABLE
//   where it is not in sync (dead or behind); LEADER_NOT_AVAILABLE (retriable) when the
//   partition has no leader now or its leader did not answer. A null list elects every
//   partition and, as Kafka, leaves out the ELECTION_NOT_NEEDED ones.
// - UNCLEAN: Raft has no unclean election (a leader needs a majority's votes and the most
//   complete log, paper 5.4.1). Kafka answers ELECTION_NOT_NEEDED where the partition has a
//   leader, and so do we; where it has none, ELIGIBLE_LEADERS_NOT_AVAILABLE (Kafka's answer when
//   no replica may be elected) with a message saying the partition waits for a majority of its
//   replicas.

import { ErrorCode } from '../../protocol/errors.ts';
import { ElectLeaders } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { ELECTION_NOT_NEEDED_MESSAGE, type ElectionOutcome } from '../preferred-leaders.ts';

/** org.apache.kafka.common.ElectionType. */
const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

type Outcome = ElectionOutcome;

export default handler(ElectLeaders, (ctx, req) => {
  const electionType = req.electionType;
  if (electionType !== ElectionType.PREFERRED && electionType !== ElectionType.UNCLEAN) {
    const invalid = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown election type ${electionType}` };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.INVALID_REQUEST,
      replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
        topic: t.topic,
        partitionResult: t.partitions.map((partitionId) => ({ partitionId, ...invalid })),
      })),
    };
  }
  if (ctx.broker.preferredLeaders !== null) return electOnCluster(ctx.broker, electionType, req.topicPartitions);
  if (req.topicPartitions === null) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      replicaElectionResults: Array.from(ctx.broker.topics.all(), (t) => ({ topic: t.name, partitionResult: [] })),
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    replicaElectionResults: req.topicPartitions.map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions.map((partitionId) => ({ partitionId, ...electLeader(ctx.broker, t.topic, partitionId) })),
    })),
  };
});

/** ReplicationControlManager.electLeader for a node that leads everything it has. */
function electLeader(broker: Broker, topic: string, partitionId: number): Outcome {
  return unknown(broker, topic, partitionId) ?? { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: ELECTION_NOT_NEEDED_MESSAGE };
}

/** UNKNOWN_TOPIC_OR_PARTITION with Kafka's message, or null when the partition exists. */
function unknown(broker: Broker, topic: string, partitionId: number): Outcome | null {
  const t = broker.topics.get(topic);
  if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topic}` };
  if (partitionId < 0 || partitionId >= t.partitions) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partitionId}` };
  }
  return null;
}

type TopicPartitions = ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }> | null;

async function electOnCluster(broker: Broker, electionType: number, requested: TopicPartitions) {
  const all = requested === null;
  const named = requested ?? Array.from(broker.topics.all(), (t) => ({ topic: t.name, partitions: Array.from({ length: t.partitions }, (_, i) => i) }));
  const outcomes = new Map<string, Outcome>();
  const toElect: Array<{ topic: string; partition: number }> = [];
  for (const t of named) {
    for (const partition of t.partitions) {
      const key = `${t.topic}:${partition}`;
      const missing = unknown(broker, t.topic, partition);
      if (missing !== null) outcomes.set(key, missing);
      else if (electionType === ElectionType.UNCLEAN) outcomes.set(key, uncleanOutcome(broker, t.topic, partition));
      else toElect.push({ topic: t.topic, partition });
    }
  }
  for (const [key, o] of await broker.preferredLeaders!.elect(toElect)) outcomes.set(key, o);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    replicaElectionResults: named.map((t) => ({
      topic: t.topic,
      partitionResult: t.partitions
        .map((partitionId) => ({ partitionId, ...outcomes.get(`${t.topic}:${partitionId}`)! }))
        .filter((r) => !all || r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED),
    })),
  };
}

/** UNCLEAN in Raft: nothing to do where there is a leader; no unclean way to make one where there is none. */
function uncleanOutcome(broker: Broker, topic: string, partition: number): Outcome {
  if ((broker.leaderOf(topic, partition)?.leaderId ?? -1) >= 0) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: ELECTION_NOT_NEEDED_MESSAGE };
  return {
    errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE,
    errorMessage: `${topic}-${partition} has no leader: a replicated partition elects one only from a majority of its replicas (Raft has no unclean election); bring its replicas back`,
  };
}
