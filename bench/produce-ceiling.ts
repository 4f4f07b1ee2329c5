// The broker's own produce ceiling, with a sender light enough not to hide it (issue 11), not
// part of `npm run bench`:
//
//   npm run build && bun bench/produce-ceiling.ts [--cases default|t0,t1|key=value,...] [--rounds R]
//       [--dev | --modes durable,dev] [--partitions P] [--gib G] [--inflight K]
//       [--compression none|lz4|zstd|snappy|gzip] [--payload mixed|alphabet|random] [--no-machine]
//       [--others-max CPU_PER_S] [--fsyncs]
//
// The librdkafka driver costs ~2.1 CPU-s per GiB it sends, so on this 2-core machine no broker
// beside it passes ~565 MB/s. This sender is one Bun TCP connection that writes one Produce
// request, encoded once with src/protocol (one ~64 KiB v2 batch of 1 KiB records per partition,
// ~1 MiB over 16 partitions, acks=1, producer id -1), again and again with only the correlation
// id patched, keeps K in flight (default 5, librdkafka's max.in.flight) and reads of each answer
// only its size and correlation id (the first answer is decoded in full and must carry no
// partition error). It costs a few tenths of a CPU-s per GiB.
//
// Each case and mode, alternating, for R rounds: `dist/freshet start` on a fresh data dir
// (durable, or --dev), a topic of P partitions (src/client), a warm-up, then G GiB measured:
// record MB/s, the broker's CPU-s per GiB (utime+stime of the process, and of its main thread
// alone, /proc/<pid>/task/<pid>/stat), its minor faults per GiB, the sender's CPU-s per GiB, the
// CPU the rest of the machine used meanwhile, the load average, and the ceiling the broker's
// CPU allows on this machine's cores. Before the first run and after the last, the machine's
// own buffered append of 1 GiB (CPU-s/GiB; `--no-machine` skips it). `--fsyncs` runs the broker
// under strace counting its fdatasync calls per GiB (bench/broker.ts). Prints a table (runs and medians) and writes
// bench/results/<timestamp>-produce-ceiling.json.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'bun';
import { SYSTEM_IO } from '../src/cli/node-deps.ts';
import { KafkaClient } from '../src/client/client.ts';
import { compress } from '../src/compression/index.ts';
import { Compression } from '../src/protocol/records/batch.ts';
import { countFdatasyncs, startBroker } from './broker.ts';
import { measureBufferedAppend } from './disk.ts';
import { cpuAndFaults, cpuByThread, loadAverage1m, machineBusySeconds } from './proc.ts';
import { type Case, ceilingTable, type CpuReading, figures, medians, parseCase, type Readings, type RunFigures, threadsLine } from './produce-ceiling-report.ts';
import { AnswerScanner, buildProduceFrame, checkProduceAnswer, type FrameSpec, PAYLOADS, type Payload, setCorrelationId } from './produce-frame.ts';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const TOPIC = 'ceiling';
/** Unmeasured bytes first: the broker's JIT warms up on its first requests (bench/README.md). */
const WARMUP_BYTES = 128 * MIB;
/** librdkafka 2.0.2 (the bench driver) sends Produce v7; header v1. */
const PRODUCE_VERSION_DEFAULT = 7;
/** A run that has not finished in this long has stalled. */
const RUN_TIMEOUT_MS = 600_000;
/** How long the topic's partitions may take to name a leader after CreateTopics. */
const TOPIC_READY_TIMEOUT_MS = 15_000;
const TOPIC_READY_POLL_MS = 50;
/** Attempts at one run: on a shared machine another process may stop every `freshet`
 *  (seen while building this bench: a scratch script's `pkill -f "freshet start"` stopped our
 *  broker mid-run and before it listened), so a failed run is tried again, and said so; so is
 *  one during which neighbours used more than --others-max CPU/s. */
const RUN_ATTEMPTS_MAX = 4;
/** At most this many requests in flight: beyond it, the broker's queued.max.requests decides. */
const INFLIGHT_MAX = 64;
const COMPRESSIONS: Record<string, Compression> = { none: Compression.None, gzip: Compression.Gzip, snappy: Compression.Snappy, lz4: Compression.Lz4, zstd: Compression.Zstd };

type Options = {
  bin: string;
  cases: Case[];
  modes: ('durable' | 'dev')[];
  rounds: number;
  partitions: number;
  gib: number;
  inflight: number;
  compression: string;
  payload: Payload;
  version: number;
  recordBytes: number;
  batchKiB: number;
  /** Count the broker's fdatasync calls (strace --seccomp-bpf: only those calls stop). */
  fsyncs: boolean;
  /** A run during which the rest of the machine used more CPU/s than this is run again (at
   *  most RUN_ATTEMPTS_MAX attempts; the last is kept whatever it saw). Null: keep every run. */
  othersMax: number | null;
  /** Measure the machine's buffered append before and after (the kernel's cost of the bytes). */
  machine: boolean;
};

