// DescribeGroups (15) v0-6: state, protocol and members of groups (Kafka's GroupMetadata
// summary: member metadata and assignments only when Stable). An unknown group is "Dead" with
// no error up to v5 and GROUP_ID_NOT_FOUND with a message from v6 (KIP-1043).
// v3+ authorized operations (KIP-430) when asked for: on every group answered without an error,
// as KafkaApis.handleDescribeGroupsRequest sets them, with no authorizer's values (authorizer.ts).

import { ErrorCode } from '../../protocol/errors.ts';
import { DescribeGroups } from '../../protocol/messages/index.ts';
import { authorizedOperations } from '../authorizer.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(DescribeGroups, (ctx, req) => ({
  throttleTimeMs: 0,
  groups: req.groups.map((groupId) => {
    const notHere = groupCoordinatorError(ctx.broker, groupId);
    if (notHere !== ErrorCode.NONE) return { groupId, errorCode: notHere, groupState: '', protocolType: '', protocolData: '', members: [] };
    const described = ctx.broker.groups.describeGroup(groupId) ?? unknownGroup(groupId, ctx.apiVersion);
    if (described.errorCode !== ErrorCode.NONE) return described;
    return { ...described, authorizedOperations: authorizedOperations('group', req.includeAuthorizedOperations) };
  }),
}));

function unknownGroup(groupId: string, apiVersion: number) {
  const v6 = apiVersion >= 6;
  return {
    errorCode: v6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
    errorMessage: v6 ? `Group ${groupId} not found.` : null,
    groupId,
    groupState: 'Dead',
    protocolType: '',
    protocolData: '',
    members: [],
  };
}
