// The peer phase (`bun bench/run.ts --only peer`, and in the full run): Apache Kafka and Freshet
// on the same machine, driven by the same clients (the librdkafka driver, and Kafka's own
// ProducerPerformance / ConsumerPerformance) with the same topics and records, alternating Kafka, Freshet, Kafka, Freshet so that neighbours' load and the page cache's state
// fall on both alike. Two durability pairs (bench/peer-report.ts PEER_PAIRS). Each session is a
// fresh broker on a fresh data dir: start to ready, idle RSS, CreateTopics, an unmeasured
// warm-up produce, then PEER_STEPS with the broker's CPU and RSS read from /proc around each.
// Then, per pair, a latency session on each side (Kafka, Freshet): acks=all on one partition at
// half the lower of the two sides' acks=all maxima, percentiles and a distribution plot.
// Last, the climb step (issue 11): ProducerPerformance at a fixed rate past 3 GiB on Kafka
// default, freshet --dev and durable Freshet, latency and broker CPU per GiB written.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import { brokerArgv, freePort, freshDir, type RunningBroker } from './broker.ts';
import { ensureKafka, startKafka, toolsCommand, type KafkaInstall } from './kafka-peer/kafka.ts';
import { SHARED_SETTINGS } from './kafka-peer/config.ts';
import { consumerPerfArgv, parseConsumerPerf, parseProducerPerf, parseProducerWindow, producerPerfArgv } from './kafka-peer/perf-tools.ts';
import { metadataBrokerCount } from './kafka-peer/metadata.ts';
import { measured, type ConsumeOut, type ProduceOut } from './phases.ts';
import { cpuSeconds, machineBusySeconds, minorFaults, statusKiB, terminate } from './proc.ts';
import { GiB } from './stats.ts';
import { latencyPlotSvg, type LatencySeries } from './latency-plot.ts';
import { CLIMB_SIDES, CLIMB_WARMUP_WINDOWS, consumeArgv, latencyOverBytes, latencyRate, printClimb, type ClimbSide, type ClimbWindow, type PeerClimb, latencyRows, midMedian, PEER_PAIRS, PEER_RECORD_BYTES, PEER_STEPS, peerTable, peerTopics, printPeerTable, produceArgv, WARMUP_TOPIC, type JavaConsumeSpec, type JavaProduceSpec, type PeerLatency, type PeerPair, type PeerSession, type PeerSide, type PeerTable, type StepFigures } from './peer-report.ts';

/** javaRecords: the Java tools have no time cap and their default 16 KiB batches make Kafka's
 *  flush-per-message run at a few MB/s here, so they get fewer records than the C driver. */
/** climbRecords at climbRecordsPerS: the latency-over-bytes step (issue 11 saw a climb after
 *  about 1 GiB), sized to pass 3 GiB in a full run; the rate is one ProducerPerformance keeps up
 *  against every side here (Kafka's default reached 45-60 MB/s at 60,000 rec/s on the busy
 *  2-core machine), so latency is the broker's and not the client's queue. */
export type PeerSizes = { records: number; javaRecords: number; warmupRecords: number; produceSecondsMax: number; rounds: number; idleMs: number; latencySeconds: number; climbRecords: number; climbRecordsPerS: number };
/** --quick: 100 MB per step, two rounds of each side per pair: about 5 minutes; the climb step
 *  only shows it runs (15 s: one window after the warm-up). */
export const PEER_SIZES_QUICK: PeerSizes = { records: 100_000, javaRecords: 100_000, warmupRecords: 50_000, produceSecondsMax: 10, rounds: 2, idleMs: 2_000, latencySeconds: 5, climbRecords: 450_000, climbRecordsPerS: 30_000 };
export const PEER_SIZES_FULL: PeerSizes = { records: 1_000_000, javaRecords: 300_000, warmupRecords: 200_000, produceSecondsMax: 40, rounds: 2, idleMs: 5_000, latencySeconds: 20, climbRecords: 3_200_000, climbRecordsPerS: 30_000 };
/** A Java tool run longer than this is killed and its step left out (n/a in the table). */
const JAVA_STEP_TIMEOUT_MS = 240_000;
/** Records sent in the first seconds of a latency step are left out (bench/phases.ts does the same). */
const LATENCY_WARMUP_SECONDS = 2;
const LATENCY_TOPIC = 'peer-latency';
/** Plot colours: Kafka blue, Freshet orange; the durable pair dashed. */
const COLORS: Record<PeerSide, string> = { kafka: '#1f77b4', freshet: '#ff7f0e' };

