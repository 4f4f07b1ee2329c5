// What of one partition log is durable, and the work that makes more of it so: the segments
// holding unsynced bytes, the fsync rounds (group commit, group-commit.ts), flushedOffset, the
// recovery-point checkpoint, and the failed state after an fsync error with the unflushed
// batches a repair writes again (PartitionLog.repair). The log calls in when it writes, rolls,
// deletes or truncates; it keeps offsets, segments and reads.
//
// Rules (README.md, "Invariants"):
// - flushedOffset advances only when an fsync that started after those bytes were written has
//   completed, and never past a truncation that ran while it was in flight (round caps);
// - the recovery point is written only after a round that included every segment sealed since
//   the last one and raced no truncation; a checkpoint that cannot be written (a full disk)
//   only lags;
// - after a failed fsync no round advances anything (fsyncgate) until the log is repaired.

import type { StorageFs } from './fs.ts';
import type { Segment } from './segment.ts';
import { GroupCommit } from './group-commit.ts';
import { LEADER_EPOCH_FILE, RECOVERY_POINT_FILE, writeCheckpoint, writeOffsetCheckpoint } from './checkpoint.ts';
import { StorageError } from './storage-error.ts';
import { type UnflushedBatch, UnflushedBatches } from './unflushed.ts';

/** What of the log the durability side reads. */
export interface DurableLog {
  readonly fs: StorageFs;
  readonly dir: string;
  readonly logEndOffset: number;
  readonly isClosed: boolean;
  readonly activeSegment: Segment;
  /** [epoch, startOffset] rows of the leader-epoch cache, for its checkpoint. */
  epochRows(): number[][];
}

/** What a repair attempt came to: see LogDurability.repair. */
export type RepairOutcome = 'repaired' | 'failed' | 'unrepairable';

/** The log's side of a repair. */
export interface RepairSteps {
  /** Truncates the log to `offset` (a batch boundary). */
  truncateTo(offset: number): void;
  /** Appends a batch again at the log end, as it was (offsets and terms already in it). */
  writeAgain(batch: UnflushedBatch): void;
}

export class LogDurability {
  /** Every offset below this is on disk (fsynced). */
  flushedOffset: number;
  /** The recovery point last written to disk. */
  persistedRecoveryPoint: number;
  /** Set by a failed fsync until the log is repaired. */
  failure: StorageError | null = null;
  /** Batches above flushedOffset, for a repair (unflushed.ts). */
  readonly unflushed: UnflushedBatches;
  private readonly dirty = new Set<Segment>();
  /** Segments being fsynced by rounds in flight, with how many rounds sync each. */
  private readonly syncing = new Map<Segment, number>();
  private dirSyncsInFlight = 0;
  private dirDirty = false;
  private sealedSinceCheckpoint = false;
  private readonly commit = new GroupCommit(() => this.round(), () => this.failure);
  /** Per flush round in flight: the lowest truncation point seen while it ran. */
  private readonly roundCaps = new Set<{ cap: number }>();

  constructor(
    private readonly log: DurableLog,
    /** The log end at open: recovery made everything below it durable and checkpointed it. */
    endOffset: number,
    retainUnflushedBytesMax: number,
    /**
     * Recovery found the log new or never written and fsynced nothing (recovery.ts
     * openIfEmpty): its directory entries become durable with the first write's round.
     */
    private freshDir = false,
  ) {
    this.flushedOffset = endOffset;
    this.persistedRecoveryPoint = endOffset;
    this.unflushed = new UnflushedBatches(retainUnflushedBytesMax);
  }

  get inFlight(): boolean {
    return this.commit.inFlight;
  }

  /** Nothing written waits for an fsync, and no round runs. */
  get idle(): boolean {
    return !this.commit.inFlight && this.dirty.size === 0 && !this.dirDirty && this.flushedOffset >= this.log.logEndOffset;
  }

  /** Resolves once everything written before the call is fsynced; rejects after a failed fsync. */
  flush(): Promise<void> {
    if (this.failure === null && this.idle) return Promise.resolve();
    return this.commit.request();
  }

