// One producer's state on one partition: its epoch and the metadata of its last few batches.
// Mirrors Kafka's ProducerStateEntry and BatchMetadata (storage module,
// org.apache.kafka.storage.internals.log), KIP-98.

import { assert } from '../base/assert.ts';

/** Kafka keeps the last 5 batches per producer: the producer's max.in.flight.requests limit. */
export const BATCHES_RETAINED_MAX = 5;
export const INT32_MAX = 0x7fffffff;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1;

/**
 * Sequence numbers are int32 and wrap from INT32_MAX to 0, not to a negative number
 * (DefaultRecordBatch.incrementSequence).
 */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** The inverse of incrementSequence (DefaultRecordBatch.decrementSequence). */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1;
  return sequence - decrement;
}

/** Whether `nextSeq` directly follows `lastSeq` (ProducerAppendInfo.inSequence). */
export function inSequence(lastSeq: number, nextSeq: number): boolean {
  if (lastSeq === INT32_MAX) return nextSeq === 0;
  return nextSeq === lastSeq + 1;
}

/** What is remembered of one appended batch. First seq and offset are derived, as in Kafka. */
export interface BatchMetadata {
  readonly lastSeq: number;
  readonly lastOffset: number;
  /** lastOffset - firstOffset, which is also lastSeq - firstSeq (mod int32 wrap). */
  readonly offsetDelta: number;
  readonly maxTimestamp: number;
}

export function firstSeqOf(b: BatchMetadata): number {
  return decrementSequence(b.lastSeq, b.offsetDelta);
}

export function firstOffsetOf(b: BatchMetadata): number {
  return b.lastOffset - b.offsetDelta;
}

export class ProducerEntry {
  /** Oldest first; at most BATCHES_RETAINED_MAX. */
  private readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch = NO_PRODUCER_EPOCH,
    /** maxTimestamp of the newest batch: what expiry compares against (ProducerStateEntry.lastTimestamp). */
    public lastTimestamp = NO_TIMESTAMP,
  ) {}

  get batchMetadata(): readonly BatchMetadata[] {
    return this.batches;
  }

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    const last = this.batches[this.batches.length - 1];
    return last === undefined ? NO_SEQUENCE : last.lastSeq;
  }

  get lastDataOffset(): number {
    const last = this.batches[this.batches.length - 1];
    return last === undefined ? -1 : last.lastOffset;
  }

  /** A new epoch forgets the old epoch's batches (ProducerStateEntry.maybeUpdateProducerEpoch). */
  updateEpoch(producerEpoch: number): void {
    if (producerEpoch === this.producerEpoch) return;
    this.batches.length = 0;
    this.producerEpoch = producerEpoch;
  }

  addBatch(producerEpoch: number, batch: BatchMetadata): void {
    assert(batch.offsetDelta >= 0, 'offsetDelta must not be negative');
    this.updateEpoch(producerEpoch);
    if (this.batches.length === BATCHES_RETAINED_MAX) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.maxTimestamp;
  }

  /** The cached batch with exactly this epoch and sequence range (ProducerStateEntry.findDuplicateBatch). */
  findDuplicate(producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
    if (producerEpoch !== this.producerEpoch) return null;
    for (const b of this.batches) {
      if (b.lastSeq === lastSeq && firstSeqOf(b) === firstSeq) return b;
    }
    return null;
  }
}
