// The read path of a partition log (partition-log.ts): whole batches from the tail cache when it
// holds them, else from the segment holding the offset, never at or past `maxOffset` (the high
// watermark). The first batch is returned whole even when larger than maxBytes if asked (KIP-74).

import { concatBytes } from '../base/bytes.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type { ReadResult } from './log-types.ts';
import { batchesIn, wholeBatchesBelow } from './batch-scan.ts';
import { type Segment, segmentHolding } from './segment.ts';
import type { TailCache } from './tail-cache.ts';

const EMPTY = new Uint8Array(0);

/** Batches from fetchOffset (below maxOffset), at most maxBytes unless minOneBatch lets the first pass. */
export function readBatches(
  segments: readonly Segment[],
  tail: TailCache,
  fetchOffset: number,
  maxBytes: number,
  minOneBatch: boolean,
  maxOffset: number,
): Uint8Array {
  if (fetchOffset >= maxOffset) return EMPTY;
  const cached = tail.read(fetchOffset, maxBytes, minOneBatch, maxOffset);
  if (cached !== null) return cached;
  const parts: Uint8Array[] = [];
  let at = fetchOffset;
  let budget = maxBytes;
  let wholeFirst = minOneBatch;
  for (let i = segmentHolding(segments, fetchOffset); i < segments.length; i++) {
    const seg = segments[i];
    const first = seg.findBatch(at);
    if (first === null) continue;
    if (first.lastOffset >= maxOffset || (first.size > budget && !wholeFirst)) break;
    const bytes = wholeBatchesBelow(seg.read(first.position, Math.max(budget, first.size)), maxOffset);
    parts.push(bytes);
    // Only batches emptied by compaction (a replicated log keeps them: compaction.ts), up to
    // the segment's end: go on into the next segment, or a consumer would be answered with no
    // record and kafkajs would fetch the same offset forever (it advances only past records).
    const last = bytes.length === 0 ? null : lastBatchOf(bytes);
    if (last === null || !last.noRecords || last.lastOffset + 1 !== seg.nextOffset || parts.length > EMPTY_SEGMENTS_READ_MAX) break;
    at = seg.nextOffset;
    budget -= bytes.length;
    wholeFirst = false;
    if (budget <= 0) break;
  }
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}

/** Segments of nothing but emptied batches one read goes through before it answers with what it has. */
export const EMPTY_SEGMENTS_READ_MAX = 64;

/** The last batch's end, and whether no batch of `bytes` holds a record. */
function lastBatchOf(bytes: Uint8Array): { lastOffset: number; noRecords: boolean } {
  const infos = batchesIn(bytes);
  const noRecords = infos.every((b) => new BatchHeader(bytes, b.position).recordCount === 0);
  return { lastOffset: infos[infos.length - 1].lastOffset, noRecords };
}

/** What a read returns: the bytes and the offset after their last batch (fetchOffset if none). */
export function readResult(bytes: Uint8Array, fetchOffset: number): ReadResult {
  if (bytes.length === 0) return { bytes, nextOffset: fetchOffset, outOfRange: false };
  const infos = batchesIn(bytes);
  return { bytes, nextOffset: infos[infos.length - 1].lastOffset + 1, outOfRange: false };
}
