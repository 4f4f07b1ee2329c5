// CreateTopics (19), versions 2-7; flexible from 5.
// v4 lets numPartitions and replicationFactor be -1 (broker defaults, KIP-464); v5 returns the
// created topic's configs (KIP-525); v6 may return THROTTLING_QUOTA_EXCEEDED (KIP-599); v7
// returns topic ids (KIP-516).

import { api, array, bool, int16, int32, int8, string, struct, uuid } from '../schema.ts';

export const CreateTopics = api({
  apiKey: 19,
  name: 'CreateTopics',
  versions: '2-7',
  flexible: '5+',
  request: struct({
    topics: array(struct({
      name: string(),
      numPartitions: int32(),
      replicationFactor: int16(),
      assignments: array(struct({
        partitionIndex: int32(),
        brokerIds: array(int32()),
      })),
      configs: array(struct({
        name: string(),
        value: string('0+', { nullable: '0+' }),
      })),
    })),
    timeoutMs: int32('0+', { default: 60000 }),
    validateOnly: bool('1+'),
  }),
  response: struct({
    throttleTimeMs: int32('2+'),
    topics: array(struct({
      name: string(),
      topicId: uuid('7+'),
      errorCode: int16(),
      errorMessage: string('1+', { nullable: '0+' }),
      topicConfigErrorCode: int16('5+', { tag: 0 }),
      numPartitions: int32('5+', { default: -1 }),
      replicationFactor: int16('5+', { default: -1 }),
      configs: array(struct({
        name: string('5+'),
        value: string('5+', { nullable: '5+' }),
        readOnly: bool('5+'),
        configSource: int8('5+', { default: -1 }),
        isSensitive: bool('5+'),
      }), '5+', { nullable: '5+' }),
    })),
  }),
});
