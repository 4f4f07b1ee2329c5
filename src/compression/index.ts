// Kafka batch compression in both directions, one entry point per direction.
// The codec id is the low three attribute bits of a RecordBatch (Compression in
// src/protocol/records/batch.ts). See README.md in this folder for choices and measurements.
//
// Every decompress call takes maxOutputBytes and refuses to produce more (CompressionError
// 'limit'), so a small produce request cannot inflate into gigabytes. Malformed input is
// CompressionError 'corrupt'; nothing here crashes the process on bad bytes.

import type * as NodeZlib from 'node:zlib';
import { Compression } from '../protocol/records/batch.ts';
import { CompressionError, corruptError, limitError } from './errors.ts';
import { lz4Compress, lz4Decompress, lz4DecompressInto } from './lz4.ts';
import { snappyCompress, snappyDecompress, snappyDecompressInto } from './snappy.ts';

export { CompressionError } from './errors.ts';
export type { CompressionErrorKind } from './errors.ts';

/**
 * node:zlib, loaded at the first gzip or zstd decompression. Bun implements node:zlib in
 * JavaScript over node:stream: importing it at start cost a node ~10 MB of resident memory
 * (a compiled executable that only imports it idles at 36 MB against 26 MB without; bench/README.md,
 * "Startup"), and a CI sidecar may never see a compressed batch. A static import would be
 * hoisted to the executable's top by the bundler and evaluated at start whatever uses it;
 * require() at first use is not (as in src/registry/lazy-formats.ts).
 */
let zlibModule: typeof NodeZlib | null = null;
function zlib(): typeof NodeZlib {
  return (zlibModule ??= require('node:zlib') as typeof NodeZlib);
}

/** zlib level 6 is what Java and librdkafka use by default for gzip. */
const GZIP_LEVEL = 6;
/** zstd level 3 is libzstd's default and Kafka's (compression.zstd.level). */
const ZSTD_LEVEL = 3;

export function compress(type: Compression, bytes: Uint8Array): Uint8Array {
  switch (type) {
    case Compression.None:
      return bytes;
    case Compression.Gzip:
      // libdeflate compresses ~1.6x faster than zlib here at the same level and ratio.
      return Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>, { level: GZIP_LEVEL, library: 'libdeflate' });
    case Compression.Snappy:
      return snappyCompress(bytes);
    case Compression.Lz4:
      return lz4Compress(bytes);
    case Compression.Zstd:
      return Bun.zstdCompressSync(bytes as Uint8Array<ArrayBuffer>, { level: ZSTD_LEVEL });
    default:
      throw new CompressionError('unsupported', `unknown compression type ${type as number}`);
  }
}

/**
 * Decompresses `bytes`, refusing to produce more than maxOutputBytes.
 * Throws CompressionError ('limit' | 'corrupt' | 'unsupported'); never anything else.
 */
export function decompress(type: Compression, bytes: Uint8Array, maxOutputBytes: number): Uint8Array {
  try {
    switch (type) {
      case Compression.None:
        if (bytes.length > maxOutputBytes) throw limitError('none', maxOutputBytes);
        return bytes;
      case Compression.Gzip:
        // node:zlib stops inflating once maxOutputLength is passed (Bun.gunzipSync has no such
        // bound and would inflate a bomb whole before we could look at its size).
        return zlibBounded('gzip', () => zlib().gunzipSync(bytes, { maxOutputLength: atLeastOne(maxOutputBytes) }), maxOutputBytes);
      case Compression.Snappy:
        return snappyDecompress(bytes, maxOutputBytes);
      case Compression.Lz4:
        return lz4Decompress(bytes, maxOutputBytes);
      case Compression.Zstd:
        return zlibBounded(
          'zstd',
          () => zlib().zstdDecompressSync(bytes, { maxOutputLength: atLeastOne(maxOutputBytes) }),
          maxOutputBytes,
        );
      default:
        throw new CompressionError('unsupported', `unknown compression type ${type as number}`);
    }
  } catch (e) {
    throw asCompressionError(type, e, maxOutputBytes);
  }
}

/** The scratch decompressTransient keeps between calls; a larger one is used once and dropped. */
export const TRANSIENT_SCRATCH_BYTES_MAX = 4 * 1024 * 1024;
let transientScratch = new Uint8Array(0);

/**
 * decompress for a caller that is done with the output before its next call (Produce
 * validation walks a batch's records and keeps nothing of them): lz4 and snappy decode into one
 * reused buffer per thread instead of fresh zeroed ones and copies per batch (lz4 validation
 * ~0.55 -> ~0.25 CPU-s per GiB of records, bench/README.md "Produce ceiling"). The output is
 * valid until the next call. gzip and zstd: as decompress (node:zlib allocates its own).
 */
export function decompressTransient(type: Compression, bytes: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (type !== Compression.Lz4 && type !== Compression.Snappy) return decompress(type, bytes, maxOutputBytes);
  let out: Uint8Array;
  try {
    out = type === Compression.Lz4 ? lz4DecompressInto(bytes, maxOutputBytes, transientScratch) : snappyDecompressInto(bytes, maxOutputBytes, transientScratch);
  } catch (e) {
    throw asCompressionError(type, e, maxOutputBytes);
  }
  if (out.buffer !== transientScratch.buffer && out.buffer.byteLength <= TRANSIENT_SCRATCH_BYTES_MAX) {
    transientScratch = new Uint8Array(out.buffer as ArrayBuffer);
  }
  return out;
}

/** What a decoder threw, as the CompressionError decompress promises (a RangeError is the limit). */
function asCompressionError(type: Compression, e: unknown, maxOutputBytes: number): CompressionError {
  if (e instanceof CompressionError) return e;
  if (e instanceof RangeError) return limitError(codecName(type), maxOutputBytes);
  return corruptError(codecName(type), e instanceof Error ? e.message : String(e));
}

function atLeastOne(n: number): number {
  return Math.max(1, n);
}

function zlibBounded(codec: string, run: () => Uint8Array, maxOutputBytes: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = run();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw limitError(codec, maxOutputBytes);
    throw corruptError(codec, e instanceof Error ? e.message : String(e));
  }
  if (out.length > maxOutputBytes) throw limitError(codec, maxOutputBytes);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function codecName(type: number): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][type] ?? `unknown(${type})`;
}
