// JoinGroup (11), versions 0-9; flexible from 6.
// v1 adds the rebalance timeout (absent in v0: the session timeout applies, hence the -1
// placeholder default); v2 throttle time; v4 makes a new member rejoin with the id the broker
// assigned (MEMBER_ID_REQUIRED, KIP-394); v5 the group instance id of static members (KIP-345);
// v7 returns the protocol type (KIP-559); v8 the reason for joining (KIP-800); v9 tells a
// rejoining static leader that it may skip computing the assignment (KIP-814).

import { api, array, bool, bytes, int16, int32, string, struct } from '../schema.ts';

export const JoinGroup = api({
  apiKey: 11,
  name: 'JoinGroup',
  versions: '0-9',
  flexible: '6+',
  request: struct({
    groupId: string(),
    sessionTimeoutMs: int32(),
    rebalanceTimeoutMs: int32('1+', { default: -1 }),
    memberId: string(),
    groupInstanceId: string('5+', { nullable: '5+', default: null }),
    protocolType: string(),
    protocols: array(struct({
      name: string(),
      metadata: bytes(),
    })),
    reason: string('8+', { nullable: '8+', default: null }),
  }),
  response: struct({
    throttleTimeMs: int32('2+'),
    errorCode: int16(),
    generationId: int32('0+', { default: -1 }),
    protocolType: string('7+', { nullable: '7+', default: null }),
    protocolName: string('0+', { nullable: '7+' }),
    leader: string(),
    skipAssignment: bool('9+'),
    memberId: string(),
    members: array(struct({
      memberId: string(),
      groupInstanceId: string('5+', { nullable: '5+', default: null }),
      metadata: bytes(),
    })),
  }),
});
