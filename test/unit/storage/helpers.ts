// Test helpers for the partition log: batches, seeded randomness, and reading a log back.

import { buildBatch, type RecordInput } from '../../../src/protocol/records/records.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { ManualClock } from '../../../src/base/clock.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import type { LogConfig } from '../../../src/storage/config.ts';
import type { StorageFs } from '../../../src/storage/fs.ts';
import { batchesIn, type BatchInfo } from '../../../src/storage/batch-scan.ts';
import { Prng } from '../../../src/base/prng.ts';

export { crc32c };

/** A batch of `records` records; timestamps ts, ts+1, ...; values of `valueBytes` bytes. */
export function batch(records: number, opts: { ts?: number; valueBytes?: number; compression?: number } = {}): Uint8Array {
  const ts = opts.ts ?? 1_000;
  const rs: RecordInput[] = [];
  for (let i = 0; i < records; i++) {
    rs.push({ key: `k${i}`, value: new Uint8Array(opts.valueBytes ?? 10).fill(i & 0xff), timestamp: ts + i });
  }
  return buildBatch({ records: rs });
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Uniform numbers in [0, 1) from the one seeded PRNG (src/base/prng.ts), so a failing seed replays. */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}

export function openLog(fs: StorageFs | undefined, dir: string, config: Partial<LogConfig> = {}, clock = new ManualClock()): PartitionLog {
  return PartitionLog.open(dir, config, { fs, clock, crc32c });
}

/** Every batch from logStartOffset to logEndOffset, read back through read() in small steps. */
export function readAllBatches(log: PartitionLog, maxBytes = 1000): BatchInfo[] {
  const out: BatchInfo[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, maxBytes, { minOneBatch: true });
    if (r.bytes.length === 0) throw new Error(`no progress at ${offset}`);
    const infos = batchesIn(r.bytes);
    out.push(...infos);
    offset = r.nextOffset;
  }
  return out;
}
