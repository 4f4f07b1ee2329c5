// The log of one partition, which is also its Raft log: Kafka offset == Raft index, and each
// batch's partitionLeaderEpoch holds the Raft term it was written in. See README.md.
//
// Writes are synchronous (page cache): offsets are assigned and the bytes written within one
// turn of the event loop, so no other append can interleave. Durability is separate: flush()
// fsyncs on the threadpool with group commit, and flushedOffset says what a crash cannot take.

import { assert } from '../base/assert.ts';
import { NodeStorageFs, type StorageFs } from './fs.ts';
import { OpenFiles } from './open-files.ts';
import { type LogConfig, logConfig, maxIndexEntries, RELATIVE_OFFSET_MAX } from './config.ts';
import { EpochCache, NO_EPOCH } from './epoch-cache.ts';
import { type RecoveredLog, recoverLog } from './recovery.ts';
import { describeDamage, type RecoveryReport } from './damage.ts';
import { StorageError } from './storage-error.ts';
import { type DurableLog, LogDurability, type RepairOutcome } from './log-durability.ts';
import { LOG_SUFFIX, Segment, segmentHolding, unlinkIndexFiles } from './segment.ts';
import { privateCopy, TailCache } from './tail-cache.ts';
import { readBatches, readResult } from './log-read.ts';
import { type BatchInfo, batchesIn } from './batch-scan.ts';
import { type RetentionReason, segmentsToDelete } from './retention.ts';
import { findMaxTimestampOffset, findOffsetForTimestamp, type OffsetAndTimestamp, stampLogAppendTime } from './timestamp.ts';
import { LEADER_EPOCH_FILE, LOG_START_OFFSET_FILE, RECOVERY_POINT_FILE, writeCheckpoint, writeOffsetCheckpoint } from './checkpoint.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type { SwapGroup } from './compaction-swap.ts';
import type { AppendResult, OpenResult, PartitionLogDeps, ReadOptions, ReadResult } from './log-types.ts';

export type { AppendResult, OpenResult, PartitionLogDeps, ReadOptions, ReadResult } from './log-types.ts';

export class PartitionLog implements DurableLog {
  logStartOffset: number;
  /** The next offset to be written. */
  logEndOffset: number;
  /** What recovery found when the log was opened: torn tails cut, gaps, bytes scanned. */
  readonly recovery: RecoveryReport;
  private segments: Segment[];
  private readonly epochs: EpochCache;
  private readonly tail: TailCache;
  /** Unsynced segments, fsync rounds, flushedOffset, recovery point, failure (log-durability.ts). */
  private readonly durability: LogDurability;
  private closed = false;

  readonly fs: StorageFs;

  private constructor(
    readonly dir: string,
    public config: LogConfig,
    private readonly files: OpenFiles,
    private readonly deps: PartitionLogDeps,
    r: RecoveredLog,
  ) {
    this.fs = files.fs;
    this.segments = r.segments;
    this.epochs = r.epochs;
    this.logStartOffset = r.logStartOffset;
    this.logEndOffset = r.logEndOffset;
    this.recovery = r.report;
    this.tail = new TailCache(config.tailCacheBytesMax, deps.tailPins);
    this.durability = new LogDurability(this, r.logEndOffset, config.retainUnflushedBytesMax, r.fresh);
  }

  // ---- what log-durability.ts reads (DurableLog) ----

  get isClosed(): boolean {
    return this.closed;
  }

