// ConsumerGroupDescribe (69) v0: KIP-848 groups with their epochs, assignor and every member's
// current and target assignment (topic names from the topic table; a deleted topic's
// partitions are left out). A classic group or an unknown id is GROUP_ID_NOT_FOUND, which is how
// admin clients know to fall back to DescribeGroups. Authorized operations when asked for, on
// every group answered without an error (KafkaApis.handleConsumerGroupDescribe), with no
// authorizer's values (authorizer.ts).

import { ErrorCode } from '../../protocol/errors.ts';
import { ConsumerGroupDescribe } from '../../protocol/messages/index.ts';
import { authorizedOperations } from '../authorizer.ts';
import { groupCoordinatorError } from '../clustered.ts';
import { handler } from '../handler.ts';

export default handler(ConsumerGroupDescribe, (ctx, req) => ({
  throttleTimeMs: 0,
  groups: req.groupIds.map((groupId) => {
    const notHere = groupCoordinatorError(ctx.broker, groupId);
    if (notHere !== ErrorCode.NONE) return { groupId, errorCode: notHere, errorMessage: null, groupState: '', members: [] };
    const described = ctx.broker.groups.consumer.describe(groupId, ctx.broker.topics);
    if (described.errorCode !== ErrorCode.NONE) return described;
    return { ...described, authorizedOperations: authorizedOperations('group', req.includeAuthorizedOperations) };
  }),
}));
