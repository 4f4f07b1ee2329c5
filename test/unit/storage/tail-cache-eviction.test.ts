import { expect, test } from 'bun:test';
import { TailCache, TailPins } from '../../../src/storage/tail-cache.ts';

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

// A frame of `partitions` equal batches, as a produce request spread over that many partitions.
function frameOf(partitions: number, batchBytes: number): Uint8Array[] {
  const frame = new Uint8Array(partitions * batchBytes);
  return Array.from({ length: partitions }, (_, p) => frame.subarray(p * batchBytes, (p + 1) * batchBytes));
}
const info = (offset: number, size: number) => [{ position: 0, size, baseOffset: offset, lastOffset: offset, epoch: 0, maxTimestamp: 0 }];

test('batches of one frame spread over partitions are kept as views while the pins budget allows, each frame counted once', () => {
  const pins = new TailPins(4 * 16 * 1024);
  const caches = Array.from({ length: 4 }, () => new TailCache(8 * 1024, pins));
  // Three frames of 4 partitions x 1 KiB: 12 views, 3 distinct 4 KiB frames.
  for (let f = 0; f < 3; f++) {
    const views = frameOf(4, 1024);
    views.forEach((v, p) => expect(caches[p].add(v, info(f, 1024))).toBe(v));
  }
  expect(pins.buffers).toBe(3);
  expect(pins.pinnedBytes).toBe(3 * 4096);
});

test('past the pins budget a small view is copied, so a slow partition cannot pin large frames', () => {
  const pins = new TailPins(2 * 64 * 1024);
  const slow = new TailCache(1024 * 1024, pins);
  const kept: Uint8Array[] = [];
  for (let f = 0; f < 10; f++) {
    const frame = new Uint8Array(64 * 1024); // a 64 KiB request of which this partition has 1 KiB
    const view = frame.subarray(0, 1024);
    const k = slow.add(view, info(f, 1024));
    expect(k).not.toBeNull();
    kept.push(k!);
  }
  // Two frames fit the budget as views; the rest are private copies of 1 KiB.
  expect(kept.filter((k) => k.buffer.byteLength === 64 * 1024).length).toBe(2);
  expect(kept.slice(2).every((k) => k.buffer.byteLength === 1024)).toBe(true);
  expect(pins.pinnedBytes).toBe(2 * 64 * 1024);
  expect(slow.read(0, 1 << 20, true, 10)?.length).toBe(10 * 1024);
});

test('a batch that is most of its frame is kept as a view even past the budget (it pins little beyond itself)', () => {
  const pins = new TailPins(0);
  const cache = new TailCache(1024 * 1024, pins);
  const whole = new Uint8Array(4096);
  expect(cache.add(whole, info(0, 4096))).toBe(whole);
  expect(pins.pinnedBytes).toBe(4096);
});

test('eviction and clear give the pins back', () => {
  const pins = new TailPins(1 << 20);
  const a = new TailCache(2048, pins);
  const b = new TailCache(2048, pins);
  for (let f = 0; f < 4; f++) {
    const [va, vb] = frameOf(2, 1024);
    a.add(va, info(f, 1024));
    b.add(vb, info(f, 1024));
  }
  // Each cache holds its 2 newest views: frames 2 and 3 are pinned, 0 and 1 released.
  expect(pins.buffers).toBe(2);
  a.clear();
  expect(pins.buffers).toBe(2); // b still holds views of both
  b.clear();
  expect(pins.buffers).toBe(0);
  expect(pins.pinnedBytes).toBe(0);
});

test('a too-big write clears the cache and keeps nothing', () => {
  const pins = new TailPins(1 << 20);
  const cache = new TailCache(1024, pins);
  cache.add(new Uint8Array(1024), info(0, 1024));
  expect(cache.add(new Uint8Array(4096), info(1, 4096))).toBeNull();
  expect(pins.buffers).toBe(0);
  expect(cache.read(0, 1 << 20, true, 10)).toBeNull();
});
