// A partition this node leads: its log, its idempotent-producer state, its high watermark,
// and the waiters (Fetch long polls, acks=all produces) that its progress wakes.
//
// High watermark: what consumers may see. In durable mode it is the flushed offset: a record
// becomes visible once it is fsynced, so nothing a consumer saw can vanish in a crash (the
// single-node form of "HW = Raft commit index"). In --dev mode fsync is relaxed and the high
// watermark is the log end offset.

import type { TopicConfig } from '../config/topic-config.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import type { ProducerState } from '../transactions/producer-state.ts';
import type { TopicRecord } from './topic-table.ts';
import { log } from '../base/log.ts';

function noop(): void {}

export class Partition {
  /** The Raft term / Kafka leader epoch; a single node stays leader in epoch 0. */
  leaderEpoch = 0;
  private readonly listeners = new Set<() => void>();
  /** A flush request issued at the end of this turn, not yet passed to the log. */
  private scheduled: Promise<void> | null = null;
  /** The latest flush passed to the log, and the log end it covers. */
  private requested: { upTo: number; done: Promise<void> } | null = null;

  constructor(
    readonly topic: TopicRecord,
    readonly index: number,
    readonly log: PartitionLog,
    public config: TopicConfig,
    private readonly durable: boolean,
    readonly producers: ProducerState,
  ) {}

  get highWatermark(): number {
    return this.durable ? this.log.flushedOffset : this.log.logEndOffset;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /** Appends validated batches as leader; the caller must not await between checks and this. */
  append(batches: Uint8Array): { baseOffset: number; lastOffset: number } {
    const r = this.log.append(batches, this.leaderEpoch);
    if (this.durable) this.requestFlush().catch(noop);
    else this.notify();
    return r;
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
        (e: unknown) => log.error(`flush of ${this.topic.name}-${this.index} failed: ${e}`),
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
