// Producer ids for InitProducerId (API 22), and the KIP-360 epoch rules around them.
//
// Ids are handed out from blocks whose end is persisted before the first id of the block is
// given out, so a crash can skip ids but never repeat one (Kafka's ProducerIdManager does the
// same with blocks of 1000 reserved through the controller, KIP-730). Persistence is injected:
// a local file written atomically on a single node, a controller Raft entry in a cluster.

import { assert } from '../base/assert.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { NO_PRODUCER_EPOCH } from './producer-entry.ts';
import { NO_PRODUCER_ID } from './producer-state.ts';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Short.MAX_VALUE: producerEpoch is an int16 on the wire. */
export const PRODUCER_EPOCH_MAX = 0x7fff;

/** Durably records that ids below `blockEnd` may be handed out. Must be atomic and synced. */
export type PersistBlockEnd = (blockEnd: number) => Promise<void>;

/** Where InitProducerId takes ids from: a local file's blocks, or the controller's (a cluster). */
export interface ProducerIdSource {
  /** The next id; rejects with ProducerIdsUnavailable when no block can be had now (retriable). */
  allocate(): Promise<number>;
}

/** No block of ids could be had now (the controller unreachable): the client retries. */
export class ProducerIdsUnavailable extends Error {
  override name = 'ProducerIdsUnavailable';
}

export class ProducerIdAllocator implements ProducerIdSource {
  private nextId: number;
  /** Exclusive end of the current block; always equal to what was last persisted. */
  private blockEnd: number;
  private extending: Promise<void> | null = null;

  /** `persistedEnd`: the last block end persisted (0 on a fresh node). No id below it is reused. */
  constructor(
    persistedEnd: number,
    private readonly persist: PersistBlockEnd,
    private readonly blockSize = PRODUCER_ID_BLOCK_SIZE,
  ) {
    assert(Number.isSafeInteger(persistedEnd) && persistedEnd >= 0, 'persistedEnd must be a non-negative safe integer');
    assert(Number.isSafeInteger(blockSize) && blockSize >= 1, 'blockSize must be a positive integer');
    this.nextId = persistedEnd;
    this.blockEnd = persistedEnd;
  }

  /** An id from the persisted block, or null when the next block must be persisted first. */
  tryAllocate(): number | null {
    if (this.nextId >= this.blockEnd) return null;
    return this.nextId++;
  }

  /**
   * The next id, persisting a new block first when the current one is used up. Concurrent callers
   * share one persist; after it resolves each re-checks the block (it may be used up again by
   * earlier waiters), so the loop runs at most waiters / blockSize + 1 times per caller.
   */
  async allocate(): Promise<number> {
    for (;;) {
      const id = this.tryAllocate();
      if (id !== null) return id;
      this.extending ??= this.extendBlock();
      await this.extending;
    }
  }

  private async extendBlock(): Promise<void> {
    const newEnd = this.blockEnd + this.blockSize;
    assert(newEnd <= Number.MAX_SAFE_INTEGER, 'producer ids exhausted');
    try {
      await this.persist(newEnd);
      // Only now may ids of the new block be handed out.
      this.blockEnd = newEnd;
    } finally {
      this.extending = null;
    }
  }
}

export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly producerEpoch: number;
}

export type ExpectedProducer =
  | { readonly ok: true; readonly expected: ProducerIdAndEpoch | null }
  | { readonly ok: false; readonly code: number };

/**
 * InitProducerId v3+ may carry the caller's current id and epoch (KIP-360). Both absent (-1) means
 * none; exactly one absent is INVALID_REQUEST (KafkaApis.handleInitProducerIdRequest).
 */
export function expectedProducer(producerId: number, producerEpoch: number): ExpectedProducer {
  const noId = producerId === NO_PRODUCER_ID;
  const noEpoch = producerEpoch === NO_PRODUCER_EPOCH;
  if (noId && noEpoch) return { ok: true, expected: null };
  if (noId || noEpoch) return { ok: false, code: ErrorCode.INVALID_REQUEST };
  return { ok: true, expected: { producerId, producerEpoch } };
}

