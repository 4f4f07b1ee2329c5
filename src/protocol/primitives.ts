// Reader and Writer for the Kafka wire primitives.
// https://kafka.apache.org/protocol#protocol_types
//
// Pure: no I/O. A Reader never allocates from a length it has not checked against the bytes
// remaining; any short or malformed input throws DecodeError, which the caller turns into a
// closed connection or an error response. Values are big-endian as the protocol says.
//
// int64 policy: int64 fields decode to `number`. Offsets, timestamps and producer ids all stay
// far below 2^53 in practice; values outside the safe range (only sentinels such as
// Long.MAX_VALUE) are clamped to +-MAX_SAFE_INTEGER on decode, so they remain "huge" and
// comparisons keep working. Encoding writes the exact 64-bit two's complement of the number.

export class DecodeError extends Error {
  override name = 'DecodeError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const textEncoder = new TextEncoder();
const TWO_32 = 4294967296;

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new DecodeError(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  bool(): boolean {
    return this.int8() !== 0;
  }
  int8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const hi = this.view.getInt32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return int64FromParts(hi, lo);
  }
  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128, at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new DecodeError('uvarint longer than 5 bytes');
  }
  /** Zig-zag varint, 32-bit. */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** Zig-zag varlong, decoded to number (see the int64 policy above). */
  varlong(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      mul *= 128;
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  uuid(): string {
    this.need(16);
    const s = uuidToString(this.buf, this.pos);
    this.pos += 16;
    return s;
  }

  private utf8(n: number): string {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    // Short ASCII names (topics, client ids) are the common case: skip TextDecoder for them.
    if (n <= 32) {
      let ascii = true;
      for (let i = start; i < start + n; i++) {
        if (this.buf[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, this.buf.subarray(start, start + n) as unknown as number[]);
    }
    return textDecoder.decode(this.buf.subarray(start, start + n));
  }

  string(): string {
    const n = this.int16();
    if (n < 0) throw new DecodeError('null string where non-nullable');
    return this.utf8(n);
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.utf8(n);
  }
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0) throw new DecodeError('null compact string where non-nullable');
    return this.utf8(n);
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.utf8(n);
  }

  /** Returns a view into the input (no copy). */
  private view_(n: number): Uint8Array {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.int32();
    if (n < 0) throw new DecodeError('null bytes where non-nullable');
    return this.view_(n);
  }
  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.view_(n);
  }
  compactBytes(): Uint8Array {
    const n = this.uvarint() - 1;
    if (n < 0) throw new DecodeError('null compact bytes where non-nullable');
    return this.view_(n);
  }
  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.view_(n);
  }
  /** Raw bytes of a given length (view, no copy). */
  raw(n: number): Uint8Array {
    return this.view_(n);
  }

  /**
   * Array length, checked: every element takes at least one byte, so a count larger than the
   * bytes remaining is malformed and is refused before anything is allocated from it.
   * Returns -1 for a null array.
   */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new DecodeError(`negative array length ${n}`);
    if (n > this.end - this.pos) throw new DecodeError(`array length ${n} exceeds remaining bytes`);
    return n;
  }
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.end - this.pos) throw new DecodeError(`array length ${n} exceeds remaining bytes`);
    return n;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

