// The fault proxy (test/helpers/fault-proxy.ts) over real loopback sockets, with stand-in nodes:
// a "node" here is a listener that records what each connection brought, and dialers that open
// with a real RPC hello (src/rpc's codecs) naming their node id. Proven: the proxy tells dialers
// apart by their hello; a cut link carries nothing (on an open connection and a new one) while
// the other links and the other direction still carry; isolating a node cuts it both ways; a
// healed link carries again (connections that lost bytes are closed, so nodes redial); delayed
// bytes are held in order and delivered; a first frame that is no hello is refused. Waits are on
// the proxy's own counters (bytes dropped or held), never on time.

import { afterEach, describe, expect, test } from 'bun:test';
import type { Socket, TCPSocketListener } from 'bun';
import { waitFor } from '../helpers/cluster.ts';
import { FaultProxy } from '../helpers/fault-proxy.ts';
import { encodeFrame, FrameKind } from '../../src/rpc/frame.ts';
import { encodeHello } from '../../src/rpc/handshake.ts';

const WAIT_MS_MAX = 10_000;

/** A stand-in node's RPC listener: the text each accepted connection brought. */
class StandInNode {
  readonly received: string[] = [];
  readonly sockets: Socket<number>[] = [];
  private readonly listener: TCPSocketListener<number>;
  constructor() {
    this.listener = Bun.listen<number>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open: (s) => {
          s.data = this.received.length;
          this.received.push('');
          this.sockets.push(s);
        },
        data: (s, chunk) => {
          this.received[s.data] += new TextDecoder().decode(chunk);
        },
      },
    });
  }
  get port(): number {
    return this.listener.port;
  }
  stop(): void {
    this.listener.stop(true);
  }
}

/** A dialer speaking as node `nodeId`: its hello, then text; collects what comes back. */
class Dialer {
  received = '';
  closed = false;
  private constructor(private readonly socket: Socket<undefined>) {}
  static async open(port: number, nodeId: number, hello = helloFrame(nodeId)): Promise<Dialer> {
    let self: Dialer | null = null;
    const socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        data: (_s, chunk) => {
          if (self !== null) self.received += new TextDecoder().decode(chunk);
        },
        close: () => {
          if (self !== null) self.closed = true;
        },
      },
    });
    self = new Dialer(socket);
    socket.write(hello);
    return self;
  }
  send(text: string): void {
    this.socket.write(new TextEncoder().encode(text));
  }
  end(): void {
    this.socket.end();
  }
}

function helloFrame(nodeId: number): Uint8Array {
  const body = encodeHello({ framing: { min: 1, max: 1 }, nodeId, clusterId: 'chaos', kinds: [] });
  return encodeFrame({ kind: FrameKind.hello, type: 0, version: 1, correlationId: 0 }, body);
}

/** The text a stand-in node got on its connection from the dialer with that hello (the hello's bytes stripped). */
function textAfterHello(received: string, nodeId: number): string {
  const hello = new TextDecoder().decode(helloFrame(nodeId));
  return received.startsWith(hello) ? received.slice(hello.length) : received;
}

let proxy: FaultProxy | null = null;
const cleanups: (() => void)[] = [];
afterEach(() => {
  proxy?.close();
  proxy = null;
  for (const c of cleanups.splice(0)) c();
});

/** Node 3 behind the proxy; dialers 1 and 2 connected through it, both carrying already. */
async function world() {
  proxy = new FaultProxy();
  const node3 = new StandInNode();
  cleanups.push(() => node3.stop());
  const port3 = proxy.addNode(3, node3.port);
  const d1 = await Dialer.open(port3, 1);
  const d2 = await Dialer.open(port3, 2);
  cleanups.push(() => d1.end(), () => d2.end());
  d1.send('a1');
  d2.send('b1');
  await waitFor(async () => (node3.received.length === 2 && node3.received.every((r) => r.endsWith('1')) ? true : null), WAIT_MS_MAX, 'both dialers carried');
  const fromNode = (id: number) => textAfterHello(node3.received.find((r) => r.startsWith(new TextDecoder().decode(helloFrame(id))))!, id);
  const socketFor = (id: number) => node3.sockets[node3.received.findIndex((r) => r.startsWith(new TextDecoder().decode(helloFrame(id))))];
  const dropped = (from: number, to: number) => proxy!.stats().links.get(`${from}>${to}`)?.dropped ?? 0;
  return { proxy, node3, port3, d1, d2, fromNode, socketFor, dropped };
}

