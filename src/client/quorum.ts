// DescribeQuorum (55): the controller quorum, as Kafka's Admin.describeMetadataQuorum reads it
// (sent to any broker, which forwards it to the controller leader). A lone node answers
// INVALID_REQUEST (it has no quorum); no leader now answers NOT_LEADER_OR_FOLLOWER: both come
// back as the result's error.

import { ErrorCode } from '../protocol/errors.ts';
import { DescribeQuorum } from '../protocol/messages/55-describe-quorum.ts';
import { AddRaftVoter } from '../protocol/messages/80-add-raft-voter.ts';
import { RemoveRaftVoter } from '../protocol/messages/81-remove-raft-voter.ts';
import { ZERO_UUID } from '../protocol/primitives.ts';
import type { Connection } from './connection.ts';
import type { ClientCore } from './core.ts';
import { type KafkaErr, kafkaErr } from './errors.ts';

/** The controller's metadata log, the one partition DescribeQuorum describes. */
export const METADATA_TOPIC = '__cluster_metadata';

export interface QuorumReplica {
  nodeId: number;
  /** -1 when the leader knows nothing of it. */
  logEndOffset: number;
  /** Wall-clock ms, -1 when unknown (or before v1). */
  lastFetchTimestampMs: number;
  lastCaughtUpTimestampMs: number;
}

export interface QuorumInfo {
  error: KafkaErr | null;
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  /** Learners: KRaft's observers. */
  observers: QuorumReplica[];
}

/**
 * The quorum as the first node that can answer sees it: the bootstrap nodes first, then the
 * others. A node that knows no leader (it is cut off, or the quorum is electing) answers
 * NOT_LEADER_OR_FOLLOWER, as Kafka's admin client sees from a non-leader controller; the next
 * node is asked then, so one isolated node does not hide a quorum that has a leader. The last
 * answer is returned when none has one.
 */
export async function describeQuorum(c: ClientCore): Promise<QuorumInfo> {
  let last: QuorumInfo | null = null;
  for await (const conn of c.each()) {
    last = await describeQuorumAt(conn);
    if (last.error?.code !== ErrorCode.NOT_LEADER_OR_FOLLOWER) return last;
  }
  if (last !== null) return last;
  await c.any(); // throws the reason no broker is reachable
  throw new Error('unreachable');
}

async function describeQuorumAt(conn: Connection): Promise<QuorumInfo> {
  const res = await conn.request(DescribeQuorum, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] });
  const none: QuorumInfo = { error: null, leaderId: -1, leaderEpoch: -1, highWatermark: -1, voters: [], observers: [] };
  const top = kafkaErr(res.errorCode, res.errorMessage ?? null);
  if (top !== null) return { ...none, error: top };
  const p = res.topics.find((t) => t.topicName === METADATA_TOPIC)?.partitions.find((x) => x.partitionIndex === 0);
  if (p === undefined) return { ...none, error: { code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', message: `no ${METADATA_TOPIC}-0 in the answer` } };
  const replica = (r: (typeof p.currentVoters)[number]): QuorumReplica => ({
    nodeId: r.replicaId,
    logEndOffset: r.logEndOffset,
    lastFetchTimestampMs: r.lastFetchTimestamp,
    lastCaughtUpTimestampMs: r.lastCaughtUpTimestamp,
  });
  return {
    error: kafkaErr(p.errorCode, p.errorMessage ?? null),
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    highWatermark: p.highWatermark,
    voters: p.currentVoters.map(replica),
    observers: p.observers.map(replica),
  };
}

/** How long the controller may take to commit a voter change (AddRaftVoter's TimeoutMs). */
const VOTER_CHANGE_TIMEOUT_MS = 30_000;

/**
 * AddRaftVoter (80) or RemoveRaftVoter (81), KIP-853, as Kafka's Admin.addRaftVoter and
 * removeRaftVoter send them through any node: the answer's error, null when done. No directory
 * id (Freshet has none) and no listeners (the controller knows a node's addresses from its
 * registration).
 */
export async function changeVoter(c: ClientCore, change: 'add' | 'remove', voterId: number): Promise<KafkaErr | null> {
  const conn = await c.any();
  const res =
    change === 'add'
      ? await conn.request(AddRaftVoter, { clusterId: null, timeoutMs: VOTER_CHANGE_TIMEOUT_MS, voterId, voterDirectoryId: ZERO_UUID, listeners: [] })
      : await conn.request(RemoveRaftVoter, { clusterId: null, voterId, voterDirectoryId: ZERO_UUID });
  return kafkaErr(res.errorCode, res.errorMessage ?? null);
}
