// The RPC endpoint over the simulated network (deterministic, seeded): messages and requests
// reach the peer in order and whole through partial writes and any chunking; versions agree;
// what cannot be sent is dropped and counted; requests end in exactly one result (answer,
// timeout, unreachable, closed, overloaded, stopped); a down peer is retried with backoff and
// reached again after it restarts; a peer that stops reading is cut off.

import { describe, expect, test } from 'bun:test';
import type { HostPort, Network } from '../../../src/base/network.ts';
import type { RpcLimits, RpcResult } from '../../../src/rpc/index.ts';
import { ECHO, NOTE, RPC_PORT, World } from './harness.ts';

const addr = (w: World, id: number): HostPort => ({ host: w.host(id), port: RPC_PORT });

/** Two meshed nodes, connected both ways. */
async function pair(w: World, limits1: Partial<RpcLimits> = {}, limits2: Partial<RpcLimits> = {}) {
  const a = w.node(1, { limits: limits1 });
  const b = w.node(2, { limits: limits2 });
  w.meshed([a, b]);
  await w.loop.until(() => a.connectedTo(2) && b.connectedTo(1), 1_000, 'connections');
  return { a, b };
}

describe('rpc endpoint: delivery', () => {
  test('a one-way message and a request; versions are the highest both speak', async () => {
    const w = new World(1);
    const a = w.node(1);
    const b = w.node(2, { kinds: { note: { ...NOTE, versions: { min: 1, max: 1 } } } });
    w.meshed([a, b]);
    await w.loop.until(() => a.connectedTo(2) && b.connectedTo(1), 1_000, 'connections');
    expect(a.rpc.versionFor(2, NOTE)).toBe(1);
    expect(a.note(2, 42)).toBe('sent');
    expect(b.note(1, 43)).toBe('sent');
    const r = await w.loop.run(a.echo(2, new Uint8Array([1, 2, 3])), 1_000);
    expect(r).toEqual({ ok: true, version: 1, body: new Uint8Array([3, 2, 1]) });
    await w.loop.until(() => b.received.length === 1 && a.received.length === 1, 1_000, 'delivery');
    expect(b.received[0]).toMatchObject({ from: 1, version: 1, seq: 42 });
    expect(a.received[0]).toMatchObject({ from: 2, version: 1, seq: 43 });
    expect(a.rpc.stats).toMatchObject({ messagesSent: 1, requestsSent: 1, connected: 1, accepted: 1, badInput: 0, internalErrors: 0 });
    expect(b.rpc.stats).toMatchObject({ messagesReceived: 1, requestsServed: 1 });
  });

  test('a thousand frames of every size arrive whole and in order through partial writes and 1-to-6-piece chunking', async () => {
    const w = new World(2, { sendBufferBytes: 20_000, splitPiecesMax: 6, latencyMs: { min: 0, max: 5 } });
    const { a, b } = await pair(w);
    const sizes: number[] = [];
    let partial = false;
    for (let seq = 0; seq < 1_000; seq++) {
      const filler = w.random.int(0, 9_000);
      expect(a.note(2, seq, filler)).toBe('sent');
      sizes.push(filler);
      if (seq % 20 === 19) {
        partial ||= a.rpc.peerState(2)!.queuedBytes > 0;
        // paced: SimNetwork signals drain as soon as one byte of room is free, so a queue kept
        // full for long fragments its writes into ever smaller chunks (a simulation artifact)
        await w.loop.advance(50);
      }
    }
    expect(partial).toBe(true); // partial writes happened
    await w.loop.until(() => b.received.length === 1_000, 600_000, 'delivery');
    expect(b.received.map((r) => r.seq)).toEqual(sizes.map((_, i) => i));
    expect(b.received.map((r) => r.bytes - (r.seq < 128 ? 1 : 2))).toEqual(sizes);
    expect(a.rpc.stats.dropped.overloaded).toBe(0);
  });

  test('the same seed replays the same deliveries at the same simulated times', async () => {
    const run = async (seed: number) => {
      const w = new World(seed, { latencyMs: { min: 1, max: 9 }, sendBufferBytes: 500 });
      const { a, b } = await pair(w);
      const times: number[] = [];
      for (let seq = 0; seq < 50; seq++) a.note(2, seq, 300);
      await w.loop.until(() => {
        while (times.length < b.received.length) times.push(w.loop.nowMs);
        return b.received.length === 50;
      }, 60_000, 'delivery');
      return times;
    };
    const first = await run(11);
    expect(await run(11)).toEqual(first);
  });
});

