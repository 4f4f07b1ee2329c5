// RaftTransport over the RPC (src/raft/rpc-transport.ts), on the simulated network: one send()
// is one frame (the heartbeats of 1,000 groups included), messages arrive equal and in order,
// a big send is cut into frames in order, what cannot go is dropped and counted, and a frame
// that claims another sender or receiver than its connection's is bad input.

import { describe, expect, test } from 'bun:test';
import { LogSummary } from '../../../src/base/log-summary.ts';
import { Writer } from '../../../src/protocol/primitives.ts';
import type { Message } from '../../../src/raft/core/index.ts';
import { RAFT_MESSAGES, RpcRaftTransport } from '../../../src/raft/rpc-transport.ts';
import type { GroupMessage } from '../../../src/raft/transport.ts';
import { encodeRaftBatch, RAFT_WIRE_VERSIONS } from '../../../src/raft/wire.ts';
import { encodeFrame, FrameKind } from '../../../src/rpc/frame.ts';
import { encodeHello, FRAMING_VERSION } from '../../../src/rpc/handshake.ts';
import { RpcEndpoint, rpcLimits } from '../../../src/rpc/index.ts';
import { CLUSTER, RPC_PORT, World } from '../rpc/harness.ts';
import { heartbeats } from './wire-gen.ts';

interface RaftNodeNet {
  rpc: RpcEndpoint;
  transport: RpcRaftTransport;
  received: Array<{ from: number; messages: readonly GroupMessage[] }>;
  logs: string[];
}

function raftNode(w: World, id: number, frameBytesTarget?: number, queuedMax?: number): RaftNodeNet {
  const logs: string[] = [];
  const rpc = new RpcEndpoint({
    nodeId: id,
    clusterId: CLUSTER,
    network: w.net.host(w.host(id)),
    scheduler: w.scheduler,
    random: w.random,
    limits: rpcLimits(queuedMax === undefined ? {} : { peerQueuedBytesMax: queuedMax }),
    logSummary: new LogSummary(w.scheduler, 5_000, (m) => logs.push(m), (m) => logs.push(m)),
  });
  const transport = new RpcRaftTransport(rpc, frameBytesTarget);
  const node: RaftNodeNet = { rpc, transport, received: [], logs };
  transport.onMessages((from, messages) => node.received.push({ from, messages }));
  rpc.listen({ host: w.host(id), port: RPC_PORT });
  return node;
}

async function cluster(w: World, n: number, frameBytesTarget?: number, queuedMax?: number) {
  const nodes = Array.from({ length: n }, (_, i) => raftNode(w, i + 1, frameBytesTarget, queuedMax));
  for (const a of nodes) for (const b of nodes) if (a !== b) a.rpc.setPeer(b.rpc.nodeId, { host: w.host(b.rpc.nodeId), port: RPC_PORT });
  await w.loop.until(() => nodes.every((a) => nodes.every((b) => a === b || a.rpc.peerState(b.rpc.nodeId)?.state === 'ready')), 2_000, 'mesh');
  return nodes;
}

const append = (from: number, to: number, prevIndex: number, payloadBytes: number): Message => ({
  type: 'append_entries',
  from,
  to,
  term: 2,
  prevIndex,
  prevTerm: 2,
  commit: prevIndex,
  entries: [{ kind: 'data', firstIndex: prevIndex + 1, lastIndex: prevIndex + 10, term: 2, payload: new Uint8Array(payloadBytes).fill(prevIndex & 0xff) }],
});