function fail(message: string): never {
  console.error(`bench/produce-ceiling.ts: ${message}`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const num = (name: string, fallback: number): number => {
    const v = value(name);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n <= 0) fail(`${name} ${v}: expected a positive number`);
    return n;
  };
  const cases = (value('--cases') ?? 'default').split(',').map((c) => {
    const parsed = parseCase(c);
    return typeof parsed === 'string' ? fail(parsed) : parsed;
  });
  const modes = argv.includes('--dev') ? ['dev'] : (value('--modes') ?? 'durable').split(',');
  for (const m of modes) if (m !== 'durable' && m !== 'dev') fail(`mode ${m}: expected durable or dev`);
  const compression = value('--compression') ?? 'none';
  if (!(compression in COMPRESSIONS)) fail(`--compression ${compression}: expected ${Object.keys(COMPRESSIONS).join(', ')}`);
  const payload = (value('--payload') ?? 'mixed') as Payload;
  if (!PAYLOADS.includes(payload)) fail(`--payload ${payload}: expected ${PAYLOADS.join(', ')}`);
  const inflight = num('--inflight', 5);
  if (inflight > INFLIGHT_MAX) fail(`--inflight ${inflight}: at most ${INFLIGHT_MAX}`);
  return {
    bin: value('--bin') ?? path.join(import.meta.dir, '..', 'dist', 'freshet'),
    cases,
    modes: modes as ('durable' | 'dev')[],
    rounds: num('--rounds', 1),
    partitions: num('--partitions', 16),
    gib: num('--gib', 1),
    inflight,
    compression,
    payload,
    version: num('--produce-version', PRODUCE_VERSION_DEFAULT),
    recordBytes: num('--record-bytes', 1024),
    batchKiB: num('--batch-kib', 64),
    machine: !argv.includes('--no-machine'),
    fsyncs: argv.includes('--fsyncs'),
    othersMax: value('--others-max') === undefined ? null : num('--others-max', 0),
  };
}

/** One connection writing the same frame again and again, K requests in flight. */
class LightSender {
  private socket: Socket<undefined> | null = null;
  private nextId = 1;
  private sent = 0;
  private answered = 0;
  private target = 0;
  private pending: Uint8Array | null = null;
  private scanner: AnswerScanner | null = null;
  private done: ((error: Error | null) => void) | null = null;

  constructor(private readonly frame: Uint8Array, private readonly inflight: number) {}

