// Internal RPC on loopback: one-way frames per second and MB/s through RpcEndpoint.send, the
// Raft transport's 1,000-group heartbeat frames per second (encode, send, decode), and the
// size of that frame. Two endpoints in this one process (sender and receiver share its one
// thread, so the figures are a floor for two nodes on two processes).
//
//   bun bench/rpc.ts [--seconds N]

import { log } from '../src/base/log.ts';
import { Prng } from '../src/base/prng.ts';
import { systemScheduler } from '../src/base/scheduler.ts';
import { bunNetwork } from '../src/net/bun-network.ts';
import { Writer } from '../src/protocol/primitives.ts';
import { RpcRaftTransport } from '../src/raft/rpc-transport.ts';
import { encodeRaftBatch } from '../src/raft/wire.ts';
import { type MessageKind, RpcEndpoint } from '../src/rpc/index.ts';
import { heartbeats } from '../test/unit/raft/wire-gen.ts';

const BLOB: MessageKind = { type: 900, name: 'bench.blob', versions: { min: 1, max: 1 } };
/** The sender keeps at most this much queued, so nothing is dropped (the limit is 64 MiB). */
const QUEUED_BYTES_TARGET = 8 * 1024 * 1024;

const secondsAt = process.argv.indexOf('--seconds');
const seconds = secondsAt > 0 ? Number(process.argv[secondsAt + 1]) : 3;
const turn = () => new Promise<void>((r) => setImmediate(r));

async function pair() {
  let received = 0;
  let receivedBytes = 0;
  const make = (id: number) => new RpcEndpoint({ nodeId: id, clusterId: 'bench', network: bunNetwork, scheduler: systemScheduler, random: new Prng(id) });
  const a = make(1);
  const b = make(2);
  const ta = new RpcRaftTransport(a);
  const tb = new RpcRaftTransport(b);
  let heartbeatFrames = 0;
  tb.onMessages(() => heartbeatFrames++);
  ta.onMessages(() => {});
  for (const e of [a, b]) e.onMessage(BLOB, (_f, _v, body) => ((received += 1), (receivedBytes += body.length)));
  const addrB = b.listen({ host: '127.0.0.1', port: 0 });
  a.listen({ host: '127.0.0.1', port: 0 });
  a.setPeer(2, addrB);
  while (a.peerState(2)?.state !== 'ready') await turn();
  return { a, b, ta, counts: () => ({ received, receivedBytes, heartbeatFrames }), stop: () => (a.stop(), b.stop()) };
}

async function oneWay(frameBytes: number) {
  const p = await pair();
  const body = new Uint8Array(frameBytes);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < seconds * 1000) {
    while (p.a.peerState(2)!.queuedBytes < QUEUED_BYTES_TARGET) {
      if (p.a.send(2, BLOB, (w) => w.raw(body), frameBytes) !== 'sent') throw new Error('dropped');
      if (p.a.peerState(2)!.queuedBytes > 0) break;
    }
    await turn();
  }
  const sent = p.a.stats.messagesSent;
  while (p.counts().received < sent) await turn();
  const s = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  p.stop();
  const { received, receivedBytes } = p.counts();
  return { frameBytes, framesPerS: Math.round(received / s), mbPerS: +(receivedBytes / s / 1e6).toFixed(1), cpuSPerGiB: +((cpu.user + cpu.system) / 1e6 / (receivedBytes / 2 ** 30)).toFixed(2) };
}

async function heartbeatFrames() {
  const p = await pair();
  const batch = heartbeats(1000, 10).messages;
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 50; i++) {
      p.ta.send(2, batch);
      sent++;
    }
    while (p.counts().heartbeatFrames < sent - 200) await turn();
    await turn();
  }
  while (p.counts().heartbeatFrames < sent) await turn();
  const s = (performance.now() - start) / 1000;
  p.stop();
  return { heartbeatFramesPerS: Math.round(sent / s), groupHeartbeatsPerS: Math.round((sent * 1000) / s) };
}

function heartbeatFrameBytes() {
  const size = (topics: number) => {
    const w = new Writer();
    encodeRaftBatch(w, heartbeats(1000, topics), 1);
    return w.pos + 13; // the RPC frame's length prefix and header
  };
  return { oneTopic: size(1), tenTopics: size(10), thousandTopics: size(1000) };
}

log.setLevel('warn');
console.log(`rpc bench: loopback, one process, ${seconds} s per run (bun ${Bun.version})`);
for (const n of [1024, 64 * 1024, 1024 * 1024]) console.log('one-way', JSON.stringify(await oneWay(n)));
console.log('raft heartbeats, 1,000 groups per frame', JSON.stringify(await heartbeatFrames()));
console.log('bytes of one idle-tick heartbeat frame for 1,000 groups', JSON.stringify(heartbeatFrameBytes()));
process.exit(0);
