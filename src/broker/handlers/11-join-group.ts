// JoinGroup (11) v0-9: the classic group protocol's join (src/groups/classic-join.ts). The
// answer waits for the rebalance to complete. v0 has no rebalance timeout (the session timeout
// serves); v4+ requires the member id the broker hands out (KIP-394); v9 may tell a static
// leader to skip the assignment (KIP-814).

import { JoinGroup } from '../../protocol/messages/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(JoinGroup, async (ctx, req) => {
  const notHere = groupCoordinatorError(ctx.broker, req.groupId);
  if (notHere !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: notHere, generationId: -1, memberId: req.memberId, members: [] };
  const r = await ctx.broker.groups.joinGroup({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: ctx.apiVersion >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata.slice() })),
    clientId: ctx.header.clientId ?? '',
    clientHost: ctx.clientHost,
    requireKnownMemberId: ctx.apiVersion >= 4,
    supportsSkipAssignment: ctx.apiVersion >= 9,
  });
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    // Before v7 the protocol name is not nullable: "" stands for none.
    protocolName: ctx.apiVersion >= 7 ? r.protocolName : (r.protocolName ?? ''),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  };
});
