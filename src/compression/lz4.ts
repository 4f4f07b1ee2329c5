// LZ4 frame format, as Kafka uses it for compression type 3.
// Frame spec: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md
// Block spec: https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md
//
// Pure TypeScript with no dependency: lz4js declares dependent blocks (Java's
// KafkaLZ4BlockInputStream decodes each block on its own), allocates 5 MiB at import, trusts
// the frame's content size and does no bounds checks while decoding; lz4-wasm does not load
// under Bun. Writing both directions here keeps every length checked.
//
// Encoding mirrors Java's KafkaLZ4BlockOutputStream: 64 KiB independent blocks, no block or
// content checksum, content size absent. Decoding accepts any valid frame (block and content
// checksums are verified, dependent blocks work because all blocks decode into one buffer).
// The header checksum must be the correct one (xxh32 of the descriptor): Kafka before 0.10
// hashed the magic too, but only for magic 0 message sets, which v2 batches never are.

import { corruptError, limitError } from './errors.ts';

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION = 0x40;
const FLG_VERSION_MASK = 0xc0;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;
/** Block max size id 4 = 64 KiB, what Java's Kafka producer writes. */
const ENCODE_BLOCK_ID = 4;
const ENCODE_BLOCK_BYTES = 64 * 1024;

const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end of a block (block spec). */
const MF_LIMIT = 12;
/** The last 5 bytes of a block are always literals (block spec). */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;
const HASH_LOG = 14;
const CODEC = 'lz4';

