// DescribeGroups (15), versions 0-6; flexible from 5.
// v3 can return authorized operations (KIP-430); v4 the group instance id of members
// (KIP-345); v6 a per-group error message and GROUP_ID_NOT_FOUND for unknown groups (KIP-1043).

import { api, array, bool, bytes, int16, int32, string, struct } from '../schema.ts';

export const DescribeGroups = api({
  apiKey: 15,
  name: 'DescribeGroups',
  versions: '0-6',
  flexible: '5+',
  request: struct({
    groups: array(string()),
    includeAuthorizedOperations: bool('3+'),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    groups: array(struct({
      errorCode: int16(),
      errorMessage: string('6+', { nullable: '6+', default: null }),
      groupId: string(),
      groupState: string(),
      protocolType: string(),
      protocolData: string(),
      members: array(struct({
        memberId: string(),
        groupInstanceId: string('4+', { nullable: '4+', default: null }),
        clientId: string(),
        clientHost: string(),
        memberMetadata: bytes(),
        memberAssignment: bytes(),
      })),
      authorizedOperations: int32('3+', { default: -2147483648 }),
    })),
  }),
});
