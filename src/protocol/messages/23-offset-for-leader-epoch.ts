// OffsetForLeaderEpoch (23), versions 2-4; flexible from 4.
// v2 adds the current leader epoch for fencing (KIP-320); v3 the replica id, defaulting to -2
// (a "debug" consumer, allowed past the high watermark), which followers use in older versions.

import { api, array, int16, int32, int64, string, struct } from '../schema.ts';

export const OffsetForLeaderEpoch = api({
  apiKey: 23,
  name: 'OffsetForLeaderEpoch',
  versions: '2-4',
  flexible: '4+',
  request: struct({
    replicaId: int32('3+', { default: -2 }),
    topics: array(struct({
      topic: string(),
      partitions: array(struct({
        partition: int32(),
        currentLeaderEpoch: int32('2+', { default: -1 }),
        leaderEpoch: int32(),
      })),
    })),
  }),
  response: struct({
    throttleTimeMs: int32('2+'),
    topics: array(struct({
      topic: string(),
      partitions: array(struct({
        errorCode: int16(),
        partition: int32(),
        leaderEpoch: int32('1+', { default: -1 }),
        endOffset: int64('0+', { default: -1 }),
      })),
    })),
  }),
});
