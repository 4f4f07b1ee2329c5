// The RPC and the Raft transport on the real network: two endpoints in this process on free
// loopback ports (Bun's sockets, real timers). A batch of 1,000 group heartbeats is one frame
// each way; multi-MiB appends arrive intact through real partial writes; a request is
// answered; a peer that restarts on its port is reached again by reconnecting; and payloads
// handed out earlier are never overwritten by later reads (the decoder keeps views into Bun's
// data buffers). Nothing here measures time: waits end on conditions, bounded by a deadline.

import { afterEach, describe, expect, test } from 'bun:test';
import { Prng } from '../../src/base/prng.ts';
import { systemScheduler } from '../../src/base/scheduler.ts';
import { bunNetwork } from '../../src/net/bun-network.ts';
import type { Message } from '../../src/raft/core/index.ts';
import { RpcRaftTransport } from '../../src/raft/rpc-transport.ts';
import type { GroupMessage } from '../../src/raft/transport.ts';
import type { HostPort } from '../../src/base/network.ts';
import { type MessageKind, RpcEndpoint } from '../../src/rpc/index.ts';
import { heartbeats } from '../unit/raft/wire-gen.ts';

const ECHO: MessageKind = { type: 500, name: 'test.echo', versions: { min: 1, max: 1 } };
const WAIT_MS_MAX = 10_000;

interface Node {
  rpc: RpcEndpoint;
  transport: RpcRaftTransport;
  address: HostPort;
  received: Array<{ from: number; messages: readonly GroupMessage[] }>;
}

const open: RpcEndpoint[] = [];

function start(nodeId: number, port = 0): Node {
  const rpc = new RpcEndpoint({ nodeId, clusterId: 'loopback', network: bunNetwork, scheduler: systemScheduler, random: new Prng(nodeId) });
  open.push(rpc);
  const transport = new RpcRaftTransport(rpc);
  const node: Node = { rpc, transport, address: { host: '', port: 0 }, received: [] };
  transport.onMessages((from, messages) => node.received.push({ from, messages }));
  rpc.onRequest(ECHO, (_from, _v, body) => body.slice().reverse());
  node.address = rpc.listen({ host: '127.0.0.1', port });
  return node;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS_MAX} ms`);
    await Bun.sleep(5);
  }
}

async function pair(): Promise<[Node, Node]> {
  const a = start(1);
  const b = start(2);
  a.rpc.setPeer(2, b.address);
  b.rpc.setPeer(1, a.address);
  await until(() => a.rpc.peerState(2)?.state === 'ready' && b.rpc.peerState(1)?.state === 'ready', 'connections');
  return [a, b];
}

const append = (from: number, to: number, prevIndex: number, payloadBytes: number, fill: number): Message => ({
  type: 'append_entries',
  from,
  to,
  term: 1,
  prevIndex,
  prevTerm: 1,
  commit: prevIndex,
  entries: [{ kind: 'data', firstIndex: prevIndex + 1, lastIndex: prevIndex + 1, term: 1, payload: new Uint8Array(payloadBytes).fill(fill) }],
});

afterEach(() => {
  for (const rpc of open.splice(0)) rpc.stop();
});

describe('rpc over loopback', () => {
  test('the heartbeats of 1,000 groups are one frame each way', async () => {
    const [a, b] = await pair();
    const there = heartbeats(1000, 10);
    const back = there.messages.map(({ group }) => ({ group, message: { type: 'heartbeat_response', from: 2, to: 1, term: 3 } as Message }));
    const framesA = a.rpc.stats.messagesSent;
    const framesB = b.rpc.stats.messagesSent;
    a.transport.send(2, there.messages);
    await until(() => b.received.length === 1, 'heartbeats');
    b.transport.send(1, back);
    await until(() => a.received.length === 1, 'responses');
    expect(a.rpc.stats.messagesSent - framesA).toBe(1);
    expect(b.rpc.stats.messagesSent - framesB).toBe(1);
    expect(b.rpc.stats.messagesReceived).toBe(1);
    expect(b.received[0].messages).toEqual(there.messages);
    expect(a.received[0].messages).toEqual(back);
  });

  test('appends of several MiB arrive intact and in order through real partial writes; earlier payloads stay unchanged', async () => {
    const [a, b] = await pair();
    const count = 40;
    for (let i = 0; i < count; i++) a.transport.send(2, [{ group: 'g', message: append(1, 2, i - 1, 1024 * 1024 + i, i) }]);
    expect(a.rpc.peerState(2)!.queuedBytes).toBeGreaterThan(0); // the kernel took part: the rest waits for drain
    await until(() => b.received.length === count, 'appends');
    b.received.forEach((r, i) => {
      const m = r.messages[0].message;
      if (m.type !== 'append_entries' || m.entries[0].kind !== 'data') throw new Error('not an append');
      const p = m.entries[0].payload;
      expect(p.length).toBe(1024 * 1024 + i);
      expect(p[0] === i && p[p.length - 1] === i && p.every((x) => x === i)).toBe(true);
    });
    expect(a.rpc.stats.dropped.overloaded).toBe(0);
  });

  test('a request is answered', async () => {
    const [a] = await pair();
    const r = await a.rpc.request(2, ECHO, (w) => w.raw(new Uint8Array([1, 2, 3])));
    expect(r).toEqual({ ok: true, version: 1, body: new Uint8Array([3, 2, 1]) });
  });

  test('a peer restarted on its port is reached again: the dialer reconnects and delivers', async () => {
    const [a, b] = await pair();
    const port = b.address.port;
    b.rpc.stop();
    await until(() => a.rpc.peerState(2)?.state !== 'ready', 'the loss is seen');
    const hb = heartbeats(10, 1).messages;
    a.transport.send(2, hb);
    expect(a.transport.stats.messagesDropped.not_connected).toBe(10);
    const b2 = start(2, port);
    b2.rpc.setPeer(1, a.address);
    await until(() => a.rpc.peerState(2)?.state === 'ready', 'reconnect');
    a.transport.send(2, hb);
    await until(() => b2.received.length === 1, 'delivery after the restart');
    expect(b2.received[0].messages).toEqual(hb);
    expect(a.rpc.stats.connected).toBe(2);
  });
});
