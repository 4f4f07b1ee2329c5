// LeaveGroup (13), versions 0-5; flexible from 4.
// Up to v2 one member leaves by member id; from v3 a batch of members, each with an optional
// group instance id, so static members can be removed by an admin (KIP-345). v5 adds a reason
// per member (KIP-800).

import { api, array, int16, int32, string, struct } from '../schema.ts';

export const LeaveGroup = api({
  apiKey: 13,
  name: 'LeaveGroup',
  versions: '0-5',
  flexible: '4+',
  request: struct({
    groupId: string(),
    memberId: string('0-2'),
    members: array(struct({
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullable: '3+', default: null }),
      reason: string('5+', { nullable: '5+', default: null }),
    }), '3+'),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16(),
    members: array(struct({
      memberId: string('3+'),
      groupInstanceId: string('3+', { nullable: '3+' }),
      errorCode: int16('3+'),
    }), '3+'),
  }),
});
