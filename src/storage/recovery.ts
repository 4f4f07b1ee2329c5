// Opening a partition directory: find the segments, trust what was durable at the last
// recovery point, and scan everything after it (Kafka's LogLoader.recoverLog, Redpanda's log
// recovery). Two kinds of bad bytes are told apart by where they lie:
//
// - Above the recovery point (not known flushed): a torn tail left by a crash. It is cut at the
//   last whole batch whose CRC32C checks, and reported (the caller logs a WARN).
// - Below the recovery point (known flushed): disk corruption. Nothing is cut: the segment is
//   moved aside whole (`<base>.log.damaged`) and the log is not opened (the partition goes
//   offline until an operator acts, see README.md "Damaged segments"). A later start that finds
//   an aside file does not open the log either, and changes nothing.
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
import { asideName, type LogDamage, moveAside, type RecoveryReport, segmentSetAside, type TornTail } from './damage.ts';

/** CRC32C of buf[start, end). */
export type Crc32c = (buf: Uint8Array, start: number, end: number) => number;

export interface RecoveredLog {
  segments: Segment[];
  epochs: EpochCache;
  logStartOffset: number;
  logEndOffset: number;
  report: RecoveryReport;
  /** A new (or never written) log: its directory entries were not fsynced. */
  fresh: boolean;
}

export type RecoveryResult = { ok: true; log: RecoveredLog } | { ok: false; damage: LogDamage };

export function recoverLog(files: OpenFiles, dir: string, config: LogConfig, nowMs: number, crc32c: Crc32c): RecoveryResult {
  const fs = files.fs;
  if (!fs.exists(dir)) {
    // A new partition: its directory and first segment are created by its first write.
    return { ok: true, log: freshLog(Segment.createOnFirstWrite(files, dir, 0, nowMs)) };
  }
  fs.mkdirp(dir);
  // An earlier start set a damaged segment aside: nothing is touched until an operator acts.
  const setAside = segmentSetAside(fs, dir);
  if (setAside !== null) return { ok: false, damage: locateDamage(files, setAside, crc32c, config) };
  completeInterruptedSwaps(fs, dir);
  const bases = listSegments(fs, dir);
  const empty = openIfEmpty(files, dir, bases, nowMs);
  if (empty !== null) return { ok: true, log: freshLog(empty) };
  const storedStart = readOffsetCheckpoint(fs, dir, LOG_START_OFFSET_FILE);
  const recoveryPoint = readOffsetCheckpoint(fs, dir, RECOVERY_POINT_FILE) ?? 0;
  const storedEpochs = readEpochs(fs, dir);
  let logStartOffset = storedStart ?? bases[0] ?? 0;

  // Segments wholly below the log start offset were being deleted when we stopped.
  while (bases.length >= 2 && bases[1] <= logStartOffset) deleteSegmentFiles(fs, dir, bases.shift()!);
  const noSegment = bases.length === 0;
  if (noSegment) bases.push(logStartOffset);

  const segments = noSegment ? [Segment.create(files, dir, logStartOffset, nowMs)] : bases.map((b) => Segment.open(files, dir, b, nowMs));
  const report: RecoveryReport = { truncations: [], gaps: [], scannedBytes: 0, recoveryPoint };
  let scanFrom = storedEpochs === null ? 0 : Math.max(0, lastIndexAtOrBelow(bases, recoveryPoint));
  for (let i = 0; i < scanFrom; i++) {
    if (!loadSealed(fs, segments[i], bases[i + 1], config, report)) {
      scanFrom = i;
      break;
    }
  }

  const epochs = new EpochCache(storedEpochs ?? []);
  epochs.truncateFromEnd(bases[scanFrom]);
  const tail = scanTail(fs, segments, scanFrom, { epochs, config, crc32c, recoveryPoint, report });
  if ('damage' in tail) {
    for (const s of segments) s.close();
    moveAside(fs, tail.damage);
    return { ok: false, damage: tail.damage };
  }
  let logEndOffset = tail.logEndOffset;
  epochs.truncateFromEnd(logEndOffset);

  if (logStartOffset > logEndOffset) {
    // The start offset was moved beyond data that did not survive: start over there.
    for (const s of tail.segments) s.deleteFiles();
    tail.segments = [Segment.create(files, dir, logStartOffset, nowMs)];
    logEndOffset = logStartOffset;
    epochs.truncateFromEnd(0);
  } else if (logEndOffset < recoveryPoint) {
    // Offsets known flushed are missing at the end: an operator removed or cut a damaged
    // segment. The log continues at the recovery point so that no offset is handed out twice.
    report.gaps.push({ from: logEndOffset, to: recoveryPoint });
    const last = tail.segments[tail.segments.length - 1];
    if (last.isEmpty) tail.segments.pop()!.deleteFiles();
    else last.seal();
    tail.segments.push(Segment.create(files, dir, recoveryPoint, nowMs));
    logEndOffset = recoveryPoint;
  }
  if (logStartOffset < tail.segments[0].baseOffset) logStartOffset = tail.segments[0].baseOffset;
  epochs.truncateFromStart(logStartOffset);

  // What survived in the page cache is made durable now, so flushedOffset = logEndOffset.
  for (let i = Math.min(scanFrom, tail.segments.length - 1); i < tail.segments.length; i++) tail.segments[i].fsyncSync();
  fs.fsyncDir(dir);
  writeCheckpoint(fs, dir, LEADER_EPOCH_FILE, epochs.all().map((e) => [e.epoch, e.startOffset]));
  writeOffsetCheckpoint(fs, dir, LOG_START_OFFSET_FILE, logStartOffset);
  writeOffsetCheckpoint(fs, dir, RECOVERY_POINT_FILE, logEndOffset);
  return { ok: true, log: { segments: tail.segments, epochs, logStartOffset, logEndOffset, report, fresh: false } };
}

