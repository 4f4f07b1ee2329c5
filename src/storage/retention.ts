// Which old segments retention removes (Kafka's UnifiedLog.deleteOldSegments): a prefix of
// the log where each segment is past retention.ms by its newest timestamp, or is not needed to
// stay under retention.bytes, or lies wholly below the log start offset (DeleteRecords).
// The active segment is never deleted. Pure: the caller deletes the files.

import type { LogConfig } from './config.ts';

export interface SegmentStat {
  baseOffset: number;
  /** One past the segment's last offset. */
  nextOffset: number;
  sizeBytes: number;
  /** Newest batch timestamp in the segment; -1 when it has none (never expires by time). */
  maxTimestamp: number;
}

export type RetentionReason = 'time' | 'size' | 'log_start';

/** How many leading segments to delete, and why the last of them went. */
export function segmentsToDelete(
  segments: readonly SegmentStat[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  logStartOffset: number,
): { count: number; reasons: RetentionReason[] } {
  let bytesOver = segments.reduce((n, s) => n + s.sizeBytes, 0) - config.retentionBytes;
  const reasons: RetentionReason[] = [];
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i];
    let why: RetentionReason | null = null;
    if (s.nextOffset <= logStartOffset) why = 'log_start';
    else if (s.maxTimestamp >= 0 && nowMs - s.maxTimestamp > config.retentionMs) why = 'time';
    else if (bytesOver - s.sizeBytes >= 0) why = 'size';
    if (why === null) break;
    bytesOver -= s.sizeBytes;
    reasons.push(why);
  }
  return { count: reasons.length, reasons };
}
