// ListGroups (16) v0-5: every live group of this coordinator. v4 filters by state (KIP-518),
// v5 by type ("classic", "consumer"; KIP-848).

import { ErrorCode } from '../../protocol/errors.ts';
import { ListGroups } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(ListGroups, (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  groups: ctx.broker.groups.listGroups(req.statesFilter, req.typesFilter),
}));
