// Metadata (3), versions 0-13; flexible from 9.
// In v0 an empty topic list means "all topics"; from v1 a null list means all and an empty one
// means none. v4 adds allowAutoTopicCreation (absent before, so it defaults to true). v8 asks
// for authorized operations (KIP-430); v10 adds topic ids (KIP-516), usable in requests from
// v12; v11 drops the cluster authorized operations (moved to DescribeCluster, KIP-700); v13
// adds a top-level error code.

import { api, array, bool, int16, int32, string, struct, uuid } from '../schema.ts';

export const Metadata = api({
  apiKey: 3,
  name: 'Metadata',
  versions: '0-13',
  flexible: '9+',
  request: struct({
    topics: array(struct({
      topicId: uuid('10+'),
      name: string('0+', { nullable: '10+' }),
    }), '0+', { nullable: '1+' }),
    allowAutoTopicCreation: bool('4+', { default: true }),
    includeClusterAuthorizedOperations: bool('8-10'),
    includeTopicAuthorizedOperations: bool('8+'),
  }),
  response: struct({
    throttleTimeMs: int32('3+'),
    brokers: array(struct({
      nodeId: int32(),
      host: string(),
      port: int32(),
      rack: string('1+', { nullable: '1+', default: null }),
    })),
    clusterId: string('2+', { nullable: '2+', default: null }),
    controllerId: int32('1+', { default: -1 }),
    topics: array(struct({
      errorCode: int16(),
      name: string('0+', { nullable: '12+' }),
      topicId: uuid('10+'),
      isInternal: bool('1+'),
      partitions: array(struct({
        errorCode: int16(),
        partitionIndex: int32(),
        leaderId: int32(),
        leaderEpoch: int32('7+', { default: -1 }),
        replicaNodes: array(int32()),
        isrNodes: array(int32()),
        offlineReplicas: array(int32(), '5+'),
      })),
      topicAuthorizedOperations: int32('8+', { default: -2147483648 }),
    })),
    clusterAuthorizedOperations: int32('8-10', { default: -2147483648 }),
    errorCode: int16('13+'),
  }),
});
