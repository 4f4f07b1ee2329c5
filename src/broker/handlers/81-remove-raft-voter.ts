// RemoveRaftVoter (81) v0 (KIP-853), as `kafka-metadata-quorum.sh remove-controller` and
// Admin.removeRaftVoter send it through a broker: a voter leaves the controller quorum (to
// replace a dead node, or shrink the quorum). Forwarded to the controller leader, which
// proposes the controller group's membership entry and answers once it commits
// (cluster/quorum/controller-ops.ts: VOTER_NOT_FOUND, INCONSISTENT_CLUSTER_ID, and
// REQUEST_TIMED_OUT while another change is pending). A leader that removes itself steps down
// once the entry commits (Raft dissertation 4.2.2). A node that runs alone: UNSUPPORTED_VERSION.

import { NO_QUORUM_MESSAGE, REMOVE_RAFT_VOTER } from '../../cluster/quorum/controller-ops.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { RemoveRaftVoter } from '../../protocol/messages/index.ts';
import { handler } from '../handler.ts';

export default handler(
  RemoveRaftVoter,
  (ctx, req) => ctx.broker.controller?.call(REMOVE_RAFT_VOTER, req, ctx.apiVersion) ?? { throttleTimeMs: 0, errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: NO_QUORUM_MESSAGE },
);
