// Idempotent-producer state of one partition (KIP-98): which producers have written, at what
// epoch, and the sequence ranges and offsets of their last 5 batches, so that a retried batch is
// answered with its original offsets instead of being written twice.
//
// The rules follow Apache Kafka's storage module (org.apache.kafka.storage.internals.log):
// ProducerStateManager, ProducerStateEntry, ProducerAppendInfo.checkProducerEpoch/checkSequence,
// and the duplicate check in UnifiedLog.analyzeAndValidateProducerState. Pure: no I/O; time comes
// from the injected Clock and is read only by removeExpiredProducers.

import type { Clock } from '../base/clock.ts';
import { assert } from '../base/assert.ts';
import { ErrorCode } from '../protocol/errors.ts';
import {
  NO_PRODUCER_EPOCH,
  ProducerEntry,
  firstOffsetOf,
  inSequence,
  incrementSequence,
} from './producer-entry.ts';
import { decodeSnapshot, encodeSnapshot, type SnapshotError } from './producer-state-snapshot.ts';

export const NO_PRODUCER_ID = -1;

/**
 * producer.id.expiration.ms default (KIP-854, Kafka 3.4+): a producer that has not written for a
 * day is forgotten. Before 3.4 Kafka used transactional.id.expiration.ms (7 days) here.
 */
export const PRODUCER_ID_EXPIRATION_MS_DEFAULT = 86_400_000;

/**
 * Producers tracked per partition. Each costs ~0.5 KiB (5 batch entries plus the map slot), so
 * this bounds a partition at ~5 MiB even under a storm of short-lived idempotent producers (every
 * new KafkaProducer gets a new id). Kafka has no such bound (KIP-936 throttles per principal);
 * Redpanda's max_concurrent_producer_ids evicts the least recently used, as we do.
 */
export const PRODUCERS_PER_PARTITION_MAX = 10_000;

/** The header fields the check reads. BatchHeader from protocol/records/batch.ts satisfies it. */
export interface ProducerBatch {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: number;
}

/** What replay needs besides: the assigned offset, and whether it is a control (marker) batch. */
export interface AppendedBatch extends ProducerBatch {
  readonly baseOffset: number;
  readonly isControl: boolean;
}

export type AppendCheck =
  | { readonly kind: 'append' }
  | {
      readonly kind: 'duplicate';
      readonly baseOffset: number;
      readonly lastOffset: number;
      readonly maxTimestamp: number;
    }
  | { readonly kind: 'error'; readonly code: number; readonly message: string };

const APPEND: AppendCheck = { kind: 'append' };

export interface ProducerStateOptions {
  readonly clock: Clock;
  readonly producerIdExpirationMs?: number;
  readonly producersMax?: number;
}

export type SnapshotLoad =
  | { readonly ok: true; readonly state: ProducerState }
  | { readonly ok: false; readonly error: SnapshotError };

export class ProducerState {
  private readonly producers = new Map<number, ProducerEntry>();
  private readonly clock: Clock;
  private readonly producerIdExpirationMs: number;
  private readonly producersMax: number;
  /** Offset after the last batch recorded or replayed: what a snapshot covers (Kafka's mapEndOffset). */
  private endOffsetValue: number;

  constructor(options: ProducerStateOptions, endOffset = 0) {
    this.clock = options.clock;
    this.producerIdExpirationMs = options.producerIdExpirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT;
    this.producersMax = options.producersMax ?? PRODUCERS_PER_PARTITION_MAX;
    assert(this.producersMax >= 1, 'producersMax must be at least 1');
    assert(endOffset >= 0, 'endOffset must not be negative');
    this.endOffsetValue = endOffset;
  }

  /** Rebuilds state from snapshot bytes; bad bytes give an error value, never an exception. */
  static fromSnapshot(bytes: Uint8Array, options: ProducerStateOptions): SnapshotLoad {
    const decoded = decodeSnapshot(bytes);
    if (!decoded.ok) return decoded;
    const state = new ProducerState(options, decoded.endOffset);
    for (const entry of decoded.entries) state.insert(entry);
    return { ok: true, state };
  }

  get endOffset(): number {
    return this.endOffsetValue;
  }