/** A log with nothing in it: nothing was scanned, cut or found. */
function freshLog(segment: Segment): RecoveredLog {
  const report: RecoveryReport = { truncations: [], gaps: [], scannedBytes: 0, recoveryPoint: 0 };
  return { segments: [segment], epochs: new EpochCache([]), logStartOffset: 0, logEndOffset: 0, report, fresh: true };
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
function loadSealed(fs: StorageFs, seg: Segment, nextBase: number, config: LogConfig, report: RecoveryReport): boolean {
  const relEnd = nextBase - seg.baseOffset;
  const indexBytes = fs.readFile(seg.path(INDEX_SUFFIX));
  const timeBytes = fs.readFile(seg.path(TIME_INDEX_SUFFIX));
  if (indexBytes === null || timeBytes === null || seg.sizeBytes === 0) return false;
  const index = OffsetIndex.fromBytes(indexBytes, seg.sizeBytes, relEnd, maxIndexEntries(config));
  const timeIndex = TimeIndex.fromBytes(timeBytes, relEnd);
  if (index === null || timeIndex === null) return false;
  // The true end, from the batches after the last index entry: it is below the next segment's
  // base only when segments were removed from the middle (an operator giving up damaged data).
  const end = lastBatchEnd(fs, seg, index.lastPosition());
  if (end === null || end > nextBase) return false;
  if (end < nextBase) report.gaps.push({ from: end, to: nextBase });
  seg.index = index;
  seg.timeIndex = timeIndex;
  seg.nextOffset = end;
  const last = timeIndex.last();
  if (last) {
    seg.maxTimestamp = last.timestamp;
    seg.offsetOfMaxTimestamp = seg.baseOffset + last.relOffset;
  }
  seg.sealed = true;
  return true;
}

/** One past the last offset of the batches from `position` to the end, or null if they do not parse. */
function lastBatchEnd(fs: StorageFs, seg: Segment, position: number): number | null {
  const scan = new BatchScanner(seg.file, position, seg.sizeBytes);
  let end: number | null = null;
  for (let b = scan.next(); b !== null; b = scan.next()) end = b.lastOffset + 1;
  return scan.stop === 'end' ? end : null;
}

interface ScanContext {
  epochs: EpochCache;
  config: LogConfig;
  crc32c: Crc32c;
  recoveryPoint: number;
  report: RecoveryReport;
}

interface TailScan {
  segments: Segment[];
  logEndOffset: number;
}

/**
 * Scans segments[from..]. Above the recovery point it stops at the first bad batch, truncating
 * there and dropping the segments after it; below it, a bad batch is damage and nothing is cut.
 */
function scanTail(fs: StorageFs, segments: Segment[], from: number, ctx: ScanContext): TailScan | { damage: LogDamage } {
  let expected = segments[from].baseOffset;
  let keep = segments.length;
  let cut: { index: number; tail: TornTail } | null = null;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.baseOffset > expected && expected < ctx.recoveryPoint) {
      // Flushed offsets are missing between two segments: a segment was removed (an operator
      // giving up a damaged one). What is left is kept; the log continues after the gap.
      ctx.report.gaps.push({ from: expected, to: seg.baseOffset });
      expected = seg.baseOffset;
    }
    if (seg.baseOffset !== expected) {
      // A segment that does not continue where the previous one ended follows a lost tail.
      if (seg.baseOffset < ctx.recoveryPoint) return { damage: damageOf(seg, seg.baseOffset, 0, ctx, 'it overlaps the segment before it') };
      keep = i;
      cut = { index: i, tail: noteTruncation(ctx.report, seg, expected, 0) };
      break;
    }
    const scanned = scanSegment(fs, seg, ctx);
    ctx.report.scannedBytes += scanned.validBytes;
    expected = seg.nextOffset;
    if (scanned.validBytes < seg.sizeBytes) {
      if (expected < ctx.recoveryPoint) return { damage: damageOf(seg, expected, scanned.validBytes, ctx, scanned.problem) };
      cut = { index: i, tail: noteTruncation(ctx.report, seg, expected, scanned.validBytes) };
      if (scanned.validBytes === 0 && i > from) {
        keep = i;
      } else {
        seg.truncateAtPosition(scanned.validBytes);
        keep = i + 1;
      }
      break;
    }
  }
  for (let i = keep; i < segments.length; i++) {
    if (cut !== null && i !== cut.index) cut.tail.bytesDropped += segments[i].sizeBytes;
    segments[i].deleteFiles();
  }
  const kept = segments.slice(0, keep);
  for (let i = from; i < kept.length - 1; i++) kept[i].seal();
  const active = kept[kept.length - 1];
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    if (!active.sealed && fs.exists(active.path(suffix))) fs.unlink(active.path(suffix));
  }
  return { segments: kept, logEndOffset: active.nextOffset };
}

