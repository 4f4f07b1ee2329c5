// Heartbeat (12), versions 0-4; flexible from 4. The classic group protocol's liveness ping; v1
// adds throttle time, v3 the group instance id of static members (KIP-345).

import { api, int16, int32, string, struct } from '../schema.ts';

export const Heartbeat = api({
  apiKey: 12,
  name: 'Heartbeat',
  versions: '0-4',
  flexible: '4+',
  request: struct({
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string('3+', { nullable: '3+', default: null }),
  }),
  response: struct({
    throttleTimeMs: int32('1+'),
    errorCode: int16(),
  }),
});