const FRESHET_READY_TIMEOUT_MS = 20_000;
const READY_POLL_MS = 2;
const STOP_GRACE_MS = 5_000;
const CREATE_TOPICS_TIMEOUT_MS = 30_000;

export type PeerFigures = {
  kafka: { version: string; java: string; javaVersion: string; libDir: string };
  sizes: PeerSizes;
  sessions: PeerSession[];
  latency: { pair: PeerPair['name']; rate: number; kafka: PeerLatency | null; freshet: PeerLatency | null }[];
  tables: PeerTable[];
  /** Latency over bytes written, per side of CLIMB_SIDES (absent in results from before it). */
  climb?: PeerClimb[];
};

type Ctx = { bin: string; driver: string; dataRoot: string; sizes: PeerSizes; log: (m: string) => void };

/** Freshet nodes of this phase still running: killed if the bench exits (kafka.ts does the same for Kafka). */
const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Freshet started as the Kafka side is: spawn to the first Metadata v4 answer listing a broker
 *  (the same probe), then its " ready: " log line before any client step. It gets the settings
 *  the Kafka side shares with it (SHARED_SETTINGS). */
async function startFreshet(bin: string, dataDir: string, dev: boolean, logFile: string): Promise<RunningBroker> {
  const port = await freePort();
  const log = fs.openSync(logFile, 'a');
  const logStart = fs.fstatSync(log).size;
  const t0 = performance.now();
  const settings = Object.fromEntries(SHARED_SETTINGS);
  const proc = Bun.spawn(brokerArgv({ bin, dataDir, dev, logFile, settings }, port), { stdin: 'ignore', stdout: log, stderr: log });
  live.add(proc);
  const stop = async () => {
    await terminate(proc, STOP_GRACE_MS);
    live.delete(proc);
    fs.closeSync(log);
  };
  let readyMs = -1;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`freshet exited (${proc.exitCode ?? proc.signalCode}) before ready; see ${logFile}`);
    }
    if (readyMs < 0) {
      const n = await metadataBrokerCount(port);
      if (n !== null && n > 0) readyMs = performance.now() - t0;
    }
    if (readyMs >= 0 && fs.readFileSync(logFile).subarray(logStart).toString('utf8').includes(' ready: ')) break;
    if (performance.now() - t0 > FRESHET_READY_TIMEOUT_MS) {
      await stop();
      throw new Error(`freshet not ready within ${FRESHET_READY_TIMEOUT_MS} ms; see ${logFile}`);
    }
    await Bun.sleep(READY_POLL_MS);
  }
  return { port, bootstrap: `127.0.0.1:${port}`, pid: proc.pid, readyMs, stop };
}

async function createTopics(bootstrap: string, topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-peer', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })), waitForLeaders: true, timeout: CREATE_TOPICS_TIMEOUT_MS });
  } finally {
    await admin.disconnect();
  }
}

type Started = { broker: RunningBroker; readyMs: number; formatMs: number | null; idleRssKiB: number };

/** A fresh broker of `side` for `pair`: ready, idle RSS, topics created, warm-up produced; then
 *  `body`; then stopped and its data dir removed (up to ~1 GiB a step in a full run). */
