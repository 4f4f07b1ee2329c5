// DeleteRecords (21) v0-2: moves a partition's log start offset forward (KIP-107).
// Kafka's rules (KafkaApis.handleDeleteRecordsRequest, ReplicaManager.deleteRecordsOnLocalLog,
// Partition.deleteRecordsOnLeader, UnifiedLog.maybeIncrementLogStartOffset):
// - an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION; an internal topic
//   INVALID_TOPIC_EXCEPTION; a topic whose cleanup.policy lacks "delete" POLICY_VIOLATION;
// - offset -1 means the high watermark; any other negative offset, or one above the high
//   watermark, is OFFSET_OUT_OF_RANGE;
// - an offset at or below the current log start changes nothing and is not an error;
// - lowWatermark answers the log start offset afterwards (-1 on error). With one replica the
//   low watermark is reached at once, so there is nothing to wait for.
// - A replicated partition: only its leader deletes (NOT_LEADER_OR_FOLLOWER elsewhere, as
//   Kafka); the deletion is a log start command in the partition's log that every replica
//   applies (src/cluster/replica/log-start.ts), answered once committed and applied on the
//   leader, or REQUEST_TIMED_OUT after the request's timeoutMs (Kafka's DelayedDeleteRecords).
// Fetch long polls are woken, since their partition's log start moved.

import { ErrorCode } from '../../protocol/errors.ts';
import { DeleteRecords } from '../../protocol/messages/index.ts';
import type { Encodable, ResponseOf } from '../../protocol/schema.ts';
import type { Partition } from '../../cluster/partition.ts';
import type { ReplicatedPartition } from '../../cluster/replica/replicated-partition.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { StorageError } from '../../storage/storage-error.ts';
import type { Scheduler } from '../../base/scheduler.ts';

type PartitionOut = Encodable<ResponseOf<typeof DeleteRecords>['topics'][number]['partitions'][number]>;

/** DeleteRecordsRequest.HIGH_WATERMARK. */
const HIGH_WATERMARK = -1;
/** DeleteRecordsResponse.INVALID_LOW_WATERMARK. */
const INVALID_LOW_WATERMARK = -1;

export default handler(DeleteRecords, async (ctx, req) => ({
  throttleTimeMs: 0,
  topics: await Promise.all(
    req.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map((p) => deleteOne(ctx.broker, t.name, p.partitionIndex, p.offset, req.timeoutMs))),
    })),
  ),
}));

function deleteOne(broker: Broker, topic: string, partitionIndex: number, offset: number, timeoutMs: number): PartitionOut | Promise<PartitionOut> {
  const fail = (errorCode: number): PartitionOut => ({ partitionIndex, lowWatermark: INVALID_LOW_WATERMARK, errorCode });
  const replica = broker.replica(topic, partitionIndex);
  if (replica !== undefined) return deleteOnReplica(replica, offset, fail, timeoutMs, broker.deps.scheduler);
  const p: Partition | undefined = broker.partition(topic, partitionIndex);
  if (!p) return fail(broker.partitionErrorCode(topic, partitionIndex));
  if (broker.isInternal(topic)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (!p.config.cleanupPolicy.split(',').includes('delete')) return fail(ErrorCode.POLICY_VIOLATION);
  const target = offset === HIGH_WATERMARK ? p.highWatermark : offset;
  if (target < 0 || target > p.highWatermark) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
  if (target > p.logStartOffset) {
    try {
      p.log.deleteRecordsBefore(target);
    } catch (e) {
      // The log start checkpoint could not be written (a full disk) or the log is failed.
      if (e instanceof StorageError) return fail(ErrorCode.KAFKA_STORAGE_ERROR);
      throw e;
    }
    p.notify();
  }
  return { partitionIndex, lowWatermark: p.logStartOffset, errorCode: ErrorCode.NONE };
}

/**
 * On a replicated partition's leader: ReplicatedPartition.deleteRecords proposes the log start
 * command and resolves once it is committed and the leader's log start moved to the last whole
 * batch at or below the offset (the answer's low watermark).
 */
async function deleteOnReplica(replica: ReplicatedPartition, offset: number, fail: (errorCode: number) => PartitionOut, timeoutMs: number, scheduler: Scheduler): Promise<PartitionOut> {
  const partitionIndex = replica.id.partition;
  if (!replica.isLeader) return fail(replica.storageFailure !== null ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NOT_LEADER_OR_FOLLOWER);
  if (!replica.config.cleanupPolicy.split(',').includes('delete')) return fail(ErrorCode.POLICY_VIOLATION);
  const hw = replica.highWatermark;
  const target = offset === HIGH_WATERMARK ? hw : offset;
  if (target < 0 || target > hw) return fail(ErrorCode.OFFSET_OUT_OF_RANGE);
  let cancel = (): void => {};
  const timedOut = new Promise<null>((resolve) => {
    cancel = scheduler.after(Math.max(0, timeoutMs), () => resolve(null));
  });
  try {
    const r = await Promise.race([replica.deleteRecords(target), timedOut]);
    if (r === null) return fail(ErrorCode.REQUEST_TIMED_OUT);
    if (!r.ok) return fail(r.error.code);
    return { partitionIndex, lowWatermark: r.lowWatermark, errorCode: ErrorCode.NONE };
  } finally {
    cancel();
  }
}
