// Snappy, as Kafka uses it for compression type 2.
// Raw format: https://github.com/google/snappy/blob/main/format_description.txt
// Xerial framing (snappy-java's SnappyOutputStream, what the Java producer writes): the 8-byte
// magic 82 'SNAPPY' 00, int32 version, int32 minimum compatible version (both 1, big-endian),
// then blocks of [int32 big-endian compressed length][raw snappy block].
//
// We encode xerial framing (as Java does) because every client reads it: Java natively,
// librdkafka (rd_kafka_snappy_java_uncompress) and kafkajs-snappy by sniffing the magic.
// We decode both forms, sniffing the magic like they do.
//
// Pure TypeScript: snappyjs neither bounds its output writes nor checks that a block fills its
// declared length, so a crafted block silently yields wrong bytes; here every length is checked.

import { corruptError, limitError } from './errors.ts';

const CODEC = 'snappy';
export const XERIAL_MAGIC = new Uint8Array([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size; Java consumers size their buffers by it. */
const XERIAL_BLOCK_BYTES = 32 * 1024;
/** Snappy compresses in fragments of at most 64 KiB so offsets fit in two bytes. */
const FRAGMENT_BYTES = 64 * 1024;
const HASH_LOG = 14;

// ---------------------------------------------------------------------------------- decode

export function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

export function snappyDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  return snappyDecompressInto(src, maxOutputBytes, EMPTY);
}

const EMPTY = new Uint8Array(0);

/**
 * snappyDecompress writing into `into` when the output fits (else into a new buffer of the
 * output's size); returns a view of the output. `into` may hold anything: a copy never reads
 * before its block's start, and every byte of the output is written.
 */
export function snappyDecompressInto(src: Uint8Array, maxOutputBytes: number, into: Uint8Array): Uint8Array {
  if (!isXerial(src)) {
    const { length, body } = rawPreamble(src, 0, src.length);
    if (length > maxOutputBytes) throw limitError(CODEC, maxOutputBytes);
    const out = length <= into.length ? into.subarray(0, length) : new Uint8Array(length);
    decodeRawBody(src, body, src.length, out, 0, length);
    return out;
  }
  // Xerial: each block declares its length first, so one pass over the headers sizes the output
  // and a second decodes every block in place (no buffer per block, no join).
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let total = 0;
  for (let s = XERIAL_HEADER_BYTES; s < src.length; ) {
    if (src.length - s < 4) throw corruptError(CODEC, 'truncated xerial block length');
    const n = view.getInt32(s);
    s += 4;
    if (n < 0 || n > src.length - s) throw corruptError(CODEC, 'xerial block runs past the input');
    total += rawPreamble(src, s, s + n).length;
    if (total > maxOutputBytes) throw limitError(CODEC, maxOutputBytes);
    s += n;
  }
  const out = total <= into.length ? into.subarray(0, total) : new Uint8Array(total);
  let d = 0;
  for (let s = XERIAL_HEADER_BYTES; s < src.length; ) {
    const n = view.getInt32(s);
    s += 4;
    const { length, body } = rawPreamble(src, s, s + n);
    decodeRawBody(src, body, s + n, out, d, length);
    d += length;
    s += n;
  }
  return out;
}

/** Decodes one raw snappy block src[s..end), refusing a declared length above maxOutputBytes. */
export function rawDecompress(src: Uint8Array, s: number, end: number, maxOutputBytes: number): Uint8Array {
  const { length, body } = rawPreamble(src, s, end);
  if (length > maxOutputBytes) throw limitError(CODEC, maxOutputBytes);
  const out = new Uint8Array(length);
  decodeRawBody(src, body, end, out, 0, length);
  return out;
}

/** A raw block's preamble: its uncompressed length, a little-endian base-128 varint (at most 32 bits). */
function rawPreamble(src: Uint8Array, s: number, end: number): { length: number; body: number } {
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= end || shift > 28) throw corruptError(CODEC, 'bad length preamble');
    const b = src[s++];
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  return { length, body: s };
}