async function withSession<T>(ctx: Ctx, install: KafkaInstall, pair: PeerPair, side: PeerSide, name: string, topics: { topic: string; partitions: number }[], body: (s: Started) => Promise<T>): Promise<T> {
  const dir = freshDir(ctx.dataRoot, name);
  const logFile = path.join(ctx.dataRoot, `${name}.log`);
  const broker =
    side === 'kafka'
      ? await startKafka({ install, dir, durability: pair.kafkaDurability, logFile })
      : await startFreshet(ctx.bin, dir, pair.freshetDev, logFile);
  try {
    const formatMs = 'formatMs' in broker ? (broker.formatMs as number) : null;
    await Bun.sleep(ctx.sizes.idleMs);
    const idleRssKiB = statusKiB(broker.pid, 'VmRSS') ?? 0;
    ctx.log(`  ${side}: ready in ${broker.readyMs.toFixed(0)} ms${formatMs !== null ? ` (after a ${formatMs.toFixed(0)} ms format)` : ''}, idle RSS ${(idleRssKiB / 1024).toFixed(1)} MiB`);
    await createTopics(broker.bootstrap, topics);
    const maxS = ctx.sizes.produceSecondsMax;
    await measured<ProduceOut>(broker, produceArgv(ctx.driver, broker.bootstrap, { topic: WARMUP_TOPIC, acks: '1', partitions: 1 }, ctx.sizes.warmupRecords, maxS), (maxS + 90) * 1000);
    return await body({ broker, readyMs: broker.readyMs, formatMs, idleRssKiB });
  } finally {
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function session(ctx: Ctx, install: KafkaInstall, pair: PeerPair, side: PeerSide, round: number): Promise<PeerSession> {
  return withSession(ctx, install, pair, side, `peer-${pair.name}-${side}-${round}`, peerTopics(), async ({ broker, readyMs, formatMs, idleRssKiB }) => {
    const maxS = ctx.sizes.produceSecondsMax;
    const steps: Record<string, StepFigures> = {};
    /** records each produce step wrote to its topic: what the consume after it reads */
    const written = new Map<string, number>();
    for (const spec of PEER_STEPS) {
      const toRead = written.get(spec.topic) ?? 0;
      if ((spec.kind === 'consume' || spec.kind === 'java-consume') && toRead === 0) {
        ctx.log(`    ${spec.id}: left out: nothing was written to ${spec.topic}`);
        continue;
      }
      if (spec.kind === 'java-produce' || spec.kind === 'java-consume') {
        const j = await javaStep(ctx, install, broker, spec, toRead);
        if (j instanceof Error) {
          // One tool's failure (a timeout on a slow pair) leaves its figure n/a, not the phase.
          ctx.log(`    ${spec.id}: left out: ${j.message.split('\n')[0]}`);
          continue;
        }
        if (spec.kind === 'java-produce') written.set(spec.topic, j.records);
        steps[spec.id] = j.figures;
      } else if (spec.kind === 'produce') {
        const s = await measured<ProduceOut>(broker, produceArgv(ctx.driver, broker.bootstrap, spec, ctx.sizes.records, maxS), (maxS + 90) * 1000);
        written.set(spec.topic, s.delivered);
        if (s.failed > 0) ctx.log(`    ${spec.id}: ${s.failed} records failed: ${s.first_error}`);
        steps[spec.id] = { mbPerS: s.mb_per_s, bytes: s.delivered * s.size, brokerCpuS: s.brokerCpuS, clientCpuS: s.client_cpu_s, seconds: s.seconds, othersCpuShare: s.othersCpuShare, errors: s.failed };
      } else {
        const s = await measured<ConsumeOut>(broker, consumeArgv(ctx.driver, broker.bootstrap, spec, toRead, maxS), (maxS + 60) * 1000);
        if (s.errors > 0) ctx.log(`    ${spec.id}: ${s.errors} consume errors: ${s.first_error}`);
        steps[spec.id] = { mbPerS: s.mb_per_s, bytes: s.bytes, brokerCpuS: s.brokerCpuS, clientCpuS: s.client_cpu_s, seconds: s.seconds, othersCpuShare: s.othersCpuShare, errors: s.errors };
      }
      const st = steps[spec.id]!;
      ctx.log(`    ${spec.id}: ${st.mbPerS.toFixed(1)} MB/s, broker CPU ${st.brokerCpuS.toFixed(2)} s, others ${st.othersCpuShare.toFixed(2)} cores`);
    }
    const peakRssKiB = statusKiB(broker.pid, 'VmHWM') ?? 0;
    return { pair: pair.name, side, round, readyMs, formatMs, idleRssKiB, peakRssKiB, steps };
  });
}

/** Kafka's own ProducerPerformance or ConsumerPerformance against `broker`, with the broker's
 *  CPU read around it as measured() does for the C driver; the tool's CPU from its rusage. */
async function javaStep(ctx: Ctx, install: KafkaInstall, broker: RunningBroker, spec: JavaProduceSpec | JavaConsumeSpec, toRead: number): Promise<{ records: number; figures: StepFigures } | Error> {
  const cmd = toolsCommand(install);
  const argv =
    spec.kind === 'java-produce'
      ? producerPerfArgv(cmd, { bootstrap: broker.bootstrap, topic: spec.topic, records: ctx.sizes.javaRecords, recordBytes: PEER_RECORD_BYTES, acks: spec.acks })
      : consumerPerfArgv(cmd, { bootstrap: broker.bootstrap, topic: spec.topic, records: toRead, timeoutMs: ctx.sizes.produceSecondsMax * 1000 });
  const cpu0 = cpuSeconds(broker.pid) ?? 0;
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), JAVA_STEP_TIMEOUT_MS);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(timer);
  const wallS = (performance.now() - t0) / 1000;
  const brokerCpuS = (cpuSeconds(broker.pid) ?? 0) - cpu0;
  const usage = proc.resourceUsage();
  const clientCpuS = usage ? Number(usage.cpuTime.total) / 1e6 : 0;
  const othersCpuShare = Math.max(0, machineBusySeconds() - busy0 - brokerCpuS - clientCpuS) / wallS;
  if (spec.kind === 'java-produce') {
    const r = parseProducerPerf(out);
    if (r instanceof Error) return new Error(`ProducerPerformance (exit ${proc.exitCode ?? proc.signalCode}): ${r.message}\n${err.slice(-2000)}`);
    // The tool's own clock: first send to last callback (its MB/sec), as the C driver's.
    return { records: r.records, figures: { mbPerS: r.mbPerS, bytes: r.records * PEER_RECORD_BYTES, brokerCpuS, clientCpuS, seconds: r.records / Math.max(r.recordsPerS, 1e-9), othersCpuShare, errors: 0 } };
  }
  const r = parseConsumerPerf(out);
  if (r instanceof Error) return new Error(`ConsumerPerformance (exit ${proc.exitCode ?? proc.signalCode}): ${r.message}\n${err.slice(-2000)}`);
  // fetch.MB.sec: from the end of the group join, as the C driver's group-less consume counts;
  // the join itself is its own figure.
  const figures = { mbPerS: r.fetchMbPerS, bytes: r.records * PEER_RECORD_BYTES, brokerCpuS, clientCpuS, seconds: r.records / Math.max(r.fetchRecordsPerS, 1e-9), othersCpuShare, errors: r.records < toRead ? toRead - r.records : 0, groupJoinMs: r.rebalanceMs };
  return { records: r.records, figures };
}

