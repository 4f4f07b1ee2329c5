// DescribeProducers (61), version 0; flexible always. Lists the active producers of a partition
// and their last sequence and open transaction (KIP-664).

import { api, array, int16, int32, int64, string, struct } from '../schema.ts';

export const DescribeProducers = api({
  apiKey: 61,
  name: 'DescribeProducers',
  versions: '0',
  flexible: '0+',
  request: struct({
    topics: array(struct({
      name: string(),
      partitionIndexes: array(int32()),
    })),
  }),
  response: struct({
    throttleTimeMs: int32(),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string('0+', { nullable: '0+', default: null }),
        activeProducers: array(struct({
          producerId: int64(),
          producerEpoch: int32(),
          lastSequence: int32('0+', { default: -1 }),
          lastTimestamp: int64('0+', { default: -1 }),
          coordinatorEpoch: int32(),
          currentTxnStartOffset: int64('0+', { default: -1 }),
        })),
      })),
    })),
  }),
});
