// Produce (0) v3-13.
// - acks 0 (no answer), 1 (answer once appended), -1/all (answer once durable: fsynced by the
//   group commit; immediately in --dev mode). Anything else is INVALID_REQUIRED_ACKS.
// - Each partition's batches are validated (CRC32C, framing, size, timestamps) as Kafka's
//   LogValidator does, then offsets are assigned by patching the batch headers and the bytes
//   are appended; records are never decoded one by one on this path unless compressed.
// - Idempotent producers (KIP-98): a retried batch is answered with its original offsets and
//   not appended again; gaps get OUT_OF_ORDER_SEQUENCE_NUMBER, older epochs are fenced.
// - v13 names topics by id (KIP-516): an unknown id is UNKNOWN_TOPIC_ID.
// - v8+ per-record errors (KIP-467): a batch rejected for some of its records (no key on a
//   compacted topic, a timestamp out of range) is answered with the indexes and messages of those
//   records and LogValidator's summary as the error message, as Kafka's ReplicaManager answers a
//   RecordValidationException (with the log start offset); the partition's other records and
//   the other partitions of the request are unaffected.
// - Producing to a topic that does not exist is UNKNOWN_TOPIC_OR_PARTITION: creation happens on
//   Metadata (auto.create.topics.enable), as in Kafka.
// - KAFKA_STORAGE_ERROR: the partition is offline (damaged log), the log refused the write (a
//   full disk), or free space is below the reserve (storage.min.free.bytes), with a message.
// - Advertised from v0 although v0-2 are refused, as Kafka 4 does: librdkafka derives its
//   feature set (compression codecs among them) from Produce v0 being listed (KAFKA-18659).

import type { Scheduler } from '../../base/scheduler.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { Produce } from '../../protocol/messages/index.ts';
import type { Encodable, ResponseOf } from '../../protocol/schema.ts';
import type { Partition } from '../../cluster/partition.ts';
import { NO_RESPONSE, handler } from '../handler.ts';
import { appendProduced } from '../produce-append.ts';
import { currentLeaderOf, nodeEndpointsOf } from '../clustered.ts';

type PartitionOut = Encodable<ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number]>;

export default handler(Produce, async (ctx, req) => {
  const broker = ctx.broker;
  const byId = ctx.apiVersion >= 13;
  const acks = req.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  // Each acks=all partition answer waits for its flush; a failed flush (the log refuses
  // writes after it, fsyncgate) is KAFKA_STORAGE_ERROR for that partition only.
  const durableWaits: Array<{ out: PartitionOut; settled: Promise<number> }> = [];
  /** Leaders named to the client (KIP-951), whose endpoints the answer carries. */
  const leaders = new Set<number>();
  const responses = req.topicData.map((t) => {
    const topic = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.name);
    const partitionResponses = t.partitionData.map((pd): PartitionOut => {
      const fail = (errorCode: number, errorMessage: string | null = null, logStartOffset = -1): PartitionOut => ({
        index: pd.index,
        errorCode,
        baseOffset: -1,
        logAppendTimeMs: -1,
        logStartOffset,
        errorMessage,
      });
      if (!validAcks) return fail(ErrorCode.INVALID_REQUIRED_ACKS);
      if (!topic) return fail(byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const p: Partition | undefined = broker.partition(topic.name, pd.index);
      if (!p) {
        const out = fail(broker.partitionErrorCode(topic.name, pd.index));
        const currentLeader = out.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER ? currentLeaderOf(broker, topic.name, pd.index) : undefined;
        if (currentLeader !== undefined) leaders.add(currentLeader.leaderId);
        return currentLeader === undefined ? out : { ...out, currentLeader };
      }
      if (pd.records === null || pd.records.length === 0) return fail(ErrorCode.INVALID_RECORD, 'no record batches');
      const diskNearlyFull = broker.freeSpace.refusal(pd.records.length);
      if (diskNearlyFull !== null) return fail(ErrorCode.KAFKA_STORAGE_ERROR, diskNearlyFull);
      const r = appendProduced(p, pd.records, broker.deps.clock.nowMs(), ctx.apiVersion);
      if (r.kind === 'error' && r.recordErrors !== undefined) {
        return { ...fail(r.code, r.message, p.logStartOffset), recordErrors: r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message })) };
      }
      if (r.kind === 'error') return fail(r.code, r.message);
      const out: PartitionOut = {
        index: pd.index,
        errorCode: ErrorCode.NONE,
        baseOffset: r.baseOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: p.logStartOffset,
      };
      // A duplicate (a producer's retry) waits too: its first attempt may not be durable yet.
      if (acks === -1) {
        const settled = p.waitDurable(r.lastOffset + 1).then(
          () => ErrorCode.NONE,
          () => ErrorCode.KAFKA_STORAGE_ERROR,
        );
        durableWaits.push({ out, settled });
      }
      return out;
    });
    return { name: t.name, topicId: t.topicId, partitionResponses };
  });
  if (acks === 0) return NO_RESPONSE;
  if (durableWaits.length > 0) {
    const codes = await settleWithin(
      durableWaits.map((w) => w.settled),
      req.timeoutMs,
      broker.deps.scheduler,
    );
    durableWaits.forEach((w, i) => {
      w.out.errorCode = codes[i];
    });
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints: nodeEndpointsOf(broker, leaders) };
}, { advertisedMinVersion: 0 });

/** Each wait's error code, or REQUEST_TIMED_OUT for those not settled within the timeout. */
async function settleWithin(waits: Array<Promise<number>>, timeoutMs: number, scheduler: Scheduler): Promise<number[]> {
  const codes: number[] = waits.map(() => ErrorCode.REQUEST_TIMED_OUT);
  const all = Promise.all(waits.map((w, i) => w.then((code) => (codes[i] = code))));
  let cancel = (): void => {};
  const timeout = new Promise<void>((resolve) => {
    cancel = scheduler.after(Math.max(0, timeoutMs), resolve);
  });
  try {
    await Promise.race([all, timeout]);
  } finally {
    cancel();
  }
  return codes.slice();
}
