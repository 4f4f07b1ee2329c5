// LeaveGroup (13) v0-5. Up to v2 one member by id, with its error as the top-level error; from
// v3 a batch of members (by member id and/or group instance id, KIP-345), errors per member.

import { ErrorCode } from '../../protocol/errors.ts';
import { LeaveGroup } from '../../protocol/messages/index.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(LeaveGroup, (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, members: [] };
  const leaving = ctx.apiVersion >= 3
    ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
    : [{ memberId: req.memberId, groupInstanceId: null }];
  const r = ctx.broker.groups.leaveGroup(req.groupId, leaving);
  if (ctx.apiVersion < 3) {
    return { throttleTimeMs: 0, errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.memberErrors[0] ?? ErrorCode.NONE) };
  }
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    members: r.memberErrors.map((errorCode, i) => ({ memberId: leaving[i].memberId, groupInstanceId: leaving[i].groupInstanceId, errorCode })),
  };
});
