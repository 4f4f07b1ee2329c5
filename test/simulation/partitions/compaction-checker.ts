// Kafka's compaction guarantees on a replicated log, checked on log images (every batch and
// record of a replica's log, read back). Two checks:
//
// - `checkCleaned(before, after, rules)`: one cleaning pass on one replica. Throws
//   InvariantViolation when the pass
//     - left a hole: the batches of `after` must cover every offset from its log start to its
//       end (what Raft needs: every index keeps a term, entries stay contiguous);
//     - changed an offset's term, or a record's offset, key or value (offsets never change);
//     - touched anything at or above the replica's safe bound (its commit index + 1, capped at
//       its flushed log: nothing Raft may still truncate is cleaned);
//     - removed a control batch (Raft's leader changes, memberships, log start commands);
//     - removed a record without a later record of the same key before it, or a tombstone
//       before its delete horizon, or gave a batch a horizon sooner than delete.retention.ms
//       from the pass (KIP-534: tombstones stay delete.retention.ms after their first cleaning);
//     - removed a batch, or changed its bounds or producer fields: a batch is a Raft entry,
//       whose bounds the core and the followers rely on, and the producer state a replica
//       rebuilds from its log needs every producer's batches (an emptied batch stays).
// - `checkFinal(image, history, keyOf)`: a replica's final log against the committed history
//   the partition checker collected (offset -> value): every record is the history's at its
//   offset, every control batch of the history (at or above the log start) is there, and the
//   latest record of every key in the history is there.

import { BatchHeader, CONTROL, DELETE_HORIZON } from '../../../src/protocol/records/batch.ts';
import { batchRecordsRange, decodeRecords } from '../../../src/protocol/records/records.ts';
import type { PartitionLog } from '../../../src/storage/partition-log.ts';
import { batchesIn } from '../../../src/storage/batch-scan.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import type { KeyedRecords } from '../idempotent-producers.ts';
import { nameOf } from './clients.ts';

export interface ImageRecord {
  readonly offset: number;
  readonly key: string | null;
  /** null: a tombstone. */
  readonly value: string | null;
  /** The simulation's name of the record: its value, or a tombstone's `id` header. */
  readonly name: string;
}

export interface ImageBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly term: number;
  readonly control: boolean;
  readonly recordCount: number;
  readonly producerId: number;
  readonly baseSequence: number;
  /** The delete horizon (KIP-534) when the batch carries one. */
  readonly horizonMs: number | null;
  readonly records: readonly ImageRecord[];
}

export interface LogImage {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly batches: readonly ImageBatch[];
}

/** Bytes read at once when taking an image. */
const IMAGE_READ_BYTES = 256 * 1024;
const utf8 = new TextDecoder();

/** Every batch of `log` from its start to its end, decoded (uncompressed batches: the simulation's). */
export function imageOf(log: PartitionLog): LogImage {
  const batches: ImageBatch[] = [];
  for (let at = log.logStartOffset; at < log.logEndOffset; ) {
    const r = log.read(at, IMAGE_READ_BYTES, { minOneBatch: true });
    if (r.bytes.length === 0) throw new InvariantViolation(`${log.dir}: nothing to read at ${at} below the log end ${log.logEndOffset}`);
    for (const info of batchesIn(r.bytes)) batches.push(batchOf(r.bytes, info.position));
    at = r.nextOffset;
  }
  return { logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, batches };
}

function batchOf(bytes: Uint8Array, pos: number): ImageBatch {
  const h = new BatchHeader(bytes, pos);
  const control = (h.attributes & CONTROL) !== 0;
  const range = batchRecordsRange(bytes, pos);
  const records = control
    ? []
    : decodeRecords(bytes, range.start, range.end, h.recordCount).map((rec, i) => ({
        offset: h.baseOffset + (rec.offsetDelta ?? i),
        key: rec.key === null ? null : utf8.decode(rec.key),
        value: rec.value === null ? null : utf8.decode(rec.value),
        name: nameOf(rec),
      }));
  const horizonMs = (h.attributes & DELETE_HORIZON) !== 0 ? h.baseTimestamp : null;
  return { baseOffset: h.baseOffset, lastOffset: h.lastOffset, term: h.partitionLeaderEpoch, control, recordCount: h.recordCount, producerId: h.producerId, baseSequence: h.baseSequence, horizonMs, records };
}