/**
 * InitProducerId without a transactional id: Kafka "always blindly accepts the request and returns
 * a new producerId" with epoch 0, even when v3+ sends the current id and epoch
 * (TransactionCoordinator.handleInitProducerId). An idempotent producer bumps its epoch itself
 * (KIP-360) and asks for a new id only when the epoch would overflow.
 */
export async function initIdempotentProducer(allocator: ProducerIdSource): Promise<ProducerIdAndEpoch> {
  return { producerId: await allocator.allocate(), producerEpoch: 0 };
}

/**
 * Epochs from Short.MAX_VALUE - 1 are exhausted: Short.MAX_VALUE is kept for the coordinator's
 * fencing bump of an ongoing transaction (TransactionMetadata.isEpochExhausted).
 */
export function isEpochExhausted(producerEpoch: number): boolean {
  return producerEpoch >= PRODUCER_EPOCH_MAX - 1;
}

/** A transactional id's producer identity, as the coordinator stores it. */
export interface TransactionalProducer {
  readonly producerId: number;
  readonly previousProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
}

export type EpochPlan =
  /** Keep the id; answer with producerEpoch (unchanged on a retried bump). */
  | { readonly kind: 'bump'; readonly producerEpoch: number; readonly lastProducerEpoch: number }
  /**
   * Allocate a new producer id at epoch 0; the old id becomes previousProducerId and, when the
   * request carried an epoch, the old epoch becomes lastProducerEpoch, so that a retry is
   * recognised (TransactionMetadata.prepareProducerIdRotation).
   */
  | { readonly kind: 'rotate' }
  | { readonly kind: 'error'; readonly code: number };

/**
 * What InitProducerId does to a transactional id's producer id and epoch, once the coordinator
 * has checked the transaction state (CONCURRENT_TRANSACTIONS etc. stay with it). From
 * TransactionCoordinator.prepareInitProducerIdTransit and
 * TransactionMetadata.prepareIncrementProducerEpoch (KIP-360).
 */
export function planTransactionalInit(current: TransactionalProducer, expected: ProducerIdAndEpoch | null): EpochPlan {
  if (expected !== null && !isValidExpected(current, expected)) return { kind: 'error', code: ErrorCode.PRODUCER_FENCED };
  if (isEpochExhausted(current.producerEpoch) && (expected === null || expected.producerEpoch === current.producerEpoch)) {
    return { kind: 'rotate' };
  }
  const bumped = current.producerEpoch + 1;
  if (expected === null) return bumpTo(bumped, NO_PRODUCER_EPOCH);
  if (current.producerEpoch === NO_PRODUCER_EPOCH || expected.producerEpoch === current.producerEpoch) {
    return bumpTo(bumped, current.producerEpoch);
  }
  // A retry of a bump whose response was lost: answer the same epoch again.
  if (expected.producerEpoch === current.lastProducerEpoch) {
    return { kind: 'bump', producerEpoch: current.producerEpoch, lastProducerEpoch: current.lastProducerEpoch };
  }
  return { kind: 'error', code: ErrorCode.PRODUCER_FENCED };
}

function bumpTo(producerEpoch: number, lastProducerEpoch: number): EpochPlan {
  // Kafka throws IllegalStateException here; unreachable through the rotate branch above except
  // for an exhausted epoch with a mismatched expected epoch, which is a fenced producer.
  if (producerEpoch > PRODUCER_EPOCH_MAX - 1) return { kind: 'error', code: ErrorCode.PRODUCER_FENCED };
  return { kind: 'bump', producerEpoch, lastProducerEpoch };
}

/**
 * Fence the caller unless: the id was just created (epoch -1), the id matches, or it is the
 * previous id at an exhausted epoch (a retry after a rotation whose response was lost).
 */
function isValidExpected(current: TransactionalProducer, expected: ProducerIdAndEpoch): boolean {
  return (
    current.producerEpoch === NO_PRODUCER_EPOCH ||
    expected.producerId === current.producerId ||
    (expected.producerId === current.previousProducerId && isEpochExhausted(expected.producerEpoch))
  );
}
