// Per-partition log settings. Names follow Kafka's topic configs
// (https://kafka.apache.org/documentation/#topicconfigs); the topic-config module owns parsing
// and defaults per topic and hands a LogConfig to the log. Kafka's "-1 means unlimited" is
// Infinity here, so comparisons need no special case.

import { assert } from '../base/assert.ts';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes: roll the active segment before it would grow past this. */
  segmentBytes: number;
  /** segment.ms: roll the active segment once it is this old, even if not full. */
  segmentMs: number;
  /** retention.ms: delete closed segments whose newest timestamp is older than this. */
  retentionMs: number;
  /** retention.bytes: delete the oldest closed segments while the log is larger than this. */
  retentionBytes: number;
  /** index.interval.bytes: one sparse index entry per this many bytes of batches. */
  indexIntervalBytes: number;
  /** segment.index.bytes: the offset index of one segment holds at most this many bytes. */
  segmentIndexBytes: number;
  /** message.timestamp.type: LogAppendTime makes the broker stamp each batch. */
  timestampType: TimestampType;
  /** Not a Kafka config: bytes of recent appends kept in memory for consumers at the head. */
  tailCacheBytesMax: number;
  /**
   * Not a Kafka config: bytes of appends above the flushed offset kept in memory, so that a log
   * whose fsync failed can write them again (PartitionLog.repair, unflushed.ts). 0 when nothing
   * flushes as it goes (--dev mode): only a restart repairs such a log.
   */
  retainUnflushedBytesMax: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: Infinity,
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  timestampType: 'CreateTime',
  tailCacheBytesMax: 4 * 1024 * 1024,
  retainUnflushedBytesMax: 64 * 1024 * 1024,
};

/** File positions inside a segment are int32 in the index, as in Kafka. */
export const SEGMENT_BYTES_MAX = 0x7fffffff;
/** Offsets relative to a segment's base are int32 in the indexes. */
export const RELATIVE_OFFSET_MAX = 0x7fffffff;
/** Bytes of one offset index entry: relative offset int32 + position int32. */
export const OFFSET_INDEX_ENTRY_BYTES = 8;
/** Bytes of one time index entry: timestamp int64 + relative offset int32. */
export const TIME_INDEX_ENTRY_BYTES = 12;

/** Kafka's -1 ("unlimited") for retention.ms / retention.bytes becomes Infinity. */
export function unlimitedFromKafka(v: number): number {
  return v < 0 ? Infinity : v;
}

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const c = { ...DEFAULT_LOG_CONFIG, ...overrides };
  assert(c.segmentBytes > 0 && c.segmentBytes <= SEGMENT_BYTES_MAX, 'segmentBytes out of range');
  assert(c.segmentMs > 0, 'segmentMs must be positive');
  assert(c.indexIntervalBytes >= 0, 'indexIntervalBytes must not be negative');
  assert(c.segmentIndexBytes >= OFFSET_INDEX_ENTRY_BYTES, 'segmentIndexBytes too small');
  assert(c.tailCacheBytesMax >= 0, 'tailCacheBytesMax must not be negative');
  assert(c.retainUnflushedBytesMax >= 0, 'retainUnflushedBytesMax must not be negative');
  return c;
}

/** Most offset index entries one segment may hold; the segment rolls when full. */
export function maxIndexEntries(c: LogConfig): number {
  return Math.floor(c.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES);
}
