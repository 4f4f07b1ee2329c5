// The partition log's call and result types (partition-log.ts).

import type { Clock } from '../base/clock.ts';
import type { StorageFs } from './fs.ts';
import type { OpenFiles } from './open-files.ts';
import type { Crc32c } from './recovery.ts';
import type { Decompress } from './timestamp.ts';
import type { LogDamage } from './damage.ts';
import type { PartitionLog } from './partition-log.ts';
import type { TailPins } from './tail-cache.ts';

export interface PartitionLogDeps {
  fs?: StorageFs;
  /** The node's cache of open segment files (open-files.ts); a log on its own gets one of its own over `fs`. */
  files?: OpenFiles;
  clock: Clock;
  crc32c: Crc32c;
  /** The node's budget for request frames its tail caches keep alive (tail-cache.ts); without it, small views are copied. */
  tailPins?: TailPins;
  /** For record-level timestamp search in compressed batches; without it, batch granularity. */
  decompress?: Decompress;
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** Set when the topic uses LogAppendTime: the timestamp the broker stamped. */
  logAppendTimeMs?: number;
}

export interface ReadOptions {
  /** KIP-74: return the first batch whole even when it is larger than maxBytes. */
  minOneBatch: boolean;
  /** Exclusive end: batches holding offsets >= this are not returned (the high watermark). */
  maxOffset?: number;
}

export interface ReadResult {
  /** Whole batches; views of cached memory when served from the tail cache: do not modify. */
  bytes: Uint8Array;
  /** One past the last offset returned (fetchOffset when nothing was). */
  nextOffset: number;
  /** fetchOffset was outside [logStartOffset, logEndOffset]; bytes is empty. */
  outOfRange: boolean;
}

export type OpenResult = { ok: true; log: PartitionLog } | { ok: false; damage: LogDamage };
