// Issue 11's multi-core probe (docs/multicore.md): can one event loop that reads Produce-sized
// frames hand each partition's bytes to the Worker that owns it, and does that scale 16-partition
// produce on a 2-core machine? Not part of `npm run bench`.
//
//   bun bench/multicore-probe.ts [--gib N] [--runs R] [--configs 0,1s,2s,2t] [--durable] [--inflight K]
//   bun bench/multicore-probe.ts --blocks         the building blocks alone (Workers, transfer, SAB, fs, reusePort)
//
// A run: a server process (this file, `--serve`) and a sender process (`--send`) on loopback.
// The sender keeps K (default 5, librdkafka's max.in.flight) frames of ~1 MiB in flight on one
// connection, each holding one ~64 KiB Kafka v2 record batch for each of 16 partitions (CRC32C
// set), and counts 8-byte acks. The server checks every batch's CRC32C with @node-rs/crc32 (as
// src/protocol does) and appends it to its partition's file with fs.writeSync; with --durable it
// acks a frame only after an fdatasync (group commit per partition) covering it. Configs:
//   0   one thread does everything (today's model)
//   Ns  the main loop reads frames straight into a SharedArrayBuffer ring (the copy connection.ts
//       makes to assemble a frame anyway) and posts [partition, offset, length] to the owner of
//       each partition (partition % N) among N Workers; acks leave in frame order
//   Nt  the same, but each worker's parts are copied into a fresh ArrayBuffer and transferred
// Figures: MB/s, the server's CPU-s per GiB (all threads, /proc/self/stat), its main thread's
// alone (/proc/self/task/<pid>/stat), minor faults per GiB, the sender's CPU-s per GiB, the
// CPU-bound ceiling those allow, and each frame's write-to-ack time at the sender (p50/p99).
// K is at most ~30: a connection's ring (RING_BYTES) holds 32 MiB.
// The server runs with MIMALLOC_PURGE_DELAY=1000 (the product's setting, bench/README.md).
//
// Compiled (the Worker file as an extra entry point, as the product's must be):
//   bun build --compile bench/multicore-probe.ts bench/multicore-worker.ts --outfile OUT && OUT [--blocks]

import * as fs from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'bun';
import { blocks, type Cpu, post, readCpu, startWorker, writeResults } from './multicore-blocks.ts';
import { ceilingMbPerS, type PartRef, PartitionFiles, parseParts, RingFifo, sealBatch } from './multicore-worker.ts';

/** Partitions the sender writes and the server accepts. */
const PARTITIONS = 16;
/** Largest frame the server takes (a named limit, as socket.request.max.bytes is). */
const FRAME_BYTES_MAX = 8 << 20;
/** A connection's ring of request bytes in the shared handoff: its share of queued.max.request.bytes. */
const RING_BYTES = 32 << 20;
/** Distinct frames the sender cycles through. */
const SENDER_FRAMES = 4;
const ACK_BYTES = 8;
const GIB = 1 << 30;

// ---------------------------------------------------------------- server

type ServeOptions = { workers: number; handoff: 'shared' | 'transfer'; durable: boolean; dir: string };

/** A frame dispatched and not yet acked: the owners' answers it still waits for. */
type Pending = { id: number; remaining: number; conn: ProbeConn };

class ProbeServer {
  private readonly workers: Worker[] = [];
  private readonly frames = new Map<number, Pending>();
  private nextFrameId = 1;
  private nextRingId = 1;
  readonly files: PartitionFiles;
  cpu0: Cpu | null = null;
  t0 = 0;
  bytes = 0;

  constructor(readonly o: ServeOptions) {
    this.files = new PartitionFiles(o.dir);
    for (let i = 0; i < o.workers; i++) {
      const w = startWorker((m) => { if (m.kind === 'done') this.done(m.id); });
      post(w, { kind: 'own', dir: o.dir, durable: o.durable });
      this.workers.push(w);
    }
  }

  newRing(): { id: number; ring: SharedArrayBuffer } {
    const ring = new SharedArrayBuffer(RING_BYTES);
    // Touch every page now: first touch of fresh memory costs ~1-2.6 CPU-s/GiB on this VM
    // (bench/README.md), and 8,192 page faults per connection belong to its start, not its bytes.
    new Uint8Array(ring).fill(1);
    const id = this.nextRingId++;
    for (const w of this.workers) post(w, { kind: 'ring', ringId: id, ring });
    return { id, ring };
  }

