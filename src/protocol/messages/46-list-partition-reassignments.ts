// ListPartitionReassignments (46), version 0; flexible from 0. The reassignments in progress
// (KIP-455), for the topics asked for or, with a null list, for every topic.

import { api, array, int16, int32, string, struct } from '../schema.ts';

/** TimeoutMs's spec default. */
const DEFAULT_TIMEOUT_MS = 60_000;

export const ListPartitionReassignments = api({
  apiKey: 46,
  name: 'ListPartitionReassignments',
  versions: '0',
  flexible: '0+',
  request: struct({
    timeoutMs: int32('0+', { default: DEFAULT_TIMEOUT_MS }),
    topics: array(struct({
      name: string(),
      partitionIndexes: array(int32()),
    }), '0+', { nullable: '0+', default: null }),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+' }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        replicas: array(int32()),
        addingReplicas: array(int32()),
        removingReplicas: array(int32()),
      })),
    })),
  }),
});
