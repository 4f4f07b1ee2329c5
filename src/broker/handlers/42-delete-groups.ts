// DeleteGroups (42) v0-2 (KIP-229): removes Empty groups with their committed offsets
// (tombstones in __consumer_offsets). NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND
// for unknown groups.

import { DeleteGroups } from '../../protocol/messages/index.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(DeleteGroups, async (ctx, req) => {
  // Groups this node does not coordinate are answered as such; the rest are deleted here.
  const notHere = req.groupsNames.map((g) => groupCoordinatorError(ctx.broker, g));
  const mine = req.groupsNames.filter((_, i) => notHere[i] === ErrorCode.NONE);
  const deleted = await ctx.broker.groups.deleteGroups(mine);
  let next = 0;
  const codes = notHere.map((c) => (c !== ErrorCode.NONE ? c : deleted[next++]));
  return { throttleTimeMs: 0, results: req.groupsNames.map((groupId, i) => ({ groupId, errorCode: codes[i] })) };
});
