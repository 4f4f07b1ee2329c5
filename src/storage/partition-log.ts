// The log of one partition, which is also its Raft log: Kafka offset == Raft index, and each
// batch's partitionLeaderEpoch holds the Raft term it was written in. See README.md.
//
// Writes are synchronous (page cache): offsets are assigned and the bytes written within one
// turn of the event loop, so no other append can interleave. Durability is separate: flush()
// fsyncs on the threadpool with group commit, and flushedOffset says what a crash cannot take.

import type { Clock } from '../base/clock.ts';
import { assert } from '../base/assert.ts';
import { NodeStorageFs, type StorageFs } from './fs.ts';
import { OpenFiles } from './open-files.ts';
import { type LogConfig, logConfig, maxIndexEntries, RELATIVE_OFFSET_MAX } from './config.ts';
import { EpochCache, NO_EPOCH } from './epoch-cache.ts';
import { type Crc32c, recoverLog } from './recovery.ts';
import { Segment } from './segment.ts';
import { TailCache } from './tail-cache.ts';
import { GroupCommit } from './group-commit.ts';
import { type BatchInfo, batchesIn, wholeBatchesBelow } from './batch-scan.ts';
import { type RetentionReason, segmentsToDelete } from './retention.ts';
import {
  type Decompress,
  findMaxTimestampOffset,
  findOffsetForTimestamp,
  type OffsetAndTimestamp,
  stampLogAppendTime,
} from './timestamp.ts';
import {
  LEADER_EPOCH_FILE,
  LOG_START_OFFSET_FILE,
  RECOVERY_POINT_FILE,
  writeCheckpoint,
  writeOffsetCheckpoint,
} from './checkpoint.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type { SwapGroup } from './compaction-swap.ts';

export interface PartitionLogDeps {
  fs?: StorageFs;
  /** The node's cache of open segment files (open-files.ts); a log on its own gets one of its own over `fs`. */
  files?: OpenFiles;
  clock: Clock;
  crc32c: Crc32c;
  /** For record-level timestamp search in compressed batches; without it, batch granularity. */
  decompress?: Decompress;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Set when the topic uses LogAppendTime: the timestamp the broker stamped. */
  logAppendTimeMs?: number;
}

export interface ReadOptions {
  /** KIP-74: return the first batch whole even when it is larger than maxBytes. */
  minOneBatch: boolean;
  /** Exclusive end: batches holding offsets >= this are not returned (the high watermark). */
  maxOffset?: number;
}

export interface ReadResult {
  /** Whole batches; views of cached memory when served from the tail cache: do not modify. */
  bytes: Uint8Array;
  /** One past the last offset returned (fetchOffset when nothing was). */
  nextOffset: number;
  /** fetchOffset was outside [logStartOffset, logEndOffset]; bytes is empty. */
  outOfRange: boolean;
}

export class PartitionLog {
  logStartOffset: number;
  /** The next offset to be written. */
  logEndOffset: number;
  /** Every offset below this is on disk (fsynced). */
  flushedOffset: number;
  /** Bytes cut from torn or corrupt tails when the log was opened. */
  readonly recoveredTruncatedBytes: number;
  private segments: Segment[];
  private readonly epochs: EpochCache;
  private readonly tail: TailCache;
  private readonly dirty = new Set<Segment>();
  /** Segments being fsynced by rounds in flight, with how many rounds sync each. */
  private readonly syncing = new Map<Segment, number>();
  private dirSyncsInFlight = 0;
  private dirDirty = false;
  /** Recovery created or found the log empty and fsynced nothing: the first write dirties the directory. */
  private freshDir: boolean;
  private sealedSinceCheckpoint = false;
  private readonly commit = new GroupCommit(() => this.flushRound(), () => this.failure);
  /** Per flush round in flight: the lowest truncation point seen while it ran. */
  private readonly roundCaps = new Set<{ cap: number }>();
  private failure: Error | null = null;
  private closed = false;

  private readonly fs: StorageFs;

  private constructor(
    readonly dir: string,
    public config: LogConfig,
    private readonly files: OpenFiles,
    private readonly deps: PartitionLogDeps,
  ) {
    this.fs = files.fs;
    const r = recoverLog(files, dir, config, deps.clock.nowMs(), deps.crc32c);
    this.segments = r.segments;
    this.epochs = r.epochs;
    this.logStartOffset = r.logStartOffset;
    this.logEndOffset = r.logEndOffset;
    this.flushedOffset = r.logEndOffset;
    this.recoveredTruncatedBytes = r.truncatedBytes;
    this.tail = new TailCache(config.tailCacheBytesMax);
    this.freshDir = r.fresh;
  }

