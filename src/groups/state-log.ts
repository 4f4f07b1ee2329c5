// Where the coordinator's state is written: the __consumer_offsets partitions. The coordinator
// appends synchronously (so the log order is the order of its decisions) and applies a write
// to its in-memory view only once the write is durable, in log order (Kafka's pending offset
// commits): nobody can fetch an offset that a crash could still take away.
//
// `StateLog` is the interface; `broker-state-log.ts` is the real one over the partition log and
// `MemoryStateLog` below is the simulated twin for unit tests.

import { ErrorCode } from '../protocol/errors.ts';
import type { StateRecord } from './records.ts';

export type AppendOutcome = { ok: true; lastOffset: number } | { ok: false; errorCode: number };

export interface StateLog {
  /** Partitions of __consumer_offsets (offsets.topic.num.partitions, or the existing topic's). */
  readonly partitionCount: number;
  /** Appends the records as one batch, synchronously. */
  append(partition: number, records: readonly StateRecord[], timestampMs: number): AppendOutcome;
  /**
   * Appends a read barrier: nothing the coordinator reads, only a mark in the log whose
   * durability (waitDurable) confirms that this node still holds the partition and that every
   * write before it is durable (on a cluster, committed in this leader's term: Raft
   * dissertation 6.4, reads through the log). Synchronous, like append.
   */
  appendBarrier(partition: number): AppendOutcome;
  /** Resolves once every offset below `offsetExclusive` of the partition is durable. */
  waitDurable(partition: number, offsetExclusive: number): Promise<void>;
  /** Every record from log start to log end, partition by partition, in log order. */
  readAll(): Iterable<StateRecord>;
}

interface PendingWrite {
  lastOffset: number;
  apply: () => void;
  done: (errorCode: number) => void;
}

/** Appends, then applies each write's effect once durable, strictly in log order. */
export class StateWriter {
  private readonly pending = new Map<number, PendingWrite[]>();

  constructor(readonly log: StateLog) {}

  /**
   * Appends `records` now and resolves with NONE after `apply` has run (once durable), or with
   * the error code of a failed append or flush (then `apply` never runs).
   */
  write(partition: number, records: readonly StateRecord[], timestampMs: number, apply: () => void): Promise<number> {
    return this.enqueue(partition, this.log.append(partition, records, timestampMs), apply);
  }

  /**
   * A read barrier (StateLog.appendBarrier): resolves with NONE once the barrier is durable and
   * every write before it applied, so a read made then sees every write acknowledged before
   * the barrier was appended, on this node or (on a cluster) by any leader since; else with the
   * error code of the failed append or wait (the read is refused, never answered stale).
   */
  barrier(partition: number): Promise<number> {
    return this.enqueue(partition, this.log.appendBarrier(partition), () => {});
  }

  private enqueue(partition: number, r: AppendOutcome, apply: () => void): Promise<number> {
    if (!r.ok) return Promise.resolve(r.errorCode);
    return new Promise<number>((resolve) => {
      const queue = this.pending.get(partition) ?? [];
      queue.push({ lastOffset: r.lastOffset, apply, done: resolve });
      this.pending.set(partition, queue);
      this.log.waitDurable(partition, r.lastOffset + 1).then(
        () => this.drain(partition, r.lastOffset, ErrorCode.NONE),
        // Kafka answers a failed __consumer_offsets write with a retriable coordinator error.
        () => this.drain(partition, r.lastOffset, ErrorCode.COORDINATOR_NOT_AVAILABLE),
      );
    });
  }

  /** Everything up to `upTo` is settled: earlier writes are durable too, so apply them first. */
  private drain(partition: number, upTo: number, errorCode: number): void {
    const queue = this.pending.get(partition) ?? [];
    while (queue.length > 0 && queue[0].lastOffset <= upTo) {
      const w = queue.shift()!;
      if (errorCode === ErrorCode.NONE) w.apply();
      w.done(errorCode);
    }
    if (queue.length === 0) this.pending.delete(partition);
  }

  /** Writes appended but not yet applied (OffsetFetch requireStable, tests). */
  pendingCount(partition?: number): number {
    if (partition !== undefined) return this.pending.get(partition)?.length ?? 0;
    let n = 0;
    for (const q of this.pending.values()) n += q.length;
    return n;
  }
}

/**
 * The simulated twin: records kept in memory per partition. With `autoDurable` false, writes
 * stay pending until flush(), so tests can hold a commit between append and durability.
 */
export class MemoryStateLog implements StateLog {
  readonly partitions: StateRecord[][];
  private durableUpTo: number[];
  private waiters: Array<{ partition: number; offset: number; resolve: () => void }> = [];
  /** Set to an error code to make appends fail (e.g. NOT_ENOUGH_REPLICAS). */
  failAppendsWith: number | null = null;

  constructor(
    readonly partitionCount = 4,
    public autoDurable = true,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => []);
    this.durableUpTo = new Array(partitionCount).fill(0);
  }

  append(partition: number, records: readonly StateRecord[]): AppendOutcome {
    if (this.failAppendsWith !== null) return { ok: false, errorCode: this.failAppendsWith };
    const p = this.partitions[partition];
    p.push(...records);
    if (this.autoDurable) this.durableUpTo[partition] = p.length;
    return { ok: true, lastOffset: p.length - 1 };
  }

  /** No record: the barrier is the records appended so far (durable once they are). */
  appendBarrier(partition: number): AppendOutcome {
    if (this.failAppendsWith !== null) return { ok: false, errorCode: this.failAppendsWith };
    return { ok: true, lastOffset: this.partitions[partition].length - 1 };
  }

  waitDurable(partition: number, offset: number): Promise<void> {
    if (this.durableUpTo[partition] >= offset) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ partition, offset, resolve }));
  }

  /** Makes everything appended so far durable and wakes the waiters. */
  flush(): void {
    this.durableUpTo = this.partitions.map((p) => p.length);
    const ready = this.waiters.filter((w) => this.durableUpTo[w.partition] >= w.offset);
    this.waiters = this.waiters.filter((w) => this.durableUpTo[w.partition] < w.offset);
    for (const w of ready) w.resolve();
  }

  *readAll(): Iterable<StateRecord> {
    for (const p of this.partitions) yield* p;
  }
}
