// A partition this node leads: its log, its idempotent-producer state, its high watermark,
// and the waiters (Fetch long polls, acks=all produces) that its progress wakes.
//
// High watermark: what consumers may see. In durable mode it is the flushed offset: a record
// becomes visible once it is fsynced, so nothing a consumer saw can vanish in a crash (the
// single-node form of "HW = Raft commit index"). In --dev mode fsync is relaxed and the high
// watermark is the log end offset.
//
// Storage errors (a full disk) are answered, not thrown: an append the log refused is
// KAFKA_STORAGE_ERROR for that partition, logged once per run with a count (RepeatedLog). After
// a failed fsync the log refuses writes until repaired; the partition tries the repair every
// STORAGE_RETRY_INTERVAL_MS and comes back by itself once the disk takes writes again.

import type { TopicConfig } from '../config/topic-config.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import type { ProducerState } from '../transactions/producer-state.ts';
import type { TopicRecord } from './topic-table.ts';
import type { Clock } from '../base/clock.ts';
import { logger, RepeatedLog } from '../base/log.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { StorageError } from '../storage/storage-error.ts';

const log = logger('cluster');

function noop(): void {}

/** How often a partition whose log failed tries to repair it (the disk may have space again). */
export const STORAGE_RETRY_INTERVAL_MS = 1000;

/** Time as a partition needs it: for its storage-error log lines and its repair retries. */
export interface PartitionTimers {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
}

export type PartitionAppend = { ok: true; baseOffset: number; lastOffset: number } | { ok: false; error: KafkaError };

export class Partition {
  /** The Raft term / Kafka leader epoch; a single node stays leader in epoch 0. */
  leaderEpoch = 0;
  private readonly listeners = new Set<() => void>();
  /** A flush request issued at the end of this turn, not yet passed to the log. */
  private scheduled: Promise<void> | null = null;
  /** The latest flush passed to the log, and the log end it covers. */
  private requested: { upTo: number; done: Promise<void> } | null = null;
  /** Storage errors of this partition: one line per run, not one per refused write. */
  private readonly storageErrors: RepeatedLog;
  private repairTimer: Cancel | null = null;
  private closed = false;

  constructor(
    readonly topic: TopicRecord,
    readonly index: number,
    readonly log: PartitionLog,
    public config: TopicConfig,
    private readonly durable: boolean,
    readonly producers: ProducerState,
    private readonly timers: PartitionTimers,
    /** Between repair attempts of a failed log (tests shorten it). */
    private readonly storageRetryMs = STORAGE_RETRY_INTERVAL_MS,
  ) {
    this.storageErrors = new RepeatedLog('error', () => timers.clock.monotonicMs());
  }

  get highWatermark(): number {
    return this.durable ? this.log.flushedOffset : this.log.logEndOffset;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get name(): string {
    return `${this.topic.name}-${this.index}`;
  }

  /**
   * Appends validated batches as leader; the caller must not await between checks and this.
   * A storage error (nothing was appended) is KAFKA_STORAGE_ERROR.
   */
  append(batches: Uint8Array): PartitionAppend {
    let r: { baseOffset: number; lastOffset: number };
    try {
      r = this.log.append(batches, this.leaderEpoch);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      return { ok: false, error: this.storageError(e) };
    }
    if (this.storageErrors.active && this.log.storageFailure === null) {
      this.storageErrors.resolved(`partition ${this.name}: writes succeed again`);
    }
    if (this.durable) this.requestFlush().catch(noop);
    else this.notify();
    return { ok: true, baseOffset: r.baseOffset, lastOffset: r.lastOffset };
  }

  /** Stops retrying storage repairs (the broker is closing the log). */
  close(): void {
    this.closed = true;
    this.repairTimer?.();
    this.repairTimer = null;
  }

  private storageError(e: StorageError): KafkaError {
    this.storageErrors.occurred(`partition ${this.name}: ${e.message}; its writes get KAFKA_STORAGE_ERROR until this clears`);
    if (this.log.storageFailure !== null) this.scheduleRepair();
    const why = e.diskFull ? 'the disk is full' : `storage error ${e.code ?? ''}`.trim();
    return kafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${this.name}: ${why}`);
  }

  private scheduleRepair(): void {
    if (this.repairTimer !== null || this.closed) return;
    this.repairTimer = this.timers.scheduler.after(this.storageRetryMs, () => void this.repair());
  }

  /** One repair attempt: truncate to the last durable position, write the rest again, flush. */
  private async repair(): Promise<void> {
    this.repairTimer = null;
    if (this.closed) return;
    const outcome = await this.log.repair();
    if (outcome === 'repaired') {
      this.storageErrors.resolved(`partition ${this.name}: storage repaired, unflushed writes written again and flushed`);
      this.notify();
    } else if (outcome === 'failed') {
      this.scheduleRepair();
    } else if (!this.closed) {
      log.error(`partition ${this.name}: cannot repair its log in place (the unflushed writes are no longer all in memory); restart freshet: recovery rescans the files`);
    }
  }

  /**
   * Resolves once every offset below `offset` is durable (at once in --dev mode); rejects if
   * the flush failed. It waits on the flush its append already asked for rather than asking
   * for another: a second request while a round runs would start a second fsync for the
   * same bytes (the log allows two rounds at once).
   */
  async waitDurable(offset: number): Promise<void> {
    if (!this.durable) return;
    while (this.log.flushedOffset < offset) {
      if (offset > this.log.logEndOffset) throw new Error(`offset ${offset} is beyond the log end (truncated)`);
      const requested = this.requested;
      if (this.scheduled) await this.scheduled;
      else if (requested && requested.upTo >= offset) await requested.done;
      else await this.requestFlush();
    }
  }

  /**
   * Group commit: appends made in one turn of the event loop share one flush request, issued
   * at the end of the turn; the log coalesces requests further (storage/group-commit.ts).
   */
  private requestFlush(): Promise<void> {
    if (this.scheduled) return this.scheduled;
    const scheduled = Promise.resolve().then(() => {
      this.scheduled = null;
      const upTo = this.log.logEndOffset;
      const done = this.log.flush();
      this.requested = { upTo, done };
      done.then(
        () => this.notify(),
        (e: unknown) => {
          if (e instanceof StorageError) this.storageError(e);
          else log.error(`flush of ${this.name} failed: ${e}`);
        },
      );
      return done;
    });
    this.scheduled = scheduled;
    return scheduled;
  }

  /** Registers a callback for high-watermark or log-start changes; returns its remover. */
  onProgress(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  notify(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
