// CreatePartitions (37), versions 0-3; flexible from 2. Grows a topic's partition count
// (KIP-195); v3 may return THROTTLING_QUOTA_EXCEEDED (KIP-599).

import { api, array, bool, int16, int32, string, struct } from '../schema.ts';

export const CreatePartitions = api({
  apiKey: 37,
  name: 'CreatePartitions',
  versions: '0-3',
  flexible: '2+',
  request: struct({
    topics: array(struct({
      name: string(),
      count: int32(),
      assignments: array(struct({
        brokerIds: array(int32()),
      }), '0+', { nullable: '0+' }),
    })),
    timeoutMs: int32(),
    validateOnly: bool(),
  }),
  response: struct({
    throttleTimeMs: int32(),
    results: array(struct({
      name: string(),
      errorCode: int16(),
      errorMessage: string('0+', { nullable: '0+', default: null }),
    })),
  }),
});
