// The background log cleaner (Kafka's LogCleaner / LogCleanerManager, one cleaner "thread"):
// every log.cleaner.backoff.ms it looks at the compacted partitions and starts one cleaning pass
// on the filthiest one that is due: dirty ratio >= min.cleanable.dirty.ratio, or a delete
// horizon it gave tombstones has passed (KIP-534). One pass runs at a time; it works in slices
// (compaction.ts) so that the event loop keeps serving requests.

import type { Clock } from '../base/clock.ts';
import { logger } from '../base/log.ts';
import { type Cancel, every, type Scheduler } from '../base/scheduler.ts';
import type { PartitionLog } from './partition-log.ts';
import type { Codec } from './compaction-records.ts';
import { compactLog, type CompactionConfig, type CompactionLimits, type CompactionResult, planCompaction, type ReplicatedCleaning } from './compaction.ts';

const log = logger('storage');

/** Kafka's log.cleaner.backoff.ms default: the pause between looks for work. */
export const CLEANER_BACKOFF_MS_DEFAULT = 15_000;
/** A partition whose pass failed with an error is left alone this long (Kafka marks it uncleanable). */
export const CLEANER_FAILURE_BACKOFF_MS = 10 * 60 * 1000;

export interface CleanerTarget {
  /** For logs: topic-partition. */
  name: string;
  log: PartitionLog;
  config: CompactionConfig;
  /** A replicated log's rules, read when a pass is planned (compaction.ts, "Replicated logs"). */
  replicated?: () => ReplicatedCleaning;
}

export interface LogCleanerDeps {
  codec: Codec;
  clock: Clock;
  /** The backoff timer, and the turns a pass yields between slices. */
  scheduler: Scheduler;
  limits?: Partial<CompactionLimits>;
}

class CleanerStopped extends Error {}

export class LogCleaner {
  private timer: Cancel | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  /** Per log: when the earliest delete horizon given by a pass passes (the log is due then). */
  private readonly horizonDueMs = new WeakMap<PartitionLog, number>();
  private readonly failedUntilMs = new WeakMap<PartitionLog, number>();

  constructor(private readonly deps: LogCleanerDeps) {}

  /** Looks for work every `backoffMs` among the partitions `targets` lists at that moment. */
  start(backoffMs: number, targets: () => Iterable<CleanerTarget>): void {
    this.timer = every(this.deps.scheduler, backoffMs, () => this.tick(targets()));
  }

  /** Stops looking for work and abandons a pass in progress at its next slice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    this.timer = null;
    await this.running;
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Starts a pass on the filthiest due partition, unless one is running. */
  tick(targets: Iterable<CleanerTarget>): void {
    if (this.running !== null || this.stopped) return;
    const target = this.choose(targets, this.deps.clock.nowMs());
    if (target === null) return;
    this.running = this.clean(target)
      .catch((e: unknown) => {
        this.failedUntilMs.set(target.log, this.deps.clock.nowMs() + CLEANER_FAILURE_BACKOFF_MS);
        log.error(`log cleaner: cleaning ${target.name} failed, leaving it alone for a while: ${e instanceof Error ? e.stack : e}`);
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** The due partition with the highest dirty ratio, or null. */
  choose(targets: Iterable<CleanerTarget>, nowMs: number): CleanerTarget | null {
    let best: CleanerTarget | null = null;
    let bestRatio = -1;
    for (const t of targets) {
      if (!t.log.compactionView().usable || (this.failedUntilMs.get(t.log) ?? 0) > nowMs) continue;
      const plan = planCompaction(t.log, t.config, nowMs, t.replicated?.().cleanableEndOffset);
      const dirtyEnough = plan.dirtyBytes > 0 && plan.dirtyRatio >= t.config.minCleanableDirtyRatio;
      const horizonPassed = (this.horizonDueMs.get(t.log) ?? Infinity) <= nowMs;
      if ((dirtyEnough || horizonPassed) && plan.dirtyRatio > bestRatio) {
        best = t;
        bestRatio = plan.dirtyRatio;
      }
    }
    return best;
  }

  /** One pass on one partition, now (whether due or not). */
  async clean(target: CleanerTarget): Promise<CompactionResult> {
    const nowMs = this.deps.clock.nowMs();
    let r: CompactionResult;
    try {
      r = await compactLog(target.log, target.config, {
        codec: this.deps.codec,
        nowMs,
        replicated: target.replicated?.(),
        limits: this.deps.limits,
        yieldNow: () => this.yieldNow(),
      });
    } catch (e) {
      if (e instanceof CleanerStopped) return this.abandoned(target);
      throw e;
    }
    if (r.outcome === 'cleaned') {
      // The pass rewrote everything below its end: horizons that passed were acted on.
      const before = this.horizonDueMs.get(target.log) ?? Infinity;
      const due = Math.min(before > nowMs ? before : Infinity, r.earliestHorizonMs ?? Infinity);
      if (due === Infinity) this.horizonDueMs.delete(target.log);
      else this.horizonDueMs.set(target.log, due);
      log.info(`log cleaner: cleaned ${target.name} up to offset ${r.cleanedUpTo}: ${r.recordsRemoved} records removed, ` +
        `${r.bytesBefore} -> ${r.bytesAfter} bytes rewritten, ${r.segmentsBefore} -> ${r.segmentsAfter} segments`);
    }
    return r;
  }

  private abandoned(target: CleanerTarget): CompactionResult {
    log.debug(`log cleaner: pass on ${target.name} abandoned (stopping)`);
    return { outcome: 'abandoned', cleanedUpTo: 0, segmentsBefore: 0, segmentsAfter: 0, recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, earliestHorizonMs: null };
  }

  private yieldNow(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.deps.scheduler.nextTurn(() => (this.stopped ? reject(new CleanerStopped('stopped')) : resolve()));
    });
  }
}
