// Fetch (1), versions 4-18; flexible from 12.
// v4 is the floor (isolation level, record batch v2). v5 adds log start offsets; v7 adds fetch
// sessions (KIP-227); v9 adds the current leader epoch for fencing (KIP-320); v12 adds the last
// fetched epoch and diverging-epoch responses (KIP-595); v13 names topics by id (KIP-516); v15
// moves the follower's id and epoch into the tagged ReplicaState (KIP-903), so replicaId is
// only on the wire up to v14 and defaults to -1 (a consumer); v16 adds leader hints (KIP-951);
// v17 the follower's directory id (KIP-853); v18 the follower's high watermark (KIP-1166).

import { api, array, int16, int32, int64, int8, records, string, struct, structField, uuid } from '../schema.ts';

// Long.MAX_VALUE under our int64 policy (see primitives.ts): clamped to the largest safe integer.
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const Fetch = api({
  apiKey: 1,
  name: 'Fetch',
  versions: '4-18',
  flexible: '12+',
  request: struct({
    clusterId: string('12+', { nullable: '12+', tag: 0, default: null }),
    replicaId: int32('0-14', { default: -1 }),
    replicaState: structField(struct({
      replicaId: int32('15+', { default: -1 }),
      replicaEpoch: int64('15+', { default: -1 }),
    }), '15+', { tag: 1 }),
    maxWaitMs: int32(),
    minBytes: int32(),
    maxBytes: int32('3+', { default: 0x7fffffff }),
    isolationLevel: int8('4+'),
    sessionId: int32('7+'),
    sessionEpoch: int32('7+', { default: -1 }),
    topics: array(struct({
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array(struct({
        partition: int32(),
        currentLeaderEpoch: int32('9+', { default: -1 }),
        fetchOffset: int64(),
        lastFetchedEpoch: int32('12+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        partitionMaxBytes: int32(),
        replicaDirectoryId: uuid('17+', { tag: 0 }),
        highWatermark: int64('18+', { tag: 1, default: LONG_MAX }),
      })),
    })),
    forgottenTopicsData: array(struct({
      topic: string('7-12'),
      topicId: uuid('13+'),
      partitions: array(int32(), '7+'),
    }), '7+'),
    rackId: string('11+'),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16('7+'),
    sessionId: int32('7+'),
    responses: array(struct({
      topic: string('0-12'),
      topicId: uuid('13+'),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        highWatermark: int64(),
        lastStableOffset: int64('4+', { default: -1 }),
        logStartOffset: int64('5+', { default: -1 }),
        divergingEpoch: structField(struct({
          epoch: int32('12+', { default: -1 }),
          endOffset: int64('12+', { default: -1 }),
        }), '12+', { tag: 0 }),
        currentLeader: structField(struct({
          leaderId: int32('12+', { default: -1 }),
          leaderEpoch: int32('12+', { default: -1 }),
        }), '12+', { tag: 1 }),
        snapshotId: structField(struct({
          endOffset: int64('0+', { default: -1 }),
          epoch: int32('0+', { default: -1 }),
        }), '12+', { tag: 2 }),
        abortedTransactions: array(struct({
          producerId: int64('4+'),
          firstOffset: int64('4+'),
        }), '4+', { nullable: '4+' }),
        preferredReadReplica: int32('11+', { default: -1 }),
        records: records('0+', { nullable: '0+' }),
      })),
    })),
    nodeEndpoints: array(struct({
      nodeId: int32('16+'),
      host: string('16+'),
      port: int32('16+'),
      rack: string('16+', { nullable: '16+', default: null }),
    }), '16+', { tag: 0 }),
  }),
});
