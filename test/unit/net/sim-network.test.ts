// The simulated network keeps TCP's promises (bytes in order, whatever the chunking; partial
// writes and drain; close seen by both ends) and its fault knobs do what the cluster simulation
// will rely on: a cut link holds bytes until it heals (one way or both), a lost write resets
// the connection after the bytes before it, a host can be disconnected, and the same seed
// delivers the same chunks at the same simulated times.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { NetError, type NetSocket, type SocketEvents } from '../../../src/base/network.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { SimNetwork, type SimNetworkOptions } from '../../../src/net/sim-network.ts';
import { SimLoop } from '../../simulation/sim-loop.ts';

/** What one end heard. */
class Ear implements SocketEvents {
  chunks: Uint8Array[] = [];
  times: number[] = [];
  drains = 0;
  closes = 0;
  timeouts = 0;
  constructor(private readonly clock: ManualClock) {}
  data(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.times.push(this.clock.monotonicMs());
  }
  drain(): void {
    this.drains++;
  }
  close(): void {
    this.closes++;
  }
  timeout(): void {
    this.timeouts++;
  }
  get bytes(): number[] {
    return this.chunks.flatMap((c) => [...c]);
  }
}

function world(seed: number, options: SimNetworkOptions = {}) {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const net = new SimNetwork(clock, scheduler, new Prng(seed), options);
  return { clock, loop: new SimLoop(scheduler), net };
}