  /** One whole frame body at buf[base, base+len); ringId when buf is that ring. */
  dispatch(conn: ProbeConn, buf: Uint8Array, base: number, len: number, ringId: number): Pending {
    const parts = parseParts(buf, base, len, PARTITIONS);
    if (typeof parts === 'string') throw new Error(`bad frame: ${parts}`);
    const pending: Pending = { id: this.nextFrameId++, remaining: 0, conn };
    this.bytes += len + 4;
    const n = this.workers.length;
    if (n === 0) {
      this.runHere(pending, buf, parts);
      return pending;
    }
    const byOwner: PartRef[][] = Array.from({ length: n }, () => []);
    for (const p of parts) byOwner[p.partition % n]!.push(p);
    this.frames.set(pending.id, pending);
    for (let w = 0; w < n; w++) {
      const mine = byOwner[w]!;
      if (mine.length === 0) continue;
      pending.remaining++;
      if (this.o.handoff === 'shared') {
        post(this.workers[w]!, { kind: 'work', id: pending.id, ringId, parts: mine.flatMap((p) => [p.partition, p.offset, p.length]) });
      } else {
        const total = mine.reduce((s, p) => s + p.length, 0);
        const copy = new Uint8Array(new ArrayBuffer(total));
        let at = 0;
        for (const p of mine) {
          copy.set(buf.subarray(p.offset, p.offset + p.length), at);
          at += p.length;
        }
        post(this.workers[w]!, { kind: 'work-buf', id: pending.id, buf: copy.buffer, parts: mine.flatMap((p) => [p.partition, p.length]) }, [copy.buffer]);
      }
    }
    return pending;
  }

  private runHere(pending: Pending, buf: Uint8Array, parts: PartRef[]): void {
    for (const p of parts) this.files.append(p.partition, buf.subarray(p.offset, p.offset + p.length));
    if (!this.o.durable) return;
    // The frame stays pending until every partition it touched is synced.
    pending.remaining = parts.length;
    for (const p of parts) this.files.afterFlush(p.partition, () => { if (--pending.remaining === 0) pending.conn.flushAcks(); });
  }

  private done(id: number): void {
    const pending = this.frames.get(id)!;
    if (--pending.remaining > 0) return;
    this.frames.delete(id);
    pending.conn.flushAcks();
  }

  finish(): void {
    const cpu1 = readCpu();
    const c0 = this.cpu0!;
    const seconds = (performance.now() - this.t0) / 1000;
    const gib = this.bytes / GIB;
    console.log(JSON.stringify({
      bytes: this.bytes,
      seconds,
      mbPerS: this.bytes / 1e6 / seconds,
      cpuPerGiB: (cpu1.totalS - c0.totalS) / gib,
      mainCpuPerGiB: (cpu1.mainS - c0.mainS) / gib,
      minfltPerGiB: (cpu1.minflt - c0.minflt) / gib,
      runqWaitPerS: (cpu1.runqWaitS - c0.runqWaitS) / seconds,
    }));
    this.files.close();
    for (const w of this.workers) w.terminate();
    process.exit(0);
  }
}

/** One connection: frames in, acks out in frame order. */
class ProbeConn {
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  private readonly order: Pending[] = [];
  private out: Uint8Array | null = null;
  private readonly ring: { id: number; bytes: Uint8Array; fifo: RingFifo } | null;
  /** Shared handoff: the frame being read into the ring. */
  private cur: { start: number; size: number; filled: number } | null = null;
  private readonly header = new Uint8Array(4);
  private headerFilled = 0;

  constructor(private readonly server: ProbeServer, private readonly socket: Socket<unknown>) {
    if (server.o.workers > 0 && server.o.handoff === 'shared') {
      const r = server.newRing();
      this.ring = { id: r.id, bytes: new Uint8Array(r.ring), fifo: new RingFifo(RING_BYTES) };
    } else this.ring = null;
  }

  onData(data: Uint8Array): void {
    if (this.server.cpu0 === null) {
      this.server.cpu0 = readCpu();
      this.server.t0 = performance.now();
    }
    if (this.ring !== null) this.intoRing(data);
    else this.intoChunks(data);
  }

