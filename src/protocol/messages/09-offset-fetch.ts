// OffsetFetch (9), versions 1-10; flexible from 6.
// v2 allows a null topic list (all topics) and adds a top-level error code; v3 throttle time;
// v5 the committed leader epoch (KIP-320); v7 requireStable, answered with
// UNSTABLE_OFFSET_COMMIT while a transactional commit is pending (KIP-447); v8 batches several
// groups in one request (KIP-709), so the single-group fields are only on the wire up to v7;
// v9 adds the member id and epoch of the new consumer protocol (KIP-848); v10 topic ids.

import { api, array, bool, int16, int32, int64, string, struct, uuid } from '../schema.ts';

export const OffsetFetch = api({
  apiKey: 9,
  name: 'OffsetFetch',
  versions: '1-10',
  flexible: '6+',
  request: struct({
    groupId: string('0-7'),
    topics: array(struct({
      name: string('0-7'),
      partitionIndexes: array(int32(), '0-7'),
    }), '0-7', { nullable: '2-7' }),
    groups: array(struct({
      groupId: string('8+'),
      memberId: string('9+', { nullable: '9+', default: null }),
      memberEpoch: int32('9+', { default: -1 }),
      topics: array(struct({
        name: string('8-9'),
        topicId: uuid('10+'),
        partitionIndexes: array(int32(), '8+'),
      }), '8+', { nullable: '8+' }),
    }), '8+'),
    requireStable: bool('7+'),
  }),
  response: struct({
    throttleTimeMs: int32('3+'),
    topics: array(struct({
      name: string('0-7'),
      partitions: array(struct({
        partitionIndex: int32('0-7'),
        committedOffset: int64('0-7'),
        committedLeaderEpoch: int32('5-7', { default: -1 }),
        metadata: string('0-7', { nullable: '0-7' }),
        errorCode: int16('0-7'),
      }), '0-7'),
    }), '0-7'),
    errorCode: int16('2-7'),
    groups: array(struct({
      groupId: string('8+'),
      topics: array(struct({
        name: string('8-9'),
        topicId: uuid('10+'),
        partitions: array(struct({
          partitionIndex: int32('8+'),
          committedOffset: int64('8+'),
          committedLeaderEpoch: int32('8+', { default: -1 }),
          metadata: string('8+', { nullable: '8+' }),
          errorCode: int16('8+'),
        }), '8+'),
      }), '8+'),
      errorCode: int16('8+'),
    }), '8+'),
  }),
});
