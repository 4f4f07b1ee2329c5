// DeleteGroups (42) v0-2 (KIP-229): removes Empty groups with their committed offsets
// (tombstones in __consumer_offsets). NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND
// for unknown groups.

import { DeleteGroups } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(DeleteGroups, async (ctx, req) => {
  const codes = await ctx.broker.groups.deleteGroups(req.groupsNames);
  return { throttleTimeMs: 0, results: req.groupsNames.map((groupId, i) => ({ groupId, errorCode: codes[i] })) };
});
