// DeleteTopics (20), versions 1-6; flexible from 4.
// v5 adds an error message per topic and THROTTLING_QUOTA_EXCEEDED (KIP-599); v6 replaces the
// list of names with a list of topics that carry a (nullable) name or an id (KIP-516).

import { api, array, int16, int32, string, struct, uuid } from '../schema.ts';

export const DeleteTopics = api({
  apiKey: 20,
  name: 'DeleteTopics',
  versions: '1-6',
  flexible: '4+',
  request: struct({
    topics: array(struct({
      name: string('6+', { nullable: '6+', default: null }),
      topicId: uuid('6+'),
    }), '6+'),
    topicNames: array(string(), '0-5'),
    timeoutMs: int32(),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    responses: array(struct({
      name: string('0+', { nullable: '6+' }),
      topicId: uuid('6+'),
      errorCode: int16(),
      errorMessage: string('5+', { nullable: '5+', default: null }),
    })),
  }),
});