  /** The segment appends go to (the last). */
  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1];
  }

  epochRows(): number[][] {
    return this.epochs.all().map((e) => [e.epoch, e.startOffset]);
  }

  /** Every offset below this is on disk (fsynced). */
  get flushedOffset(): number {
    return this.durability.flushedOffset;
  }

  /**
   * Opens (creating if needed) the partition directory and recovers it. Unset configs default.
   * Damage below the recovery point is a value: the log is not opened (see damage.ts).
   */
  static tryOpen(dir: string, config: Partial<LogConfig>, deps: PartitionLogDeps): OpenResult {
    assert(deps.files === undefined || deps.fs === undefined || deps.files.fs === deps.fs, 'files and fs must agree');
    const files = deps.files ?? new OpenFiles(deps.fs ?? new NodeStorageFs());
    const c = logConfig(config);
    const r = recoverLog(files, dir, c, deps.clock.nowMs(), deps.crc32c);
    if (!r.ok) return r;
    return { ok: true, log: new PartitionLog(dir, c, files, deps, r.log) };
  }

  /** tryOpen for callers that know the directory is healthy (tests, new partitions): damage throws. */
  static open(dir: string, config: Partial<LogConfig>, deps: PartitionLogDeps): PartitionLog {
    const r = PartitionLog.tryOpen(dir, config, deps);
    if (!r.ok) throw new StorageError(`cannot open ${dir}`, new Error(describeDamage(r.damage)));
    return r.log;
  }

  /** Bytes cut from torn tails when the log was opened. */
  get recoveredTruncatedBytes(): number {
    return this.recovery.truncations.reduce((n, t) => n + t.bytesDropped, 0);
  }

  /** Set after a failed fsync until repair() succeeds: appends and flushes are refused meanwhile. */
  get storageFailure(): StorageError | null {
    return this.durability.failure;
  }

  /** A topic's configs changed (AlterConfigs). Applies from the next append or retention run. */
  updateConfig(config: Partial<LogConfig>): void {
    this.config = logConfig({ ...this.config, ...config });
    this.tail.bytesMax = this.config.tailCacheBytesMax;
    this.durability.unflushed.bytesMax = this.config.retainUnflushedBytesMax;
  }

  /** Term of the last entry (NO_EPOCH for an empty log). */
  get lastTerm(): number {
    return this.epochs.latestEpoch;
  }

  /** Term of the entry at `offset`, or NO_EPOCH outside [logStartOffset, logEndOffset). */
  termAt(offset: number): number {
    if (offset < this.logStartOffset || offset >= this.logEndOffset) return NO_EPOCH;
    return this.epochs.epochAt(offset);
  }

  get sizeBytes(): number {
    return this.segments.reduce((n, s) => n + s.sizeBytes, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Leader append: assigns offsets from logEndOffset and stamps `term` by patching the batches
   * in place, then writes them. Synchronous from offset assignment to write.
   */
  append(batches: Uint8Array, term: number): AppendResult {
    this.checkWritable();
    assert(term >= 0 && term >= this.lastTerm, `append in term ${term} after term ${this.lastTerm}`);
    const infos = batchesIn(batches);
    assert(infos.length > 0, 'append of no batches');
    const count = infos.reduce((n, b) => n + b.lastOffset - b.baseOffset + 1, 0);
    this.maybeRoll(batches.length, count);
    const now = this.deps.clock.nowMs();
    const logAppendTime = this.config.timestampType === 'LogAppendTime';
    let next = this.logEndOffset;
    for (const b of infos) {
      const h = new BatchHeader(batches, b.position);
      h.baseOffset = next;
      h.partitionLeaderEpoch = term;
      b.lastOffset = next + (b.lastOffset - b.baseOffset);
      b.baseOffset = next;
      b.epoch = term;
      if (logAppendTime) b.maxTimestamp = stampLogAppendTime(h, now, this.deps.crc32c);
      next = b.lastOffset + 1;
    }
    this.write(batches, infos);
    const result: AppendResult = { baseOffset: infos[0].baseOffset, lastOffset: next - 1 };
    if (logAppendTime) result.logAppendTimeMs = now;
    return result;
  }

  /** Follower append: the batches carry their offsets and terms already. */
  appendAt(offset: number, batches: Uint8Array): AppendResult {
    this.checkWritable();
    assert(offset === this.logEndOffset, `appendAt ${offset} but log end is ${this.logEndOffset}`);
    const infos = batchesIn(batches);
    assert(infos.length > 0, 'append of no batches');
    let next = offset;
    let term = Math.max(0, this.lastTerm);
    for (const b of infos) {
      assert(b.baseOffset === next && b.lastOffset >= b.baseOffset, `batch at ${b.baseOffset}, expected ${next}`);
      assert(b.epoch >= term, `batch term ${b.epoch} after term ${term}`);
      next = b.lastOffset + 1;
      term = b.epoch;
    }
    this.maybeRoll(batches.length, next - offset);
    this.write(batches, infos);
    return { baseOffset: offset, lastOffset: next - 1 };
  }

  /** Reads whole batches, starting with the one holding fetchOffset (log-read.ts). */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = { minOneBatch: true }): ReadResult {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      return { bytes: new Uint8Array(0), nextOffset: fetchOffset, outOfRange: true };
    }
    const maxOffset = Math.min(opts.maxOffset ?? Infinity, this.logEndOffset);
    return readResult(readBatches(this.segments, this.tail, fetchOffset, maxBytes, opts.minOneBatch, maxOffset), fetchOffset);
  }

  /**
   * Removes every entry at offsets >= `offset` (Raft log matching). A batch straddling it is
   * removed whole. Call flush() afterwards to make the truncation itself durable.
   */
  truncateSuffix(offset: number): void {
    this.checkWritable();
    this.truncateUnchecked(offset);
  }

  private truncateUnchecked(offset: number): void {
    assert(offset >= this.logStartOffset, `truncate to ${offset} below log start ${this.logStartOffset}`);
    if (offset >= this.logEndOffset) return;
    // Before anything is cut, recovery is pointed at the segment holding `offset` (the batch
    // straddling it starts there too): until the truncation is flushed, a crash may leave any
    // mix of old and new bytes and unlinked segments, and recovery must rescan all of it.
    this.durability.beforeTruncation(this.segments[this.segmentIndexOf(offset)].baseOffset);
    this.segmentsVersion++;
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
      const seg = this.segments.pop()!;
      this.durability.removed(seg);
      seg.deleteFiles();
    }
    this.activeSegment.truncateTo(offset);
    this.logEndOffset = this.activeSegment.nextOffset;
    this.epochs.truncateFromEnd(this.logEndOffset);
    // A batch straddling the log start went whole: the start moves back to the new end.
    if (this.logEndOffset < this.logStartOffset) this.moveLogStart(this.logEndOffset);
    this.tail.clear();
    this.durability.afterTruncation(this.logEndOffset, this.activeSegment);
  }

  /**
   * Kafka's UnifiedLog.truncateFullyAndStartAt: every segment goes and the log restarts, empty,
   * at `offset`. For a replica whose log its leader's log start has passed (Kafka's replica
   * fetcher on OFFSET_OUT_OF_RANGE; a Raft follower taking its leader's snapshot point).
   * Synchronous, and crash-safe step by step: the recovery point is lowered to 0 and the epoch
   * checkpoint emptied first, then the files are unlinked and the directory fsynced, and only
   * then is the new log start written. A crash between leaves the old log whole (rescanned) or
   * an empty log at the old start (the caller, which knows the target, does it again): never
   * old batches after the new start, never a recovery point above the new end.
   */
  truncateFullyAndStartAt(offset: number): void {
    this.checkWritable();
    assert(Number.isSafeInteger(offset) && offset >= 0, `restart the log at ${offset}`);
    this.segmentsVersion++;
    // 1. Recovery trusts nothing (it rescans whatever is left, and rebuilds the epochs from it).
    this.fs.mkdirp(this.dir);
    this.epochs.truncateFromEnd(0);
    writeCheckpoint(this.fs, this.dir, LEADER_EPOCH_FILE, []);
    writeOffsetCheckpoint(this.fs, this.dir, RECOVERY_POINT_FILE, 0);
    // 2. The files go, durably.
    for (const seg of this.segments) {
      this.durability.removed(seg);
      seg.deleteFiles();
    }
    this.fs.fsyncDir(this.dir);
    // 3. The new start.
    writeOffsetCheckpoint(this.fs, this.dir, LOG_START_OFFSET_FILE, offset);
    const active = Segment.create(this.files, this.dir, offset, this.deps.clock.nowMs());
    this.segments = [active];
    this.logStartOffset = offset;
    this.logEndOffset = offset;
    this.tail.clear();
    this.durability.restartedAt(offset);
  }

  /** OffsetForLeaderEpoch: end offset of the greatest epoch <= `epoch`. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.epochs.endOffsetFor(epoch, this.logEndOffset);
  }

  /** ListOffsets by timestamp: the first record with timestamp >= ts below maxOffset, or null. */
  offsetForTimestamp(ts: number, maxOffset = this.logEndOffset): OffsetAndTimestamp | null {
    return findOffsetForTimestamp(this.segments, ts, this.logStartOffset, maxOffset, this.deps.decompress);
  }

  /** ListOffsets MAX_TIMESTAMP (KIP-734): the first record with the greatest timestamp. */
  maxTimestampOffset(): OffsetAndTimestamp {
    return findMaxTimestampOffset(this.segments, this.logStartOffset, this.deps.decompress);
  }

  /**
   * Resolves once everything appended before the call is fsynced (group commit: concurrent
   * callers share fsync rounds, see group-commit.ts).
   */
  flush(): Promise<void> {
    return this.durability.flush();
  }

  /** Resolves true once `offset` is flushed, false if the log was truncated below it. */
  async waitFlushed(offset: number): Promise<boolean> {
    while (this.flushedOffset < offset) {
      if (offset > this.logEndOffset) return false;
      await this.flush();
    }
    return true;
  }

  /**
   * After a failed fsync: truncates to the last durable position, writes the unflushed batches
   * again from memory and flushes (LogDurability.repair says what each outcome means).
   */
  repair(): Promise<RepairOutcome> {
    if (this.closed) return Promise.resolve('unrepairable');
    return this.durability.repair(this.logStartOffset, {
      truncateTo: (offset) => {
        this.truncateUnchecked(offset);
        this.forgetUnsyncedIndexes();
      },
      writeAgain: (b) => {
        this.maybeRoll(b.bytes.length, b.lastOffset - b.baseOffset + 1);
        this.write(b.bytes, batchesIn(b.bytes));
      },
    });
  }

  /**
   * Index files written at seal since the last recovery point may have been in the failed
   * fsync, and a second fsync would not write them again: they are removed, and recovery
   * rebuilds them from the log if it needs them (their in-memory indexes are intact).
   */
  private forgetUnsyncedIndexes(): void {
    const sealed = this.segments.slice(this.segmentIndexOf(this.durability.persistedRecoveryPoint), -1);
    unlinkIndexFiles(this.fs, sealed);
    this.durability.directoryChanged();
  }

  /**
   * Writes the recovery point when the log is idle and it would move (Kafka's
   * log.flush.offset.checkpoint.interval.ms): recovery then scans less, and damage below it is
   * never taken for a torn tail. Flush rounds that seal segments write it too; this covers a
   * long-lived active segment. Returns whether it was written.
   */
  checkpointIfIdle(): boolean {
    return this.durability.checkpointIfIdle();
  }

  /** DeleteRecords: moves the log start offset (persisted) and drops segments wholly below it. */
  deleteRecordsBefore(offset: number): void {
    this.checkWritable();
    assert(offset <= this.logEndOffset, `delete records before ${offset} beyond log end ${this.logEndOffset}`);
    if (offset <= this.logStartOffset) return;
    this.moveLogStart(offset);
    this.deleteLeading(segmentsToDelete(this.segments, { retentionMs: Infinity, retentionBytes: Infinity }, 0, offset).count);
  }

  /** retention.ms / retention.bytes: deletes old closed segments; returns why each went. */
  enforceRetention(nowMs: number): RetentionReason[] {
    this.checkWritable();
    const { count, reasons } = segmentsToDelete(this.segments, this.config, nowMs, this.logStartOffset);
    if (count === 0) return reasons;
    if (this.segments[count].baseOffset > this.logStartOffset) this.moveLogStart(this.segments[count].baseOffset);
    this.deleteLeading(count);
    return reasons;
  }

  /**
   * Flushes everything, records the recovery point, and closes the files. When nothing is
   * left to flush the files are closed before this returns.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.durability.failure !== null) {
      this.closeFiles();
      return Promise.resolve();
    }
    if (this.durability.idle) {
      // Only when it would move: a stop of 10,000 partitions written long ago writes nothing.
      this.durability.checkpointIfMoved(); // on a full disk it lags: recovery scans a little more
      this.closeFiles();
      return Promise.resolve();
    }
    return this.flush().then(
      () => this.close(),
      (e) => {
        this.closeFiles();
        throw e;
      },
    );
  }

  private closeFiles(): void {
    this.closed = true;
    this.segmentsVersion++;
    for (const seg of this.segments) seg.close();
  }

  /** Removes the partition directory (DeleteTopics). The log is unusable afterwards. */
  delete(): void {
    if (!this.closed) this.closeFiles();
    this.fs.removeTree(this.dir);
  }

  // ---- compaction (compaction.ts drives these; see README.md, "Compaction") ----

  /**
   * Bumped whenever segments are truncated, removed or replaced, and when the log closes: a
   * cleaner pass planned before must not swap its output in.
   */
  segmentsVersion = 0;

  /** What the cleaner reads. The segments are the log's own (the last is active): do not modify. */
  compactionView(): { fs: StorageFs; files: OpenFiles; segments: readonly Segment[]; usable: boolean } {
    return { fs: this.fs, files: this.files, segments: this.segments, usable: this.durability.failure === null && !this.closed };
  }

  /**
   * Puts cleaned segments in place of the runs of sealed segments they replace (their files
   * were swapped by compaction-swap.ts already). Synchronous, so no read sees a half-done swap;
   * the caller closes the old segments afterwards.
   */
  replaceSegments(groups: readonly SwapGroup[]): void {
    this.checkWritable();
    for (const g of groups) {
      const i = this.segments.indexOf(g.old[0]);
      assert(i >= 0 && i + g.old.length < this.segments.length, 'replaced segments must be sealed segments of this log');
      for (let k = 0; k < g.old.length; k++) assert(this.segments[i + k] === g.old[k], 'replaced segments must be consecutive');
      assert(g.fresh.seg.baseOffset === g.old[0].baseOffset && g.fresh.seg.nextOffset === g.old[g.old.length - 1].nextOffset,
        'a cleaned segment covers exactly the offsets of the segments it replaces');
      this.segments.splice(i, g.old.length, g.fresh.seg);
      for (const o of g.old) this.durability.replaced(o);
    }
    // The tail cache may reach back into the replaced segments (it is bounded by bytes, not by
    // segment): it must not keep serving what was removed. It refills from the next appends.
    this.tail.clear();
    this.segmentsVersion++;
  }

  // ---- internals ----

  private checkWritable(): void {
    if (this.durability.failure) throw this.durability.failure;
    assert(!this.closed, 'log is closed');
  }

  /** Index of the segment whose range holds `offset` (the last with baseOffset <= offset). */
  private segmentIndexOf(offset: number): number {
    return segmentHolding(this.segments, offset);
  }

  /** Rolls to a new segment first if these bytes and offsets would not fit the active one. */
  private maybeRoll(bytes: number, offsetCount: number): void {
    const a = this.activeSegment;
    if (a.isEmpty) return;
    const full =
      a.sizeBytes + bytes > this.config.segmentBytes ||
      this.deps.clock.nowMs() - a.createdMs > this.config.segmentMs ||
      a.index.count >= maxIndexEntries(this.config) ||
      this.logEndOffset + offsetCount - 1 - a.baseOffset > RELATIVE_OFFSET_MAX;
    if (!full) return;
    // The new file first: if either step fails (a full disk), the active segment is unchanged.
    let next: Segment;
    try {
      next = Segment.create(this.files, this.dir, this.logEndOffset, this.deps.clock.nowMs());
    } catch (e) {
      throw new StorageError(`cannot create a segment in ${this.dir}`, e);
    }
    try {
      a.seal();
    } catch (e) {
      next.deleteFiles();
      throw new StorageError(`cannot write the index files of ${a.path(LOG_SUFFIX)}`, e);
    }
    this.segments.push(next);
    this.durability.rolled(a);
  }

  private write(batches: Uint8Array, infos: BatchInfo[]): void {
    const seg = this.activeSegment;
    try {
      seg.append(batches, infos, this.config.indexIntervalBytes);
    } catch (e) {
      this.rollBack(seg, e);
    }
    for (const b of infos) this.epochs.assign(b.epoch, b.baseOffset);
    const kept = this.tail.add(batches, infos) ?? privateCopy(batches);
    this.logEndOffset = infos[infos.length - 1].lastOffset + 1;
    this.durability.written(seg, { baseOffset: infos[0].baseOffset, lastOffset: this.logEndOffset - 1, bytes: kept });
  }

  /**
   * A write failed (a full disk): part of it may be in the file. Cutting the file back to the
   * segment's size (its last good position, not yet advanced) makes the failure clean, so the
   * log stays writable and takes the next append once there is space. Only if even that fails
   * is the file's state unknown and the log failed.
   */
  private rollBack(seg: Segment, e: unknown): never {
    const failed = new StorageError(`write to ${seg.path(LOG_SUFFIX)} failed`, e);
    try {
      seg.truncateAtPosition(seg.sizeBytes);
    } catch (cutError) {
      throw this.durability.fail(new StorageError(`cannot cut ${seg.path(LOG_SUFFIX)} back to ${seg.sizeBytes} bytes after a failed write`, cutError));
    }
    throw failed;
  }

  private moveLogStart(offset: number): void {
    writeOffsetCheckpoint(this.fs, this.dir, LOG_START_OFFSET_FILE, offset);
    this.logStartOffset = offset;
    if (offset < this.logEndOffset) this.epochs.truncateFromStart(offset);
  }

  private deleteLeading(count: number): void {
    assert(count < this.segments.length, 'the active segment is never deleted');
    if (count > 0) this.segmentsVersion++;
    for (const seg of this.segments.splice(0, count)) {
      this.durability.removed(seg);
      seg.deleteFiles();
    }
  }
}
