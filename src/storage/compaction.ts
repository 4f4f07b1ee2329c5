// Log compaction of one partition log: one cleaning pass (Kafka's Cleaner.doClean).
//
//   plan     the dirty section starts at the cleaner checkpoint; it ends before the active
//            segment and before the first segment holding records newer than
//            min.compaction.lag.ms. Clean when dirty / (clean + dirty) >= min.cleanable.dirty.ratio.
//   map      key -> latest offset over the dirty section, batch by batch, until the map is
//            full (then the pass covers what was mapped and the next pass the rest).
//   rewrite  every sealed segment from the log start up to the end of the mapped range, in
//            groups of consecutive segments up to segment.bytes, each group into one
//            `.cleaned` segment (compaction-records.ts decides per batch).
//   swap     after re-checking that nothing truncated, deleted or replaced segments meanwhile,
//            the cleaned segments replace the old ones (compaction-swap.ts) and the checkpoint
//            moves to the end of the mapped range.
//
// The work between plan and swap runs in slices of at most `sliceBytes` read, with `yieldNow`
// between them, so one large partition does not hold the event loop; after each await the
// log's segmentsVersion is compared with the one planned against, and the pass is abandoned
// (its files deleted) if it moved. Control batches and transactional batches are kept whole
// and stay out of the map (there is no transaction state to tell committed from aborted).
//
// Replicated logs (`CompactionDeps.replicated`, given by src/cluster/replica): a replicated
// partition's log is its Raft log, and each replica cleans its own, as Kafka's followers do.
// Two rules on top of the above (control batches, Raft's own entries among them, are kept whole
// already; see src/cluster/replica/README.md, "Compaction"):
//   - the dirty section also ends before the first segment reaching the commit index this
//     replica knows (capped at its flushed log): Kafka's cleaner stops at the high watermark
//     (LogCleanerManager.cleanableOffsets: min of the active segment, the first unstable offset
//     and the high watermark), so nothing Raft may still truncate is rewritten;
//   - no batch is removed: a batch left with no record stays as an empty batch with its
//     offsets, term and producer fields (Kafka's writeEmptyHeader, which Kafka's cleaner uses
//     for a producer's last batch). A batch is a Raft entry: its bounds are entry bounds the
//     core and the followers rely on (nextIndex and the commit index fall on batch bounds,
//     a follower matches an entry by its first offset and term), every index keeps its term
//     (prevLogIndex checks), the log stays contiguous on the wire and on disk, and the
//     producer state a replica rebuilds from its log (producer-replay.ts) still sees every
//     producer's batches, so idempotence survives a restart. The cost is the 61-byte header
//     of each emptied batch; the records are what compaction removes.

import { assert } from '../base/assert.ts';
import type { PartitionLog } from './partition-log.ts';
import type { Segment } from './segment.ts';
import type { StorageFs } from './fs.ts';
import type { OpenFiles } from './open-files.ts';
import { BatchScanner, batchesIn, RECOVERY_CHUNK_BYTES } from './batch-scan.ts';
import { maxIndexEntries, RELATIVE_OFFSET_MAX, SEGMENT_BYTES_MAX } from './config.ts';
import { OffsetMap, OFFSET_MAP_BYTES_MAX } from './compaction-map.ts';
import { type CleanBatchContext, cleanBatch, type Codec, recordsSection, walkRecords } from './compaction-records.ts';
import { CleanedSegment, readCleanerCheckpoint, swapIn, type SwapGroup, type SwapStep, writeCleanerCheckpoint } from './compaction-swap.ts';
import { BatchHeader, CONTROL, TRANSACTIONAL } from '../protocol/records/batch.ts';

/** The topic configs compaction honours (Kafka's names, in ms and as a ratio). */
export interface CompactionConfig {
  /** delete.retention.ms: how long tombstones stay after their batch was first cleaned. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: clean once dirty / total bytes reaches this. */
  minCleanableDirtyRatio: number;
}

