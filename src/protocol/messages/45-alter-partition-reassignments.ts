// AlterPartitionReassignments (45), versions 0-1; flexible from 0. Moves partitions to new
// replica sets, or cancels a move with null replicas (KIP-455). v1 lets the caller forbid a
// replication factor change (KIP-860) and echoes that choice in the response.

import { api, array, bool, int16, int32, string, struct } from '../schema.ts';

/** TimeoutMs's spec default. */
const DEFAULT_TIMEOUT_MS = 60_000;

export const AlterPartitionReassignments = api({
  apiKey: 45,
  name: 'AlterPartitionReassignments',
  versions: '0-1',
  flexible: '0+',
  request: struct({
    timeoutMs: int32('0+', { default: DEFAULT_TIMEOUT_MS }),
    allowReplicationFactorChange: bool('1+', { default: true }),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        replicas: array(int32(), '0+', { nullable: '0+', default: null }),
      })),
    })),
  }),
  response: struct({
    throttleTimeMs: int32(),
    allowReplicationFactorChange: bool('1+', { default: true }),
    errorCode: int16(),
    errorMessage: string('0+', { nullable: '0+' }),
    responses: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
        errorMessage: string('0+', { nullable: '0+' }),
      })),
    })),
  }),
});
