// Heartbeat (12) v0-4: keeps a classic member's session alive and tells it about rebalances
// (REBALANCE_IN_PROGRESS). v3 adds the group instance id (KIP-345).

import { Heartbeat } from '../../protocol/messages/index.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(Heartbeat, (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: groupCoordinatorError(ctx.broker, req.groupId) || ctx.broker.groups.heartbeat({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId,
  }),
}));