  /** Today's model (connection.ts): keep the chunks, copy a frame out when it spans several. */
  private intoChunks(data: Uint8Array): void {
    this.chunks.push(data);
    this.chunkBytes += data.length;
    while (this.chunkBytes >= 4) {
      const h = this.take(4, false);
      const size = new DataView(h.buffer, h.byteOffset, 4).getInt32(0);
      if (size < 4 || size > FRAME_BYTES_MAX) throw new Error(`frame size ${size}`);
      if (this.chunkBytes < 4 + size) break;
      this.take(4, true);
      const body = this.take(size, true);
      this.push(this.server.dispatch(this, body, 0, size, 0));
    }
  }

  private take(n: number, consume: boolean): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const v = first.subarray(0, n);
      if (consume) {
        if (first.length === n) this.chunks.shift();
        else this.chunks[0] = first.subarray(n);
        this.chunkBytes -= n;
      }
      return v;
    }
    const out = Buffer.allocUnsafeSlow(n);
    let filled = 0;
    for (let i = 0; filled < n; i++) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
    }
    if (consume) {
      let left = n;
      while (left > 0) {
        const c = this.chunks[0]!;
        if (c.length <= left) {
          left -= c.length;
          this.chunks.shift();
        } else {
          this.chunks[0] = c.subarray(left);
          left = 0;
        }
      }
      this.chunkBytes -= n;
    }
    return out;
  }

  /** Shared handoff: each received byte is copied once, into the frame's place in the ring. */
  private intoRing(data: Uint8Array): void {
    const ring = this.ring!;
    let at = 0;
    while (at < data.length) {
      if (this.cur === null) {
        const k = Math.min(4 - this.headerFilled, data.length - at);
        this.header.set(data.subarray(at, at + k), this.headerFilled);
        this.headerFilled += k;
        at += k;
        if (this.headerFilled < 4) return;
        this.headerFilled = 0;
        const size = new DataView(this.header.buffer).getInt32(0);
        if (size < 4 || size > FRAME_BYTES_MAX) throw new Error(`frame size ${size}`);
        const start = ring.fifo.alloc(size);
        // The sender's in-flight frames (K x 1 MiB) fit many times over; the product pauses the
        // socket here instead (request-memory.ts).
        if (start < 0) throw new Error('ring full');
        this.cur = { start, size, filled: 0 };
      }
      const c = this.cur;
      const k = Math.min(c.size - c.filled, data.length - at);
      ring.bytes.set(data.subarray(at, at + k), c.start + c.filled);
      c.filled += k;
      at += k;
      if (c.filled === c.size) {
        this.cur = null;
        this.push(this.server.dispatch(this, ring.bytes, c.start, c.size, ring.id));
      }
    }
  }

  private push(p: Pending): void {
    this.order.push(p);
    if (p.remaining === 0) this.flushAcks();
  }

  /** Acks every finished frame at the head of the order, in one write. */
  flushAcks(): void {
    let n = 0;
    while (n < this.order.length && this.order[n]!.remaining === 0) n++;
    if (n === 0) return;
    const acks = new Uint8Array(n * ACK_BYTES);
    const view = new DataView(acks.buffer);
    for (let i = 0; i < n; i++) {
      const p = this.order.shift()!;
      view.setInt32(i * ACK_BYTES, ACK_BYTES - 4);
      view.setInt32(i * ACK_BYTES + 4, p.id);
      if (this.ring !== null) this.ring.fifo.free();
    }
    this.write(acks);
  }

  private write(bytes: Uint8Array): void {
    const all = this.out === null ? bytes : Buffer.concat([this.out, bytes]);
    const n = this.socket.write(all);
    this.out = n >= all.length ? null : all.subarray(Math.max(0, n));
  }

  onDrain(): void {
    if (this.out !== null) this.write(new Uint8Array(0));
  }
}

async function serve(o: ServeOptions): Promise<void> {
  const server = new ProbeServer(o);
  const listener = Bun.listen<{ conn: ProbeConn }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open: (s) => { s.data = { conn: new ProbeConn(server, s) }; },
      data: (s, d) => s.data.conn.onData(d),
      drain: (s) => s.data.conn.onDrain(),
      close: () => server.finish(),
    },
  });
  console.log(JSON.stringify({ port: listener.port }));
}

// ---------------------------------------------------------------- sender

type SendOptions = { port: number; bytes: number; frameBytes: number; inflight: number };