describe('raft transport over rpc', () => {
  test('the heartbeats of 1,000 groups to a peer are one frame and arrive equal, in order, in one call', async () => {
    const w = new World(1);
    const [a, b] = await cluster(w, 3);
    const batch = heartbeats(1000, 10);
    const frames = a.rpc.stats.messagesSent;
    a.transport.send(2, batch.messages);
    expect(a.rpc.stats.messagesSent - frames).toBe(1);
    await w.loop.until(() => b.received.length === 1, 1_000, 'delivery');
    expect(b.received[0].from).toBe(1);
    expect(b.received[0].messages).toEqual(batch.messages);
    expect(b.rpc.stats.messagesReceived).toBe(1);
    expect(b.transport.stats).toMatchObject({ framesReceived: 1, messagesReceived: 1000 });
  });

  test('sends to several peers, each in order, payloads intact', async () => {
    const w = new World(2, { latencyMs: { min: 0, max: 9 }, splitPiecesMax: 5 });
    const nodes = await cluster(w, 3);
    for (let k = 0; k < 30; k++) {
      for (const to of [2, 3]) nodes[0].transport.send(to, [{ group: 'g', message: append(1, to, k * 10 - 1, 100 + k) }]);
    }
    await w.loop.until(() => nodes[1].received.length === 30 && nodes[2].received.length === 30, 5_000, 'delivery');
    for (const n of nodes.slice(1)) {
      const prevs = n.received.map((r) => (r.messages[0].message as { prevIndex: number }).prevIndex);
      expect(prevs).toEqual(Array.from({ length: 30 }, (_, k) => k * 10 - 1));
      const last = n.received[29].messages[0].message;
      expect(last.type === 'append_entries' && last.entries[0].kind === 'data' && [...last.entries[0].payload]).toEqual(new Array(129).fill(289 & 0xff));
    }
  });

  test('a send over the frame target is cut into frames at message boundaries, in order', async () => {
    const w = new World(3);
    const [a, b] = await cluster(w, 2, 10_000);
    const messages: GroupMessage[] = Array.from({ length: 12 }, (_, i) => ({ group: `g${i}`, message: append(1, 2, i * 10 - 1, 3_000) }));
    a.transport.send(2, messages);
    expect(a.transport.stats).toMatchObject({ framesSent: 4, messagesSent: 12 });
    await w.loop.until(() => b.received.length === 4, 1_000, 'delivery');
    expect(b.received.map((r) => r.messages.length)).toEqual([3, 3, 3, 3]);
    expect(b.received.flatMap((r) => r.messages)).toEqual(messages);
    // one message larger than the target travels alone
    a.transport.send(2, [{ group: 'big', message: append(1, 2, 999, 50_000) }]);
    await w.loop.until(() => b.received.length === 5, 1_000, 'big');
  });

  test('what cannot go is dropped and counted: an unknown node, a peer over its queue limit', async () => {
    const w = new World(4);
    const [a] = await cluster(w, 2, 10_000, 20_000);
    a.transport.send(7, [{ group: 'g', message: { type: 'heartbeat', from: 1, to: 7, term: 1, commit: 0 } }]);
    expect(a.transport.stats.messagesDropped.unknown_peer).toBe(1);
    w.net.cut('n1', 'n2');
    let sent = 0;
    for (let round = 0; round < 100 && a.transport.stats.messagesDropped.overloaded === 0; round++) {
      a.transport.send(2, Array.from({ length: 12 }, (_, i) => ({ group: `g${i}`, message: append(1, 2, i * 10 - 1, 3_000) })));
      sent += 12;
    }
    const { messagesSent, messagesDropped } = a.transport.stats;
    expect(messagesDropped.overloaded).toBeGreaterThan(0);
    expect(messagesSent + messagesDropped.overloaded).toBe(sent);
  });

  test('once one frame of a send is dropped, the rest of that send is dropped without being tried', () => {
    const outcomes = ['sent', 'overloaded', 'sent', 'sent'];
    const tried: number[] = [];
    const stub = {
      nodeId: 1,
      onMessage: () => {},
      onRequest: () => {},
      send: (_to: number, _kind: unknown, _write: unknown, bytes: number) => (tried.push(bytes), outcomes[tried.length - 1]),
    } as unknown as RpcEndpoint;
    const t = new RpcRaftTransport(stub, 10_000);
    t.send(2, Array.from({ length: 12 }, (_, i) => ({ group: `g${i}`, message: append(1, 2, i * 10 - 1, 3_000) })));
    expect(tried).toHaveLength(2);
    expect(t.stats).toMatchObject({ framesSent: 1, messagesSent: 3 });
    expect(t.stats.messagesDropped.overloaded).toBe(9);
  });

  test('a frame whose batch claims another sender or receiver than its connection closes that connection; nothing is delivered', async () => {
    const w = new World(5);
    const [, b] = await cluster(w, 2);
    const kinds = [RAFT_MESSAGES];
    for (const [from, to] of [
      [5, 2],
      [3, 4],
    ]) {
      let closed = false;
      const s = await w.loop.run(
        w.net.host('n3').connect({ host: 'n2', port: RPC_PORT }, { data: () => {}, drain: () => {}, close: () => (closed = true) }),
        1_000,
      );
      const wr = new Writer();
      encodeRaftBatch(wr, { from, to, messages: [{ group: 'g', message: { type: 'heartbeat_response', from, to, term: 1 } }] }, RAFT_WIRE_VERSIONS.max);
      s.write(encodeFrame({ kind: FrameKind.hello, type: 0, version: 1, correlationId: 0 }, encodeHello({ framing: FRAMING_VERSION, nodeId: 3, clusterId: CLUSTER, kinds })));
      s.write(encodeFrame({ kind: FrameKind.message, type: RAFT_MESSAGES.type, version: RAFT_WIRE_VERSIONS.max, correlationId: 0 }, wr.bytes().slice()));
      await w.loop.until(() => closed, 1_000, 'closed');
    }
    expect(b.received).toEqual([]);
    expect(b.logs.join('\n')).toMatch(/raft messages 5->2 on the connection from node 3 to node 2/);
    expect(b.rpc.stats.badInput).toBe(2);
  });
});
