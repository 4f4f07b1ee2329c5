// The simulated network and event queue are shared with the broker simulation to come: their
// fault knobs must do what they say.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { EventQueue } from './event-queue.ts';
import { type NetworkFaults, QUIET_NETWORK, SimNetwork } from './network.ts';

interface Msg {
  from: number;
  to: number;
  n: number;
}

function net(faults: NetworkFaults, seed = 1) {
  const queue = new EventQueue<Msg>();
  const network = new SimNetwork<Msg>(new Prng(seed), faults, (m, delayMs) => queue.schedule(queue.nowMs + delayMs, m));
  const deliveries = () => {
    const out: Msg[] = [];
    for (let e = queue.next(); e !== undefined; e = queue.next()) if (network.deliverable(e.event)) out.push(e.event);
    return out;
  };
  return { queue, network, deliveries };
}

describe('SimNetwork', () => {
  test('a partition blocks both ways between groups, a cut one way only, heal restores all', () => {
    const { network } = net(QUIET_NETWORK);
    network.partition([[1, 2], [3]]);
    const ok = (from: number, to: number) => network.deliverable({ from, to, n: 0 });
    expect([ok(1, 2), ok(1, 3), ok(3, 2)]).toEqual([true, false, false]);
    network.heal();
    network.cut(1, 2);
    expect([ok(1, 2), ok(2, 1)]).toEqual([false, true]);
    network.heal();
    expect(ok(1, 2)).toBe(true);
  });

  test('a link cut while a message is in flight drops it', () => {
    const { network, deliveries } = net(QUIET_NETWORK);
    network.send({ from: 1, to: 2, n: 1 });
    network.cut(1, 2);
    expect(deliveries()).toEqual([]);
  });

  test('loss, duplication and random delay: the counts and the order change as asked', () => {
    const lossy = net({ lossProbability: 0.3, duplicateProbability: 0, delayMsMin: 1, delayMsMax: 1 });
    for (let n = 0; n < 1000; n++) lossy.network.send({ from: 1, to: 2, n });
    const got = lossy.deliveries().length;
    expect(got).toBeGreaterThan(600);
    expect(got).toBeLessThan(800);

    const doubled = net({ lossProbability: 0, duplicateProbability: 1, delayMsMin: 1, delayMsMax: 1 });
    for (let n = 0; n < 10; n++) doubled.network.send({ from: 1, to: 2, n });
    expect(doubled.deliveries().length).toBe(20);

    const fifo = net({ lossProbability: 0, duplicateProbability: 0, delayMsMin: 1, delayMsMax: 1 });
    const reordering = net({ lossProbability: 0, duplicateProbability: 0, delayMsMin: 1, delayMsMax: 50 });
    for (let n = 0; n < 100; n++) {
      fifo.network.send({ from: 1, to: 2, n });
      reordering.network.send({ from: 1, to: 2, n });
    }
    const order = (ms: Msg[]) => ms.map((m) => m.n);
    expect(order(fifo.deliveries())).toEqual([...Array(100).keys()]);
    expect(order(reordering.deliveries())).not.toEqual([...Array(100).keys()]);
  });
});

describe('EventQueue', () => {
  test('events come out by time, ties in the order scheduled, and the clock follows', () => {
    const q = new EventQueue<string>();
    q.schedule(5, 'b');
    q.schedule(1, 'a');
    q.schedule(5, 'c');
    q.schedule(3, 'x');
    const out: string[] = [];
    for (let e = q.next(); e !== undefined; e = q.next()) out.push(`${e.atMs}:${e.event}`);
    expect(out).toEqual(['1:a', '3:x', '5:b', '5:c']);
    expect(q.nowMs).toBe(5);
  });
});
