// Producer id allocation across crashes, and the InitProducerId epoch rules (KIP-360).

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import {
  PRODUCER_EPOCH_MAX,
  ProducerIdAllocator,
  expectedProducer,
  initIdempotentProducer,
  planTransactionalInit,
} from '../../../src/transactions/producer-ids.ts';

/** A disk that keeps one number; `failNext` makes the next write fail as if the node died mid-write. */
class FakeDisk {
  durable = 0;
  writes = 0;
  failNext = false;
  persist = async (blockEnd: number): Promise<void> => {
    await Promise.resolve();
    this.writes++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('crash during write');
    }
    this.durable = blockEnd;
  };
}

describe('ProducerIdAllocator', () => {
  test('ids are consecutive within blocks and a block is persisted before use', async () => {
    const disk = new FakeDisk();
    const a = new ProducerIdAllocator(0, disk.persist, 10);
    expect(a.tryAllocate()).toBeNull();
    for (let i = 0; i < 25; i++) {
      const id = await a.allocate();
      expect(id).toBe(i);
      expect(id).toBeLessThan(disk.durable);
    }
    expect(disk.writes).toBe(3);
  });

  test('concurrent callers share one persist and get distinct ids', async () => {
    const disk = new FakeDisk();
    const a = new ProducerIdAllocator(0, disk.persist, 4);
    const ids = await Promise.all(Array.from({ length: 10 }, () => a.allocate()));
    expect(new Set(ids).size).toBe(10);
    expect(disk.writes).toBe(3);
  });

  test('no id repeats across simulated crashes, including crashes during a persist', async () => {
    const disk = new FakeDisk();
    const seen = new Set<number>();
    let x = 7;
    for (let life = 0; life < 200; life++) {
      // Restart from what is on disk; everything in memory is lost.
      const a = new ProducerIdAllocator(disk.durable, disk.persist, 16);
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const n = x % 40;
      if (x % 5 === 0) disk.failNext = true;
      for (let i = 0; i < n; i++) {
        let id: number;
        try {
          id = await a.allocate();
        } catch {
          break; // the node died in the write
        }
        expect(seen.has(id)).toBe(false);
        expect(id).toBeLessThan(disk.durable);
        seen.add(id);
      }
    }
    expect(seen.size).toBeGreaterThan(1000);
  });

  test('a failed persist hands out nothing from that block', async () => {
    const disk = new FakeDisk();
    const a = new ProducerIdAllocator(100, disk.persist, 10);
    disk.failNext = true;
    await expect(a.allocate()).rejects.toThrow('crash during write');
    expect(a.tryAllocate()).toBeNull();
    expect(await a.allocate()).toBe(100);
  });

  test('InitProducerId without a transactional id gives a new id at epoch 0', async () => {
    const a = new ProducerIdAllocator(0, new FakeDisk().persist);
    expect(await initIdempotentProducer(a)).toEqual({ producerId: 0, producerEpoch: 0 });
    expect(await initIdempotentProducer(a)).toEqual({ producerId: 1, producerEpoch: 0 });
  });
});

describe('InitProducerId epoch rules', () => {
  test('the expected id and epoch come both or not at all', () => {
    expect(expectedProducer(-1, -1)).toEqual({ ok: true, expected: null });
    expect(expectedProducer(5, 2)).toEqual({ ok: true, expected: { producerId: 5, producerEpoch: 2 } });
    expect(expectedProducer(5, -1)).toEqual({ ok: false, code: ErrorCode.INVALID_REQUEST });
    expect(expectedProducer(-1, 2)).toEqual({ ok: false, code: ErrorCode.INVALID_REQUEST });
  });

  const current = { producerId: 5, previousProducerId: -1, producerEpoch: 3, lastProducerEpoch: 2 };

  test('a new transactional id starts at epoch 0', () => {
    const fresh = { producerId: 5, previousProducerId: -1, producerEpoch: -1, lastProducerEpoch: -1 };
    expect(planTransactionalInit(fresh, null)).toEqual({ kind: 'bump', producerEpoch: 0, lastProducerEpoch: -1 });
    // A producer recovering with an id the coordinator no longer knows gets the new one.
    expect(planTransactionalInit(fresh, { producerId: 77, producerEpoch: 4 })).toEqual({
      kind: 'bump',
      producerEpoch: 0,
      lastProducerEpoch: -1,
    });
  });

  test('without an expected epoch the epoch is bumped', () => {
    expect(planTransactionalInit(current, null)).toEqual({ kind: 'bump', producerEpoch: 4, lastProducerEpoch: -1 });
  });

  test('a matching expected epoch is bumped and remembered', () => {
    expect(planTransactionalInit(current, { producerId: 5, producerEpoch: 3 })).toEqual({
      kind: 'bump',
      producerEpoch: 4,
      lastProducerEpoch: 3,
    });
  });

  test('a retry with the previous epoch gets the current epoch again', () => {
    expect(planTransactionalInit(current, { producerId: 5, producerEpoch: 2 })).toEqual({
      kind: 'bump',
      producerEpoch: 3,
      lastProducerEpoch: 2,
    });
  });

  test('any other epoch or id is PRODUCER_FENCED', () => {
    expect(planTransactionalInit(current, { producerId: 5, producerEpoch: 1 })).toEqual({ kind: 'error', code: ErrorCode.PRODUCER_FENCED });
    expect(planTransactionalInit(current, { producerId: 6, producerEpoch: 3 })).toEqual({ kind: 'error', code: ErrorCode.PRODUCER_FENCED });
  });

  test('an exhausted epoch rotates to a new producer id, and a retry of that is recognised', () => {
    const exhausted = { producerId: 5, previousProducerId: -1, producerEpoch: PRODUCER_EPOCH_MAX - 1, lastProducerEpoch: PRODUCER_EPOCH_MAX - 2 };
    expect(planTransactionalInit(exhausted, null)).toEqual({ kind: 'rotate' });
    expect(planTransactionalInit(exhausted, { producerId: 5, producerEpoch: PRODUCER_EPOCH_MAX - 1 })).toEqual({ kind: 'rotate' });
    const rotated = { producerId: 9, previousProducerId: 5, producerEpoch: 0, lastProducerEpoch: PRODUCER_EPOCH_MAX - 1 };
    expect(planTransactionalInit(rotated, { producerId: 5, producerEpoch: PRODUCER_EPOCH_MAX - 1 })).toEqual({
      kind: 'bump',
      producerEpoch: 0,
      lastProducerEpoch: PRODUCER_EPOCH_MAX - 1,
    });
    expect(planTransactionalInit(rotated, { producerId: 5, producerEpoch: 3 })).toEqual({ kind: 'error', code: ErrorCode.PRODUCER_FENCED });
  });
});
