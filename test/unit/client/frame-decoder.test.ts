import { describe, expect, test } from 'bun:test';
import { ClientError } from '../../../src/client/errors.ts';
import { FrameDecoder } from '../../../src/client/frame-decoder.ts';
import { concat } from './fake-broker.ts';

function frame(body: number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

describe('FrameDecoder', () => {
  const stream = concat(frame([1, 2, 3]), frame([]), frame([4, 5, 6, 7, 8]), frame([9]));
  const expected = [[1, 2, 3], [], [4, 5, 6, 7, 8], [9]];

  test('the whole stream in one chunk yields every frame', () => {
    const d = new FrameDecoder(1024);
    expect(d.push(stream).map((f) => [...f])).toEqual(expected);
    expect(d.pendingBytes).toBe(0);
  });

  test('every way of cutting the stream in two (and byte by byte) yields the same frames', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder(1024);
      const frames = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(frames.map((f) => [...f])).toEqual(expected);
    }
    const d = new FrameDecoder(1024);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...d.push(stream.subarray(i, i + 1)));
    expect(frames.map((f) => [...f])).toEqual(expected);
  });

  test('a size over the limit is refused as soon as the prefix is complete, before any body', () => {
    const d = new FrameDecoder(100);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setInt32(0, 101);
    expect(d.push(prefix.subarray(0, 3))).toEqual([]);
    let err: unknown;
    try {
      d.push(prefix.subarray(3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).kind).toBe('too_large');
    expect((err as ClientError).message).toContain('101');
  });

  test('a frame exactly at the limit is accepted', () => {
    const d = new FrameDecoder(3);
    expect(d.push(frame([1, 2, 3])).map((f) => [...f])).toEqual([[1, 2, 3]]);
  });

  test('a negative size is a protocol error', () => {
    const d = new FrameDecoder(100);
    expect(() => d.push(new Uint8Array([0xff, 0xff, 0xff, 0xfe]))).toThrow(ClientError);
  });
});
