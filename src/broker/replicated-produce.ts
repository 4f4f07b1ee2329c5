// Produce to a replicated partition (a clustered node's ReplicatedPartition): validation and
// recompression as on a lone node (produce-append.ts), then `replica.append`, which runs the
// idempotent producer's checks on the leader's view and proposes the batches through the
// partition's Raft group in the same synchronous call (no await between a check and its use).
// The replica settles per acks (cluster/replica/acks.ts): acks=1 at the propose, acks=all at
// the commit; the Produce handler races the settlement with the request's timeout.

import type { Acks } from '../cluster/replica/acks.ts';
import type { ReplicatedPartition } from '../cluster/replica/replicated-partition.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { Produce } from '../protocol/messages/index.ts';
import type { Encodable, ResponseOf } from '../protocol/schema.ts';
import { validateProduced } from './produce-append.ts';

type PartitionOut = Encodable<ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number]>;

export interface ReplicaProduce {
  /** The partition's answer; filled in when `settled` resolves (until then, what a timeout answers). */
  readonly out: PartitionOut;
  /** Resolves with the answer's error code once the replica settled; null when answered already. */
  readonly settled: Promise<number> | null;
}

/**
 * Appends one partition's records through its replica. `leaders` collects the leaders named
 * in NOT_LEADER_OR_FOLLOWER answers (KIP-951: the response carries their endpoints).
 */
export function appendToReplica(
  replica: ReplicatedPartition,
  index: number,
  records: Uint8Array,
  acks: Acks,
  nowMs: number,
  produceVersion: number,
  leaders: Set<number>,
): ReplicaProduce {
  const out: PartitionOut = { index, errorCode: ErrorCode.REQUEST_TIMED_OUT, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, errorMessage: null };
  const v = validateProduced(replica.config, replica.name, records, nowMs, produceVersion);
  if (v.kind === 'error') {
    out.errorCode = v.code;
    out.errorMessage = v.message;
    if (v.recordErrors !== undefined) {
      out.logStartOffset = replica.logStartOffset;
      out.recordErrors = v.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message }));
    }
    return { out, settled: null };
  }
  const settled = replica.append(v.stored, acks).then((r) => {
    if (!r.ok) {
      out.errorMessage = r.error.message;
      if (r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
        out.currentLeader = r.currentLeader;
        if (r.currentLeader.leaderId >= 0) leaders.add(r.currentLeader.leaderId);
      }
      return r.error.code;
    }
    out.baseOffset = r.baseOffset;
    out.logAppendTimeMs = v.logAppendTime ? r.maxTimestamp : -1;
    out.logStartOffset = replica.logStartOffset;
    out.errorMessage = null;
    return ErrorCode.NONE;
  });
  return { out, settled };
}