  /** Opens (creating if needed) the partition directory and recovers it. Unset configs default. */
  static open(dir: string, config: Partial<LogConfig>, deps: PartitionLogDeps): PartitionLog {
    assert(deps.files === undefined || deps.fs === undefined || deps.files.fs === deps.fs, 'files and fs must agree');
    return new PartitionLog(dir, logConfig(config), deps.files ?? new OpenFiles(deps.fs ?? new NodeStorageFs()), deps);
  }

  /** A topic's configs changed (AlterConfigs). Applies from the next append or retention run. */
  updateConfig(config: Partial<LogConfig>): void {
    this.config = logConfig({ ...this.config, ...config });
    this.tail.bytesMax = this.config.tailCacheBytesMax;
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

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
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

  /** Reads whole batches, starting with the one holding fetchOffset. */
  read(fetchOffset: number, maxBytes: number, opts: ReadOptions = { minOneBatch: true }): ReadResult {
    if (fetchOffset < this.logStartOffset || fetchOffset > this.logEndOffset) {
      return { bytes: new Uint8Array(0), nextOffset: fetchOffset, outOfRange: true };
    }
    const maxOffset = Math.min(opts.maxOffset ?? Infinity, this.logEndOffset);
    if (fetchOffset >= maxOffset) return this.readResult(new Uint8Array(0), fetchOffset);
    const cached = this.tail.read(fetchOffset, maxBytes, opts.minOneBatch, maxOffset);
    if (cached !== null) return this.readResult(cached, fetchOffset);
    for (let i = this.segmentIndexOf(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i];
      const first = seg.findBatch(fetchOffset);
      if (first === null) continue;
      if (first.lastOffset >= maxOffset || (first.size > maxBytes && !opts.minOneBatch)) break;
      const bytes = seg.read(first.position, Math.max(maxBytes, first.size));
      return this.readResult(wholeBatchesBelow(bytes, maxOffset), fetchOffset);
    }
    return this.readResult(new Uint8Array(0), fetchOffset);
  }

  /**
   * Removes every entry at offsets >= `offset` (Raft log matching). A batch straddling it is
   * removed whole. Call flush() afterwards to make the truncation itself durable.
   */
  truncateSuffix(offset: number): void {
    this.checkWritable();
    assert(offset >= this.logStartOffset, `truncate to ${offset} below log start ${this.logStartOffset}`);
    if (offset >= this.logEndOffset) return;
    // Before anything is cut, recovery is pointed at the segment holding `offset` (the batch
    // straddling it starts there too): until the truncation is flushed, a crash may leave any
    // mix of old and new bytes and unlinked segments, and recovery must rescan all of it.
    const holder = this.segments[this.segmentIndexOf(offset)].baseOffset;
    this.segmentsVersion++;
    writeOffsetCheckpoint(this.fs, this.dir, RECOVERY_POINT_FILE, Math.min(holder, this.flushedOffset));
    while (this.segments.length > 1 && this.active.baseOffset >= offset) {
      const seg = this.segments.pop()!;
      this.dirty.delete(seg);
      seg.deleteFiles();
      this.dirDirty = true;
    }
    this.active.truncateTo(offset);
    this.dirty.add(this.active);
    this.logEndOffset = this.active.nextOffset;
    this.epochs.truncateFromEnd(this.logEndOffset);
    // A batch straddling the log start went whole: the start moves back to the new end.
    if (this.logEndOffset < this.logStartOffset) this.moveLogStart(this.logEndOffset);
    this.tail.clear();
    this.flushedOffset = Math.min(this.flushedOffset, this.logEndOffset);
    for (const round of this.roundCaps) round.cap = Math.min(round.cap, this.logEndOffset);
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
    if (this.failure === null && !this.commit.inFlight && this.dirty.size === 0 && !this.dirDirty && this.flushedOffset >= this.logEndOffset) {
      return Promise.resolve();
    }
    return this.commit.request();
  }

  /** Resolves true once `offset` is flushed, false if the log was truncated below it. */
  async waitFlushed(offset: number): Promise<boolean> {
    while (this.flushedOffset < offset) {
      if (offset > this.logEndOffset) return false;
      await this.flush();
    }
    return true;
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
    if (this.failure !== null) {
      this.closeFiles();
      return Promise.resolve();
    }
    const idle = !this.commit.inFlight && this.dirty.size === 0 && !this.dirDirty && this.flushedOffset >= this.logEndOffset;
    if (idle) {
      // Nothing sealed since the last checkpoint (or never written): the next open scans the
      // active segment from its start and rebuilds its epochs whatever the recovery point inside
      // it, so a checkpoint would change nothing; stopping 1,000 written partitions wrote 2,000 files.
      if (this.sealedSinceCheckpoint) this.checkpointRecoveryPoint();
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
    return { fs: this.fs, files: this.files, segments: this.segments, usable: this.failure === null && !this.closed };
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
      for (const o of g.old) this.dirty.delete(o);
    }
    // The tail cache may reach back into the replaced segments (it is bounded by bytes, not by
    // segment): it must not keep serving what was removed. It refills from the next appends.
    this.tail.clear();
    this.segmentsVersion++;
  }

  // ---- internals ----

  private checkWritable(): void {
    if (this.failure) throw this.failure;
    assert(!this.closed, 'log is closed');
  }

  private fail(e: unknown): Error {
    this.failure ??= e instanceof Error ? e : new Error(String(e));
    return this.failure;
  }

  private readResult(bytes: Uint8Array, fetchOffset: number): ReadResult {
    if (bytes.length === 0) return { bytes, nextOffset: fetchOffset, outOfRange: false };
    const infos = batchesIn(bytes);
    return { bytes, nextOffset: infos[infos.length - 1].lastOffset + 1, outOfRange: false };
  }

  /** Index of the segment whose range holds `offset` (the last with baseOffset <= offset). */
  private segmentIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid].baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rolls to a new segment first if these bytes and offsets would not fit the active one. */
  private maybeRoll(bytes: number, offsetCount: number): void {
    const a = this.active;
    if (a.isEmpty) return;
    const full =
      a.sizeBytes + bytes > this.config.segmentBytes ||
      this.deps.clock.nowMs() - a.createdMs > this.config.segmentMs ||
      a.index.count >= maxIndexEntries(this.config) ||
      this.logEndOffset + offsetCount - 1 - a.baseOffset > RELATIVE_OFFSET_MAX;
    if (!full) return;
    a.seal();
    this.dirty.add(a);
    this.segments.push(Segment.create(this.files, this.dir, this.logEndOffset, this.deps.clock.nowMs()));
    this.dirDirty = true;
    this.sealedSinceCheckpoint = true;
  }

