// The building blocks of issue 11's multi-core model, measured alone (docs/multicore.md,
// "Measured building blocks"), and the process and thread accounting bench/multicore-probe.ts
// shares: CPU per thread, minor faults, run-queue wait, Worker start and messages, results.
// Run through the probe: `bun bench/multicore-probe.ts --blocks [--seconds N]`.

import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '@node-rs/crc32';
import type { Socket } from 'bun';
import type { FromWorker, ToWorker } from './multicore-worker.ts';

const CLOCK_TICKS_PER_S = 100;
const GIB = 1 << 30;

// ---------------------------------------------------------------- process accounting

/** CPU time, minor faults, and time spent runnable but waiting for a CPU (all threads, schedstat). */
export type Cpu = { totalS: number; mainS: number; minflt: number; runqWaitS: number };

function statFields(path: string): string[] {
  const text = fs.readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' '); // [0] is field 3 (state)
}

export function readCpu(): Cpu {
  const all = statFields('/proc/self/stat');
  const main = statFields(`/proc/self/task/${process.pid}/stat`);
  const ticks = (f: string[]): number => (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_S;
  return { totalS: ticks(all), mainS: ticks(main), minflt: Number(all[7]), runqWaitS: runQueueWaitS() };
}

/**
 * Seconds this process's threads spent runnable but not running (field 2 of each thread's
 * /proc/<pid>/task/<tid>/schedstat): how much the neighbours, not our own work, held us back.
 */
function runQueueWaitS(): number {
  let ns = 0;
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      ns += Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns / 1e9;
}

// ---------------------------------------------------------------- workers

function workerUrl(): string {
  // Resolved against the executable's embedded files when compiled with this file as an entry point.
  return new URL('./multicore-worker.ts', import.meta.url).href;
}

export function startWorker(onMessage: (m: FromWorker) => void): Worker {
  const w = new Worker(workerUrl());
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  return w;
}

export function post(w: Worker, m: ToWorker, transfer: ArrayBuffer[] = []): void {
  w.postMessage(m, transfer);
}

export function writeResults(name: string, body: unknown): void {
  // Compiled, import.meta.dir is inside the executable: the printed figures are the result.
  if (import.meta.dir.startsWith('/$bunfs/')) return;
  const dir = join(import.meta.dir, 'results');
  try {
    fs.mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(body, null, 2));
    console.log(`wrote ${file}`);
  } catch (e) {
    console.log(`results not written: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ---------------------------------------------------------------- building blocks

function once<T extends FromWorker['kind']>(w: Worker, kind: T): Promise<Extract<FromWorker, { kind: T }>> {
  return new Promise((resolve) => {
    const prev = w.onmessage;
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.kind === kind) {
        w.onmessage = prev;
        resolve(e.data as Extract<FromWorker, { kind: T }>);
      }
    };
  });
}

async function blockTransfer(seconds: number, transfer: boolean): Promise<string> {
  const w = startWorker(() => {});
  const POOL = 8;
  const size = 1 << 20;
  let msgs = 0;
  const c0 = readCpu();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let live = POOL;
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.kind !== 'echo') return;
      msgs += 2;
      if (performance.now() - t0 > seconds * 1000) {
        if (--live === 0) resolve();
        return;
      }
      const buf = e.data.buf;
      post(w, { kind: 'echo', buf }, transfer ? [buf] : []);
    };
    for (let i = 0; i < POOL; i++) {
      const buf = new ArrayBuffer(size);
      post(w, { kind: 'echo', buf }, transfer ? [buf] : []);
    }
  });
  const s = (performance.now() - t0) / 1000;
  const c = readCpu();
  w.terminate();
  const gib = (msgs * size) / GIB;
  return `postMessage 1 MiB ${transfer ? 'transfer' : 'clone   '}: ${(msgs / s).toFixed(0)} msgs/s one-way, ${((msgs * size) / 1e6 / s).toFixed(0)} MB/s, ${((c.totalS - c0.totalS) / gib).toFixed(3)} CPU-s/GiB, ${((c.minflt - c0.minflt) / gib).toFixed(0)} minflt/GiB`;
}

async function blockSmall(seconds: number): Promise<string> {
  const w = startWorker(() => {});
  const WINDOW = 64;
  let msgs = 0;
  const c0 = readCpu();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let live = WINDOW;
    let id = 0;
    w.onmessage = () => {
      msgs += 2;
      if (performance.now() - t0 > seconds * 1000) {
        if (--live === 0) resolve();
        return;
      }
      post(w, { kind: 'small', id: id++, parts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] });
    };
    for (let i = 0; i < WINDOW; i++) post(w, { kind: 'small', id: id++, parts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] });
  });
  const s = (performance.now() - t0) / 1000;
  const c = readCpu();
  w.terminate();
  return `postMessage of a work descriptor (24 numbers), 64 in flight: ${(msgs / s).toFixed(0)} msgs/s one-way, ${(((c.totalS - c0.totalS) / msgs) * 1e6).toFixed(1)} CPU-us per message`;
}

/** One message in flight: the wake-up latency each handoff of a frame pays (twice per frame). */
async function blockRoundTrip(seconds: number): Promise<string> {
  const w = startWorker(() => {});
  const rttUs: number[] = [];
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let sentAt = performance.now();
    w.onmessage = () => {
      const now = performance.now();
      rttUs.push((now - sentAt) * 1000);
      if (now - t0 > seconds * 1000) {
        resolve();
        return;
      }
      sentAt = performance.now();
      post(w, { kind: 'small', id: 0, parts: [1, 2, 3] });
    };
    post(w, { kind: 'small', id: 0, parts: [1, 2, 3] });
  });
  w.terminate();
  rttUs.sort((a, b) => a - b);
  const q = (f: number): string => rttUs[Math.min(rttUs.length - 1, Math.floor(f * rttUs.length))]!.toFixed(0);
  return `postMessage round trip, one in flight: p50 ${q(0.5)} us, p99 ${q(0.99)} us, p99.9 ${q(0.999)} us (${rttUs.length} round trips)`;
}

async function blockShared(): Promise<string> {
  const w = startWorker(() => {});
  const len = 1 << 20;
  const ring = new SharedArrayBuffer(len);
  const bytes = new Uint8Array(ring);
  for (let i = 0; i < len; i++) bytes[i] = (i * 31) & 0xff;
  const reply = once(w, 'check-shared');
  post(w, { kind: 'check-shared', ring, length: len });
  const got = (await reply).crc;
  const want = crc32c(bytes.slice(), 0) >>> 0;
  // fs.writeSync of a view over shared memory, read back.
  const file = join(fs.mkdtempSync(join(tmpdir(), 'freshet-multicore-')), 'f');
  const fd = fs.openSync(file, 'a');
  fs.writeSync(fd, bytes.subarray(0, 4096));
  fs.closeSync(fd);
  const same = Buffer.compare(fs.readFileSync(file), Buffer.from(bytes.slice(0, 4096))) === 0;
  fs.rmSync(file);
  w.terminate();
  return `SharedArrayBuffer: @node-rs/crc32 in a Worker over a shared view ${got === want ? 'matches' : 'DIFFERS'}; fs.writeSync of a shared view ${same ? 'writes the bytes' : 'WRONG BYTES'}`;
}

/** The main thread's CPU work: CRC32C of 1 MiB, as many times as fit in `seconds`. */
function crcLoop(seconds: number): number {
  const buf = new Uint8Array(1 << 20).fill(3);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    crc32c(buf, 0);
    n++;
  }
  return (n * buf.length) / 1e6 / ((performance.now() - t0) / 1000);
}

async function blockParallelFs(seconds: number, fsync: boolean): Promise<string> {
  const dir = fs.mkdtempSync(join(tmpdir(), 'freshet-multicore-'));
  const w = startWorker(() => {});
  try {
    const alone = (() => { const r = crcLoop(seconds); return r; })();
    let reply = once(w, 'writer');
    post(w, { kind: 'writer', path: join(dir, 'a'), seconds, fsync });
    const writerAlone = await reply;
    reply = once(w, 'writer');
    const c0 = readCpu();
    const t0 = performance.now();
    post(w, { kind: 'writer', path: join(dir, 'b'), seconds, fsync });
    const together = crcLoop(seconds);
    const writerTogether = await reply;
    const c1 = readCpu();
    const wall = (performance.now() - t0) / 1000;
    const mb = (r: { bytes: number; seconds: number }): string => (r.bytes / 1e6 / r.seconds).toFixed(0);
    // Process CPU over wall time above 1 means the two threads ran at the same time.
    return `Worker appending 1 MiB writes${fsync ? ' + fdatasync each' : ' (buffered)'} beside a main-thread CRC loop: main ${alone.toFixed(0)} -> ${together.toFixed(0)} MB/s, writer ${mb(writerAlone)} -> ${mb(writerTogether)} MB/s (alone -> together); together: main thread ${((c1.mainS - c0.mainS) / wall).toFixed(2)}, other threads ${((c1.totalS - c1.mainS - c0.totalS + c0.mainS) / wall).toFixed(2)} CPU-s per s`;
  } finally {
    w.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Pure CPU in both threads: the parallelism the model rests on, without the disk in the way. */
async function blockParallelCrc(seconds: number): Promise<string> {
  const w = startWorker(() => {});
  try {
    let c0 = readCpu();
    let t0 = performance.now();
    const alone = crcLoop(seconds);
    const aloneCpu = (readCpu().mainS - c0.mainS) / ((performance.now() - t0) / 1000);
    const reply = once(w, 'crc');
    c0 = readCpu();
    t0 = performance.now();
    post(w, { kind: 'crc', seconds });
    const together = crcLoop(seconds);
    const worker = await reply;
    const c1 = readCpu();
    const wall = (performance.now() - t0) / 1000;
    return `CRC32C of 1 MiB in a loop: main alone ${alone.toFixed(0)} MB/s at ${aloneCpu.toFixed(2)} CPU-s/s; main + Worker together ${together.toFixed(0)} + ${(worker.bytes / 1e6 / worker.seconds).toFixed(0)} MB/s at ${((c1.mainS - c0.mainS) / wall).toFixed(2)} + ${((c1.totalS - c1.mainS - c0.totalS + c0.mainS) / wall).toFixed(2)} CPU-s/s`;
  } finally {
    w.terminate();
  }
}

async function blockReusePort(connections: number): Promise<string> {
  const counts = [0, 0];
  const ws = [0, 1].map((i) => startWorker((m) => { if (m.kind === 'accepted') counts[i]!++; }));
  const first = once(ws[0]!, 'listening');
  post(ws[0]!, { kind: 'listen', port: 0 });
  const port = (await first).port;
  ws[0]!.onmessage = (e: MessageEvent<FromWorker>) => { if (e.data.kind === 'accepted') counts[0]!++; };
  const second = once(ws[1]!, 'listening');
  post(ws[1]!, { kind: 'listen', port });
  await second;
  ws[1]!.onmessage = (e: MessageEvent<FromWorker>) => { if (e.data.kind === 'accepted') counts[1]!++; };
  const sockets: Socket<unknown>[] = [];
  for (let i = 0; i < connections; i++) sockets.push(await Bun.connect({ hostname: '127.0.0.1', port, socket: { data: () => {} } }));
  await Bun.sleep(200);
  for (const s of sockets) s.end();
  for (const w of ws) w.terminate();
  return `Bun.listen reusePort:true in 2 Workers on one port: ${connections} connections accepted ${counts[0]} / ${counts[1]}`;
}

function rssMiB(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** What an idle Worker adds to the process's resident memory (the --dev footprint question). */
async function blockIdleRss(first: Worker): Promise<string> {
  Bun.gc(true);
  await Bun.sleep(300);
  const withOne = rssMiB();
  const second = startWorker(() => {});
  const pong = once(second, 'small');
  post(second, { kind: 'small', id: 0, parts: [] });
  await pong;
  Bun.gc(true);
  await Bun.sleep(300);
  const withTwo = rssMiB();
  second.terminate();
  void first;
  return `RSS with 1 idle Worker ${withOne.toFixed(1)} MiB, with 2 ${withTwo.toFixed(1)} MiB (+${(withTwo - withOne).toFixed(1)} MiB per Worker)`;
}

export async function blocks(args: Map<string, string>): Promise<void> {
  const seconds = Number(args.get('--seconds') ?? '3');
  const lines: string[] = [];
  const say = (s: string): void => { lines.push(s); console.log(s); };
  say(`building blocks, Bun ${Bun.version}, ${Bun.main.startsWith('/$bunfs/') ? 'compiled executable' : 'bun script'}, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const t0 = performance.now();
  const w = startWorker(() => {});
  const pong = once(w, 'small');
  post(w, { kind: 'small', id: 0, parts: [] });
  await pong;
  say(`Worker start to first answer: ${(performance.now() - t0).toFixed(1)} ms`);
  say(await blockIdleRss(w));
  w.terminate();
  say(await blockShared());
  say(await blockTransfer(seconds, true));
  say(await blockTransfer(seconds, false));
  say(await blockSmall(seconds));
  say(await blockRoundTrip(seconds));
  say(await blockParallelCrc(seconds));
  say(await blockParallelFs(seconds, false));
  say(await blockParallelFs(seconds, true));
  say(await blockReusePort(16));
  writeResults('multicore-blocks', { lines });
  process.exit(0);
}