  written(seg: Segment, batch: UnflushedBatch): void {
    this.dirty.add(seg);
    this.unflushed.add(batch);
    if (this.freshDir) this.dirDirty = true; // its segment's directory entry must be durable with it
    this.freshDir = false;
  }

  /** `sealed` was rolled: its index files and the new segment's directory entry need syncing. */
  rolled(sealed: Segment): void {
    this.dirty.add(sealed);
    this.dirDirty = true;
    this.sealedSinceCheckpoint = true;
  }

  /** A segment's files were unlinked (retention, truncation). */
  removed(seg: Segment): void {
    this.dirty.delete(seg);
    this.dirDirty = true;
  }

  /** A segment was replaced by compaction's output (its files were swapped in already). */
  replaced(seg: Segment): void {
    this.dirty.delete(seg);
  }

  /** Directory entries changed (index files removed): the next round syncs the directory. */
  directoryChanged(): void {
    this.dirDirty = true;
  }

  /**
   * Before a truncation cuts anything: recovery is pointed at the segment holding the cut (a
   * crash may then leave any mix of old and new bytes and unlinked segments).
   */
  beforeTruncation(holderBase: number): void {
    const recoveryPoint = Math.min(holderBase, this.flushedOffset);
    writeOffsetCheckpoint(this.log.fs, this.log.dir, RECOVERY_POINT_FILE, recoveryPoint);
    this.persistedRecoveryPoint = recoveryPoint;
  }

  /** After a truncation to `newEnd`, with `active` the (now truncated) active segment. */
  afterTruncation(newEnd: number, active: Segment): void {
    this.dirty.add(active);
    this.unflushed.truncate(newEnd);
    this.flushedOffset = Math.min(this.flushedOffset, newEnd);
    for (const round of this.roundCaps) round.cap = Math.min(round.cap, newEnd);
  }

  /**
   * The log was emptied and restarted at `offset` (PartitionLog.truncateFullyAndStartAt, which
   * wrote the recovery point 0): nothing is unflushed, and rounds in flight, which sync files
   * now gone, must not move the flushed offset past the new end.
   */
  restartedAt(offset: number): void {
    this.dirty.clear();
    this.unflushed.truncate(0);
    this.flushedOffset = offset;
    this.persistedRecoveryPoint = 0;
    this.dirDirty = true;
    for (const round of this.roundCaps) round.cap = Math.min(round.cap, offset);
  }

  fail(e: unknown): StorageError {
    this.failure ??= e instanceof StorageError ? e : new StorageError(`fsync of ${this.log.dir} failed; writes are refused until it is repaired`, e);
    return this.failure;
  }

  /**
   * After a failed fsync: truncates to the last durable position (flushedOffset, or the log
   * start if retention moved it past), writes the batches above it again from memory
   * (unflushed.ts) and flushes. 'repaired': healthy again; 'failed': still cannot write (a disk
   * still full: try again later); 'unrepairable': the batches to write again are no longer all
   * held, and only a restart (recovery scans what reached the files) brings the log back.
   */
  async repair(logStartOffset: number, steps: RepairSteps): Promise<RepairOutcome> {
    if (this.failure === null) return 'repaired';
    if (this.commit.inFlight) return 'failed';
    const from = Math.max(this.flushedOffset, logStartOffset);
    const pending = this.unflushed.range(from, this.log.logEndOffset);
    if (pending === null) return 'unrepairable';
    let written = 0;
    let dropped = false;
    try {
      steps.truncateTo(from);
      this.unflushed.truncate(from);
      dropped = true;
      for (const b of pending) {
        steps.writeAgain(b);
        written++;
      }
    } catch {
      // Still failing: the failure stays set, and the batches not written again stay held.
      if (dropped) for (const b of pending.slice(written)) this.unflushed.add(b);
      return 'failed';
    }
    this.failure = null;
    this.dirDirty = this.sealedSinceCheckpoint = true;
    try {
      await this.flush();
      return 'repaired';
    } catch {
      return this.failure === null ? 'repaired' : 'failed';
    }
  }

