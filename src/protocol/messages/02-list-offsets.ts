// ListOffsets (2), versions 1-11; flexible from 6.
// v1 returns one offset per partition (the v0 list form is gone). v2 adds the isolation level;
// v4 the current leader epoch (KIP-320). Later versions only add timestamp sentinels a client
// may send: -3 max timestamp (v7, KIP-734), -4 local log start (v8, KIP-405), -5 last tiered
// offset (v9, KIP-1005), -6 earliest pending upload (v11, KIP-1023); v10 adds a timeout for
// asynchronous remote lookups (KIP-1075).

import { api, array, int16, int32, int64, int8, string, struct } from '../schema.ts';

export const ListOffsets = api({
  apiKey: 2,
  name: 'ListOffsets',
  versions: '1-11',
  flexible: '6+',
  request: struct({
    replicaId: int32(),
    isolationLevel: int8('2+'),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        currentLeaderEpoch: int32('4+', { default: -1 }),
        timestamp: int64(),
        maxNumOffsets: int32('0', { default: 1 }),
      })),
    })),
    timeoutMs: int32('10+'),
  }),
  response: struct({
    throttleTimeMs: int32('2+'),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        oldStyleOffsets: array(int64(), '0'),
        timestamp: int64('1+', { default: -1 }),
        offset: int64('1+', { default: -1 }),
        leaderEpoch: int32('4+', { default: -1 }),
      })),
    })),
  }),
});