export interface CleanedRules {
  /** The replica's safe bound when the pass started: min(high watermark, flushed offset). */
  readonly cleanableEndOffset: number;
  readonly nowMs: number;
  /** The topic's delete.retention.ms. */
  readonly deleteRetentionMs: number;
}

export interface CleanedCounts {
  /** Tombstones the pass removed (their horizon had passed). */
  tombstonesRemoved: number;
}

export function checkCleaned(before: LogImage, after: LogImage, rules: CleanedRules, who: string): CleanedCounts {
  const counts: CleanedCounts = { tombstonesRemoved: 0 };
  checkContiguous(after, who);
  if (after.logStartOffset !== before.logStartOffset) return counts; // the log start moved meanwhile: the pass was not the only change
  const end = Math.min(before.logEndOffset, after.logEndOffset);
  const afterBatchAt = batchIndex(after);
  for (const b of before.batches) {
    if (b.baseOffset >= end) break;
    const kept = afterBatchAt.get(b.baseOffset);
    if (b.lastOffset >= rules.cleanableEndOffset && b.lastOffset < end && !sameBatch(b, kept)) {
      fail(`${who}: the batch [${b.baseOffset}..${b.lastOffset}] at or above the safe bound ${rules.cleanableEndOffset} was changed by the cleaner`);
    }
    if (b.control && b.lastOffset < end && !sameBatch(b, kept)) fail(`${who}: the control batch at ${b.baseOffset} (term ${b.term}) was removed by the cleaner`);
    if (kept !== undefined && b.horizonMs === null && kept.horizonMs !== null && kept.horizonMs < rules.nowMs + rules.deleteRetentionMs) {
      fail(`${who}: the batch at ${b.baseOffset} was given the delete horizon ${kept.horizonMs}, sooner than delete.retention.ms ${rules.deleteRetentionMs} after ${rules.nowMs}`);
    }
    if (b.lastOffset < end && (kept === undefined || kept.lastOffset !== b.lastOffset || kept.producerId !== b.producerId || kept.baseSequence !== b.baseSequence)) {
      fail(`${who}: the batch [${b.baseOffset}..${b.lastOffset}] (producer ${b.producerId}) was removed or changed its bounds or producer`);
    }
  }
  checkTerms(before, after, end, who);
  const beforeRecords = recordsBelow(before, end);
  const afterRecords = new Map(recordsBelow(after, end).map((r) => [r.offset, r]));
  const latestOffsetOfKey = new Map<string, number>();
  for (const r of beforeRecords) if (r.key !== null) latestOffsetOfKey.set(r.key, r.offset);
  const horizonOf = new Map<number, number | null>();
  for (const b of before.batches) for (const r of b.records) horizonOf.set(r.offset, b.horizonMs);
  for (const r of beforeRecords) {
    const kept = afterRecords.get(r.offset);
    if (kept !== undefined) {
      if (kept.key !== r.key || kept.value !== r.value) fail(`${who}: offset ${r.offset} held ${show(r)}, the cleaned log holds ${show(kept)} there`);
      afterRecords.delete(r.offset);
      continue;
    }
    if (r.key === null) continue; // keyless records go (a compacted topic refuses them on produce, KIP-467)
    const superseded = (latestOffsetOfKey.get(r.key) ?? r.offset) > r.offset;
    if (superseded) continue;
    if (r.value !== null) fail(`${who}: the latest record of key ${r.key} (${show(r)}) was removed`);
    const horizon = horizonOf.get(r.offset) ?? null;
    if (horizon === null || horizon > rules.nowMs) fail(`${who}: the tombstone of key ${r.key} at ${r.offset} was removed before its delete horizon (${horizon ?? 'none given yet'}, now ${rules.nowMs})`);
    counts.tombstonesRemoved++;
  }
  for (const [offset, r] of afterRecords) fail(`${who}: the cleaned log holds ${show(r)} at ${offset}, which was not there before`);
  return counts;
}

