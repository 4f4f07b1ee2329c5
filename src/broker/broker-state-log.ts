// The real StateLog (groups/state-log.ts): the __consumer_offsets topic, written through the
// ordinary partition log (so replication, when it lands, covers it like any partition) and read
// back on start. It lives with the broker, the owner of partitions, so that the group
// coordinator (src/groups) depends only on the StateLog interface, never on the Broker.
// The topic is created on first write, internal and compacted (cleanup.policy=compact), with
// offsets.topic.num.partitions partitions; an existing topic keeps its partition count. On a
// cluster the controller creates it (offsets.topic.replication.factor replicas per partition)
// and the leader of each partition coordinates its groups (clustered.ts): its writes go through
// the partition's replica and are durable once committed in the leader's term (acks=all).

import { logger } from '../base/log.ts';
import type { Broker } from './broker.ts';
import { intProp } from '../config/node-config.ts';
import { decompress } from '../compression/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { BatchHeader, Compression } from '../protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../protocol/records/records.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../protocol/records/validate.ts';
import { batchesIn } from '../storage/batch-scan.ts';
import type { StateRecord } from '../groups/records.ts';
import type { AppendOutcome, StateLog } from '../groups/state-log.ts';
import { ensureOffsetsTopic } from './clustered.ts';
import type { ReplicaAppend, ReplicatedPartition } from '../cluster/replica/replicated-partition.ts';

const log = logger('kafka');

export const OFFSETS_TOPIC = '__consumer_offsets';
/** Bytes read per call while loading the topic on start. */
const LOAD_READ_BYTES = 1024 * 1024;

export class BrokerStateLog implements StateLog {
  private readonly configuredPartitions: number;
  /** A replicated partition's appends waiting for waitDurable: their commit, by `partition/lastOffset`. */
  private readonly commits = new Map<string, Promise<ReplicaAppend>>();

  constructor(private readonly broker: Broker) {
    this.configuredPartitions = intProp(broker.config, 'offsets.topic.num.partitions');
  }

  /** The topic's partition count once it exists (a cluster's may come from another node's setting), else the configured one. */
  get partitionCount(): number {
    return this.broker.topics.get(OFFSETS_TOPIC)?.partitions ?? this.configuredPartitions;
  }

  private ensureTopic(): boolean {
    if (this.broker.topics.get(OFFSETS_TOPIC)) return true;
    if (this.broker.controller !== null) {
      // A cluster's topic is created by the controller (clustered.ts); the coordinator answers
      // COORDINATOR_NOT_AVAILABLE meanwhile and the client retries.
      ensureOffsetsTopic(this.broker);
      return false;
    }
    const r = this.broker.createTopic(OFFSETS_TOPIC, this.partitionCount, [['cleanup.policy', 'compact']], false, true);
    if (r.error) log.error(`cannot create ${OFFSETS_TOPIC}: ${r.error.message}`);
    return r.error === undefined;
  }