/** A listener on host "server" port 9092 and a connection to it from host "client". */
async function connected(w: ReturnType<typeof world>) {
  const serverEar = new Ear(w.clock);
  let serverSocket: NetSocket | null = null;
  w.net.host('server').listen({ host: 'server', port: 9092 }, (s) => {
    serverSocket = s;
    return serverEar;
  });
  const clientEar = new Ear(w.clock);
  const client = await w.loop.run(w.net.host('client').connect({ host: 'server', port: 9092 }, clientEar), 1000);
  await w.loop.until(() => serverSocket !== null, 1000, 'accept');
  return { client, clientEar, server: serverSocket as unknown as NetSocket, serverEar };
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('SimNetwork', () => {
  test('bytes arrive in order, cut into chunks; the same seed gives the same chunks at the same times', async () => {
    const run = async (seed: number) => {
      const w = world(seed, { latencyMs: { min: 1, max: 20 }, splitPiecesMax: 4 });
      const c = await connected(w);
      for (let i = 0; i < 20; i++) expect(c.client.write(bytes(100, i * 100))).toBe(100);
      await w.loop.until(() => c.serverEar.bytes.length === 2000, 10_000, 'delivery');
      expect(c.serverEar.bytes).toEqual([...bytes(2000)]);
      expect(c.server.remoteAddress).toBe('client');
      return { sizes: c.serverEar.chunks.map((x) => x.length), times: c.serverEar.times };
    };
    const a = await run(7);
    expect(a.sizes.length).toBeGreaterThan(20); // some writes were split
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
  });

  test('a full buffer takes part of a write, then nothing; drain fires once bytes move; a paused reader holds them', async () => {
    const w = world(1, { sendBufferBytes: 1000, splitPiecesMax: 1 });
    const c = await connected(w);
    c.server.pause();
    expect(c.client.write(bytes(600))).toBe(600);
    expect(c.client.write(bytes(600))).toBe(400);
    expect(c.client.write(bytes(10))).toBe(0);
    await w.loop.advance(100);
    expect(c.serverEar.bytes.length).toBe(0);
    expect(c.clientEar.drains).toBe(0);
    c.server.resume();
    await w.loop.until(() => c.clientEar.drains === 1, 100, 'drain');
    await w.loop.until(() => c.serverEar.bytes.length === 1000, 100, 'delivery');
  });

  test('drain waits until delivery brings the buffer to half (as Linux wakes writers), not for the first free byte', async () => {
    const w = world(1, { sendBufferBytes: 1000, splitPiecesMax: 1 });
    const c = await connected(w);
    c.server.pause();
    for (let i = 0; i < 10; i++) expect(c.client.write(bytes(100))).toBe(100); // ten 100-byte writes: full
    expect(c.client.write(bytes(1))).toBe(0);
    c.server.resume();
    // Chunks arrive one delivery at a time: 900, 800 ... in flight. No drain above 500.
    await w.loop.until(() => c.clientEar.drains === 1, 1000, 'drain');
    expect(c.serverEar.bytes.length).toBeGreaterThanOrEqual(500);
  });

  test('end() closes both ends after the bytes written before it', async () => {
    const w = world(2);
    const c = await connected(w);
    c.client.write(bytes(50));
    c.client.end();
    expect(c.client.write(bytes(1))).toBe(-1);
    await w.loop.until(() => c.serverEar.closes === 1 && c.clientEar.closes === 1, 100, 'close');
    expect(c.serverEar.bytes.length).toBe(50);
    expect(w.net.openConnections).toBe(0);
  });

  test('a partition holds bytes both ways until it heals; a one-way cut holds one direction only', async () => {
    const w = world(3, { splitPiecesMax: 1 });
    const c = await connected(w);
    w.net.partition(['client'], ['server']);
    c.client.write(bytes(10));
    c.server.write(bytes(10));
    await w.loop.advance(5_000);
    expect([c.serverEar.bytes.length, c.clientEar.bytes.length]).toEqual([0, 0]);
    w.net.heal();
    await w.loop.until(() => c.serverEar.bytes.length === 10 && c.clientEar.bytes.length === 10, 100, 'delivery after heal');

    w.net.cut('client', 'server');
    c.client.write(bytes(5));
    c.server.write(bytes(5));
    await w.loop.advance(1_000);
    expect([c.serverEar.bytes.length, c.clientEar.bytes.length]).toEqual([10, 15]);
    w.net.heal();
    await w.loop.until(() => c.serverEar.bytes.length === 15, 100, 'delivery after heal');
  });

  test('a connect across a partition waits for the heal', async () => {
    const w = world(4);
    w.net.host('server').listen({ host: 'server', port: 1 }, () => new Ear(w.clock));
    w.net.partition(['client'], ['server']);
    let connected = false;
    void w.net.host('client').connect({ host: 'server', port: 1 }, new Ear(w.clock)).then(() => (connected = true));
    await w.loop.advance(60_000);
    expect(connected).toBe(false);
    w.net.heal();
    await w.loop.until(() => connected, 100, 'connect after heal');
  });

  test('a lost write resets the connection once the bytes before it arrived', async () => {
    const w = world(5, { splitPiecesMax: 1 });
    const c = await connected(w);
    c.client.write(bytes(10));
    w.net.dropChance = 1;
    c.client.write(bytes(10, 10));
    w.net.dropChance = 0;
    await w.loop.until(() => c.serverEar.closes === 1 && c.clientEar.closes === 1, 100, 'reset');
    expect(c.serverEar.bytes).toEqual([...bytes(10)]);
    expect(w.net.stats.resets).toBe(1);
  });

  test('disconnect(host) resets its connections at once', async () => {
    const w = world(6);
    const c = await connected(w);
    c.client.write(bytes(10));
    w.net.disconnect('server');
    expect([c.clientEar.closes, c.serverEar.closes]).toEqual([1, 1]);
    await w.loop.advance(100);
    expect(c.serverEar.bytes.length).toBe(0);
  });

  test('refused, in use, not ours; an idle reader times out', async () => {
    const w = world(7);
    const refused = w.net.host('client').connect({ host: 'server', port: 9 }, new Ear(w.clock));
    await expect(w.loop.run(refused, 100)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    w.net.host('server').listen({ host: '0.0.0.0', port: 9 }, () => new Ear(w.clock));
    expect(() => w.net.host('server').listen({ host: 'server', port: 9 }, () => null)).toThrow(NetError);
    expect(() => w.net.host('server').listen({ host: 'elsewhere', port: 10 }, () => null)).toThrow('EADDRNOTAVAIL');
    const c = await connected(w);
    c.server.timeout(2);
    await w.loop.advance(1_500);
    c.client.write(bytes(1)); // activity rearms the timer
    await w.loop.advance(1_500);
    expect(c.serverEar.timeouts).toBe(0);
    await w.loop.advance(1_000);
    expect(c.serverEar.timeouts).toBe(1);
  });
});