/**
 * A replica's final log against the committed history (offset -> `p<id>s<seq>` or
 * `control@<term>`): the latest record of every key is there, unless it is a tombstone (which
 * goes after its delete horizon: checkCleaned judged each removal), and then no older record of
 * its key is there either (a deleted key does not come back).
 */
export function checkFinal(image: LogImage, history: ReadonlyMap<number, string>, keyed: KeyedRecords, who: string): void {
  checkContiguous(image, who);
  const present = new Map<number, string>();
  for (const b of image.batches) {
    if (b.control) present.set(b.baseOffset, `control@${b.term}`);
    for (const r of b.records) present.set(r.offset, r.name);
  }
  for (const [offset, value] of present) {
    const h = history.get(offset);
    if (h !== undefined && h !== value) fail(`${who}: offset ${offset} holds ${value}, the committed log held ${h} there`);
  }
  const latest = new Map<string, number>();
  for (const [offset, value] of history) {
    if (offset < image.logStartOffset || offset >= image.logEndOffset) continue;
    if (value.startsWith('control@')) {
      if (present.get(offset) !== value) fail(`${who}: the control batch ${value} at ${offset} is missing from the final log`);
      continue;
    }
    const key = keyed.keyOf(value);
    if ((latest.get(key) ?? -1) < offset) latest.set(key, offset);
  }
  const presentKeys = new Set<string>();
  for (const [offset, name] of present) if (!name.startsWith('control@') && offset >= image.logStartOffset) presentKeys.add(keyed.keyOf(name));
  for (const [key, offset] of latest) {
    const value = history.get(offset)!;
    if (present.get(offset) === value) continue;
    if (!keyed.isTombstone(value)) fail(`${who}: the latest value of key ${key} (${value} at ${offset}) is missing from the final log`);
    if (presentKeys.has(key)) fail(`${who}: key ${key} was deleted (tombstone ${value} at ${offset}, removed) but an older record of it is in the final log`);
  }
}

function checkContiguous(image: LogImage, who: string): void {
  let next = image.logStartOffset;
  for (const b of image.batches) {
    if (b.baseOffset > next) fail(`${who}: offsets ${next}..${b.baseOffset - 1} are in no batch: a hole in the log`);
    if (b.baseOffset < next) fail(`${who}: the batch at ${b.baseOffset} overlaps offsets below ${next}`);
    next = b.lastOffset + 1;
  }
  if (next < image.logEndOffset) fail(`${who}: offsets ${next}..${image.logEndOffset - 1} are in no batch: a hole at the log end`);
}

function batchIndex(image: LogImage): Map<number, ImageBatch> {
  return new Map(image.batches.map((b) => [b.baseOffset, b]));
}

function sameBatch(a: ImageBatch, b: ImageBatch | undefined): boolean {
  return b !== undefined && a.lastOffset === b.lastOffset && a.term === b.term && a.control === b.control && a.recordCount === b.recordCount;
}

/** Every offset below `end` has the same term in both images (both contiguous: checked). */
function checkTerms(before: LogImage, after: LogImage, end: number, who: string): void {
  let j = 0;
  for (const a of after.batches) {
    if (a.baseOffset >= end) break;
    while (j < before.batches.length && before.batches[j].lastOffset < a.baseOffset) j++;
    for (let k = j; k < before.batches.length && before.batches[k].baseOffset <= a.lastOffset && before.batches[k].baseOffset < end; k++) {
      const b = before.batches[k];
      if (b.term !== a.term) fail(`${who}: offsets ${Math.max(a.baseOffset, b.baseOffset)}.. had term ${b.term}, the cleaned log says ${a.term}`);
    }
  }
}

function recordsBelow(image: LogImage, end: number): ImageRecord[] {
  return image.batches.flatMap((b) => b.records.filter((r) => r.offset < end));
}

function show(r: ImageRecord): string {
  return `${r.key ?? '(no key)'}=${r.value ?? '(tombstone)'}`;
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}