  /**
   * Writes the recovery point when idle and it would move (Kafka's
   * log.flush.offset.checkpoint.interval.ms). Returns whether it was written.
   */
  checkpointIfIdle(): boolean {
    const idle = this.failure === null && !this.log.isClosed && !this.commit.inFlight && !this.sealedSinceCheckpoint;
    if (!idle || this.flushedOffset <= this.persistedRecoveryPoint) return false;
    return this.tryCheckpoint();
  }

  /**
   * At a clean stop: writes the recovery point if it would move (or segments were sealed since
   * the last one), so that everything flushed is below it and damage found there later is
   * corruption, never a torn tail to cut. A log unchanged since its last checkpoint writes nothing.
   */
  checkpointIfMoved(): boolean {
    if (!this.sealedSinceCheckpoint && this.flushedOffset <= this.persistedRecoveryPoint) return false;
    return this.tryCheckpoint();
  }

  /**
   * Segments before the one holding flushedOffset are sealed and durable: recovery skips them.
   * One that cannot be written (a full disk) only lags: recovery then scans more, and treats
   * more of the log as a torn tail it may cut.
   */
  tryCheckpoint(): boolean {
    try {
      writeCheckpoint(this.log.fs, this.log.dir, LEADER_EPOCH_FILE, this.log.epochRows());
      writeOffsetCheckpoint(this.log.fs, this.log.dir, RECOVERY_POINT_FILE, this.flushedOffset);
      this.persistedRecoveryPoint = this.flushedOffset;
      return true;
    } catch {
      return false;
    }
  }

  private async round(): Promise<void> {
    const target = this.log.logEndOffset;
    // Segments still being synced by rounds in flight are synced again here: this round may
    // end first, and when it does everything written before it started must be durable.
    const segs = new Set<Segment>([...this.dirty, ...this.syncing.keys()]);
    const syncDir = this.dirDirty || this.dirSyncsInFlight > 0;
    if (segs.size === 0 && !syncDir) {
      if (this.flushedOffset >= target) return; // an earlier round covered everything
      segs.add(this.log.activeSegment);
    }
    this.dirty.clear();
    const sealed = this.sealedSinceCheckpoint;
    this.dirDirty = this.sealedSinceCheckpoint = false;
    const round = { cap: Infinity };
    this.roundCaps.add(round);
    for (const s of segs) this.syncing.set(s, (this.syncing.get(s) ?? 0) + 1);
    if (syncDir) this.dirSyncsInFlight++;
    try {
      await Promise.all([...segs].map((s) => s.fsync()));
      // On the threadpool like the segments': on ext4 a directory fsync commits the journal,
      // which waits for the writeback of every file's newly allocated blocks (data=ordered), so
      // after a roll in --dev mode (GiBs dirty) it blocked the event loop for hundreds of ms.
      if (syncDir && !this.log.isClosed) await this.log.fs.fsyncDirAsync(this.log.dir);
    } catch (e) {
      throw this.fail(e); // after a failed fsync the page cache state is unknown (fsyncgate)
    } finally {
      this.roundCaps.delete(round);
      for (const s of segs) {
        const n = this.syncing.get(s)! - 1;
        if (n === 0) this.syncing.delete(s);
        else this.syncing.set(s, n);
      }
      if (syncDir) this.dirSyncsInFlight--;
    }
    // After a failed fsync nothing later is trusted either (fsyncgate): a round that ran beside
    // the failed one must not advance the flushed offset.
    if (this.failure !== null) throw this.failure;
    this.flushedOffset = Math.max(this.flushedOffset, Math.min(target, round.cap, this.log.logEndOffset));
    this.unflushed.release(this.flushedOffset, this.log.logEndOffset);
    if (round.cap !== Infinity) {
      // A truncation ran meanwhile: this round's fsyncs predate it, so the segments before
      // the recovery point are not known durable as they now are. The next round decides.
      this.sealedSinceCheckpoint ||= sealed;
    } else if (sealed && !this.log.isClosed && !this.tryCheckpoint()) {
      this.sealedSinceCheckpoint = true; // the data is durable; only the checkpoint waits for space
    }
  }
}
