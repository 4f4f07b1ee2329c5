// ListPartitionReassignments (46) v0. No reassignment ever runs on a single node (see
// 45-alter-partition-reassignments.ts), so the list is empty, for all topics (null) and for
// named ones alike; Kafka's controller skips unknown topics without an error
// (ReplicationControlManager.listPartitionReassignments).

import { ErrorCode } from '../../protocol/errors.ts';
import { ListPartitionReassignments } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(ListPartitionReassignments, () => ({
  throttleTimeMs: 0,
  errorCode: ErrorCode.NONE,
  errorMessage: null,
  topics: [],
}));
