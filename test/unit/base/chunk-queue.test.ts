import { expect, test } from 'bun:test';
import { ChunkQueue } from '../../../src/base/chunk-queue.ts';
import { Prng } from '../../../src/base/prng.ts';

test('takes return the stream in order however it was chunked; a take within one chunk is a view', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rnd = new Prng(seed);
    const stream = rnd.bytes(rnd.int(0, 3000));
    const q = new ChunkQueue();
    for (let at = 0; at < stream.length; ) {
      const n = Math.min(stream.length - at, rnd.int(0, 200));
      q.push(stream.subarray(at, at + n));
      at += n;
    }
    expect(q.length).toBe(stream.length);
    const out: number[] = [];
    while (q.length > 0) out.push(...q.take(Math.min(q.length, rnd.int(1, 300))));
    expect(out).toEqual([...stream]);
  }
  const q = new ChunkQueue();
  const chunk = new Uint8Array([1, 2, 3, 4]);
  q.push(chunk);
  q.push(new Uint8Array([5, 6]));
  const view = q.take(2);
  expect(view.buffer).toBe(chunk.buffer); // no copy
  expect([...q.take(3)]).toEqual([3, 4, 5]); // across chunks: a copy
  expect(q.length).toBe(1);
});
