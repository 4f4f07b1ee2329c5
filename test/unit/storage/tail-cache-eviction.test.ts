import { expect, test } from 'bun:test';
import { TailCache } from '../../../src/storage/tail-cache.ts';

test('evicted batches are no longer referenced (a full cache pins at most its byte limit)', () => {
  const cache = new TailCache(4096);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const chunk = new Uint8Array(1024);
    chunks.push(chunk);
    cache.add(chunk, [{ position: 0, size: 1024, baseOffset: i, lastOffset: i, epoch: 0, maxTimestamp: 0 }]);
  }
  // Only the newest four fit; what the cache still holds must be exactly those.
  const held = new Set<Uint8Array>();
  for (const e of (cache as unknown as { entries: Array<{ chunk: Uint8Array }> }).entries) held.add(e.chunk);
  const pinned = chunks.filter((c) => held.has(c));
  expect(pinned).toEqual(chunks.slice(96));
  expect(cache.read(96, 1 << 20, true, 100)?.length).toBe(4096);
  expect(cache.read(95, 1 << 20, true, 100)).toBeNull();
});
