// AppendOrder (src/broker/append-order.ts): appends run in the order they were queued, whatever
// order their validations finish in; a failed validation skips its append and holds nothing up.

import { describe, expect, test } from 'bun:test';
import { AppendOrder } from '../../../src/broker/append-order.ts';

function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: Error): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('AppendOrder', () => {
  test('a later append whose value is ready first still runs after the earlier one', async () => {
    const order = new AppendOrder();
    const ran: string[] = [];
    const a = deferred<string>();
    const b = deferred<string>();
    expect(order.idle).toBe(true);
    const pa = order.after(a.promise, (v) => ran.push(v));
    const pb = order.after(b.promise, (v) => ran.push(v));
    expect(order.idle).toBe(false);
    expect(order.queued).toBe(2);
    b.resolve('b');
    await Bun.sleep(5);
    expect(ran).toEqual([]);
    a.resolve('a');
    await Promise.all([pa, pb]);
    expect(ran).toEqual(['a', 'b']);
    expect(order.idle).toBe(true);
  });

  test('a rejected value skips its append, rejects its caller, and the next still waits its turn', async () => {
    const order = new AppendOrder();
    const ran: string[] = [];
    const a = deferred<string>();
    const b = deferred<string>();
    const c = deferred<string>();
    const pa = order.after(a.promise, (v) => ran.push(v));
    const pb = order.after(b.promise, (v) => ran.push(v));
    const pc = order.after(c.promise, (v) => ran.push(v));
    b.reject(new Error('thread gone'));
    c.resolve('c');
    await Bun.sleep(5);
    // b failed early, but c must not overtake a.
    expect(ran).toEqual([]);
    a.resolve('a');
    await pa;
    await expect(pb).rejects.toThrow('thread gone');
    await pc;
    expect(ran).toEqual(['a', 'c']);
    expect(order.idle).toBe(true);
  });

  test('an append that throws rejects its caller only', async () => {
    const order = new AppendOrder();
    const p1 = order.after(Promise.resolve(1), () => {
      throw new Error('bug');
    });
    const p2 = order.after(Promise.resolve(2), (v) => v * 10);
    await expect(p1).rejects.toThrow('bug');
    expect(await p2).toBe(20);
  });
});
