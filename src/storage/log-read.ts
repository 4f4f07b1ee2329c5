// The read path of a partition log (partition-log.ts): whole batches from the tail cache when it
// holds them, else from the segment holding the offset, never at or past `maxOffset` (the high
// watermark). The first batch is returned whole even when larger than maxBytes if asked (KIP-74).

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
  for (let i = segmentHolding(segments, fetchOffset); i < segments.length; i++) {
    const seg = segments[i];
    const first = seg.findBatch(fetchOffset);
    if (first === null) continue;
    if (first.lastOffset >= maxOffset || (first.size > maxBytes && !minOneBatch)) break;
    return wholeBatchesBelow(seg.read(first.position, Math.max(maxBytes, first.size)), maxOffset);
  }
  return EMPTY;
}

/** What a read returns: the bytes and the offset after their last batch (fetchOffset if none). */
export function readResult(bytes: Uint8Array, fetchOffset: number): ReadResult {
  if (bytes.length === 0) return { bytes, nextOffset: fetchOffset, outOfRange: false };
  const infos = batchesIn(bytes);
  return { bytes, nextOffset: infos[infos.length - 1].lastOffset + 1, outOfRange: false };
}