function buildFrame(frameBytes: number, seed: number): Uint8Array {
  const batchBytes = Math.floor((frameBytes - 8 - PARTITIONS * 8) / PARTITIONS);
  const size = 4 + PARTITIONS * (8 + batchBytes);
  const frame = new Uint8Array(4 + size);
  const view = new DataView(frame.buffer);
  view.setInt32(0, size);
  view.setInt32(4, PARTITIONS);
  let x = seed * 2654435761;
  for (let i = 8; i < frame.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    frame[i] = x >>> 24;
  }
  let at = 8;
  for (let p = 0; p < PARTITIONS; p++) {
    view.setInt32(at, p);
    view.setInt32(at + 4, batchBytes);
    sealBatch(frame.subarray(at + 8, at + 8 + batchBytes));
    at += 8 + batchBytes;
  }
  return frame;
}

async function send(o: SendOptions): Promise<void> {
  const frames = Array.from({ length: SENDER_FRAMES }, (_, i) => buildFrame(o.frameBytes, i + 1));
  const total = Math.ceil(o.bytes / frames[0]!.length);
  let sent = 0;
  let acked = 0;
  let ackBytes = 0;
  let pending: Uint8Array | null = null;
  /** When each unacked frame began to go out, in order; acks come back in order. */
  const sentAtMs: number[] = [];
  const latenciesMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pump = (s: Socket<unknown>): void => {
    for (;;) {
      if (pending === null) {
        if (sent >= total || sent - acked >= o.inflight) return;
        pending = frames[sent % SENDER_FRAMES]!;
        sent++;
        sentAtMs.push(performance.now());
      }
      const n = s.write(pending);
      if (n < pending.length) {
        pending = pending.subarray(Math.max(0, n));
        return;
      }
      pending = null;
    }
  };
  await Bun.connect({
    hostname: '127.0.0.1',
    port: o.port,
    socket: {
      open: (s) => pump(s),
      drain: (s) => pump(s),
      data: (s, d) => {
        ackBytes += d.length;
        const now = performance.now();
        const nowAcked = Math.floor(ackBytes / ACK_BYTES);
        for (; acked < nowAcked; acked++) latenciesMs.push(now - sentAtMs.shift()!);
        if (acked >= total) {
          const cpu = process.cpuUsage(cpu0);
          const seconds = (performance.now() - t0) / 1000;
          const bytes = total * frames[0]!.length;
          latenciesMs.sort((a, b) => a - b);
          const q = (f: number): number => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(f * latenciesMs.length))]!;
          console.log(JSON.stringify({ bytes, seconds, cpuPerGiB: (cpu.user + cpu.system) / 1e6 / (bytes / GIB), frameP50Ms: q(0.5), frameP99Ms: q(0.99) }));
          s.end();
          process.exit(0);
        }
        pump(s);
      },
    },
  });
}

// ---------------------------------------------------------------- orchestration

function selfCommand(args: string[]): string[] {
  // Compiled, Bun.main is inside the executable's virtual file system and argv[1] is not a script.
  const compiled = Bun.main.startsWith('/$bunfs/') || Bun.main.startsWith('B:/~BUN/');
  return compiled ? [process.execPath, ...args] : [process.execPath, Bun.main, ...args];
}

async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<{ first: string; rest: Promise<string> }> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = '';
  while (!text.includes('\n')) {
    const r = await reader.read();
    if (r.done) break;
    text += dec.decode(r.value, { stream: true });
  }
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const rest = (async () => {
    let more = nl < 0 ? '' : text.slice(nl + 1);
    for (;;) {
      const r = await reader.read();
      if (r.done) return more;
      more += dec.decode(r.value, { stream: true });
    }
  })();
  return { first, rest };
}

type RunResult = {
  config: string;
  durable: boolean;
  mbPerS: number;
  cpuPerGiB: number;
  mainCpuPerGiB: number;
  minfltPerGiB: number;
  senderCpuPerGiB: number;
  seconds: number;
  /** What the CPU figures allow on this machine's cores with the broker alone on them (ceilingMbPerS). */
  ceilingMbPerS: number;
  /** Threads of the server waiting for a CPU, on average over the run (schedstat). */
  runqWaitPerS: number;
  /** A frame's time from the sender's write to its ack, as the sender sees it. */
  frameP50Ms: number;
  frameP99Ms: number;
};