/** acks=all, 1 partition, `rate` records/s for latencySeconds after the warm-up seconds. */
function latencySession(ctx: Ctx, install: KafkaInstall, pair: PeerPair, side: PeerSide, rate: number): Promise<PeerLatency> {
  const topics = [{ topic: WARMUP_TOPIC, partitions: 1 }, { topic: LATENCY_TOPIC, partitions: 1 }];
  return withSession(ctx, install, pair, side, `peer-${pair.name}-${side}-latency`, topics, async ({ broker }) => {
    const seconds = ctx.sizes.latencySeconds + LATENCY_WARMUP_SECONDS;
    const argv = [
      ...produceArgv(ctx.driver, broker.bootstrap, { topic: LATENCY_TOPIC, acks: 'all', partitions: 1 }, Math.round(rate * seconds), seconds * 3),
      // linger.ms stays produceArgv's 5 ms, as in bench/phases.ts's latency step.
      '--rate', String(rate), '--warmup-seconds', String(LATENCY_WARMUP_SECONDS),
    ];
    const s = await measured<ProduceOut>(broker, argv, (seconds * 3 + 90) * 1000);
    const l = s.latency_ms ?? { p50: 0, p99: 0, p999: 0, max: 0 };
    ctx.log(`    latency @${rate} rec/s: p50 ${l.p50.toFixed(2)} / p99 ${l.p99.toFixed(2)} / p99.9 ${l.p999.toFixed(2)} / max ${l.max.toFixed(2)} ms${s.failed ? `, ${s.failed} failed: ${s.first_error}` : ''}`);
    return { rate, p50: l.p50, p99: l.p99, p999: l.p999, max: l.max, quantiles: s.latency_quantiles ?? [], delivered: s.delivered, failed: s.failed };
  });
}