function noteTruncation(report: RecoveryReport, seg: Segment, offset: number, position: number): TornTail {
  const t: TornTail = { file: seg.path(LOG_SUFFIX), offset, position, bytesDropped: seg.sizeBytes - position };
  report.truncations.push(t);
  return t;
}

function damageOf(seg: Segment, offset: number, position: number, ctx: ScanContext, problem: string): LogDamage {
  const file = seg.path(LOG_SUFFIX);
  return { file, offset, position, sizeBytes: seg.sizeBytes, recoveryPoint: ctx.recoveryPoint, problem, foundNow: true };
}

/** Walks one segment, checking each batch: the bytes of whole, valid batches, and why it stopped. */
function scanSegment(fs: StorageFs, seg: Segment, ctx: ScanContext): { validBytes: number; problem: string } {
  const scan = new BatchScanner(seg.file, 0, seg.sizeBytes, RECOVERY_CHUNK_BYTES);
  let expected = seg.baseOffset;
  for (let b = scan.next(true); b !== null; b = scan.next(true)) {
    const at = scan.bytesAt;
    const view = new DataView(scan.bytes.buffer, scan.bytes.byteOffset, scan.bytes.byteLength);
    const problem =
      // Compaction leaves gaps between batches inside a segment (never between segments).
      b.baseOffset < expected || b.lastOffset < b.baseOffset ? `its offsets ${b.baseOffset}-${b.lastOffset} go back` :
      b.epoch < Math.max(0, ctx.epochs.latestEpoch) ? `its leader epoch ${b.epoch} goes back` :
      view.getInt8(at + MAGIC) !== CURRENT_MAGIC ? 'its magic byte is wrong' :
      view.getUint32(at + CRC) !== ctx.crc32c(scan.bytes, at + ATTRIBUTES, at + b.size) >>> 0 ? 'its CRC32C does not match' :
      null;
    if (problem !== null) return { validBytes: b.position, problem: `the batch there is corrupt: ${problem}` };
    ctx.epochs.assign(b.epoch, b.baseOffset);
    seg.track(b, ctx.config.indexIntervalBytes);
    expected = b.lastOffset + 1;
  }
  if (scan.stop === 'end') return { validBytes: seg.sizeBytes, problem: '' };
  const problem = scan.stop === 'torn' ? 'the batch there is cut short' : 'the batch there has an impossible length';
  return { validBytes: scan.position, problem };
}

/** Re-reads a segment set aside earlier to say again where it is damaged; reads only. */
function locateDamage(files: OpenFiles, file: string, crc32c: Crc32c, config: LogConfig): LogDamage {
  const fs = files.fs;
  const dir = file.slice(0, file.lastIndexOf('/'));
  const base = parseSegmentName(file.slice(dir.length + 1)) ?? 0;
  const seg = new Segment(files, dir, base, files.file(asideName(file)), 0);
  try {
    const report: RecoveryReport = { truncations: [], gaps: [], scannedBytes: 0, recoveryPoint: -1 };
    const ctx = { epochs: new EpochCache([]), config, crc32c, recoveryPoint: -1, report };
    const scanned = scanSegment(fs, seg, ctx);
    const found = scanned.validBytes < seg.sizeBytes;
    return {
      file,
      offset: found ? seg.nextOffset : -1,
      position: found ? scanned.validBytes : -1,
      sizeBytes: seg.sizeBytes,
      recoveryPoint: readOffsetCheckpoint(fs, dir, RECOVERY_POINT_FILE) ?? -1,
      problem: found ? scanned.problem : 'no damage is visible in it now',
      foundNow: false,
    };
  } finally {
    seg.close();
  }
}

function deleteSegmentFiles(fs: StorageFs, dir: string, base: number): void {
  for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    const p = join(dir, segmentName(base, suffix));
    if (fs.exists(p)) fs.unlink(p);
  }
}