export function int64FromParts(hi: number, lo: number): number {
  const v = hi * TWO_32 + lo;
  if (v > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (v < -Number.MAX_SAFE_INTEGER) return -Number.MAX_SAFE_INTEGER;
  return v;
}

const WRITER_INITIAL_BYTES = 1024;
/** In a gathering writer, byte arrays at least this large are referenced, not copied. */
export const GATHER_MIN_BYTES = 16 * 1024;

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /** Gathering mode: finished pieces (own bytes and referenced arrays), in order. */
  private parts: Uint8Array[] | null = null;

  /**
   * `gather`: large byte arrays (record batches in Fetch answers) are kept by reference and
   * the result is read with `pieces()`, so they are copied once, by the kernel, not three times.
   */
  constructor(initialBytes = WRITER_INITIAL_BYTES, gather = false) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
    if (gather) this.parts = [];
  }

  /** Bytes written so far, referenced pieces included. */
  get length(): number {
    let n = this.pos;
    for (const p of this.parts ?? []) n += p.length;
    return n;
  }

  /** A gathering writer's output: own bytes and referenced arrays, in order. */
  pieces(): Uint8Array[] {
    if (this.parts === null) return [this.bytes()];
    const out = this.parts.slice();
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos));
    return out;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The bytes written so far (a view; copy if the writer is reused). */
  bytes(): Uint8Array {
    if (this.parts !== null && this.parts.length > 0) throw new Error('gathering writer: use pieces()');
    return this.buf.subarray(0, this.pos);
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }
  int8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos++, v);
  }
  int16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }
  int64(v: number): void {
    this.ensure(8);
    writeInt64(this.view, this.pos, v);
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
  uvarint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: number): void {
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    this.ensure(10);
    while (u >= 0x80) {
      this.buf[this.pos++] = (u % 128) | 0x80;
      u = Math.floor(u / 128);
    }
    this.buf[this.pos++] = u;
  }
  uuid(v: string): void {
    this.ensure(16);
    uuidFromString(v, this.buf, this.pos);
    this.pos += 16;
  }
  raw(b: Uint8Array): void {
    if (this.parts !== null && b.length >= GATHER_MIN_BYTES) {
      if (this.pos > 0) this.parts.push(this.buf.subarray(0, this.pos));
      this.parts.push(b);
      // Later bytes go to a fresh buffer, so the pieces handed out are never written again.
      this.buf = new Uint8Array(Math.max(WRITER_INITIAL_BYTES, this.buf.length - this.pos));
      this.view = new DataView(this.buf.buffer);
      this.pos = 0;
      return;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private utf8(s: string, compact: boolean): void {
    // Worst case 3 bytes per UTF-16 unit; encodeInto writes in place.
    const max = s.length * 3;
    this.ensure(max + 5);
    const lenPos = this.pos;
    const lenBytes = compact ? uvarintSize(max + 1) : 2;
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(lenPos + lenBytes));
    if (compact) {
      const actual = uvarintSize(written + 1);
      if (actual !== lenBytes) this.buf.copyWithin(lenPos + actual, lenPos + lenBytes, lenPos + lenBytes + written);
      this.uvarint(written + 1);
    } else {
      if (written > 0x7fff) throw new RangeError('string longer than 32767 bytes');
      this.int16(written);
    }
    this.pos += written;
  }
  string(s: string): void {
    this.utf8(s, false);
  }
  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.utf8(s, false);
  }
  compactString(s: string): void {
    this.utf8(s, true);
  }
  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.utf8(s, true);
  }
  bytes_(b: Uint8Array | null, compact: boolean): void {
    if (b === null) {
      if (compact) this.uvarint(0);
      else this.int32(-1);
      return;
    }
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    this.raw(b);
  }
  arrayLength(n: number): void {
    this.int32(n);
  }
  compactArrayLength(n: number): void {
    this.uvarint(n + 1);
  }
}

export function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function writeInt64(view: DataView, pos: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  view.setInt32(pos, hi);
  view.setUint32(pos + 4, lo);
}

export function readInt64(view: DataView, pos: number): number {
  return int64FromParts(view.getInt32(pos), view.getUint32(pos + 4));
}

// UUIDs are shown the way Kafka shows them (Uuid.toString): URL-safe base64, no padding.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(b: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 15; i += 3) {
    const n = (b[off + i] << 16) | (b[off + i + 1] << 8) | b[off + i + 2];
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  const last = b[off + 15];
  return s + B64[last >> 2] + B64[(last & 3) << 4];
}

export function uuidFromString(s: string, out: Uint8Array, off: number): void {
  if (s.length !== 22) throw new RangeError(`not a Kafka uuid: ${s}`);
  const c = (i: number): number => {
    const v = B64_INDEX[s.charCodeAt(i) & 127];
    if (v < 0) throw new RangeError(`not a Kafka uuid: ${s}`);
    return v;
  };
  for (let i = 0, j = 0; i < 15; i += 3, j += 4) {
    const n = (c(j) << 18) | (c(j + 1) << 12) | (c(j + 2) << 6) | c(j + 3);
    out[off + i] = n >> 16;
    out[off + i + 1] = (n >> 8) & 255;
    out[off + i + 2] = n & 255;
  }
  out[off + 15] = (c(20) << 2) | (c(21) >> 4);
}

export function isUuid(s: string): boolean {
  if (s.length !== 22) return false;
  for (let i = 0; i < 22; i++) if (B64_INDEX[s.charCodeAt(i) & 127] < 0 || s.charCodeAt(i) > 127) return false;
  return true;
}
