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
// - On a cluster a replicated partition this node leads takes the validated, recompressed
//   batches through its replica (replicated-produce.ts): acks=all is answered once the Raft
//   group committed them (a majority of disks), acks=1 once the leader has them.
// - Advertised from v0 although v0-2 are refused, as Kafka 4 does: librdkafka derives its
//   feature set (compression codecs among them) from Produce v0 being listed (KAFKA-18659).

import type { Scheduler } from '../../base/scheduler.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import { Produce } from '../../protocol/messages/index.ts';
import type { Encodable, ResponseOf } from '../../protocol/schema.ts';
import type { Partition } from '../../cluster/partition.ts';
import { NO_RESPONSE, type RequestContext, handler } from '../handler.ts';
import { type AppendOutcome, appendValidated, type Validated, validateProduced } from '../produce-append.ts';
import { ValidationThreadError } from '../validation-pool.ts';
import { currentLeaderOf, nodeEndpointsOf } from '../clustered.ts';
import { appendToReplica } from '../replicated-produce.ts';
import type { Acks } from '../../cluster/replica/acks.ts';

type PartitionOut = Encodable<ResponseOf<typeof Produce>['responses'][number]['partitionResponses'][number]>;

export default handler(Produce, async (ctx, req) => {
  const broker = ctx.broker;
  const byId = ctx.apiVersion >= 13;
  const acks = req.acks;
  const validAcks = acks === 0 || acks === 1 || acks === -1;
  // Each acks=all partition answer waits for its flush; a failed flush (the log refuses
  // writes after it, fsyncgate) is KAFKA_STORAGE_ERROR for that partition only.
  const durableWaits: DurableWait[] = [];
  /** Leaders named to the client (KIP-951), whose endpoints the answer carries. */
  const leaders = new Set<number>();
  /** This node's own partitions of the request, appended once all are looked up. */
  const local: LocalWrite[] = [];
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
      const replica = broker.replica(topic.name, pd.index);
      if (replica !== undefined) {
        if (pd.records === null || pd.records.length === 0) return fail(ErrorCode.INVALID_RECORD, 'no record batches');
        const diskNearlyFull = broker.freeSpace.refusal(pd.records.length);
        if (diskNearlyFull !== null) return fail(ErrorCode.KAFKA_STORAGE_ERROR, diskNearlyFull);
        const w = appendToReplica(replica, pd.index, pd.records, acks as Acks, broker.deps.clock.nowMs(), ctx.apiVersion, leaders);
        if (w.settled !== null) durableWaits.push({ out: w.out, settled: w.settled });
        return w.out;
      }
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
      // Filled in when the records are validated and appended (appendLocal, below).
      const out = fail(ErrorCode.NONE);
      local.push({ p, records: pd.records, out });
      return out;
    });
    return { name: t.name, topicId: t.topicId, partitionResponses };
  });
  if (local.length > 0) await appendLocal(ctx, local, acks, durableWaits);
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

/** A partition of this node (not a replica) that takes the records, and the answer to fill. */
interface LocalWrite {
  readonly p: Partition;
  readonly records: Uint8Array;
  readonly out: PartitionOut;
}

/**
 * Validates and appends a request's local partitions, in the node's append order
 * (append-order.ts). A large request validates on a thread (validation-pool.ts); a small one
 * inline, and when nothing waits ahead of it, appends in this same turn as Produce always did.
 */
async function appendLocal(ctx: RequestContext, local: readonly LocalWrite[], acks: number, durableWaits: DurableWait[]): Promise<void> {
  const broker = ctx.broker;
  const nowMs = broker.deps.clock.nowMs();
  const parts = local.map((w) => ({ config: w.p.config, topicPartition: w.p.name, records: w.records }));
  const apply = (validated: readonly Validated[]): void => {
    local.forEach((w, i) => finish(ctx, w, acks, durableWaits, appendIfStillHere(ctx, w, validated[i], nowMs)));
  };
  if (broker.validation.takes(parts)) {
    try {
      await broker.appendOrder.after(broker.validation.validate(parts, nowMs, ctx.apiVersion, ctx.ownedFrame), apply);
    } catch (e) {
      if (!(e instanceof ValidationThreadError)) throw e;
      for (const w of local) Object.assign(w.out, { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, errorMessage: e.message });
    }
    return;
  }
  const validated = parts.map((p) => validateProduced(p.config, p.topicPartition, p.records, nowMs, ctx.apiVersion));
  if (broker.appendOrder.idle) apply(validated);
  else await broker.appendOrder.after(Promise.resolve(validated), apply);
}

/** Appends unless the partition went away (deleted, moved) while its records waited their turn. */
function appendIfStillHere(ctx: RequestContext, w: LocalWrite, v: Validated, nowMs: number): AppendOutcome {
  const broker = ctx.broker;
  if (broker.partition(w.p.topic.name, w.p.index) !== w.p) {
    return { kind: 'error', code: broker.partitionErrorCode(w.p.topic.name, w.p.index), message: null };
  }
  return appendValidated(w.p, v, nowMs);
}

type DurableWait = { out: PartitionOut; settled: Promise<number> };

function finish(ctx: RequestContext, w: LocalWrite, acks: number, durableWaits: DurableWait[], r: AppendOutcome): void {
  const { p, out } = w;
  if (r.kind === 'error') {
    out.errorCode = r.code;
    out.errorMessage = r.message;
    if (r.recordErrors !== undefined) {
      out.logStartOffset = p.logStartOffset;
      out.recordErrors = r.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message }));
    }
    return;
  }
  out.baseOffset = r.baseOffset;
  out.logAppendTimeMs = r.logAppendTimeMs;
  out.logStartOffset = p.logStartOffset;
  // A duplicate (a producer's retry) waits too: its first attempt may not be durable yet.
  if (acks === -1) {
    const settled = p.waitDurable(r.lastOffset + 1).then(
      () => ErrorCode.NONE,
      () => ErrorCode.KAFKA_STORAGE_ERROR,
    );
    durableWaits.push({ out, settled });
  }
}

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