export interface CompactionLimits {
  /** Memory of the offset map; a pass maps at most this much of the dirty section. */
  offsetMapBytesMax: number;
  /** Bytes read between two yields to the event loop. */
  sliceBytes: number;
}

/** Bytes read per slice before the cleaner yields to the event loop. */
export const CLEANER_SLICE_BYTES = 1024 * 1024;

export const DEFAULT_COMPACTION_LIMITS: Readonly<CompactionLimits> = {
  offsetMapBytesMax: OFFSET_MAP_BYTES_MAX,
  sliceBytes: CLEANER_SLICE_BYTES,
};

export interface CompactionPlan {
  /** First offset not yet cleaned (the checkpoint, clamped to the log). */
  firstDirtyOffset: number;
  /** The dirty section ends before this offset (a segment base). */
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  /** dirty / (clean + dirty), 0 when the log has no cleanable bytes. */
  dirtyRatio: number;
}

export interface CompactionResult {
  outcome: 'cleaned' | 'abandoned' | 'nothing';
  /** The new checkpoint (end of the mapped range). */
  cleanedUpTo: number;
  segmentsBefore: number;
  segmentsAfter: number;
  recordsRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Earliest delete horizon this pass gave a batch, or null: the log is due again then. */
  earliestHorizonMs: number | null;
}

/** A replicated log's cleaning rules (the header's "Replicated logs"); a lone node's log has none. */
export interface ReplicatedCleaning {
  /** Nothing at or above this offset is cleaned: the commit index + 1 this replica knows, capped at its flushed log. */
  cleanableEndOffset: number;
}

export interface CompactionDeps {
  codec: Codec;
  /** Set for a replicated log (src/cluster/replica). */
  replicated?: ReplicatedCleaning;
  nowMs: number;
  limits?: Partial<CompactionLimits>;
  /** Awaited between slices (the cleaner yields a turn of its scheduler; tests may interleave
   *  work); without one a pass only lets settled promises run between slices. */
  yieldNow?: () => Promise<void>;
  /** Crash tests: called after each durable step of the swap. */
  swapHook?: (step: SwapStep) => void;
}

/**
 * Where the dirty section is and how dirty the log is. Pure over the log's current state.
 * `cleanableEndOffset`: a replicated log's bound (ReplicatedCleaning); no segment reaching it is cleanable.
 */
export function planCompaction(log: PartitionLog, config: CompactionConfig, nowMs: number, cleanableEndOffset = Infinity): CompactionPlan {
  const { fs, segments } = log.compactionView();
  const active = segments[segments.length - 1];
  const stored = readCleanerCheckpoint(fs, log.dir);
  // Below the log start (retention, DeleteRecords) or beyond its end (truncated): start over.
  const firstDirtyOffset = stored === null || stored < log.logStartOffset || stored > log.logEndOffset ? log.logStartOffset : stored;
  let firstUncleanableOffset = active.baseOffset;
  let cleanBytes = 0;
  let dirtyBytes = 0;
  for (const s of segments) {
    if (s === active) break;
    if (s.nextOffset > cleanableEndOffset) {
      firstUncleanableOffset = s.baseOffset;
      break;
    }
    if (s.nextOffset <= firstDirtyOffset) {
      cleanBytes += s.sizeBytes;
      continue;
    }
    if (config.minCompactionLagMs > 0 && s.maxTimestamp > nowMs - config.minCompactionLagMs) {
      firstUncleanableOffset = s.baseOffset;
      break;
    }
    dirtyBytes += s.sizeBytes;
  }
  const total = cleanBytes + dirtyBytes;
  return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, dirtyBytes, dirtyRatio: total === 0 ? 0 : dirtyBytes / total };
}

/** One cleaning pass over the log; resolves when its output is swapped in or abandoned. */
export async function compactLog(log: PartitionLog, config: CompactionConfig, deps: CompactionDeps): Promise<CompactionResult> {
  const pass = new CleaningPass(log, config, deps);
  try {
    return await pass.run();
  } finally {
    pass.discardUnswapped();
  }
}