/** A climb step runs this long at most (3.2 GiB at 30,000 rec/s take under 2 minutes). */
const CLIMB_TIMEOUT_MS = 600_000;
const CLIMB_TOPIC = 'peer-climb';

/**
 * ProducerPerformance at a fixed rate for climbRecords on a fresh broker of `c`, the broker's CPU
 * and minor faults read as each 5 s window line arrives: latency and cost over bytes written.
 */
function climbSession(ctx: Ctx, install: KafkaInstall, c: ClimbSide): Promise<PeerClimb> {
  const pair = PEER_PAIRS.find((p) => p.name === c.pair)!;
  const topics = [{ topic: WARMUP_TOPIC, partitions: 1 }, { topic: CLIMB_TOPIC, partitions: 1 }];
  return withSession(ctx, install, pair, c.side, `peer-climb-${c.name}`, topics, async ({ broker }) => {
    const recordsPerS = ctx.sizes.climbRecordsPerS;
    const argv = producerPerfArgv(toolsCommand(install), { bootstrap: broker.bootstrap, topic: CLIMB_TOPIC, records: ctx.sizes.climbRecords, recordBytes: PEER_RECORD_BYTES, acks: '1', recordsPerS });
    const windows: ClimbWindow[] = [];
    let cpu = cpuSeconds(broker.pid) ?? 0;
    let minflt = minorFaults(broker.pid) ?? 0;
    const proc = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const timer = setTimeout(() => proc.kill('SIGKILL'), CLIMB_TIMEOUT_MS);
    const err = new Response(proc.stderr).text();
    let out = '';
    let pending = '';
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      out += text;
      pending += text;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const w = parseProducerWindow(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (!w) continue;
        const cpuNow = cpuSeconds(broker.pid) ?? cpu;
        const minfltNow = minorFaults(broker.pid) ?? minflt;
        windows.push({ ...w, brokerCpuS: cpuNow - cpu, brokerMinflt: minfltNow - minflt });
        cpu = cpuNow;
        minflt = minfltNow;
      }
    }
    await proc.exited;
    clearTimeout(timer);
    const total = parseProducerPerf(out);
    if (total instanceof Error) ctx.log(`    climb ${c.name}: ${total.message.split('\n')[0]} ${(await err).slice(-300)}`);
    const bins = latencyOverBytes(windows, PEER_RECORD_BYTES, GiB, CLIMB_WARMUP_WINDOWS);
    ctx.log(`    climb ${c.name}: ${bins.map((b) => `${(b.fromBytes / 2 ** 30).toFixed(0)} GiB: ${b.avgMs.toFixed(1)}/${b.maxMs.toFixed(0)} ms ${b.cpuSPerGiB.toFixed(2)} CPU-s/GiB`).join('; ')}`);
    return { name: c.name, recordsPerS, bins, total: total instanceof Error ? null : total };
  });
}