  get producerCount(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  activeProducers(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /**
   * Decides what to do with a client's batch before it is appended. Order as in Kafka: the
   * duplicate check (UnifiedLog) first, then the epoch, then the sequence (ProducerAppendInfo).
   */
  check(batch: ProducerBatch): AppendCheck {
    if (batch.producerId === NO_PRODUCER_ID) return APPEND;
    // LogValidator.validateBatch: a batch with a producer id must carry a sequence.
    if (batch.baseSequence < 0 || batch.lastOffsetDelta < 0) {
      return error(ErrorCode.INVALID_RECORD, `invalid sequence ${batch.baseSequence} for producer ${batch.producerId}`);
    }
    const entry = this.producers.get(batch.producerId);
    // Unknown producer (never seen, expired, or its data removed by retention): Kafka 2.5+
    // (KIP-360) accepts any sequence instead of answering UNKNOWN_PRODUCER_ID.
    if (entry === undefined) return APPEND;

    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    const dup = entry.findDuplicate(batch.producerEpoch, batch.baseSequence, lastSeq);
    if (dup !== null) {
      return {
        kind: 'duplicate',
        baseOffset: firstOffsetOf(dup),
        lastOffset: dup.lastOffset,
        maxTimestamp: dup.maxTimestamp,
      };
    }
    return checkEpochAndSequence(entry, batch);
  }

  /** Records a batch after it was appended at `baseOffset`. Call for every batch, tracked or not. */
  record(batch: ProducerBatch, baseOffset: number): void {
    const lastOffset = baseOffset + batch.lastOffsetDelta;
    assert(lastOffset >= this.endOffsetValue, 'batches must be recorded in offset order');
    this.endOffsetValue = lastOffset + 1;
    if (batch.producerId === NO_PRODUCER_ID) return;
    const entry = this.entryForWrite(batch.producerId);
    entry.addBatch(batch.producerEpoch, {
      lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
      lastOffset,
      offsetDelta: batch.lastOffsetDelta,
      maxTimestamp: batch.maxTimestamp,
    });
  }

  /**
   * Applies a batch read back from the log (recovery after a snapshot, or a follower applying the
   * leader's log), without validation: the leader validated it (Kafka's AppendOrigin.REPLICATION).
   * Batches already covered by the snapshot are skipped, so replay may start below endOffset.
   */
  replay(batch: AppendedBatch): void {
    if (batch.baseOffset + batch.lastOffsetDelta < this.endOffsetValue) return;
    if (!batch.isControl) {
      this.record(batch, batch.baseOffset);
      return;
    }
    this.endOffsetValue = batch.baseOffset + batch.lastOffsetDelta + 1;
    if (batch.producerId === NO_PRODUCER_ID) return;
    // A transaction marker carries the producer's (possibly bumped) epoch and no sequence
    // (ProducerAppendInfo.appendEndTxnMarker -> ProducerStateEntry.update).
    const entry = this.entryForWrite(batch.producerId);
    entry.updateEpoch(batch.producerEpoch);
    entry.lastTimestamp = batch.maxTimestamp;
  }

  /**
   * Forgets producers whose newest batch timestamp is producer.id.expiration.ms old
   * (ProducerStateManager.isProducerExpired; ongoing transactions will be exempt). Returns the count.
   */
  removeExpiredProducers(nowMs = this.clock.nowMs()): number {
    let removed = 0;
    for (const [id, entry] of this.producers) {
      if (nowMs - entry.lastTimestamp >= this.producerIdExpirationMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** Snapshot bytes covering every batch below endOffset. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.endOffsetValue, this.producers.values());
  }

  private entryForWrite(producerId: number): ProducerEntry {
    const existing = this.producers.get(producerId);
    if (existing !== undefined) return existing;
    const created = new ProducerEntry(producerId);
    this.insert(created);
    return created;
  }

  private insert(entry: ProducerEntry): void {
    if (this.producers.size >= this.producersMax) this.evictOldestIdle();
    this.producers.set(entry.producerId, entry);
  }

  /**
   * Evicts the producer with the oldest last timestamp (ties: the lower id, so that replay and
   * live state agree). An evicted producer that writes again is accepted as unknown, at any
   * sequence, but its retries are no longer recognised as duplicates.
   */
  private evictOldestIdle(): void {
    let victim: ProducerEntry | null = null;
    for (const e of this.producers.values()) {
      if (
        victim === null ||
        e.lastTimestamp < victim.lastTimestamp ||
        (e.lastTimestamp === victim.lastTimestamp && e.producerId < victim.producerId)
      ) {
        victim = e;
      }
    }
    if (victim !== null) this.producers.delete(victim.producerId);
  }
}

/** ProducerAppendInfo.checkProducerEpoch then checkSequence, for a client (not replicated) batch. */
function checkEpochAndSequence(entry: ProducerEntry, batch: ProducerBatch): AppendCheck {
  const current = entry.producerEpoch;
  if (batch.producerEpoch < current) {
    // Since Kafka 2.7 (KIP-588) Produce answers INVALID_PRODUCER_EPOCH (47), which the client
    // treats as abortable; PRODUCER_FENCED (90) is for the coordinator APIs.
    return error(
      ErrorCode.INVALID_PRODUCER_EPOCH,
      `epoch ${batch.producerEpoch} of producer ${batch.producerId} is older than ${current}`,
    );
  }
  if (batch.producerEpoch !== current) {
    // A new epoch (bumped by the client for an idempotent producer, KIP-360, or by the
    // coordinator) starts its sequences again at 0.
    if (batch.baseSequence !== 0 && current !== NO_PRODUCER_EPOCH) {
      return error(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `new epoch ${batch.producerEpoch} of producer ${batch.producerId} must start at sequence 0, not ${batch.baseSequence}`,
      );
    }
    return APPEND;
  }
  // No epoch known yet: accept any sequence (ProducerAppendInfo.checkSequence). An entry with no
  // batches at a known epoch (only a marker seen) expects 0: inSequence(-1, 0) holds.
  if (current !== NO_PRODUCER_EPOCH && !inSequence(entry.lastSeq, batch.baseSequence)) {
    return error(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `sequence ${batch.baseSequence} of producer ${batch.producerId} does not follow ${entry.lastSeq}`,
    );
  }
  return APPEND;
}

function error(code: number, message: string): AppendCheck {
  return { kind: 'error', code, message };
}