describe('fault proxy', () => {
  test('tells dialers apart by their RPC hello and counts bytes per directed link', async () => {
    const w = await world();
    expect(w.fromNode(1)).toBe('a1');
    expect(w.fromNode(2)).toBe('b1');
    w.socketFor(1).write('r1');
    await waitFor(async () => (w.d1.received === 'r1' ? true : null), WAIT_MS_MAX, 'an answer from 3 to 1');
    const links = w.proxy.stats().links;
    expect(links.get('1>3')!.forwarded).toBe(helloFrame(1).length + 2);
    expect(links.get('3>1')).toEqual({ forwarded: 2, dropped: 0 });
    expect(w.d2.received).toBe('');
  });

  test('a cut direction carries nothing, on the open connection and on a new one; the other links and direction still carry; heal carries again', async () => {
    const w = await world();
    w.proxy.cut(1, 3);
    w.d1.send('a2');
    w.d2.send('b2');
    w.socketFor(1).write('r1'); // 3 -> 1 is not cut
    await waitFor(async () => (w.dropped(1, 3) === 2 && w.fromNode(2) === 'b1b2' && w.d1.received === 'r1' ? true : null), WAIT_MS_MAX, 'a2 dropped, b2 and r1 delivered');
    const late = await Dialer.open(w.port3, 1);
    cleanups.push(() => late.end());
    await waitFor(async () => (w.dropped(1, 3) === 2 + helloFrame(1).length ? true : null), WAIT_MS_MAX, 'the new hello dropped');
    expect(w.fromNode(1)).toBe('a1');
    expect(w.node3.received.length).toBe(2); // the new dial never reached node 3

    w.proxy.heal();
    await waitFor(async () => (w.d1.closed && late.closed ? true : null), WAIT_MS_MAX, 'connections that lost bytes closed at heal');
    expect(w.d2.closed).toBe(false);
    expect(w.proxy.stats().closedAtHeal).toBe(2);
    const again = await Dialer.open(w.port3, 1);
    cleanups.push(() => again.end());
    again.send('a3');
    await waitFor(async () => (w.node3.received.some((r) => textAfterHello(r, 1) === 'a3') ? true : null), WAIT_MS_MAX, 'a healed link carrying');
  });

  test('isolating a node cuts every link to and from it, both ways; heal carries again', async () => {
    const w = await world();
    w.proxy.isolate(3);
    w.d1.send('a2');
    w.socketFor(2).write('r2');
    await waitFor(async () => (w.dropped(1, 3) === 2 && w.dropped(3, 2) === 2 ? true : null), WAIT_MS_MAX, 'both directions dropped');
    expect(w.fromNode(1)).toBe('a1');
    expect(w.d2.received).toBe('');
    expect(w.proxy.isCut(2, 3) && w.proxy.isCut(3, 1) && w.proxy.isCut(7, 3)).toBe(true);
    w.proxy.heal();
    await waitFor(async () => (w.d1.closed && w.d2.closed ? true : null), WAIT_MS_MAX, 'damaged connections closed at heal');
    const again = await Dialer.open(w.port3, 2);
    cleanups.push(() => again.end());
    again.send('b3');
    await waitFor(async () => (w.node3.received.some((r) => textAfterHello(r, 2) === 'b3') ? true : null), WAIT_MS_MAX, 'carrying after heal');
  });

  test('a delayed link holds its bytes in order and delivers them (here at heal); other links are not held', async () => {
    const w = await world();
    w.proxy.delay(1, 3, 3_600_000);
    for (const t of ['x', 'y', 'z']) w.d1.send(t);
    w.d2.send('b2');
    await waitFor(async () => (w.proxy.stats().held > 0 && w.fromNode(2) === 'b1b2' ? true : null), WAIT_MS_MAX, 'bytes held');
    expect(w.fromNode(1)).toBe('a1');
    w.proxy.heal();
    await waitFor(async () => (w.fromNode(1) === 'a1xyz' ? true : null), WAIT_MS_MAX, 'held bytes delivered in order');
    expect(w.d1.closed).toBe(false); // nothing was lost, so the connection stays
    expect(w.proxy.stats().held).toBe(0);
  });

  test('a short delay delivers by itself', async () => {
    const w = await world();
    w.proxy.delay(3, 1, 20);
    w.socketFor(1).write('late');
    await waitFor(async () => (w.d1.received === 'late' ? true : null), WAIT_MS_MAX, 'delayed bytes delivered');
  });

  test('a first frame that is not an RPC hello is refused', async () => {
    proxy = new FaultProxy();
    const node = new StandInNode();
    cleanups.push(() => node.stop());
    const port = proxy.addNode(1, node.port);
    const d = await Dialer.open(port, 0, encodeFrame({ kind: FrameKind.message, type: 1, version: 1, correlationId: 0 }, new Uint8Array(4)));
    await waitFor(async () => (d.closed ? true : null), WAIT_MS_MAX, 'the connection closed');
    expect(proxy.stats().notRpc).toBe(1);
    expect(node.received.length).toBe(0);
  });
});
