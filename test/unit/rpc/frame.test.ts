// Framing (src/rpc/frame.ts): frames come out whole and in order however the stream is cut;
// a length outside [header, limit] is refused as soon as its four bytes are here, before any
// memory is taken for it; the limit can be raised after the handshake.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { DecodeError } from '../../../src/protocol/primitives.ts';
import { encodeFrame, type Frame, FrameDecoder, FrameEncoder, type FrameHeader, FrameKind } from '../../../src/rpc/frame.ts';

const header = (i: number): FrameHeader => ({ kind: FrameKind.message, type: 100 + (i % 3), version: i % 2, correlationId: i * 7919 });
const body = (i: number) => Uint8Array.from({ length: (i * 37) % 200 }, (_, j) => (i + j) & 0xff);

function stream(n: number): Uint8Array {
  const frames = Array.from({ length: n }, (_, i) => encodeFrame(header(i), body(i)));
  const out = new Uint8Array(frames.reduce((s, f) => s + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

const plain = (f: Frame) => ({ kind: f.kind, type: f.type, version: f.version, correlationId: f.correlationId, body: [...f.body] });
const expected = (n: number) => Array.from({ length: n }, (_, i) => ({ ...header(i), body: [...body(i)] }));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('rpc frames', () => {
  test('whole and in order, cut at every byte, at random places, or not at all', () => {
    const bytes = stream(50);
    const run = (cuts: number[]) => {
      const d = new FrameDecoder(1024);
      const out: Frame[] = [];
      let at = 0;
      for (const c of [...cuts, bytes.length]) {
        out.push(...d.push(bytes.subarray(at, c)));
        at = c;
      }
      expect(d.pendingBytes).toBe(0);
      return out.map(plain);
    };
    expect(run([])).toEqual(expected(50));
    expect(run(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(expected(50));
    const rng = new Prng(5);
    for (let k = 0; k < 50; k++) {
      const cuts = [...new Set(Array.from({ length: rng.int(1, 40) }, () => rng.int(1, bytes.length - 1)))].sort((a, b) => a - b);
      expect(run(cuts)).toEqual(expected(50));
    }
  });

  test('a length past the limit is refused on its four bytes, before the body is sent or held', () => {
    const d = new FrameDecoder(1000);
    expect(refusal(() => d.push(new Uint8Array([0, 0, 0x03, 0xea])))).toContain('1002 bytes exceeds the limit of 1000');
    expect(refusal(() => new FrameDecoder(1000).push(new Uint8Array([0xff, 0xff, 0xff, 0xff])))).toContain('4294967295 bytes');
    expect(refusal(() => new FrameDecoder(1000).push(new Uint8Array([0, 0, 0, 8])))).toContain('shorter than its 9-byte header');
    expect(refusal(() => new FrameDecoder(1000).push(encodeFrame({ ...header(0), kind: 9 as FrameKind }, new Uint8Array(0))))).toContain('unknown frame kind 9');
  });

  test('a frame announced under the limit holds only the bytes that came, until it is whole', () => {
    // The body is copied into one buffer only once every byte of it has arrived (take() after
    // buffered >= length), so a peer costs us what it sent, never what it announced. (A
    // typed-array allocation cannot be observed from a test: zeroed pages are not touched.)
    const d = new FrameDecoder(128 * 1024 * 1024);
    const prefix = new Uint8Array([0, 0, 0, 0, FrameKind.message, 0, 1, 0, 1, 0, 0, 0, 0]);
    new DataView(prefix.buffer).setUint32(0, 96 * 1024 * 1024);
    for (let i = 0; i < 100; i++) expect(d.push(i === 0 ? prefix : new Uint8Array(1000))).toEqual([]);
    expect(d.pendingBytes).toBe(prefix.length - 4 + 99 * 1000);
  });

  test('the limit rises after the handshake: what was refused before is taken after', () => {
    const big = encodeFrame(header(1), new Uint8Array(5000));
    expect(refusal(() => new FrameDecoder(1000).push(big))).toContain('exceeds the limit');
    const d = new FrameDecoder(1000);
    d.frameBytesMax = 8000;
    expect(d.push(big).map((f) => f.body.length)).toEqual([5000]);
  });

  test('the encoder writes what the decoder reads, reusing its buffer; a grown buffer is let go', () => {
    const e = new FrameEncoder(1024 * 1024);
    const a = e.encode(header(3), (w) => w.raw(body(3))).slice();
    expect([...a]).toEqual([...encodeFrame(header(3), body(3))]);
    const large = e.encode(header(4), (w) => w.raw(new Uint8Array(2 * 1024 * 1024)));
    expect(new FrameDecoder(4 * 1024 * 1024).push(large)[0].body.length).toBe(2 * 1024 * 1024);
    const after = e.encode(header(5), (w) => w.raw(body(5)));
    expect(after.buffer.byteLength).toBeLessThan(1024 * 1024);
  });
});
