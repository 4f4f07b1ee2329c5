// DeleteRecords (21), versions 0-2; flexible from 2. Moves a partition's log start offset
// forward (KIP-107); an offset of -1 means "up to the high watermark".

import { api, array, int16, int32, int64, string, struct } from '../schema.ts';

export const DeleteRecords = api({
  apiKey: 21,
  name: 'DeleteRecords',
  versions: '0-2',
  flexible: '2+',
  request: struct({
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        offset: int64(),
      })),
    })),
    timeoutMs: int32(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    topics: array(struct({
      name: string(),
      partitions: array(struct({
        partitionIndex: int32(),
        lowWatermark: int64(),
        errorCode: int16(),
      })),
    })),
  }),
});