/** Decodes a raw block's body src[s..end) into out[base .. base + length), all of it. */
function decodeRawBody(src: Uint8Array, s: number, end: number, out: Uint8Array, base: number, length: number): void {
  let d = base;
  const limit = base + length;
  while (s < end) {
    const tag = src[s++];
    const type = tag & 3;
    if (type === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60; // 1..4 little-endian length bytes follow
        if (end - s < extra) throw corruptError(CODEC, 'truncated literal length');
        len = 0;
        for (let k = 0; k < extra; k++) len += src[s + k] * 2 ** (8 * k);
        len += 1;
        s += extra;
      }
      if (len > end - s) throw corruptError(CODEC, 'literal runs past the input');
      if (len > limit - d) throw corruptError(CODEC, 'literal runs past the declared length');
      if (len < 32) for (let k = 0; k < len; k++) out[d + k] = src[s + k];
      else out.set(src.subarray(s, s + len), d);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (end - s < 1) throw corruptError(CODEC, 'truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[s];
      s += 1;
    } else if (type === 2) {
      if (end - s < 2) throw corruptError(CODEC, 'truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[s] | (src[s + 1] << 8);
      s += 2;
    } else {
      if (end - s < 4) throw corruptError(CODEC, 'truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (src[s + 3] << 24)) >>> 0;
      s += 4;
    }
    if (offset === 0 || offset > d - base) throw corruptError(CODEC, `copy offset ${offset} out of range`);
    if (len > limit - d) throw corruptError(CODEC, 'copy runs past the declared length');
    let m = d - offset;
    if (offset >= len) {
      if (len < 32) for (let k = 0; k < len; k++) out[d + k] = out[m + k];
      else out.copyWithin(d, m, m + len);
      d += len;
    } else {
      const e = d + len;
      while (d < e) out[d++] = out[m++];
    }
  }
  if (d !== limit) throw corruptError(CODEC, `block decodes to ${d - base} bytes, declared ${length}`);
}

// ---------------------------------------------------------------------------------- encode

let hashTable: Int32Array | null = null;

function load32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function emitLiteral(src: Uint8Array, s: number, len: number, dst: Uint8Array, d: number): number {
  const n = len - 1;
  if (n < 60) {
    dst[d++] = n << 2;
  } else if (n < 0x100) {
    dst[d++] = 60 << 2;
    dst[d++] = n;
  } else if (n < 0x10000) {
    dst[d++] = 61 << 2;
    dst[d++] = n;
    dst[d++] = n >>> 8;
  } else {
    dst[d++] = 62 << 2;
    dst[d++] = n;
    dst[d++] = n >>> 8;
    dst[d++] = n >>> 16;
  }
  if (len < 32) for (let k = 0; k < len; k++) dst[d + k] = src[s + k];
  else dst.set(src.subarray(s, s + len), d);
  return d + len;
}

function emitCopy(offset: number, len: number, dst: Uint8Array, d: number): number {
  // Copies of up to 64 bytes with a 2-byte offset; 4..11 bytes within 2 KiB take one byte less.
  while (len >= 68) {
    dst[d++] = (63 << 2) | 2;
    dst[d++] = offset;
    dst[d++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    dst[d++] = (59 << 2) | 2;
    dst[d++] = offset;
    dst[d++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    dst[d++] = ((offset >>> 8) << 5) | ((len - 4) << 2) | 1;
    dst[d++] = offset;
  } else {
    dst[d++] = ((len - 1) << 2) | 2;
    dst[d++] = offset;
    dst[d++] = offset >>> 8;
  }
  return d;
}

/** Compresses src[start..end) (at most 64 KiB) as copies and literals into dst at d. */
function compressFragment(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  const table = (hashTable ??= new Int32Array(1 << HASH_LOG));
  let anchor = start;
  let s = start;
  // Keep 15 bytes of slack at the end like the reference encoder: matches never run off it.
  const limit = end - 15;
  let skip = 32;
  while (s < limit) {
    const seq = load32(src, s);
    const h = Math.imul(seq, 0x1e35a7bd) >>> (32 - HASH_LOG);
    const cand = table[h] - 1;
    table[h] = s + 1;
    if (cand < start || cand >= s || load32(src, cand) !== seq) {
      s += skip++ >> 5;
      continue;
    }
    skip = 32;
    if (s > anchor) d = emitLiteral(src, anchor, s - anchor, dst, d);
    let e = s + 4;
    let m = cand + 4;
    while (e < end && src[e] === src[m]) {
      e++;
      m++;
    }
    d = emitCopy(s - cand, e - s, dst, d);
    s = e;
    anchor = s;
  }
  if (anchor < end) d = emitLiteral(src, anchor, end - anchor, dst, d);
  return d;
}

function maxRawBytes(n: number): number {
  return 32 + n + Math.ceil(n / 6);
}

/** One raw snappy block of src[start..end) into dst at d (length preamble included). */
function rawCompressInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  let n = end - start;
  while (n >= 0x80) {
    dst[d++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  dst[d++] = n;
  for (let s = start; s < end; s += FRAGMENT_BYTES) {
    d = compressFragment(src, s, Math.min(end, s + FRAGMENT_BYTES), dst, d);
  }
  return d;
}

/** A raw snappy block (no framing). */
export function snappyCompressRaw(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(maxRawBytes(src.length));
  return out.slice(0, rawCompressInto(src, 0, src.length, out, 0));
}

/** Xerial-framed snappy, as Java's producer writes it. */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(src.length / XERIAL_BLOCK_BYTES));
  const out = new Uint8Array(XERIAL_HEADER_BYTES + blocks * (4 + maxRawBytes(XERIAL_BLOCK_BYTES)));
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, 1);
  view.setInt32(12, 1);
  let d = XERIAL_HEADER_BYTES;
  for (let s = 0; s < src.length; s += XERIAL_BLOCK_BYTES) {
    const n = rawCompressInto(src, s, Math.min(src.length, s + XERIAL_BLOCK_BYTES), out, d + 4) - (d + 4);
    view.setInt32(d, n);
    d += 4 + n;
  }
  return out.slice(0, d);
}
