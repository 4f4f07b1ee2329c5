// The pure parts of bench/multicore-probe.ts (docs/multicore.md): its frame layout, the record
// batch CRC32C it seals and checks, and the FIFO ring that holds a connection's request bytes
// until their acks leave. The probe's figures are not tested (benchmarks are not tests).

import { describe, expect, test } from 'bun:test';
import { BATCH_HEADER_BYTES, batchCrcOk, ceilingMbPerS, parseParts, RingFifo, sealBatch } from '../../../bench/multicore-worker.ts';

function frameBody(parts: { partition: number; length: number }[]): Uint8Array {
  const size = 4 + parts.reduce((s, p) => s + 8 + p.length, 0);
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  view.setInt32(0, parts.length);
  let at = 4;
  for (const p of parts) {
    view.setInt32(at, p.partition);
    view.setInt32(at + 4, p.length);
    body.fill(p.partition + 1, at + 8, at + 8 + p.length);
    at += 8 + p.length;
  }
  return body;
}

describe('parseParts', () => {
  test('finds each part at its absolute offset, past a prefix', () => {
    const body = frameBody([{ partition: 3, length: 100 }, { partition: 0, length: BATCH_HEADER_BYTES }]);
    const buf = new Uint8Array(10 + body.length);
    buf.set(body, 10);
    expect(parseParts(buf, 10, body.length, 16)).toEqual([
      { partition: 3, offset: 10 + 12, length: 100 },
      { partition: 0, offset: 10 + 12 + 100 + 8, length: BATCH_HEADER_BYTES },
    ]);
  });

  test('refuses a partition out of range, a part past the body, trailing bytes, too many parts', () => {
    expect(parseParts(frameBody([{ partition: 16, length: 100 }]), 0, 4 + 8 + 100, 16)).toContain('partition 16');
    const body = frameBody([{ partition: 1, length: 100 }]);
    expect(parseParts(body, 0, body.length - 1, 16)).toContain('does not fit');
    const longer = new Uint8Array(body.length + 3);
    longer.set(body);
    expect(parseParts(longer, 0, longer.length, 16)).toBe('3 bytes after the last part');
    const many = new Uint8Array(4);
    new DataView(many.buffer).setInt32(0, 17);
    expect(parseParts(many, 0, 4, 16)).toContain('part count 17');
    expect(parseParts(frameBody([{ partition: 1, length: BATCH_HEADER_BYTES - 1 }]), 0, 4 + 8 + 60, 16)).toContain('does not fit');
  });
});

describe('record batch CRC32C', () => {
  test('a sealed batch checks; one flipped bit under the CRC does not; bytes before it are not covered', () => {
    const batch = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    sealBatch(batch);
    expect(batchCrcOk(batch)).toBe(true);
    batch[0] ^= 1; // baseOffset: outside the CRC (the broker assigns it)
    expect(batchCrcOk(batch)).toBe(true);
    batch[2000] ^= 1;
    expect(batchCrcOk(batch)).toBe(false);
  });
});

describe('RingFifo', () => {
  test('allocates back to back, wraps to the start once the oldest frame is freed, refuses when full', () => {
    const r = new RingFifo(100);
    expect(r.alloc(40)).toBe(0);
    expect(r.alloc(40)).toBe(40);
    expect(r.alloc(30)).toBe(-1); // 80 + 30 > 100 and nothing freed at the start
    r.free();
    expect(r.alloc(30)).toBe(0); // wraps: [0, 30) is below the oldest live frame at 40
    expect(r.alloc(10)).toBe(-1); // [30, 40) would touch the live frame at 40
    expect(r.alloc(101)).toBe(-1);
    r.free();
    r.free();
    expect(r.live).toBe(0);
    expect(r.alloc(100)).toBe(0);
  });

  test('never hands out bytes of a live frame (seeded random sizes and frees)', () => {
    const capacity = 1000;
    const r = new RingFifo(capacity);
    const live: { start: number; end: number }[] = [];
    let x = 12345;
    const rand = (n: number): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    let allocated = 0;
    for (let step = 0; step < 20000; step++) {
      if (live.length > 0 && rand(3) === 0) {
        r.free();
        live.shift();
        continue;
      }
      const size = 1 + rand(300);
      const start = r.alloc(size);
      if (start < 0) continue;
      allocated++;
      const end = start + size;
      expect(end).toBeLessThanOrEqual(capacity);
      for (const l of live) expect(end <= l.start || start >= l.end).toBe(true);
      live.push({ start, end });
      expect(r.live).toBe(live.length);
    }
    expect(allocated).toBeGreaterThan(5000);
  });
});

describe('ceilingMbPerS', () => {
  const mb = (gibPerS: number): number => (gibPerS * 2 ** 30) / 1e6;
  test('one thread is bound by its one core; workers by the main thread, each worker or all cores', () => {
    expect(ceilingMbPerS(1.25, 1.25, 0, 2)).toBeCloseTo(mb(0.8));
    expect(ceilingMbPerS(1.5, 0.5, 2, 2)).toBeCloseTo(mb(2 / 1.5)); // the cores
    expect(ceilingMbPerS(1.5, 0.5, 1, 4)).toBeCloseTo(mb(1)); // the one worker: 1 CPU-s/GiB
    expect(ceilingMbPerS(1.5, 1.0, 2, 4)).toBeCloseTo(mb(1)); // the main thread
  });
});
