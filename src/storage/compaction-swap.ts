// Putting cleaned segments in place of the old ones so that a crash at any point leaves either
// the old segments or the new ones (Kafka's Log.replaceSegments, with the same file suffixes):
//
//   1. write <base>.log.cleaned, .index.cleaned, .timeindex.cleaned; fsync them; fsync the dir
//   2. rename each to .swap, the .log last; fsync the dir      <- commit point of that segment
//   3. unlink the old segments the new one replaces (except the one whose name it takes)
//   4. rename the .swap files to their final names, the .log last (over the old files); fsync
//
// A cleaned segment starts at the base offset of the first old segment it replaces and ends
// with the last batch of the last one (kept even when empty), so it covers exactly the offsets
// of the segments it replaces: each cleaned segment swaps independently of the others.
//
// Recovery (completeInterruptedSwaps, before anything else is opened): `.cleaned` files are
// deleted (rolled back); a `<base>.log.swap` is completed (steps 3-4, its range read from its
// last batch); a `.swap` index without its `.log.swap` belongs to a step 2 that never reached
// the log, and is deleted.

import { join } from 'node:path';
import type { StorageFs } from './fs.ts';
import type { OpenFiles } from './open-files.ts';
import { INDEX_SUFFIX, LOG_SUFFIX, NO_TIMESTAMP, Segment, segmentName, TIME_INDEX_SUFFIX, writeWholeFile } from './segment.ts';
import { BatchScanner, preadableFd } from './batch-scan.ts';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.ts';

export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
/** The first dirty offset (everything below it was cleaned once), per partition directory. */
export const CLEANER_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

/** Index suffixes first: the .log is renamed last and so marks the step as done. */
const SUFFIXES_LOG_LAST = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX] as const;

export function readCleanerCheckpoint(fs: StorageFs, dir: string): number | null {
  return readOffsetCheckpoint(fs, dir, CLEANER_CHECKPOINT_FILE);
}

export function writeCleanerCheckpoint(fs: StorageFs, dir: string, offset: number): void {
  writeOffsetCheckpoint(fs, dir, CLEANER_CHECKPOINT_FILE, offset);
}

/** A cleaned segment being written to `<base>.log.cleaned`; a Segment once swapped in. */
export class CleanedSegment {
  readonly seg: Segment;
  private finished = false;
  private readonly fs: StorageFs;

  constructor(
    private readonly files: OpenFiles,
    readonly dir: string,
    readonly baseOffset: number,
    nowMs: number,
    private readonly indexIntervalBytes: number,
  ) {
    this.fs = files.fs;
    const file = files.create(join(dir, segmentName(baseOffset, LOG_SUFFIX + CLEANED_SUFFIX)));
    file.truncate(0); // a leftover of an abandoned pass
    this.seg = new Segment(files, dir, baseOffset, file, nowMs);
  }

  get sizeBytes(): number {
    return this.seg.sizeBytes;
  }

  /** Appends whole batches (with their final offsets); the indexes follow as on append. */
  append(bytes: Uint8Array, infos: Parameters<Segment['append']>[1]): void {
    this.seg.append(bytes, infos, this.indexIntervalBytes);
  }

  /** Writes the index files and makes all three durable (step 1, without the dir fsync). */
  async finish(): Promise<void> {
    const s = this.seg;
    // As Segment.seal: a final entry makes the last time index entry the segment's maximum.
    if (s.maxTimestamp !== NO_TIMESTAMP) s.timeIndex.maybeAppend(s.maxTimestamp, s.offsetOfMaxTimestamp - s.baseOffset);
    const indexes = [this.path(INDEX_SUFFIX + CLEANED_SUFFIX), this.path(TIME_INDEX_SUFFIX + CLEANED_SUFFIX)];
    writeWholeFile(this.fs, indexes[0], s.index.toBytes());
    writeWholeFile(this.fs, indexes[1], s.timeIndex.toBytes());
    await Promise.all([s.file.fsync(), ...indexes.map((p) => this.files.fsyncPath(p))]);
    s.sealed = true;
    this.finished = true;
  }

  /** Abandons this segment: closes and unlinks its files. Never throws. */
  discard(): void {
    try {
      this.seg.close();
    } catch {
      return; // the fd is gone (a crash in a simulation): what is on disk is recovery's business
    }
    for (const suffix of SUFFIXES_LOG_LAST) tryUnlink(this.fs, this.path(suffix + CLEANED_SUFFIX));
  }

