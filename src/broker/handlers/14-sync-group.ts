// SyncGroup (14) v0-5: the leader hands in the assignment, every member gets its own once the
// group is Stable (src/groups/classic-members.ts). v5 checks protocol type and name (KIP-559).

import { SyncGroup } from '../../protocol/messages/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(SyncGroup, async (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, assignment: new Uint8Array(0) };
  const r = await ctx.broker.groups.syncGroup({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    protocolType: req.protocolType,
    protocolName: req.protocolName,
    // Copies: the request buffer is not ours to keep.
    assignments: req.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment.slice() })),
  });
  return { throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment };
});