class Abandoned extends Error {}

/** One pass. Exported for the simulation's broken cleaners only (they patch `cleanOne`). */
export class CleaningPass {
  private readonly version: number;
  private readonly fs: StorageFs;
  private readonly files: OpenFiles;
  private readonly limits: CompactionLimits;
  private readonly map: OffsetMap;
  private readonly yieldNow: () => Promise<void>;
  private readBytes = 0;
  private outputs: CleanedSegment[] = [];
  private swapped = false;
  private recordsRemoved = 0;
  private earliestHorizonMs: number | null = null;

  constructor(
    private readonly log: PartitionLog,
    private readonly config: CompactionConfig,
    private readonly deps: CompactionDeps,
  ) {
    this.version = log.segmentsVersion;
    this.fs = log.compactionView().fs;
    this.files = log.compactionView().files;
    this.limits = { ...DEFAULT_COMPACTION_LIMITS, ...deps.limits };
    this.map = new OffsetMap(this.limits.offsetMapBytesMax);
    this.yieldNow = deps.yieldNow ?? (() => Promise.resolve());
  }

  async run(): Promise<CompactionResult> {
    const view = this.log.compactionView();
    const segments = view.segments.slice();
    const result: CompactionResult = {
      outcome: 'nothing', cleanedUpTo: 0, segmentsBefore: segments.length, segmentsAfter: segments.length,
      recordsRemoved: 0, bytesBefore: 0, bytesAfter: 0, earliestHorizonMs: null,
    };
    if (!view.usable) return result;
    const cleanableEnd = this.deps.replicated?.cleanableEndOffset ?? Infinity;
    const plan = planCompaction(this.log, this.config, this.deps.nowMs, cleanableEnd);
    result.cleanedUpTo = plan.firstDirtyOffset;
    try {
      const mapEnd = await this.buildMap(segments, plan);
      const targets = segments.filter((s, i) => i < segments.length - 1 && s.baseOffset < Math.max(mapEnd, plan.firstDirtyOffset) && s.nextOffset <= cleanableEnd);
      if (targets.length === 0) return result;
      const groups = await this.rewrite(groupSegments(targets, this.log.config), mapEnd);
      await Promise.all(groups.map((g) => g.fresh.finish()));
      this.checkUnchanged();
      result.bytesBefore = groups.reduce((n, g) => n + g.old.reduce((m, o) => m + o.sizeBytes, 0), 0);
      result.bytesAfter = groups.reduce((n, g) => n + g.fresh.sizeBytes, 0);
      this.commit(groups, mapEnd);
      result.outcome = 'cleaned';
      result.cleanedUpTo = mapEnd;
      result.segmentsAfter = this.log.segmentCount;
      result.recordsRemoved = this.recordsRemoved;
      result.earliestHorizonMs = this.earliestHorizonMs;
      return result;
    } catch (e) {
      if (!(e instanceof Abandoned) && this.log.segmentsVersion === this.version) throw e;
      // The log changed under the pass (a closed fd, a removed directory): try again later.
      return { ...result, outcome: 'abandoned' };
    }
  }

  /** Deletes the files of cleaned segments that were not swapped in. */
  discardUnswapped(): void {
    if (this.swapped) return;
    for (const o of this.outputs) o.discard();
  }