  path(suffix: string): string {
    return join(this.dir, segmentName(this.baseOffset, suffix));
  }

  get isFinished(): boolean {
    return this.finished;
  }
}

/** The durable states a swap passes through (crash tests stop at each). */
export type SwapStep = 'cleaned' | 'swap' | 'final';

export interface SwapGroup {
  /** Consecutive sealed segments of the log, replaced by `fresh`. */
  old: readonly Segment[];
  fresh: CleanedSegment;
}

/**
 * Steps 2-4 for every group, synchronously (no reader can see a half-done swap: reads are
 * synchronous too). The old segments' file descriptors stay open: the caller closes them after
 * the in-memory swap. `hook` is for crash tests: called after each durable step.
 */
export function swapIn(fs: StorageFs, dir: string, groups: readonly SwapGroup[], hook: (step: SwapStep) => void = () => {}): void {
  fs.fsyncDir(dir); // step 1's creations
  hook('cleaned');
  for (const g of groups) {
    for (const suffix of SUFFIXES_LOG_LAST) fs.rename(g.fresh.path(suffix + CLEANED_SUFFIX), g.fresh.path(suffix + SWAP_SUFFIX));
    g.fresh.seg.file.path = g.fresh.path(LOG_SUFFIX + SWAP_SUFFIX); // reopened by path after an eviction
  }
  fs.fsyncDir(dir);
  hook('swap');
  for (const g of groups) {
    for (const o of g.old) if (o.baseOffset !== g.fresh.baseOffset) unlinkSegmentFiles(fs, dir, o.baseOffset);
    for (const suffix of SUFFIXES_LOG_LAST) fs.rename(g.fresh.path(suffix + SWAP_SUFFIX), g.fresh.path(suffix));
    g.fresh.seg.file.path = g.fresh.path(LOG_SUFFIX);
  }
  fs.fsyncDir(dir);
  hook('final');
}

/** Recovery: rolls back unfinished cleanings and completes committed swaps. */
export function completeInterruptedSwaps(fs: StorageFs, dir: string): void {
  const names = fs.readdir(dir);
  if (!names.some((n) => n.endsWith(CLEANED_SUFFIX) || n.endsWith(SWAP_SUFFIX))) return;
  for (const n of names) if (n.endsWith(CLEANED_SUFFIX)) fs.unlink(join(dir, n));
  const logBases = names.map((n) => parseBase(n, LOG_SUFFIX)).filter((b): b is number => b !== null);
  for (const n of names) {
    const base = parseBase(n, LOG_SUFFIX + SWAP_SUFFIX);
    if (base === null) continue;
    const end = swapEndOffset(fs, join(dir, n), base);
    for (const b of logBases) if (b > base && b < end) unlinkSegmentFiles(fs, dir, b);
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const swapped = join(dir, segmentName(base, suffix + SWAP_SUFFIX));
      // Without its .swap the index was renamed already, or (on a filesystem that reorders
      // renames) may still be the old one: removing it only costs a rebuild on open.
      if (fs.exists(swapped)) fs.rename(swapped, join(dir, segmentName(base, suffix)));
      else tryUnlink(fs, join(dir, segmentName(base, suffix)));
    }
    fs.rename(join(dir, n), join(dir, segmentName(base, LOG_SUFFIX)));
  }
  for (const n of fs.readdir(dir)) if (n.endsWith(SWAP_SUFFIX)) fs.unlink(join(dir, n));
  fs.fsyncDir(dir);
}

/** One past the last offset of a swap file's last whole batch. */
function swapEndOffset(fs: StorageFs, path: string, base: number): number {
  const fd = fs.openAppend(path);
  try {
    const scan = new BatchScanner(preadableFd(fs, fd), 0, fs.size(fd));
    let end = base;
    for (let b = scan.next(); b !== null; b = scan.next()) end = b.lastOffset + 1;
    return end;
  } finally {
    fs.close(fd);
  }
}

function parseBase(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const stem = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(stem)) return null;
  const n = Number(stem);
  return Number.isSafeInteger(n) ? n : null;
}

function unlinkSegmentFiles(fs: StorageFs, dir: string, base: number): void {
  for (const suffix of SUFFIXES_LOG_LAST) tryUnlink(fs, join(dir, segmentName(base, suffix)));
}

function tryUnlink(fs: StorageFs, path: string): void {
  try {
    if (fs.exists(path)) fs.unlink(path);
  } catch {
    // gone already (the directory was removed)
  }
}
