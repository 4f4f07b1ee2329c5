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

import { assert } from '../base/assert.ts';
import type { PartitionLog } from './partition-log.ts';
import type { Segment } from './segment.ts';
import type { StorageFs } from './fs.ts';
import type { OpenFiles } from './open-files.ts';
import { BatchScanner, batchesIn, RECOVERY_CHUNK_BYTES } from './batch-scan.ts';
import { maxIndexEntries, RELATIVE_OFFSET_MAX, SEGMENT_BYTES_MAX } from './config.ts';
import { OffsetMap, OFFSET_MAP_BYTES_MAX } from './compaction-map.ts';
import { cleanBatch, type Codec, recordsSection, walkRecords } from './compaction-records.ts';
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

export interface CompactionDeps {
  codec: Codec;
  nowMs: number;
  limits?: Partial<CompactionLimits>;
  /** Awaited between slices (the cleaner yields a turn of its scheduler; tests may interleave
   *  work); without one a pass only lets settled promises run between slices. */
  yieldNow?: () => Promise<void>;
  /** Crash tests: called after each durable step of the swap. */
  swapHook?: (step: SwapStep) => void;
}

/** Where the dirty section is and how dirty the log is. Pure over the log's current state. */
export function planCompaction(log: PartitionLog, config: CompactionConfig, nowMs: number): CompactionPlan {
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
  const pass = new Pass(log, config, deps);
  try {
    return await pass.run();
  } finally {
    pass.discardUnswapped();
  }
}

class Abandoned extends Error {}

class Pass {
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
    const plan = planCompaction(this.log, this.config, this.deps.nowMs);
    result.cleanedUpTo = plan.firstDirtyOffset;
    try {
      const mapEnd = await this.buildMap(segments, plan);
      const targets = segments.filter((s, i) => i < segments.length - 1 && s.baseOffset < Math.max(mapEnd, plan.firstDirtyOffset));
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
    let cur: { fresh: CleanedSegment; old: Segment[]; records: number; changed: boolean } | null = null;
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
          const kept = this.cleanOne(batch, b.baseOffset >= mapEnd, ctx, lastOfGroup);
          if (kept !== batch) cur.changed = true;
          if (kept !== null) {
            const records = new BatchHeader(kept, 0).recordCount;
            if (lastOfGroup && records === 0 && cur.records === 0 && canContinue) {
              continued = cur.changed = true;
            } else {
              cur.fresh.append(kept, batchesIn(kept));
              cur.records += records;
            }
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

  private cleanOne(batch: Uint8Array, beyondMap: boolean, ctx: Parameters<typeof cleanBatch>[1], lastOfGroup: boolean): Uint8Array | null {
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
