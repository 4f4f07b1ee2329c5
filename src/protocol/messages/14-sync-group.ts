// SyncGroup (14), versions 0-5; flexible from 4. The leader sends the assignment; every member
// receives its own. v3 adds the group instance id (KIP-345); from v5 both sides carry the
// protocol type and name, and the broker rejects a mismatch (KIP-559).

import { api, array, bytes, int16, int32, string, struct } from '../schema.ts';

export const SyncGroup = api({
  apiKey: 14,
  name: 'SyncGroup',
  versions: '0-5',
  flexible: '4+',
  request: struct({
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
    protocolType: string('5+', { nullable: '5+', default: null }),
    protocolName: string('5+', { nullable: '5+', default: null }),
    assignments: array(struct({
      memberId: string(),
      assignment: bytes(),
    })),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16(),
    protocolType: string('5+', { nullable: '5+', default: null }),
    protocolName: string('5+', { nullable: '5+', default: null }),
    assignment: bytes(),
  }),
});
