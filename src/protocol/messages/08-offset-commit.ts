// OffsetCommit (8), versions 2-10; flexible from 8.
// v2 is the floor (Kafka 4 removed v0-1, KIP-896). v2-4 carry a retention time that v5 drops
// (retention became broker config); v6 adds the committed leader epoch (KIP-320); v7 the group
// instance id of static members (KIP-345); v9 works with the new consumer group protocol, where
// generationIdOrMemberEpoch holds the member epoch (KIP-848); v10 names topics by id.

import { api, array, int16, int32, int64, string, struct, uuid } from '../schema.ts';

export const OffsetCommit = api({
  apiKey: 8,
  name: 'OffsetCommit',
  versions: '2-10',
  flexible: '8+',
  request: struct({
    groupId: string(),
    generationIdOrMemberEpoch: int32('1+', { default: -1 }),
    memberId: string('1+'),
    groupInstanceId: string('7+', { nullable: '7+', default: null }),
    retentionTimeMs: int64('2-4', { default: -1 }),
    topics: array(struct({
      name: string('0-9'),
      topicId: uuid('10+'),
      partitions: array(struct({
        partitionIndex: int32(),
        committedOffset: int64(),
        committedLeaderEpoch: int32('6+', { default: -1 }),
        commitTimestamp: int64('1', { default: -1 }),
        committedMetadata: string('0+', { nullable: '0+' }),
      })),
    })),
  }),
  response: struct({
    throttleTimeMs: int32('3+'),
    topics: array(struct({
      name: string('0-9'),
      topicId: uuid('10+'),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
      })),
    })),
  }),
});
