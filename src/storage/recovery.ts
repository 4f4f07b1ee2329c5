// Opening a partition directory: find the segments, trust what was durable at the last
// recovery point, and scan everything after it, truncating a torn or corrupt tail at the last
// whole batch whose CRC32C checks (Kafka's LogLoader.recoverLog, Redpanda's log recovery).
//
// Segments wholly before the recovery point's segment were fsynced together with their index
// files, so their indexes are loaded (after a sanity check) rather than rebuilt. The segment
// holding the recovery point and all later ones are scanned batch by batch, and their indexes
// and the epoch cache's tail are rebuilt from the scan.

import { join } from 'node:path';
import type { StorageFs } from './fs.ts';
import type { OpenFiles } from './open-files.ts';
import { type LogConfig, maxIndexEntries } from './config.ts';
import { EpochCache, type EpochEntry } from './epoch-cache.ts';
import { OffsetIndex, TimeIndex } from './indexes.ts';
import { BatchScanner, RECOVERY_CHUNK_BYTES } from './batch-scan.ts';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  parseSegmentName,
  Segment,
  segmentName,
  TIME_INDEX_SUFFIX,
} from './segment.ts';
import {
  LEADER_EPOCH_FILE,
  LOG_START_OFFSET_FILE,
  readCheckpoint,
  readOffsetCheckpoint,
  RECOVERY_POINT_FILE,
  TEMP_SUFFIX,
  writeCheckpoint,
  writeOffsetCheckpoint,
} from './checkpoint.ts';
import { completeInterruptedSwaps } from './compaction-swap.ts';
import { ATTRIBUTES, CRC, CURRENT_MAGIC, MAGIC } from '../protocol/records/batch.ts';

/** CRC32C of buf[start, end). */
export type Crc32c = (buf: Uint8Array, start: number, end: number) => number;

export interface RecoveredLog {
  segments: Segment[];
  epochs: EpochCache;
  logStartOffset: number;
  logEndOffset: number;
  /** Bytes cut off torn or corrupt tails (and segments dropped after them). */
  truncatedBytes: number;
  /** A new (or never written) log: its directory entries were not fsynced. */
  fresh: boolean;
}

export function recoverLog(files: OpenFiles, dir: string, config: LogConfig, nowMs: number, crc32c: Crc32c): RecoveredLog {
  const fs = files.fs;
  if (!fs.exists(dir)) {
    // A new partition: its directory and first segment are created by its first write.
    const segment = Segment.createOnFirstWrite(files, dir, 0, nowMs);
    return { segments: [segment], epochs: new EpochCache([]), logStartOffset: 0, logEndOffset: 0, truncatedBytes: 0, fresh: true };
  }
  fs.mkdirp(dir);
  completeInterruptedSwaps(fs, dir);
  const bases = listSegments(fs, dir);
  const empty = openIfEmpty(files, dir, bases, nowMs);
  if (empty !== null) {
    return { segments: [empty], epochs: new EpochCache([]), logStartOffset: 0, logEndOffset: 0, truncatedBytes: 0, fresh: true };
  }
  const storedStart = readOffsetCheckpoint(fs, dir, LOG_START_OFFSET_FILE);
  const recoveryPoint = readOffsetCheckpoint(fs, dir, RECOVERY_POINT_FILE) ?? 0;
  const storedEpochs = readEpochs(fs, dir);
  let logStartOffset = storedStart ?? bases[0] ?? 0;

  // Segments wholly below the log start offset were being deleted when we stopped.
  while (bases.length >= 2 && bases[1] <= logStartOffset) deleteSegmentFiles(fs, dir, bases.shift()!);
  const noSegment = bases.length === 0;
  if (noSegment) bases.push(logStartOffset);

  const segments = noSegment ? [Segment.create(files, dir, logStartOffset, nowMs)] : bases.map((b) => Segment.open(files, dir, b, nowMs));
  let scanFrom = storedEpochs === null ? 0 : Math.max(0, lastIndexAtOrBelow(bases, recoveryPoint));
  for (let i = 0; i < scanFrom; i++) {
    if (!loadSealed(fs, segments[i], bases[i + 1], config)) {
      scanFrom = i;
      break;
    }
  }

  const epochs = new EpochCache(storedEpochs ?? []);
  epochs.truncateFromEnd(bases[scanFrom]);
  const tail = scanTail(fs, segments, scanFrom, epochs, config, crc32c);
  let logEndOffset = tail.logEndOffset;
  epochs.truncateFromEnd(logEndOffset);

  if (logStartOffset > logEndOffset) {
    // The start offset was moved beyond data that did not survive: start over there.
    for (const s of tail.segments) s.deleteFiles();
    tail.segments = [Segment.create(files, dir, logStartOffset, nowMs)];
    logEndOffset = logStartOffset;
    epochs.truncateFromEnd(0);
  }
  if (logStartOffset < tail.segments[0].baseOffset) logStartOffset = tail.segments[0].baseOffset;
  epochs.truncateFromStart(logStartOffset);

  // What survived in the page cache is made durable now, so flushedOffset = logEndOffset.
  for (let i = scanFrom; i < tail.segments.length; i++) tail.segments[i].fsyncSync();
  fs.fsyncDir(dir);
  writeCheckpoint(fs, dir, LEADER_EPOCH_FILE, epochs.all().map((e) => [e.epoch, e.startOffset]));
  writeOffsetCheckpoint(fs, dir, LOG_START_OFFSET_FILE, logStartOffset);
  writeOffsetCheckpoint(fs, dir, RECOVERY_POINT_FILE, logEndOffset);
  return { segments: tail.segments, epochs, logStartOffset, logEndOffset, truncatedBytes: tail.truncatedBytes, fresh: false };
}

