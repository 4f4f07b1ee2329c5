// Hostile and broken peers against an endpoint, over the simulated network: garbage, lengths
// past the limits, frames before or instead of the hello, unknown framing versions, types and
// versions never agreed, handlers that throw. Each closes only the connection it came on,
// counts and logs it (first at info, the rest counted), and nothing throws out of the event
// loop (a throw would escape the simulation's step and fail the test). A fuzzer replays
// mutated valid streams from both ends.

import { describe, expect, test } from 'bun:test';
import type { NetSocket } from '../../../src/base/network.ts';
import { Prng } from '../../../src/base/prng.ts';
import { DecodeError, Writer } from '../../../src/protocol/primitives.ts';
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from '../../../src/rpc/frame.ts';
import { decodeHello, decodeRefusal, encodeHello, FRAMING_VERSION, type Hello } from '../../../src/rpc/handshake.ts';
import { CLUSTER, ECHO, NOTE, RPC_PORT, World } from './harness.ts';

/** A raw connection from host "evil" that writes what it is told and records what comes back. */
class Raw {
  socket: NetSocket | null = null;
  closed = false;
  readonly frames: Frame[] = [];
  private readonly decoder = new FrameDecoder(1 << 20);

  static async open(w: World, to = 1): Promise<Raw> {
    const r = new Raw();
    r.socket = await w.loop.run(
      w.net.host('evil').connect({ host: w.host(to), port: RPC_PORT }, {
        data: (b) => r.frames.push(...r.decoder.push(b)),
        drain: () => {},
        close: () => (r.closed = true),
      }),
      1_000,
    );
    return r;
  }

  write(bytes: Uint8Array): void {
    this.socket!.write(bytes);
  }
}

const hello = (over: Partial<Hello> = {}): Hello => ({ framing: FRAMING_VERSION, nodeId: 9, clusterId: CLUSTER, kinds: [NOTE, ECHO], ...over });
const helloFrame = (over: Partial<Hello> = {}, version = 1) => encodeFrame({ kind: FrameKind.hello, type: 0, version, correlationId: 0 }, encodeHello(hello(over)));
const frame = (kind: FrameKind, type: number, version: number, body: Uint8Array, correlationId = 0) => encodeFrame({ kind, type, version, correlationId }, body);
const noteBody = (seq: number) => {
  const w = new Writer();
  w.uvarint(seq);
  return w.bytes().slice();
};

/** A node, a raw connection to it that did the handshake as node 9, and a check that the node is unharmed. */
async function handshaken(w: World) {
  const node = w.node(1);
  const raw = await Raw.open(w);
  raw.write(helloFrame());
  await w.loop.until(() => raw.frames.length === 1, 1_000, 'welcome');
  expect(raw.frames[0].kind).toBe(FrameKind.welcome);
  expect(decodeHello(raw.frames[0].body).nodeId).toBe(1);
  return { node, raw };
}

/** The node still serves a well-behaved peer after whatever happened. */
async function stillServes(w: World, node: ReturnType<World['node']>) {
  const good = w.node(2);
  good.rpc.setPeer(1, { host: 'n1', port: RPC_PORT });
  await w.loop.until(() => good.connectedTo(1), 2_000, 'a good peer connects');
  expect(good.note(1, 77)).toBe('sent');
  await w.loop.until(() => node.received.some((r) => r.from === 2 && r.seq === 77), 1_000, 'delivery');
  expect(node.rpc.stats.internalErrors).toBe(0);
}

async function closedFor(w: World, raw: Raw, node: ReturnType<World['node']>, why: RegExp) {
  await w.loop.until(() => raw.closed, 1_000, 'the node closes the connection');
  expect(node.logs.join('\n')).toMatch(why);
}

