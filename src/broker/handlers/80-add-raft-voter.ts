// AddRaftVoter (80) v0 (KIP-853), as `kafka-metadata-quorum.sh add-controller` and
// Admin.addRaftVoter send it through a broker: a learner of the controller quorum (a node
// started later with the same --seeds) becomes a voter. Forwarded to the controller leader,
// which proposes the controller group's membership entry and answers once it commits
// (cluster/quorum/controller-ops.ts: DUPLICATE_VOTER, INCONSISTENT_CLUSTER_ID, and
// REQUEST_TIMED_OUT while the node is not a caught-up learner or another change is pending).
// A node that runs alone has no quorum to change: UNSUPPORTED_VERSION, as Kafka answers a
// static quorum (kraft.version 0), so the tool fails at once instead of retrying.

import { ADD_RAFT_VOTER, NO_QUORUM_MESSAGE } from '../../cluster/quorum/controller-ops.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { AddRaftVoter } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(
  AddRaftVoter,
  (ctx, req) => ctx.broker.controller?.call(ADD_RAFT_VOTER, req, ctx.apiVersion) ?? { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: NO_QUORUM_MESSAGE },
);
