// DescribeQuorum (55), versions 0-2; flexible always (KIP-595). Describes a Raft quorum: the
// controller's `__cluster_metadata` partition 0 is the one Kafka answers for (and so do we).
// v1 adds each replica's last fetch and last caught-up times (KIP-836); v2 error messages,
// each replica's directory id and the voters' endpoints (KIP-853). The request is the same in
// every version.

import { api, array, int16, int32, int64, string, struct, uint16, uuid } from '../schema.ts';

const replicaState = struct({
  replicaId: int32(),
  replicaDirectoryId: uuid('2+'),
  logEndOffset: int64(),
  lastFetchTimestamp: int64('1+', { default: -1 }),
  lastCaughtUpTimestamp: int64('1+', { default: -1 }),
});

export const DescribeQuorum = api({
  apiKey: 55,
  name: 'DescribeQuorum',
  versions: '0-2',
  flexible: '0+',
  request: struct({
    topics: array(struct({
      topicName: string(),
      partitions: array(struct({
        partitionIndex: int32(),
      })),
    })),
  }),
  response: struct({
    errorCode: int16(),
    errorMessage: string('2+', { nullable: '2+', default: '' }),
    topics: array(struct({
      topicName: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string('2+', { nullable: '2+', default: '' }),
        leaderId: int32(),
        leaderEpoch: int32(),
        highWatermark: int64(),
        currentVoters: array(replicaState),
        observers: array(replicaState),
      })),
    })),
    nodes: array(struct({
      nodeId: int32('2+'),
      listeners: array(struct({
        name: string('2+'),
        host: string('2+'),
        port: uint16('2+'),
      }), '2+'),
    }), '2+'),
  }),
});