describe('rpc endpoint: what is not sent', () => {
  test('before the connection is up, to an unknown node, or of a type the peer lacks: dropped and counted', async () => {
    const w = new World(3);
    const a = w.node(1);
    const b = w.node(2, { kinds: { echo: { ...ECHO, type: 199 } } });
    a.rpc.setPeer(2, addr(w, 2));
    expect(a.note(2, 1)).toBe('not_connected');
    expect(a.note(3, 1)).toBe('unknown_peer');
    await w.loop.until(() => a.connectedTo(2), 1_000, 'connect');
    const r = await w.loop.run(a.echo(2, new Uint8Array(1)), 1_000);
    expect(r).toMatchObject({ ok: false, error: 'unsupported' });
    expect(await a.echo(3, new Uint8Array(1))).toMatchObject({ ok: false, error: 'unknown_peer' });
    expect(a.rpc.stats.dropped).toMatchObject({ not_connected: 1, unknown_peer: 1 });
    await w.loop.advance(100);
    expect(b.received).toEqual([]);
  });

  test('past peerQueuedBytesMax one-way sends are dropped and counted, the queue stays bounded; after the heal the rest flows', async () => {
    const w = new World(4);
    const { a, b } = await pair(w, { peerQueuedBytesMax: 64 * 1024 });
    w.net.cut('n1', 'n2');
    const outcomes = new Map<string, number>();
    for (let seq = 0; seq < 500; seq++) {
      const o = a.note(2, seq, 4_000);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      expect(a.rpc.peerState(2)!.queuedBytes).toBeLessThanOrEqual(64 * 1024);
    }
    // the network's own buffer (1 MiB) fills first, then our queue (64 KiB), then drops
    expect(outcomes.get('overloaded')).toBeGreaterThan(200);
    expect(a.rpc.stats.dropped.overloaded).toBe(outcomes.get('overloaded')!);
    w.net.heal();
    await w.loop.until(() => b.received.length === outcomes.get('sent'), 10_000, 'the rest');
    const seqs = b.received.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(a.note(2, 1_000)).toBe('sent');
  });

  test('a frame above frameBytesMax is not sent (too_large); one at the limit is', async () => {
    const w = new World(5);
    const small = { frameBytesMax: 10_000, helloFrameBytesMax: 10_000 };
    const { a, b } = await pair(w, small, small);
    expect(a.note(2, 1, 10_000)).toBe('too_large');
    expect(a.note(2, 2, 10_000 - 9 - 1)).toBe('sent'); // header 9 + seq 1 + filler
    await w.loop.until(() => b.received.length === 1, 1_000, 'delivery');
    expect(b.received[0].seq).toBe(2);
  });
});

describe('rpc endpoint: requests', () => {
  test('an unanswered request times out; its late answer is ignored; the connection stays', async () => {
    const w = new World(6);
    const { a, b } = await pair(w);
    b.holdEchoes = true;
    const r = await w.loop.run(a.echo(2, new Uint8Array([9]), 500), 1_000);
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    b.releaseEchoes();
    await w.loop.advance(100);
    expect(a.connectedTo(2)).toBe(true);
    b.holdEchoes = false;
    expect(await w.loop.run(a.echo(2, new Uint8Array([1, 2])), 1_000)).toMatchObject({ ok: true, body: new Uint8Array([2, 1]) });
  });

  test('a request waits for the connection, goes out once connected, or is unreachable at its timeout', async () => {
    const w = new World(7);
    const a = w.node(1);
    a.rpc.setPeer(2, addr(w, 2)); // nobody listens there yet
    const never = a.echo(2, new Uint8Array([1]), 300);
    const later = a.echo(2, new Uint8Array([5, 6]), 5_000);
    expect(await w.loop.run(never, 1_000)).toMatchObject({ ok: false, error: 'unreachable' });
    await w.loop.advance(500);
    w.node(2);
    expect(await w.loop.run(later, 5_000)).toMatchObject({ ok: true, body: new Uint8Array([6, 5]) });
  });

  test('requests in flight when the connection drops end as closed; a stop ends the rest as stopped', async () => {
    const w = new World(8);
    const { a, b } = await pair(w);
    b.holdEchoes = true;
    const inFlight = a.echo(2, new Uint8Array([1]));
    await w.loop.advance(20);
    w.net.disconnect('n1');
    expect(await w.loop.run(inFlight, 1_000)).toMatchObject({ ok: false, error: 'closed' });
    w.net.partition(['n1'], ['n2']);
    const waiting = a.echo(2, new Uint8Array([1]));
    await w.loop.advance(100);
    a.rpc.stop();
    expect(await w.loop.run(waiting, 1_000)).toMatchObject({ ok: false, error: 'stopped' });
    expect(await a.echo(2, new Uint8Array(1))).toMatchObject({ ok: false, error: 'unknown_peer' });
  });

  test('limits: requests past peerRequestsMax fail at once; past servedRequestsMax the peer answers remote_overloaded; a failing handler is remote_failed', async () => {
    const w = new World(9);
    const { a, b } = await pair(w, { peerRequestsMax: 5 }, { servedRequestsMax: 3 });
    b.holdEchoes = true;
    const results: RpcResult[] = [];
    for (let i = 0; i < 6; i++) void a.echo(2, new Uint8Array([i])).then((r) => results.push(r));
    await w.loop.advance(50);
    expect(results.map((r) => (r.ok ? 'ok' : r.error))).toEqual(['overloaded', 'remote_overloaded', 'remote_overloaded']);
    b.releaseEchoes();
    await w.loop.advance(50);
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    b.rpc.stop();
    const c = w.node(3, { kinds: { echo: ECHO } });
    const failing = w.node(4);
    void c;
    (failing as unknown as { serveEcho: () => never }).serveEcho = () => {
      throw new Error('handler bug');
    };
    a.rpc.setPeer(4, addr(w, 4));
    const r = await w.loop.run(a.echo(4, new Uint8Array([1])), 2_000);
    expect(r).toMatchObject({ ok: false, error: 'remote_failed' });
    expect((r as { message: string }).message).toContain('handler bug');
  });
});