  /** Maps keys of the dirty section; returns the end of the mapped range. */
  private async buildMap(segments: readonly Segment[], plan: CompactionPlan): Promise<number> {
    let mapEnd = plan.firstDirtyOffset;
    for (const seg of segments) {
      if (seg.baseOffset >= plan.firstUncleanableOffset) break;
      if (seg.nextOffset <= plan.firstDirtyOffset) continue;
      // The scan spans awaits: it reads through the LogFile, which may be closed and reopened meanwhile.
      const scan = new BatchScanner(seg.file, seg.findBatch(plan.firstDirtyOffset)?.position ?? 0, seg.sizeBytes, RECOVERY_CHUNK_BYTES);
      for (let b = scan.next(true); b !== null; b = scan.next(true)) {
        if (b.lastOffset < plan.firstDirtyOffset) continue;
        const batch = scan.bytes.subarray(scan.bytesAt, scan.bytesAt + b.size);
        const h = new BatchHeader(batch, 0);
        if ((h.attributes & (CONTROL | TRANSACTIONAL)) === 0) {
          walkRecords(recordsSection(batch, this.deps.codec), h.recordCount, (r) => {
            if (r.key !== null) this.map.put(r.key, h.baseOffset + r.offsetDelta);
          });
        }
        mapEnd = b.lastOffset + 1;
        if (this.map.full) return mapEnd;
        await this.maybeYield(b.size);
      }
      mapEnd = Math.max(mapEnd, seg.nextOffset);
    }
    return mapEnd;
  }

  /**
   * Writes each group's cleaned segment; keeps only groups whose bytes changed. A group left
   * with no record at all (only its kept empty last batch) is continued into the next group
   * instead: a segment of nothing but an empty batch answers a Fetch with no records, and
   * librdkafka gives up ("might be too large to fetch") after about ten such answers in a row.
   */
  private async rewrite(groups: Segment[][], mapEnd: number): Promise<SwapGroup[]> {
    const out: SwapGroup[] = [];
    const ctx = {
      isLatest: (key: Uint8Array, offset: number) => offset >= mapEnd || offset >= this.map.get(key),
      nowMs: this.deps.nowMs,
      deleteRetentionMs: this.config.deleteRetentionMs,
      codec: this.deps.codec,
    };
    let cur: Output | null = null;
    const replicated = this.deps.replicated !== undefined;
    for (const [gi, group] of groups.entries()) {
      if (cur === null) {
        const fresh = new CleanedSegment(this.files, this.log.dir, group[0].baseOffset, this.deps.nowMs, this.log.config.indexIntervalBytes);
        this.outputs.push(fresh);
        cur = { fresh, old: [], records: 0, changed: false };
      }
      cur.old.push(...group);
      cur.changed ||= cur.old.length > 1;
      const next = groups[gi + 1];
      const canContinue = next !== undefined && next[next.length - 1].nextOffset - 1 - cur.fresh.baseOffset <= RELATIVE_OFFSET_MAX;
      let continued = false;
      for (const [k, seg] of group.entries()) {
        const scan = new BatchScanner(seg.file, 0, seg.sizeBytes, RECOVERY_CHUNK_BYTES);
        for (let b = scan.next(true); b !== null; b = scan.next(true)) {
          const batch = scan.bytes.subarray(scan.bytesAt, scan.bytesAt + b.size);
          const lastOfGroup = k === group.length - 1 && scan.position >= seg.sizeBytes;
          if (replicated) {
            continued = this.placeReplicated(cur, batch, b.baseOffset >= mapEnd, ctx, canContinue, lastOfGroup);
          } else {
            continued ||= this.placeLone(cur, batch, b.baseOffset >= mapEnd, ctx, canContinue, lastOfGroup);
          }
          if (cur.fresh.sizeBytes > SEGMENT_BYTES_MAX) throw new Abandoned('cleaned segment outgrew the index position range');
          await this.maybeYield(b.size);
        }
      }
      if (continued) continue;
      if (cur.changed) out.push({ old: cur.old, fresh: cur.fresh });
      cur = null;
    }
    return out;
  }

  /**
   * One batch of a lone node's log: written as cleaned; a group's last batch left empty is
   * dropped when the group continues into the next (returns true then).
   */
  private placeLone(cur: Output, batch: Uint8Array, beyondMap: boolean, ctx: CleanBatchContext, canContinue: boolean, lastOfGroup: boolean): boolean {
    const kept = this.cleanOne(batch, beyondMap, ctx, lastOfGroup);
    if (kept !== batch) cur.changed = true;
    if (kept === null) return false;
    const records = new BatchHeader(kept, 0).recordCount;
    if (lastOfGroup && records === 0 && cur.records === 0 && canContinue) {
      cur.changed = true;
      return true;
    }
    cur.fresh.append(kept, batchesIn(kept));
    cur.records += records;
    return false;
  }