async function runOne(config: string, durable: boolean, bytes: number, inflight: number): Promise<RunResult> {
  const workers = Number.parseInt(config, 10);
  const handoff = config.endsWith('t') ? 'transfer' : 'shared';
  const dir = fs.mkdtempSync(join(tmpdir(), 'freshet-multicore-'));
  try {
    const serverArgs = ['--serve', '--workers', String(workers), '--handoff', handoff, '--dir', dir, ...(durable ? ['--durable'] : [])];
    const server = Bun.spawn(selfCommand(serverArgs), { stdout: 'pipe', stderr: 'inherit', env: { ...process.env, MIMALLOC_PURGE_DELAY: '1000' } });
    const { first, rest } = await readFirstLine(server.stdout);
    const { port } = JSON.parse(first) as { port: number };
    const sender = Bun.spawn(selfCommand(['--send', '--port', String(port), '--bytes', String(bytes), '--inflight', String(inflight)]), { stdout: 'pipe', stderr: 'inherit' });
    const sent = JSON.parse(await new Response(sender.stdout).text()) as { cpuPerGiB: number; frameP50Ms: number; frameP99Ms: number };
    const served = JSON.parse((await rest).trim()) as Omit<RunResult, 'config' | 'durable' | 'senderCpuPerGiB' | 'ceilingMbPerS' | 'frameP50Ms' | 'frameP99Ms'>;
    await server.exited;
    const ceiling = ceilingMbPerS(served.cpuPerGiB, served.mainCpuPerGiB, workers, availableParallelism());
    return { config, durable, ...served, senderCpuPerGiB: sent.cpuPerGiB, ceilingMbPerS: ceiling, frameP50Ms: sent.frameP50Ms, frameP99Ms: sent.frameP99Ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CONFIG_NAMES: Record<string, string> = { '0': '1 thread', '1s': '1+1 shared', '2s': '1+2 shared', '1t': '1+1 transfer', '2t': '1+2 transfer' };

async function orchestrate(args: Map<string, string>): Promise<void> {
  const bytes = Number(args.get('--gib') ?? '1') * GIB;
  const runs = Number(args.get('--runs') ?? '1');
  const inflight = Number(args.get('--inflight') ?? '5');
  const configs = (args.get('--configs') ?? '0,1s,2s,2t').split(',');
  const modes = args.has('--durable') ? [false, true] : [false];
  const results: RunResult[] = [];
  console.log(`multicore probe: ${bytes / GIB} GiB per run, ${inflight} frames in flight, ${PARTITIONS} partitions, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`config           durable  MB/s     CPU-s/GiB  main-thread  minflt/GiB  sender CPU-s/GiB  ceiling MB/s (${availableParallelism()} cores)  frame p50/p99 ms  run-queue wait`);
  for (let r = 0; r < runs; r++) {
    for (const durable of modes) {
      for (const c of configs) {
        const res = await runOne(c, durable, bytes, inflight);
        results.push(res);
        console.log(`${(CONFIG_NAMES[c] ?? c).padEnd(16)} ${String(durable).padEnd(8)} ${res.mbPerS.toFixed(0).padStart(6)}   ${res.cpuPerGiB.toFixed(2).padStart(8)}   ${res.mainCpuPerGiB.toFixed(2).padStart(10)}   ${res.minfltPerGiB.toFixed(0).padStart(9)}   ${res.senderCpuPerGiB.toFixed(2).padStart(8)}   ${res.ceilingMbPerS.toFixed(0).padStart(12)}   ${res.frameP50Ms.toFixed(2)} / ${res.frameP99Ms.toFixed(2)}   ${res.runqWaitPerS.toFixed(2)}`);
      }
    }
  }
  writeResults('multicore', { bytes, runs, inflight, configs, results });
}

// ---------------------------------------------------------------- main

function parseArgs(argv: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const v = argv[i + 1];
    if (v !== undefined && !v.startsWith('--')) {
      m.set(a, v);
      i++;
    } else m.set(a, '');
  }
  return m;
}

if (Bun.isMainThread) {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('--serve')) {
    await serve({ workers: Number(args.get('--workers')), handoff: args.get('--handoff') === 'transfer' ? 'transfer' : 'shared', durable: args.has('--durable'), dir: args.get('--dir')! });
  } else if (args.has('--send')) {
    await send({ port: Number(args.get('--port')), bytes: Number(args.get('--bytes')), frameBytes: 1 << 20, inflight: Number(args.get('--inflight')) });
  } else if (args.has('--blocks')) {
    await blocks(args);
  } else {
    await orchestrate(args);
  }
}