// xxHash32, https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md
const P1 = 2654435761 | 0;
const P2 = 2246822519 | 0;
const P3 = 3266489917 | 0;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}
function readU32LE(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
function writeU32LE(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

export function xxh32(b: Uint8Array, start: number, end: number, seed = 0): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(readU32LE(b, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(readU32LE(b, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(readU32LE(b, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(readU32LE(b, i + 12), P2)) | 0, 13), P1);
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + (end - start)) | 0;
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(readU32LE(b, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------- encode

let hashTable: Int32Array | null = null;

function hash4(seq: number): number {
  return Math.imul(seq, -1640531535) >>> (32 - HASH_LOG);
}

/** Compresses src[start..end) as one LZ4 block into dst at d; returns the new d. */
function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, d: number): number {
  const table = (hashTable ??= new Int32Array(1 << HASH_LOG));
  let anchor = start;
  let s = start;
  const matchLimit = end - LAST_LITERALS;
  const searchLimit = end - MF_LIMIT;
  let skip = 64;
  while (s < searchLimit) {
    const seq = readU32LE(src, s);
    const h = hash4(seq);
    // Entries are absolute positions + 1; stale ones (other blocks or calls) fail the checks.
    const cand = table[h] - 1;
    table[h] = s + 1;
    if (cand < start || cand >= s || s - cand > MAX_OFFSET || readU32LE(src, cand) !== seq) {
      s += skip++ >> 6;
      continue;
    }
    skip = 64;
    let m = cand;
    // Extend backwards over literals that also match.
    while (s > anchor && m > start && src[s - 1] === src[m - 1]) {
      s--;
      m--;
    }
    let e = s + MIN_MATCH;
    let me = m + MIN_MATCH;
    while (e < matchLimit && src[e] === src[me]) {
      e++;
      me++;
    }
    d = writeSequence(src, anchor, s - anchor, s - m, e - s - MIN_MATCH, dst, d);
    s = e;
    anchor = s;
  }
  return writeLastLiterals(src, anchor, end - anchor, dst, d);
}

/** Short copies in a loop: a subarray view per sequence costs more than the bytes. */
function copyBytes(src: Uint8Array, s: number, n: number, dst: Uint8Array, d: number): number {
  if (n < 32) for (let k = 0; k < n; k++) dst[d + k] = src[s + k];
  else dst.set(src.subarray(s, s + n), d);
  return d + n;
}

function writeLength(dst: Uint8Array, d: number, n: number): number {
  while (n >= 255) {
    dst[d++] = 255;
    n -= 255;
  }
  dst[d++] = n;
  return d;
}

function writeSequence(
  src: Uint8Array,
  lit: number,
  litLen: number,
  offset: number,
  matchLenMinus4: number,
  dst: Uint8Array,
  d: number,
): number {
  const token = d++;
  dst[token] = ((litLen >= 15 ? 15 : litLen) << 4) | (matchLenMinus4 >= 15 ? 15 : matchLenMinus4);
  if (litLen >= 15) d = writeLength(dst, d, litLen - 15);
  d = copyBytes(src, lit, litLen, dst, d);
  dst[d++] = offset & 0xff;
  dst[d++] = offset >>> 8;
  if (matchLenMinus4 >= 15) d = writeLength(dst, d, matchLenMinus4 - 15);
  return d;
}

function writeLastLiterals(src: Uint8Array, lit: number, litLen: number, dst: Uint8Array, d: number): number {
  dst[d++] = (litLen >= 15 ? 15 : litLen) << 4;
  if (litLen >= 15) d = writeLength(dst, d, litLen - 15);
  dst.set(src.subarray(lit, lit + litLen), d);
  return d + litLen;
}

/** Worst case of one block: literals plus one length byte per 255 plus the token. */
function blockBound(n: number): number {
  return n + Math.ceil(n / 255) + 16;
}

export function lz4Compress(src: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(src.length / ENCODE_BLOCK_BYTES));
  const out = new Uint8Array(7 + blocks * (4 + blockBound(ENCODE_BLOCK_BYTES)) + 4);
  writeU32LE(out, 0, MAGIC);
  out[4] = FLG_VERSION | FLG_BLOCK_INDEPENDENT;
  out[5] = ENCODE_BLOCK_ID << 4;
  out[6] = (xxh32(out, 4, 6) >>> 8) & 0xff;
  let d = 7;
  for (let s = 0; s < src.length; s += ENCODE_BLOCK_BYTES) {
    const end = Math.min(src.length, s + ENCODE_BLOCK_BYTES);
    const n = compressBlock(src, s, end, out, d + 4) - (d + 4);
    if (n >= end - s) {
      // Incompressible: store the block raw (high bit of the size set).
      writeU32LE(out, d, (end - s) | BLOCK_UNCOMPRESSED);
      out.set(src.subarray(s, end), d + 4);
      d += 4 + (end - s);
    } else {
      writeU32LE(out, d, n);
      d += 4 + n;
    }
  }
  writeU32LE(out, d, 0);
  return out.slice(0, d + 4);
}

// ---------------------------------------------------------------------------------- decode

/**
 * Decodes one block src[s..sEnd) into out at d; out.length is the hard bound (the caller sizes
 * it to the block maximum or the caller's limit). Returns the new d, or -1 if the output would
 * pass out.length.
 */
function decompressBlock(src: Uint8Array, s: number, sEnd: number, out: Uint8Array, d: number): number {
  const cap = out.length;
  while (s < sEnd) {
    const token = src[s++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw corruptError(CODEC, 'truncated literal length');
        b = src[s++];
        litLen += b;
      } while (b === 255);
    }
    if (litLen > sEnd - s) throw corruptError(CODEC, 'literals run past the block');
    if (litLen > cap - d) return -1;
    if (litLen < 16) {
      for (let k = 0; k < litLen; k++) out[d + k] = src[s + k];
    } else {
      out.set(src.subarray(s, s + litLen), d);
    }
    s += litLen;
    d += litLen;
    if (s === sEnd) break; // the last sequence has literals only
    if (sEnd - s < 2) throw corruptError(CODEC, 'truncated match offset');
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw corruptError(CODEC, `match offset ${offset} out of range`);
    let matchLen = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw corruptError(CODEC, 'truncated match length');
        b = src[s++];
        matchLen += b;
      } while (b === 255);
    }
    if (matchLen > cap - d) return -1;
    let m = d - offset;
    if (offset >= matchLen) {
      if (matchLen < 32) for (let k = 0; k < matchLen; k++) out[d + k] = out[m + k];
      else out.copyWithin(d, m, m + matchLen);
      d += matchLen;
    } else {
      // Overlapping copy repeats the last `offset` bytes: byte by byte is the definition.
      const e = d + matchLen;
      while (d < e) out[d++] = out[m++];
    }
  }
  return d;
}

const BLOCK_MAX_BYTES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

/** Decompresses one or more concatenated LZ4 frames, refusing output beyond maxOutputBytes. */
export function lz4Decompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  return lz4DecompressInto(src, maxOutputBytes, new Uint8Array(Math.min(maxOutputBytes, Math.max(1024, src.length * 4))));
}

/**
 * lz4Decompress writing into `into` from its start (a larger buffer replaces it if the output
 * does not fit, within maxOutputBytes); returns a view of the output, in `into` or in that
 * larger buffer. `into` may hold anything: a match never reads before the output's start.
 */
