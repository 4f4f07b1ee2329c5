// DeleteGroups (42), versions 0-2; flexible from 2. Deletes empty groups and their committed
// offsets (KIP-229).

import { api, array, int16, int32, string, struct } from '../schema.ts';

export const DeleteGroups = api({
  apiKey: 42,
  name: 'DeleteGroups',
  versions: '0-2',
  flexible: '2+',
  request: struct({
    groupsNames: array(string()),
  }),
  response: struct({
    throttleTimeMs: int32(),
    results: array(struct({
      groupId: string(),
      errorCode: int16(),
    })),
  }),
});