  append(partition: number, records: readonly StateRecord[], timestampMs: number): AppendOutcome {
    if (!this.ensureTopic()) return { ok: false, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const batch0 = () => buildBatch({ baseTimestamp: timestampMs, records: records.map((r) => ({ key: r.key, value: r.value, timestamp: timestampMs })) });
    const replica = this.broker.replica(OFFSETS_TOPIC, partition);
    if (replica !== undefined) {
      // acks=all, as Kafka's coordinator writes (offsets.commit.required.acks -1): appended now,
      // in log order, durable once committed in this leader's term. A lost leadership is
      // NOT_COORDINATOR, as Kafka maps NOT_LEADER_OR_FOLLOWER for these writes.
      const r = replica.appendNow(batch0(), -1);
      if (!r.ok) return { ok: false, errorCode: r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE };
      this.commits.set(`${partition}/${r.lastOffset}`, replica.committed(r));
      log.debug(`${OFFSETS_TOPIC}-${partition}: ${records.length} record(s) appended at ${r.lastOffset} in term ${replica.leaderEpoch}`);
      return { ok: true, lastOffset: r.lastOffset };
    }
    const p = this.broker.partition(OFFSETS_TOPIC, partition);
    // Hosted by another node of the cluster: that node coordinates the group.
    if (!p) return { ok: false, errorCode: this.broker.partitionErrorCode(OFFSETS_TOPIC, partition) === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const batch = batch0();
    // A storage error (a full disk, a failed log) is logged by the partition; the coordinator
    // answers with a retriable error.
    const r = p.append(batch);
    return r.ok ? { ok: true, lastOffset: r.lastOffset } : { ok: false, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  }

  /**
   * A replicated partition's barrier is a no-op entry committed in this leader's term
   * (cluster/replica/read-barrier.ts); min.insync.replicas does not apply to it (a read). A
   * lone node's log is only this node's: its barrier is the log end, durable once flushed.
   */
  appendBarrier(partition: number): AppendOutcome {
    const replica = this.broker.replica(OFFSETS_TOPIC, partition);
    if (replica === undefined) {
      const p = this.broker.partition(OFFSETS_TOPIC, partition);
      if (!p) return { ok: false, errorCode: this.broker.partitionErrorCode(OFFSETS_TOPIC, partition) === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE };
      return { ok: true, lastOffset: p.logEndOffset - 1 };
    }
    const r = replica.proposeReadBarrier();
    if (!r.ok) return { ok: false, errorCode: r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE };
    this.commits.set(`${partition}/${r.lastOffset}`, replica.barrierCommitted(r));
    log.debug(`${OFFSETS_TOPIC}-${partition}: read barrier at ${r.lastOffset} in term ${replica.leaderEpoch}`);
    return { ok: true, lastOffset: r.lastOffset };
  }

  async waitDurable(partition: number, offsetExclusive: number): Promise<void> {
    const key = `${partition}/${offsetExclusive - 1}`;
    const commit = this.commits.get(key);
    if (commit !== undefined) {
      this.commits.delete(key);
      const r = await commit;
      if (!r.ok) throw new Error(`${OFFSETS_TOPIC}-${partition}: ${r.error.message ?? 'not committed'}`);
      return;
    }
    await this.broker.partition(OFFSETS_TOPIC, partition)?.waitDurable(offsetExclusive);
  }

  *readAll(): Iterable<StateRecord> {
    yield* this.readPartitions(this.broker.partitionsOf(OFFSETS_TOPIC).map((p) => p.index));
  }

  /** The records of the open partitions at `indexes`, each from its log start to its end (a replica's to its high watermark). */
  *readPartitions(indexes: readonly number[]): Iterable<StateRecord> {
    for (const i of indexes) {
      const replica = this.broker.replica(OFFSETS_TOPIC, i);
      if (replica !== undefined) {
        yield* this.readReplica(replica);
        continue;
      }
      const p = this.broker.partition(OFFSETS_TOPIC, i);
      if (p === undefined) continue;
      let offset = p.logStartOffset;
      while (offset < p.logEndOffset) {
        const r = p.log.read(offset, LOAD_READ_BYTES, { minOneBatch: true });
        if (r.bytes.length === 0) break;
        yield* recordsOf(r.bytes, offset);
        offset = r.nextOffset;
      }
    }
  }

  /** A replica's committed records (up to its high watermark): what a new leader loads. */
  private *readReplica(replica: ReplicatedPartition): Iterable<StateRecord> {
    const hw = replica.highWatermark;
    let offset = replica.logStartOffset;
    while (offset < hw) {
      const r = replica.log.read(offset, LOAD_READ_BYTES, { minOneBatch: true, maxOffset: hw });
      if (r.bytes.length === 0) break;
      yield* recordsOf(r.bytes, offset);
      offset = r.nextOffset;
    }
  }
}

/** The keyed records of whole batches, skipping control batches and records below `from`. */
function* recordsOf(bytes: Uint8Array, from: number): Iterable<StateRecord> {
  for (const info of batchesIn(bytes)) {
    const h = new BatchHeader(bytes, info.position);
    if (h.isControl) continue;
    let buf = bytes;
    let { start, end } = batchRecordsRange(bytes, info.position);
    if (h.compression !== Compression.None) {
      buf = decompress(h.compression, bytes.subarray(start, end), DEFAULT_MAX_DECOMPRESSED_BYTES);
      start = 0;
      end = buf.length;
    }
    const records = decodeRecords(buf, start, end, h.recordCount);
    for (const rec of records) {
      if (h.baseOffset + rec.offsetDelta < from || rec.key === null) continue;
      yield { key: rec.key, value: rec.value };
    }
  }
}