/**
 * A partition never written: no checkpoint and at most one empty segment at 0.
 * Nothing there needs trusting, cutting or making durable, so it opens without a single fsync
 * (creating or reopening 10,000 partitions would otherwise cost tens of seconds of fsyncs).
 */
function openIfEmpty(files: OpenFiles, dir: string, bases: number[], nowMs: number): Segment | null {
  if (bases.length > 1 || (bases.length === 1 && bases[0] !== 0)) return null;
  for (const name of [LOG_START_OFFSET_FILE, RECOVERY_POINT_FILE, LEADER_EPOCH_FILE]) {
    if (files.fs.exists(join(dir, name))) return null;
  }
  if (bases.length === 0) return Segment.create(files, dir, 0, nowMs);
  const seg = Segment.open(files, dir, 0, nowMs);
  if (seg.isEmpty) return seg;
  seg.close(); // recovery proper opens it again
  return null;
}

/** Base offsets of the segment files, ascending; removes leftovers of interrupted writes. */
function listSegments(fs: StorageFs, dir: string): number[] {
  const names = fs.readdir(dir);
  const bases: number[] = [];
  for (const name of names) {
    if (name.endsWith(TEMP_SUFFIX)) fs.unlink(join(dir, name));
    const base = parseSegmentName(name);
    if (base !== null) bases.push(base);
  }
  const logs = new Set(names);
  for (const name of names) {
    // An index without its log is a leftover of a segment deletion.
    const stem = name.replace(/\.(index|timeindex)$/, '');
    if (stem !== name && !logs.has(stem + LOG_SUFFIX)) fs.unlink(join(dir, name));
  }
  return bases.sort((a, b) => a - b);
}

function readEpochs(fs: StorageFs, dir: string): EpochEntry[] | null {
  const rows = readCheckpoint(fs, dir, LEADER_EPOCH_FILE, 2);
  if (rows === null) return null;
  const entries = rows.map(([epoch, startOffset]) => ({ epoch, startOffset }));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].epoch <= entries[i - 1].epoch || entries[i].startOffset <= entries[i - 1].startOffset) return null;
  }
  return entries;
}

function lastIndexAtOrBelow(bases: number[], offset: number): number {
  let i = bases.length - 1;
  while (i > 0 && bases[i] > offset) i--;
  return i;
}