  async connect(port: number): Promise<void> {
    this.socket = await Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        drain: () => this.pump(),
        data: (_s, chunk) => this.onData(chunk),
        close: () => this.finish(new Error('the broker closed the connection')),
        error: (_s, e) => this.finish(e),
      },
    });
  }

  /** Sends `requests` requests; resolves when all are answered. Keeps the first one's answer. */
  async run(requests: number): Promise<{ firstAnswer: Uint8Array | null }> {
    this.sent = 0;
    this.answered = 0;
    this.target = requests;
    this.scanner = new AnswerScanner(this.nextId, this.nextId);
    const finished = new Promise<Error | null>((resolve) => (this.done = resolve));
    const timer = setTimeout(() => this.finish(new Error(`${this.answered} of ${requests} requests answered after ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
    this.pump();
    const error = await finished;
    clearTimeout(timer);
    if (error) throw error;
    return { firstAnswer: this.scanner.kept };
  }

  close(): void {
    this.done = null;
    this.socket?.end();
  }

  private finish(error: Error | null): void {
    const done = this.done;
    this.done = null;
    done?.(error);
  }

  private pump(): void {
    const s = this.socket!;
    for (;;) {
      if (this.pending === null) {
        if (this.sent >= this.target || this.sent - this.answered >= this.inflight) return;
        // Safe to patch: every byte of the previous request has been handed to the kernel.
        setCorrelationId(this.frame, this.nextId);
        this.nextId = (this.nextId + 1) & 0x7fffffff;
        this.sent++;
        this.pending = this.frame;
      }
      const n = s.write(this.pending);
      if (n < 0) return this.finish(new Error(`the socket ended after ${this.answered} of ${this.target} answers, ${this.sent} sent`));
      if (n < this.pending.length) {
        this.pending = this.pending.subarray(n);
        return; // the rest goes from drain
      }
      this.pending = null;
    }
  }

  private onData(chunk: Uint8Array): void {
    const n = this.scanner!.push(chunk);
    if (typeof n === 'string') return this.finish(new Error(n));
    this.answered += n;
    if (this.answered >= this.target) return this.finish(null);
    this.pump();
  }
}

async function createTopic(bootstrap: string, partitions: number): Promise<void> {
  const client = await KafkaClient.connect({ io: SYSTEM_IO, bootstrap: [bootstrap], clientId: 'bench-ceiling' });
  try {
    const [t] = await client.createTopics([{ name: TOPIC, numPartitions: partitions }]);
    if (t?.error) throw new Error(`CreateTopics: ${t.error.name} ${t.error.message ?? ''}`);
    const deadline = performance.now() + TOPIC_READY_TIMEOUT_MS;
    for (;;) {
      const md = await client.metadata([TOPIC]);
      const ps = md.topics.find((x) => x.name === TOPIC)?.partitions ?? [];
      if (ps.length === partitions && ps.every((p) => p.leader >= 0 && p.error === null)) return;
      if (performance.now() > deadline) throw new Error(`topic ${TOPIC}: ${ps.length} partitions with a leader after ${TOPIC_READY_TIMEOUT_MS} ms`);
      await Bun.sleep(TOPIC_READY_POLL_MS);
    }
  } finally {
    await client.close();
  }
}

function reading(pid: number, tid?: number): CpuReading {
  const r = cpuAndFaults(pid, tid);
  if (r === null) throw new Error(`broker ${pid} is gone`);
  return r;
}

async function runOnce(o: Options, c: Case, mode: 'durable' | 'dev', round: number, root: string, frame: { bytes: Uint8Array; recordBytes: number }): Promise<RunFigures> {
  const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
  const logFile = path.join(root, 'broker.log');
  const traceFile = o.fsyncs ? path.join(root, 'fsyncs.trace') : undefined;
  const broker = await startBroker({ bin: o.bin, dataDir, dev: mode === 'dev', logFile, settings: c.settings, traceFsyncsTo: traceFile });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await broker.stop();
  };
  try {
    await createTopic(broker.bootstrap, o.partitions);
    const sender = new LightSender(frame.bytes, o.inflight);
    await sender.connect(broker.port);
    const { firstAnswer } = await sender.run(Math.ceil(WARMUP_BYTES / frame.bytes.length));
    if (firstAnswer === null) throw new Error('the first answer was not kept');
    const problems = checkProduceAnswer(firstAnswer, o.version, TOPIC, o.partitions);
    if (problems.length > 0) throw new Error(`the first Produce answer: ${problems.slice(0, 4).join('; ')}`);
    const requests = Math.ceil((o.gib * GIB) / frame.recordBytes);
    const load1mStart = loadAverage1m();
    const before = { broker: reading(broker.pid), main: reading(broker.pid, broker.pid), threads: cpuByThread(broker.pid), sender: process.cpuUsage(), busy: machineBusySeconds(), t: performance.now() };
    const fromS = Date.now() / 1000;
    await sender.run(requests);
    const seconds = (performance.now() - before.t) / 1000;
    const toS = Date.now() / 1000;
    const readings: Readings = {
      seconds,
      requests,
      recordBytes: requests * frame.recordBytes,
      wireBytes: requests * frame.bytes.length,
      broker: { before: before.broker, after: reading(broker.pid) },
      brokerMain: { before: before.main, after: reading(broker.pid, broker.pid) },
      senderUs: process.cpuUsage(before.sender),
      machineBusyS: machineBusySeconds() - before.busy,
      threads: { before: before.threads, after: cpuByThread(broker.pid) },
      load1mStart,
      load1mEnd: loadAverage1m(),
    };
    sender.close();
    const f = figures(readings, { case: c.name, mode, round }, os.availableParallelism());
    if (traceFile === undefined) return f;
    await stop(); // strace writes its last lines as the broker exits
    return { ...f, fdatasyncsPerGiB: countFdatasyncs(traceFile, fromS, toS) / (readings.recordBytes / GIB) };
  } finally {
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (!fs.existsSync(o.bin)) fail(`${o.bin} not found: run npm run build first`);
  const recordsPerBatch = Math.max(1, Math.floor((o.batchKiB * 1024) / o.recordBytes));
  const spec: FrameSpec = {
    topic: TOPIC,
    partitions: o.partitions,
    version: o.version,
    recordBytes: o.recordBytes,
    recordsPerBatch,
    compression: COMPRESSIONS[o.compression]!,
    payload: o.payload,
    timestampMs: Date.now(),
    clientId: 'bench-ceiling',
    acks: 1,
    timeoutMs: 30_000,
  };
  const frame = buildProduceFrame(spec, compress);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-produce-ceiling-'));
  const head = `produce ceiling: ${o.partitions} partitions, ${recordsPerBatch} x ${o.recordBytes} B records a batch, ${o.compression} (${o.payload}), requests of ${(frame.bytes.length / MIB).toFixed(2)} MiB (${(frame.recordBytes / MIB).toFixed(2)} MiB of records), Produce v${o.version}, acks=1, ${o.inflight} in flight, ${o.gib} GiB a run after ${WARMUP_BYTES / MIB} MiB of warm-up, ${os.availableParallelism()} cores`;
  console.log(head);
  // The kernel's cost of putting 1 GiB into the page cache moves 0.2-2.2 CPU-s/GiB on this VM
  // with how recently the host took its memory back ("Produce CPU" in bench/README.md); the
  // broker's system time moves with it, so each run's figures sit beside it.
  const machineBefore = o.machine ? measureBufferedAppend(root).append.cpu.perGiB : null;
  if (machineBefore !== null) console.log(`machine: buffered append ${machineBefore.toFixed(2)} CPU-s/GiB before`);
  const runs: RunFigures[] = [];
  const failures: { round: number; mode: string; case: string; error: string }[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const mode of o.modes) {
      for (const c of o.cases) {
        let r: RunFigures | null = null;
        for (let attempt = 1; r === null; attempt++) {
          const last = attempt >= RUN_ATTEMPTS_MAX;
          try {
            r = await runOnce(o, c, mode, round, root, frame);
          } catch (e) {
            const error = e instanceof Error ? e.message : String(e);
            failures.push({ round, mode, case: c.name, error });
            console.error(`round ${round}, ${mode}, ${c.name}: attempt ${attempt} failed: ${error}`);
            // The broker's log stays in `root` for reading.
            if (last) throw e;
            continue;
          }
          if (o.othersMax !== null && r.othersCpuPerS > o.othersMax && !last) {
            const error = `the rest of the machine used ${r.othersCpuPerS.toFixed(2)} CPU/s (--others-max ${o.othersMax})`;
            failures.push({ round, mode, case: c.name, error });
            console.error(`round ${round}, ${mode}, ${c.name}: attempt ${attempt} set aside: ${error}`);
            r = null;
          }
        }
        runs.push(r);
        console.error(`round ${round}, ${mode}, ${c.name}: ${r.mbPerS.toFixed(0)} MB/s, broker ${r.brokerCpuPerGiB.toFixed(2)} CPU-s/GiB (main thread ${r.mainCpuPerGiB.toFixed(2)}), ${Math.round(r.minfltPerGiB)} faults/GiB, sender ${r.senderCpuPerGiB.toFixed(2)}, load ${r.load1mEnd.toFixed(2)}${r.fdatasyncsPerGiB === undefined ? '' : `, ${Math.round(r.fdatasyncsPerGiB)} fdatasyncs/GiB`}; threads: ${threadsLine(r.threadsCpuPerGiB)}`);
      }
    }
  }
  const machineAfter = o.machine ? measureBufferedAppend(root).append.cpu.perGiB : null;
  fs.rmSync(root, { recursive: true, force: true });
  for (const line of ceilingTable(runs)) console.log(line);
  for (const m of medians(runs)) {
    const fsyncs = m.fdatasyncsPerGiB === undefined ? '' : `; ${Math.round(m.fdatasyncsPerGiB)} fdatasyncs/GiB`;
    console.log(`threads, CPU-s/GiB (median), ${m.mode === 'dev' ? '--dev' : 'durable'} ${m.case}: ${threadsLine(m.threadsCpuPerGiB)}${fsyncs}`);
  }
  if (machineBefore !== null && machineAfter !== null) console.log(`machine: buffered append ${machineBefore.toFixed(2)} CPU-s/GiB before, ${machineAfter.toFixed(2)} after`);
  if (failures.length > 0) console.log(`${failures.length} attempt(s) failed or set aside, each run again (listed in the JSON)`);
  const out = path.join(import.meta.dir, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-produce-ceiling.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const { bytes: _bytes, ...frameInfo } = frame;
  fs.writeFileSync(out, JSON.stringify({ options: { ...o, bin: path.basename(o.bin) }, frame: { ...frameInfo, bytes: frame.bytes.length }, cores: os.availableParallelism(), runs, medians: medians(runs), machineAppendCpuPerGiB: { before: machineBefore, after: machineAfter }, failures }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

await main();