  /**
   * One batch of a replicated log (the header's "Replicated logs"): written as cleaned, empty
   * if no record stays; the group continues into the next while it holds no record.
   */
  private placeReplicated(cur: Output, batch: Uint8Array, beyondMap: boolean, ctx: CleanBatchContext, canContinue: boolean, lastOfGroup: boolean): boolean {
    const kept = this.cleanOne(batch, beyondMap, ctx, true);
    assert(kept !== null, 'a replicated log keeps every batch');
    if (kept !== batch) cur.changed = true;
    cur.fresh.append(kept, batchesIn(kept));
    cur.records += new BatchHeader(kept, 0).recordCount;
    if (!lastOfGroup || !canContinue || cur.records > 0) return false;
    cur.changed = true; // merged with the next group's segment
    return true;
  }

  private cleanOne(batch: Uint8Array, beyondMap: boolean, ctx: CleanBatchContext, lastOfGroup: boolean): Uint8Array | null {
    const h = new BatchHeader(batch, 0);
    if (beyondMap || (h.attributes & (CONTROL | TRANSACTIONAL)) !== 0) return batch;
    const r = cleanBatch(batch, ctx, lastOfGroup);
    this.recordsRemoved += r.recordsRemoved;
    if (r.horizonMs !== null) this.earliestHorizonMs = Math.min(this.earliestHorizonMs ?? Infinity, r.horizonMs);
    return r.bytes;
  }

  /** Swap and checkpoint, in one synchronous turn after the last check. */
  private commit(groups: SwapGroup[], mapEnd: number): void {
    if (groups.length > 0) {
      swapIn(this.fs, this.log.dir, groups, this.deps.swapHook);
      this.swapped = true;
      this.log.replaceSegments(groups);
      for (const g of groups) for (const o of g.old) o.close();
      for (const o of this.outputs) if (!groups.some((g) => g.fresh === o)) o.discard();
    }
    writeCleanerCheckpoint(this.fs, this.log.dir, mapEnd);
  }

  private async maybeYield(bytes: number): Promise<void> {
    this.readBytes += bytes;
    if (this.readBytes < this.limits.sliceBytes) return;
    this.readBytes = 0;
    await this.yieldNow();
    this.checkUnchanged();
  }

  private checkUnchanged(): void {
    if (this.log.segmentsVersion !== this.version || !this.log.compactionView().usable) throw new Abandoned('log changed');
  }
}

/** One cleaned segment being written, and the old segments it replaces. */
interface Output {
  fresh: CleanedSegment;
  old: Segment[];
  records: number;
  changed: boolean;
}

/**
 * Consecutive segments grouped so each group fits one segment: at most segment.bytes (by the
 * old sizes, as Kafka's groupSegmentsBySize; cleaning only shrinks them), index entries within
 * segment.index.bytes, and offsets within the int32 relative range.
 */
export function groupSegments(segments: readonly Segment[], config: PartitionLog['config']): Segment[][] {
  const groups: Segment[][] = [];
  let cur: Segment[] = [];
  let bytes = 0;
  let entries = 0;
  for (const s of segments) {
    const fits = cur.length > 0 &&
      bytes + s.sizeBytes <= config.segmentBytes &&
      entries + s.index.count <= maxIndexEntries(config) &&
      s.nextOffset - 1 - cur[0].baseOffset <= RELATIVE_OFFSET_MAX;
    if (!fits && cur.length > 0) {
      groups.push(cur);
      cur = [];
      bytes = entries = 0;
    }
    cur.push(s);
    bytes += s.sizeBytes;
    entries += s.index.count;
  }
  if (cur.length > 0) groups.push(cur);
  assert(groups.every((g) => g.length > 0), 'empty group');
  return groups;
}
