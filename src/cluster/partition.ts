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

export class Partition {
  /** The Raft term / Kafka leader epoch; a single node stays leader in epoch 0. */
  leaderEpoch = 0;
  private readonly listeners = new Set<() => void>();
  private flushing = false;

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
    if (this.durable) this.startFlush();
    else this.notify();
    return r;
  }

  /** Resolves once every offset below `offset` is durable (immediately in --dev mode). */
  async waitDurable(offset: number): Promise<void> {
    if (!this.durable) return;
    await this.log.waitFlushed(offset);
  }

  /** Group commit: one fsync covers every append made before it started (the log coalesces). */
  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      this.log.flush().then(
        () => this.notify(),
        (e: unknown) => log.error(`flush of ${this.topic.name}-${this.index} failed: ${e}`),
      );
    });
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