  private write(batches: Uint8Array, infos: BatchInfo[]): void {
    const seg = this.active;
    try {
      seg.append(batches, infos, this.config.indexIntervalBytes);
    } catch (e) {
      throw this.fail(e); // a partial write leaves the file in an unknown state
    }
    this.dirty.add(seg);
    if (this.freshDir) this.dirDirty = true; // its segment's directory entry must be durable with it
    this.freshDir = false;
    for (const b of infos) this.epochs.assign(b.epoch, b.baseOffset);
    if (batches.length <= this.config.tailCacheBytesMax) this.tail.add(privateCopy(batches), infos);
    else this.tail.clear();
    this.logEndOffset = infos[infos.length - 1].lastOffset + 1;
  }

  private async flushRound(): Promise<void> {
    const target = this.logEndOffset;
    // Segments still being synced by rounds in flight are synced again here: this round may
    // end first, and when it does everything written before it started must be durable.
    const segs = new Set<Segment>([...this.dirty, ...this.syncing.keys()]);
    const syncDir = this.dirDirty || this.dirSyncsInFlight > 0;
    if (segs.size === 0 && !syncDir) {
      if (this.flushedOffset >= target) return; // an earlier round covered everything
      segs.add(this.active);
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
      if (syncDir && !this.closed) this.fs.fsyncDir(this.dir);
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
    this.flushedOffset = Math.max(this.flushedOffset, Math.min(target, round.cap, this.logEndOffset));
    if (round.cap !== Infinity) {
      // A truncation ran meanwhile: this round's fsyncs predate it, so the segments before
      // the recovery point are not known durable as they now are. The next round decides.
      this.sealedSinceCheckpoint ||= sealed;
    } else if (sealed && !this.closed) {
      this.checkpointRecoveryPoint();
    }
  }

  /** Segments before the one holding flushedOffset are sealed and durable: skip them on open. */
  private checkpointRecoveryPoint(): void {
    writeCheckpoint(this.fs, this.dir, LEADER_EPOCH_FILE, this.epochs.all().map((e) => [e.epoch, e.startOffset]));
    writeOffsetCheckpoint(this.fs, this.dir, RECOVERY_POINT_FILE, this.flushedOffset);
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
      this.dirty.delete(seg);
      seg.deleteFiles();
      this.dirDirty = true;
    }
  }
}

/**
 * The bytes to keep in the tail cache. Appended batches come from request frames that nothing
 * else keeps or modifies after the append, so a view is enough when it covers most of its buffer
 * (keeping it pins no large unrelated memory); a small view into a large buffer is copied.
 */
function privateCopy(batches: Uint8Array): Uint8Array {
  return batches.byteLength * 2 >= batches.buffer.byteLength ? batches : batches.slice();
}
