// ElectLeaders (43) v0-2, answered as Kafka's controller does (ReplicationControlManager
// .electLeaders). This node is the only replica, the preferred leader and the leader of every
// partition, so there is never an election to hold:
// - a named partition that exists: ELECTION_NOT_NEEDED, for PREFERRED (0) and UNCLEAN (1) alike
//   (Kafka: "hasPreferredLeader" / "hasLeader");
// - an unknown topic or partition: UNKNOWN_TOPIC_OR_PARTITION with Kafka's message;
// - a null topic list (all partitions): every topic, each with no partition results, because
//   Kafka leaves out the partitions that already have their desired leader;
// - an election type other than 0 and 1 (v1+): INVALID_REQUEST at the top and for every named
//   partition (ElectLeadersRequest.getErrorResponse).

import { ErrorCode } from '../../protocol/errors.ts';
import { ElectLeaders } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';

/** org.apache.kafka.common.ElectionType. */
const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

/** Errors.ELECTION_NOT_NEEDED's message, which ApiError(Errors) carries. */
const ELECTION_NOT_NEEDED_MESSAGE = 'Leader election not needed for topic partition.';

type Outcome = { errorCode: number; errorMessage: string | null };

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
  const t = broker.topics.get(topic);
  if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topic}` };
  if (partitionId < 0 || partitionId >= t.partitions) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${partitionId}` };
  }
  return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: ELECTION_NOT_NEEDED_MESSAGE };
}
