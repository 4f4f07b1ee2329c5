// ListGroups (16), versions 0-5; flexible from 3.
// v4 filters by group state and returns it (KIP-518); v5 filters by group type (classic,
// consumer, share) and returns it (KIP-848).

import { api, array, int16, int32, string, struct } from '../schema.ts';

export const ListGroups = api({
  apiKey: 16,
  name: 'ListGroups',
  versions: '0-5',
  flexible: '3+',
  request: struct({
    statesFilter: array(string(), '4+'),
    typesFilter: array(string(), '5+'),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16(),
    groups: array(struct({
      groupId: string(),
      protocolType: string(),
      groupState: string('4+'),
      groupType: string('5+'),
    })),
  }),
});
