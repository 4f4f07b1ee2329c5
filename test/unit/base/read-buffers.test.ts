import { expect, test } from 'bun:test';
import { POOLED_MIN_BYTES, releaseReadBuffer, takeReadBuffer } from '../../../src/base/read-buffers.ts';

test('a released pooled buffer is handed out again; small and foreign buffers are not pooled', () => {
  const a = takeReadBuffer(POOLED_MIN_BYTES + 10);
  expect(a.length).toBe(POOLED_MIN_BYTES + 10);
  const under = a.buffer;
  releaseReadBuffer(a.subarray(100)); // the tail of a partly written piece names the same buffer
  releaseReadBuffer(a); // a second release of the same buffer is ignored
  const b = takeReadBuffer(POOLED_MIN_BYTES + 1);
  expect(b.buffer).toBe(under);
  const c = takeReadBuffer(POOLED_MIN_BYTES + 1);
  expect(c.buffer).not.toBe(under); // it was handed out once, not twice

  const small = takeReadBuffer(100);
  releaseReadBuffer(small);
  expect(takeReadBuffer(100).buffer).not.toBe(small.buffer);
  const foreign = new Uint8Array(POOLED_MIN_BYTES * 2);
  releaseReadBuffer(foreign);
  expect(takeReadBuffer(POOLED_MIN_BYTES * 2).buffer).not.toBe(foreign.buffer);
});