/** A Network that records when connect() is called. */
function recording(net: Network, times: number[], now: () => number): Network {
  return { ...net, connect: (address, events) => (times.push(now()), net.connect(address, events)) };
}

describe('rpc endpoint: connections', () => {
  test('a down peer is dialed with exponential backoff and jitter up to the cap, then reached once it is up; the backoff resets', async () => {
    const w = new World(10, { latencyMs: { min: 0, max: 0 } });
    const attempts: number[] = [];
    const a = w.node(1, { network: recording(w.net.host('n1'), attempts, () => w.loop.nowMs) });
    a.rpc.setPeer(2, addr(w, 2));
    await w.loop.advance(10_000);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    expect(gaps.length).toBeGreaterThan(8);
    gaps.forEach((g, i) => {
      const term = Math.min(50 * 2 ** i, 1000);
      expect(g).toBeGreaterThanOrEqual(Math.floor(term * 0.8));
      expect(g).toBeLessThanOrEqual(Math.ceil(term * 1.2));
    });
    expect(new Set(gaps.slice(6)).size).toBeGreaterThan(1); // jittered, not all equal
    const b = w.node(2);
    await w.loop.until(() => a.connectedTo(2), 1_300, 'reconnect');
    const before = attempts.length;
    w.net.crash('n2');
    b.rpc.stop();
    await w.loop.advance(100);
    expect(attempts.length - before).toBeGreaterThanOrEqual(1); // first retry after ~50 ms, not ~1 s
    expect(a.rpc.stats.connectFailures).toBeGreaterThan(8);
  });

  test('a peer restarted on the same address is reached again and messages flow; the new connection replaces the old at the acceptor', async () => {
    const w = new World(11);
    const { a, b } = await pair(w);
    w.net.crash('n2');
    b.rpc.stop();
    await w.loop.advance(20);
    expect(a.connectedTo(2)).toBe(false);
    expect(a.note(2, 1)).toBe('not_connected');
    const b2 = w.node(2);
    b2.rpc.setPeer(1, addr(w, 1));
    await w.loop.until(() => a.connectedTo(2) && b2.connectedTo(1), 2_000, 'reconnect');
    expect(a.note(2, 2)).toBe('sent');
    await w.loop.until(() => b2.received.length === 1, 1_000, 'delivery');
    // node 1 holds exactly one inbound connection from node 2 (the old one ended with the crash)
    expect(w.net.openConnections).toBe(2);
  });

  test('a newer inbound connection from the same node id closes the older one', async () => {
    const w = new World(12);
    const { a, b } = await pair(w);
    expect(a.rpc.inboundCount).toBe(1);
    const twin = w.node(2, { hostName: 'n2b' }); // node 2 again, restarted on another host
    twin.rpc.setPeer(1, addr(w, 1));
    await w.loop.until(() => twin.connectedTo(1), 1_000, 'twin');
    await w.loop.advance(5);
    expect(a.rpc.inboundCount).toBe(1);
    expect(b.connectedTo(1)).toBe(false);
    expect(b.logs.some((l) => l.includes('rpc: connection lost'))).toBe(true);
  });

  test('a peer that stops reading is cut off after writeStallTimeoutMs and dialed again', async () => {
    const w = new World(13);
    const { a } = await pair(w, { writeStallTimeoutMs: 2_000 });
    w.net.cut('n1', 'n2');
    for (let seq = 0; seq < 400; seq++) a.note(2, seq, 4_000);
    expect(a.rpc.peerState(2)!.queuedBytes).toBeGreaterThan(0);
    await w.loop.advance(1_900);
    expect(a.rpc.stats.stalls).toBe(0);
    await w.loop.advance(200);
    expect(a.rpc.stats.stalls).toBe(1);
    expect(a.logs.some((l) => l.includes('peer not reading'))).toBe(true);
    expect(a.rpc.peerState(2)!.state).not.toBe('ready');
    w.net.heal();
    await w.loop.until(() => a.connectedTo(2), 10_000, 'reconnect');
  });

  test('a peer moved to a new address is dialed there', async () => {
    const w = new World(14);
    const { a, b } = await pair(w);
    b.rpc.stop();
    const moved = w.node(2, { hostName: 'n2b' });
    a.rpc.setPeer(2, { host: 'n2b', port: RPC_PORT });
    await w.loop.until(() => a.connectedTo(2), 2_000, 'moved');
    expect(a.note(2, 7)).toBe('sent');
    await w.loop.until(() => moved.received.length === 1, 1_000, 'delivery');
  });
});