describe('rpc: hostile input closes that connection only', () => {
  test('garbage instead of a hello', async () => {
    const w = new World(1);
    const node = w.node(1);
    const raw = await Raw.open(w);
    raw.write(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closedFor(w, raw, node, /bad input: .*exceeds the limit of 65536 bytes/);
    expect(node.rpc.stats.badInput).toBe(1);
    await stillServes(w, node);
  });

  test('a length past the hello limit is refused on its four bytes', async () => {
    const w = new World(2);
    const node = w.node(1);
    const raw = await Raw.open(w);
    raw.write(new Uint8Array([0, 1, 0, 1])); // 65,537 bytes announced, nothing more sent
    await closedFor(w, raw, node, /65537 bytes exceeds the limit of 65536/);
  });

  test('after the handshake: a length past frameBytesMax, 2^32 - 1 included', async () => {
    const w = new World(3);
    const { node, raw } = await handshaken(w);
    raw.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await closedFor(w, raw, node, /4294967295 bytes exceeds the limit of 134217728/);
    await stillServes(w, node);
  });

  test('a message frame before the hello; a second hello after it; a response on an inbound connection', async () => {
    const w = new World(4);
    const node = w.node(1);
    const first = await Raw.open(w);
    first.write(frame(FrameKind.message, NOTE.type, 1, noteBody(1)));
    await closedFor(w, first, node, /expected a hello first, got frame kind 4/);
    const raw = await Raw.open(w);
    raw.write(helloFrame());
    raw.write(helloFrame());
    await closedFor(w, raw, node, /handshake frame \(kind 1\) after the handshake/);
    const third = await Raw.open(w);
    third.write(helloFrame());
    third.write(frame(FrameKind.response, ECHO.type, 1, new Uint8Array([0]), 5));
    await closedFor(w, third, node, /sent test.echo as frame kind 6/);
    expect(node.received).toEqual([]);
    await stillServes(w, node);
  });

  test('a type never agreed, a version not agreed, an unknown frame kind', async () => {
    const w = new World(5);
    const { node, raw } = await handshaken(w);
    raw.write(frame(FrameKind.message, 4242, 1, noteBody(1)));
    await closedFor(w, raw, node, /sent type 4242, which this node does not speak/);
    const r2 = await Raw.open(w);
    r2.write(helloFrame());
    r2.write(frame(FrameKind.message, NOTE.type, 7, noteBody(1)));
    await closedFor(w, r2, node, /sent test.note v7, agreed v2/);
    const r3 = await Raw.open(w);
    r3.write(helloFrame());
    r3.write(frame(77 as FrameKind, NOTE.type, 2, noteBody(1)));
    await closedFor(w, r3, node, /unknown frame kind 77/);
    await stillServes(w, node);
  });

  test('a body its handler cannot decode (DecodeError) closes the connection; messages before it were delivered', async () => {
    const w = new World(6);
    const { node, raw } = await handshaken(w);
    raw.write(frame(FrameKind.message, NOTE.type, 2, noteBody(1)));
    raw.write(frame(FrameKind.message, NOTE.type, 2, new Uint8Array([0x80]))); // a truncated varint
    raw.write(frame(FrameKind.message, NOTE.type, 2, noteBody(3)));
    await closedFor(w, raw, node, /bad input/);
    expect(node.received.map((r) => r.seq)).toEqual([1]);
    expect(node.logs.join('\n')).toMatch(/node 9 \(inbound from evil\)/);
  });

  test('a hello from another cluster, with framing versions we lack, or with a type we speak only in other versions: refused, with the reason sent back', async () => {
    const w = new World(7);
    const node = w.node(1);
    const cases: Array<[Partial<Hello>, RegExp]> = [
      [{ clusterId: 'other' }, /node 9 is in cluster 'other', this node 1 in 'test-cluster'/],
      [{ framing: { min: 5, max: 9 } }, /node 9 frames with versions v5..v9, this node 1 with v1/],
      [{ kinds: [{ ...NOTE, versions: { min: 3, max: 4 } }] }, /node 9 speaks test.note \(type 100\) in versions v3..v4, this node 1 in v1..v2/],
      [{ nodeId: 1 }, /two nodes share one id/],
    ];
    for (const [over, why] of cases) {
      const raw = await Raw.open(w);
      raw.write(helloFrame(over, over.framing?.max ?? 1));
      await w.loop.until(() => raw.closed, 1_000, 'refused');
      expect(raw.frames.map((f) => f.kind)).toEqual([FrameKind.refusal]);
      expect(decodeRefusal(raw.frames[0].body).message).toMatch(why);
      expect(node.logs.join('\n')).toMatch(why);
    }
    expect(node.rpc.stats.refused).toBe(4);
    await stillServes(w, node);
  });

  test('no hello within handshakeTimeoutMs; too many connections held', async () => {
    const w = new World(8);
    const node = w.node(1, { limits: { inboundConnectionsMax: 3 } });
    const silent = [await Raw.open(w), await Raw.open(w), await Raw.open(w)];
    const fourth = await Raw.open(w);
    await w.loop.until(() => fourth.closed, 1_000, 'refused at the limit');
    expect(node.logs.join('\n')).toMatch(/too many/);
    await w.loop.advance(5_000);
    expect(silent.every((s) => s.closed)).toBe(true);
    expect(node.logs.join('\n')).toMatch(/no handshake within 5000 ms/);
    expect(node.rpc.inboundCount).toBe(0);
    await stillServes(w, node);
  });

  test('a peer admitted by the cluster check can still be refused by the admission rule', async () => {
    const w = new World(9);
    const node = w.node(1, { admit: (id) => (id === 9 ? 'node 9 was removed from the cluster' : null) });
    const raw = await Raw.open(w);
    raw.write(helloFrame());
    await w.loop.until(() => raw.closed, 1_000, 'refused');
    expect(decodeRefusal(raw.frames[0].body).message).toBe('node 9 was removed from the cluster');
    await stillServes(w, node);
  });

  test('the log of repeated bad input is summarised: first at info, the rest at debug, then a count', async () => {
    const w = new World(10);
    const node = w.node(1);
    for (let i = 0; i < 20; i++) {
      const raw = await Raw.open(w);
      raw.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
      await w.loop.until(() => raw.closed, 1_000, 'closed');
    }
    await w.loop.advance(5_000);
    const info = node.logs.filter((l) => l.startsWith('INFO') && l.includes('bad input'));
    expect(info).toHaveLength(2);
    expect(info[1]).toMatch(/19 more in the last 5 s/);
  });
});

describe('rpc: the dialing side against a hostile acceptor', () => {
  /** A listener on "evil" that answers every connection with `reply`. */
  function evilListener(w: World, reply: (hello: Frame) => Uint8Array) {
    let connections = 0;
    w.net.host('evil').listen({ host: 'evil', port: RPC_PORT }, (s) => {
      connections++;
      const d = new FrameDecoder(1 << 20);
      return {
        data: (b) => {
          for (const f of d.push(b)) s.write(reply(f));
        },
        drain: () => {},
        close: () => {},
      };
    });
    return () => connections;
  }

  for (const [name, reply, why] of [
    ['garbage', () => new Uint8Array([0, 0, 0, 10, 99, 1, 2, 3, 4, 5, 6, 7, 8, 9]), /unknown frame kind 99/],
    ['a welcome from another node id', () => encodeFrame({ kind: FrameKind.welcome, type: 0, version: 1, correlationId: 0 }, encodeHello(hello({ nodeId: 5 }))), /dialed node 9 .* but node 5 answered/],
    ['a refusal', () => encodeFrame({ kind: FrameKind.refusal, type: 0, version: 1, correlationId: 0 }, new Uint8Array([1, 4, 0x61, 0x62, 0x63])), /refused by the peer \(cluster_mismatch\): abc/],
    ['a response to nothing, after a welcome', (f: Frame) => (f.kind === FrameKind.hello ? new Uint8Array([...encodeFrame({ kind: FrameKind.welcome, type: 0, version: 1, correlationId: 0 }, encodeHello(hello())), ...frame(FrameKind.message, NOTE.type, 2, noteBody(1))]) : new Uint8Array(0)), /frame kind 4 on a connection we dialed/],
  ] as const) {
    test(`${name}: the connection closes, is logged, and is dialed again with backoff`, async () => {
      const w = new World(20);
      const node = w.node(1);
      const connections = evilListener(w, reply as (f: Frame) => Uint8Array);
      node.rpc.setPeer(9, { host: 'evil', port: RPC_PORT });
      await w.loop.advance(3_000);
      expect(node.logs.join('\n')).toMatch(why);
      expect(connections()).toBeGreaterThan(3);
      expect(connections()).toBeLessThan(20);
      expect(node.connectedTo(9)).toBe(false);
      expect(node.rpc.stats.internalErrors).toBe(0);
    });
  }
});

describe('rpc: fuzzing the inbound stream', () => {
  const SEEDS = 150;
  test(`${SEEDS} mutated streams (handshake, messages, requests): the node never throws and keeps serving`, async () => {
    const w = new World(99);
    const node = w.node(1);
    const valid = new Uint8Array([
      ...helloFrame(),
      ...frame(FrameKind.message, NOTE.type, 2, noteBody(1)),
      ...frame(FrameKind.request, ECHO.type, 1, new Uint8Array([1, 2, 3]), 1),
      ...frame(FrameKind.message, NOTE.type, 2, noteBody(2)),
    ]);
    const rng = new Prng(0xbad);
    let closedByNode = 0;
    for (let i = 0; i < SEEDS; i++) {
      const b = valid.slice();
      for (let k = rng.int(1, 4); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      const raw = await Raw.open(w);
      let at = 0;
      while (at < b.length) {
        const n = rng.int(1, 40);
        raw.write(b.subarray(at, at + n));
        at += n;
      }
      await w.loop.advance(rng.int(1, 20));
      if (raw.closed) closedByNode++;
      raw.socket!.end();
    }
    await w.loop.advance(6_000);
    expect(closedByNode).toBeGreaterThan(SEEDS / 3);
    expect(node.rpc.inboundCount).toBe(0);
    await stillServes(w, node);
  });

  test('the harness would see a throw out of the event loop', async () => {
    // What "never throws out of the event loop" rests on: an exception in a socket callback
    // propagates out of the simulation step and fails the test.
    const w = new World(100);
    w.net.host('x').listen({ host: 'x', port: 1 }, () => ({
      data: () => {
        throw new DecodeError('unguarded handler');
      },
      drain: () => {},
      close: () => {},
    }));
    const s = await w.loop.run(w.net.host('y').connect({ host: 'x', port: 1 }, { data: () => {}, drain: () => {}, close: () => {} }), 1_000);
    s.write(new Uint8Array([1]));
    await expect(w.loop.advance(100)).rejects.toThrow('unguarded handler');
  });
});
