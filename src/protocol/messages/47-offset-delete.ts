// OffsetDelete (47), version 0; never flexible. Deletes committed offsets of partitions a group
// no longer subscribes to (KIP-496).

import { api, array, int16, int32, string, struct } from '../schema.ts';

export const OffsetDelete = api({
  apiKey: 47,
  name: 'OffsetDelete',
  versions: '0',
  flexible: 'none',
  request: struct({
    groupId: string(),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
      })),
    })),
  }),
  response: struct({
    errorCode: int16(),
    throttleTimeMs: int32(),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        errorCode: int16(),
      })),
    })),
  }),
});
