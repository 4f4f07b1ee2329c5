// ElectLeaders (43), versions 0-2; flexible from 2. Asks the controller to elect the preferred
// replica (KIP-183) or, from v1, any live replica when no in-sync one is left (unclean, KIP-460);
// v1 also adds a top-level error code. A null topic list means every partition.

import { api, array, int16, int32, int8, string, struct } from '../schema.ts';

/** TimeoutMs's spec default. */
const DEFAULT_TIMEOUT_MS = 60_000;

export const ElectLeaders = api({
  apiKey: 43,
  name: 'ElectLeaders',
  versions: '0-2',
  flexible: '2+',
  request: struct({
    electionType: int8('1+'),
    topicPartitions: array(struct({
      topic: string(),
      partitions: array(int32()),
    }), '0+', { nullable: '0+' }),
    timeoutMs: int32('0+', { default: DEFAULT_TIMEOUT_MS }),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16('1+'),
    replicaElectionResults: array(struct({
      topic: string(),
      partitionResult: array(struct({
        partitionId: int32(),
        errorCode: int16(),
        errorMessage: string('0+', { nullable: '0+' }),
      })),
    })),
  }),
});