/** Loads a sealed segment's index files; false when they are missing or fail the sanity check. */
function loadSealed(fs: StorageFs, seg: Segment, nextBase: number, config: LogConfig): boolean {
  const relEnd = nextBase - seg.baseOffset;
  const indexBytes = fs.readFile(seg.path(INDEX_SUFFIX));
  const timeBytes = fs.readFile(seg.path(TIME_INDEX_SUFFIX));
  if (indexBytes === null || timeBytes === null || seg.sizeBytes === 0) return false;
  const index = OffsetIndex.fromBytes(indexBytes, seg.sizeBytes, relEnd, maxIndexEntries(config));
  const timeIndex = TimeIndex.fromBytes(timeBytes, relEnd);
  if (index === null || timeIndex === null) return false;
  seg.index = index;
  seg.timeIndex = timeIndex;
  seg.nextOffset = nextBase;
  const last = timeIndex.last();
  if (last) {
    seg.maxTimestamp = last.timestamp;
    seg.offsetOfMaxTimestamp = seg.baseOffset + last.relOffset;
  }
  seg.sealed = true;
  return true;
}

interface TailScan {
  segments: Segment[];
  logEndOffset: number;
  truncatedBytes: number;
}

/** Scans segments[from..]; stops at the first bad batch, truncating there and dropping the rest. */
function scanTail(fs: StorageFs, segments: Segment[], from: number, epochs: EpochCache, config: LogConfig, crc32c: Crc32c): TailScan {
  let expected = segments[from].baseOffset;
  let truncatedBytes = 0;
  let keep = segments.length;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i];
    // A segment that does not continue where the previous one ended follows a lost tail.
    const expectedBase = expected;
    const validBytes = seg.baseOffset === expected ? scanSegment(fs, seg, epochs, config, crc32c) : 0;
    expected = seg.nextOffset;
    if (validBytes < seg.sizeBytes || seg.baseOffset !== expectedBase) {
      truncatedBytes += seg.sizeBytes - validBytes;
      if (validBytes === 0 && i > from) {
        keep = i;
      } else {
        seg.truncateAtPosition(validBytes);
        keep = i + 1;
      }
      break;
    }
  }
  for (let i = keep; i < segments.length; i++) {
    truncatedBytes += segments[i].sizeBytes;
    segments[i].deleteFiles();
  }
  const kept = segments.slice(0, keep);
  for (let i = from; i < kept.length - 1; i++) kept[i].seal();
  const active = kept[kept.length - 1];
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    if (!active.sealed && fs.exists(active.path(suffix))) fs.unlink(active.path(suffix));
  }
  return { segments: kept, logEndOffset: active.nextOffset, truncatedBytes };
}

/** Walks one segment, checking each batch; returns the bytes of whole, valid batches. */
function scanSegment(fs: StorageFs, seg: Segment, epochs: EpochCache, config: LogConfig, crc32c: Crc32c): number {
  const scan = new BatchScanner(seg.file, 0, seg.sizeBytes, RECOVERY_CHUNK_BYTES);
  let expected = seg.baseOffset;
  for (let b = scan.next(true); b !== null; b = scan.next(true)) {
    const at = scan.bytesAt;
    const view = new DataView(scan.bytes.buffer, scan.bytes.byteOffset, scan.bytes.byteLength);
    const valid =
      // Compaction leaves gaps between batches inside a segment (never between segments).
      b.baseOffset >= expected &&
      b.lastOffset >= b.baseOffset &&
      b.epoch >= Math.max(0, epochs.latestEpoch) &&
      view.getInt8(at + MAGIC) === CURRENT_MAGIC &&
      view.getUint32(at + CRC) === crc32c(scan.bytes, at + ATTRIBUTES, at + b.size) >>> 0;
    if (!valid) return b.position;
    epochs.assign(b.epoch, b.baseOffset);
    seg.track(b, config.indexIntervalBytes);
    expected = b.lastOffset + 1;
  }
  return scan.stop === 'end' ? seg.sizeBytes : scan.position;
}

function deleteSegmentFiles(fs: StorageFs, dir: string, base: number): void {
  for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    const p = join(dir, segmentName(base, suffix));
    if (fs.exists(p)) fs.unlink(p);
  }
}