export function lz4DecompressInto(src: Uint8Array, maxOutputBytes: number, into: Uint8Array): Uint8Array {
  // Never write past the limit because the buffer given happens to be larger.
  let out: Uint8Array = into.length > maxOutputBytes ? into.subarray(0, maxOutputBytes) : into;
  let d = 0;
  let s = 0;
  while (s < src.length) {
    if (src.length - s < 4) throw corruptError(CODEC, 'trailing bytes after frame');
    const magic = readU32LE(src, s);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (src.length - s < 8) throw corruptError(CODEC, 'truncated skippable frame');
      const n = readU32LE(src, s + 4);
      if (n > src.length - s - 8) throw corruptError(CODEC, 'truncated skippable frame');
      s += 8 + n;
      continue;
    }
    if (magic !== MAGIC) throw corruptError(CODEC, `bad frame magic 0x${magic.toString(16)}`);
    const r = decodeFrame(src, s + 4, out, d, maxOutputBytes);
    s = r.s;
    d = r.d;
    out = r.out;
  }
  return out.length === d ? out : out.subarray(0, d);
}

interface FrameProgress {
  s: number;
  d: number;
  out: Uint8Array;
}

function decodeFrame(src: Uint8Array, s: number, out: Uint8Array, d: number, maxOutputBytes: number): FrameProgress {
  if (src.length - s < 3) throw corruptError(CODEC, 'truncated frame descriptor');
  const descStart = s;
  const flg = src[s++];
  const bd = src[s++];
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) throw corruptError(CODEC, 'unsupported frame version');
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corruptError(CODEC, 'reserved descriptor bits set');
  const blockMax = BLOCK_MAX_BYTES[(bd >>> 4) & 7];
  if (blockMax === 0) throw corruptError(CODEC, 'invalid block max size');
  const optional = (flg & FLG_CONTENT_SIZE ? 8 : 0) + (flg & FLG_DICT_ID ? 4 : 0);
  if (src.length - s < optional + 1) throw corruptError(CODEC, 'truncated frame descriptor');
  if (flg & FLG_CONTENT_SIZE) {
    const size = readU32LE(src, s) + readU32LE(src, s + 4) * 2 ** 32;
    // The content size is a claim: refuse early if it is too big, but never trust it to size a
    // buffer beyond what the limit allows anyway.
    if (d + size > maxOutputBytes) throw limitError(CODEC, maxOutputBytes);
  }
  if (flg & FLG_DICT_ID) throw corruptError(CODEC, 'dictionaries are not supported');
  s += optional;
  const hc = (xxh32(src, descStart, s) >>> 8) & 0xff;
  if (src[s] !== hc) throw corruptError(CODEC, 'frame header checksum mismatch');
  s++;
  const frameStart = d;
  for (;;) {
    if (src.length - s < 4) throw corruptError(CODEC, 'truncated block size');
    const word = readU32LE(src, s);
    s += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corruptError(CODEC, 'block larger than the frame block size');
    const checksumBytes = flg & FLG_BLOCK_CHECKSUM ? 4 : 0;
    if (size + checksumBytes > src.length - s) throw corruptError(CODEC, 'truncated block');
    if (checksumBytes && xxh32(src, s, s + size) !== readU32LE(src, s + size)) {
      throw corruptError(CODEC, 'block checksum mismatch');
    }
    out = ensureCapacity(out, d, Math.min(blockMax, maxOutputBytes - d), maxOutputBytes);
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      if (size > out.length - d) throw limitError(CODEC, maxOutputBytes);
      out.set(src.subarray(s, s + size), d);
      d += size;
    } else {
      // Bound the block by its declared max size (or the limit, whichever is smaller).
      const bound = Math.min(out.length, d + blockMax);
      const view = bound === out.length ? out : out.subarray(0, bound);
      const nd = decompressBlock(src, s, s + size, view, d);
      if (nd < 0) {
        if (bound - d >= blockMax) throw corruptError(CODEC, 'block decodes past its max size');
        throw limitError(CODEC, maxOutputBytes);
      }
      d = nd;
    }
    s += size + checksumBytes;
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (src.length - s < 4) throw corruptError(CODEC, 'truncated content checksum');
    if (xxh32(out, frameStart, d) !== readU32LE(src, s)) throw corruptError(CODEC, 'content checksum mismatch');
    s += 4;
  }
  return { s, d, out };
}

/** Grows out so that `want` more bytes fit after d, never beyond maxOutputBytes. */
function ensureCapacity(out: Uint8Array, d: number, want: number, maxOutputBytes: number): Uint8Array {
  if (d + want <= out.length) return out;
  let size = Math.max(1024, out.length * 2);
  while (size < d + want) size *= 2;
  size = Math.min(size, maxOutputBytes);
  const next = new Uint8Array(size);
  next.set(out.subarray(0, d));
  return next;
}
