// DescribeGroups (15) v0-6: state, protocol and members of groups (Kafka's GroupMetadata
// summary: member metadata and assignments only when Stable). An unknown group is "Dead" with
// no error up to v5 and GROUP_ID_NOT_FOUND with a message from v6 (KIP-1043).

import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeGroups } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(DescribeGroups, (ctx, req) => ({
  throttleTimeMs: 0,
  groups: req.groups.map((groupId) => {
    const g = ctx.broker.groups.describeGroup(groupId);
    if (g !== null) return g;
    const v6 = ctx.apiVersion >= 6;
    return {
      errorCode: v6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
      errorMessage: v6 ? `Group ${groupId} not found.` : null,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
    };
  }),
}));
