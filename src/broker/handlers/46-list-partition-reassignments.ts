// ListPartitionReassignments (46) v0. No reassignment ever runs on a single node (see
// 45-alter-partition-reassignments.ts), so the list is empty, for all topics (null) and for
// named ones alike; Kafka's controller skips unknown topics without an error
// (ReplicationControlManager.listPartitionReassignments).
// On a cluster the controller's leader lists the moves in progress from its image
// (cluster/controller/reassignments.ts through cluster/quorum/controller-ops.ts).

import { ErrorCode } from '../../protocol/errors.ts';
import { ListPartitionReassignments } from '../../protocol/messages/index.ts';
import { LIST_PARTITION_REASSIGNMENTS } from '../../cluster/quorum/controller-ops.ts';
import { handler } from '../handler.ts';

export default handler(
  ListPartitionReassignments,
  (ctx, req) => ctx.broker.controller?.call(LIST_PARTITION_REASSIGNMENTS, req, ctx.apiVersion) ?? { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] },
);
