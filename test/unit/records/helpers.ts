// Shared by the records tests: batches encoded by kafkajs (code we did not write).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type KafkajsRecord = { key?: Buffer | null; value: Buffer | null; headers?: Record<string, Buffer | string>; timestamp?: number };

/** A v2 batch encoded by kafkajs's RecordBatch encoder (gzip or none). */
export async function kafkajsBatch(opts: {
  compression?: number;
  records: KafkajsRecord[];
  firstTimestamp?: number;
  producerId?: number;
  firstSequence?: number;
}): Promise<Uint8Array> {
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const Long = require('kafkajs/src/utils/long.js');
  const first = opts.firstTimestamp ?? 1_700_000_000_000;
  const records = opts.records.map((r, i) =>
    Record({ offsetDelta: i, timestampDelta: (r.timestamp ?? first) - first, key: r.key ?? null, value: r.value, headers: r.headers ?? {} }),
  );
  const maxTs = Math.max(...opts.records.map((r) => r.timestamp ?? first));
  const enc = await RecordBatch({
    compression: opts.compression ?? 0,
    firstTimestamp: first,
    maxTimestamp: maxTs,
    lastOffsetDelta: records.length - 1,
    producerId: Long.fromValue(opts.producerId ?? -1),
    firstSequence: opts.firstSequence ?? 0,
    records,
  });
  return new Uint8Array(enc.buffer);
}

/** kafkajs's gzip codec (node zlib), for cross-checking ours. */
export function kafkajsGzip(): { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> } {
  return require('kafkajs/src/protocol/message/compression/gzip.js');
}

export function kafkajsSnappy(): { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> } {
  return require('kafkajs-snappy')();
}

export function lz4js(): { compress(b: Uint8Array): Uint8Array; decompress(b: Uint8Array): Uint8Array } {
  return require('lz4js');
}

/** snappyjs raw snappy blocks (what kafkajs-snappy uses). */
export function snappyjs(): { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array } {
  return require('snappyjs');
}

/** Deterministic test bytes: half text-like (compressible), half noise. */
export function sampleBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = i % 97 < 50 ? 97 + ((i * 7) % 26) : x & 0xff;
  }
  return out;
}