/** Both pairs' latency distributions in one SVG: Kafka blue, Freshet orange, durable dashed. */
export function peerLatencySvg(p: Pick<PeerFigures, 'latency' | 'kafka'>): string {
  const series: LatencySeries[] = [];
  for (const l of p.latency) {
    const pair = PEER_PAIRS.find((x) => x.name === l.pair)!;
    for (const side of ['kafka', 'freshet'] as const) {
      const r = l[side];
      if (!r) continue;
      const who = side === 'kafka' ? `Kafka ${p.kafka.version} ${pair.kafkaDurability}` : `Freshet ${pair.freshetDev ? '--dev' : 'durable'}`;
      series.push({ label: `${who}: p50 ${r.p50.toFixed(2)}, p99 ${r.p99.toFixed(2)}, p99.9 ${r.p999.toFixed(2)}, max ${r.max.toFixed(2)} ms @${r.rate} rec/s`, color: COLORS[side], dashed: pair.name === 'durable', quantiles: r.quantiles });
    }
  }
  return latencyPlotSvg('Produce latency, acks=all, 1 partition, 1 KiB records, at half the lower maximum', series);
}

export async function runPeerPhase(ctx: Ctx): Promise<PeerFigures> {
  const install = await ensureKafka(ctx.log);
  if (install instanceof Error) throw install;
  ctx.log(`peer: Apache Kafka ${install.version} (Java ${install.javaVersion}) beside Freshet, ${ctx.sizes.rounds} rounds of each, alternating; ${ctx.sizes.records} records of 1 KiB per step`);
  const sessions: PeerSession[] = [];
  for (const pair of PEER_PAIRS) {
    for (let round = 0; round < ctx.sizes.rounds; round++) {
      for (const side of ['kafka', 'freshet'] as const) {
        ctx.log(`peer ${pair.name} round ${round + 1}: ${side === 'kafka' ? `Kafka (${pair.kafkaDurability})` : `freshet${pair.freshetDev ? ' --dev' : ' (durable)'}`}`);
        sessions.push(await session(ctx, install, pair, side, round));
      }
    }
  }
  const tables = PEER_PAIRS.map((p) => peerTable(p, sessions));
  const latency: PeerFigures['latency'] = [];
  for (const pair of PEER_PAIRS) {
    const rps = (side: PeerSide) => {
      const v = sessions.filter((s) => s.pair === pair.name && s.side === side).map((s) => (s.steps['produce-acksall-p1']!.bytes / 1024) / Math.max(s.steps['produce-acksall-p1']!.seconds, 1e-3));
      return v.length ? midMedian(v) : 0;
    };
    const rate = latencyRate(rps('kafka'), rps('freshet'));
    const kafka = await latencySession(ctx, install, pair, 'kafka', rate);
    const freshet = await latencySession(ctx, install, pair, 'freshet', rate);
    latency.push({ pair: pair.name, rate, kafka, freshet });
    tables.find((t) => t.pair === pair.name)!.rows.push(...latencyRows(kafka, freshet));
  }
  const climb: PeerClimb[] = [];
  for (const c of CLIMB_SIDES) {
    ctx.log(`peer climb: ${c.label}, ${ctx.sizes.climbRecords} records at ${ctx.sizes.climbRecordsPerS} rec/s`);
    climb.push(await climbSession(ctx, install, c));
  }
  return {
    kafka: { version: install.version, java: install.java, javaVersion: install.javaVersion, libDir: install.libDir },
    sizes: ctx.sizes,
    sessions,
    latency,
    tables,
    climb,
  };
}

export function printPeer(p: PeerFigures, lines: string[]): void {
  lines.push('');
  lines.push(`Apache Kafka ${p.kafka.version} (Java ${p.kafka.javaVersion}) beside Freshet: same clients (librdkafka driver, ${p.sizes.records} records a step; Kafka's ProducerPerformance/ConsumerPerformance, ${p.sizes.javaRecords}), 1 KiB records, compression none`);
  for (const t of p.tables) {
    printPeerTable(t, lines);
    lines.push('');
  }
  if (p.climb) {
    printClimb(p.climb, lines);
    lines.push('');
  }
}
