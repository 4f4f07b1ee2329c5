// The client-driven phases: each runs a fresh broker (without --dev: real fsync) on a fresh
// data dir and a free port, drives it with rdkafka-bench, and reads the broker's CPU time and
// memory from /proc around each step.
//
//   acks1-p1   produce 1 KiB records, acks=1, 1 partition, 1 MB batches; then consume them all
//   acksall-p1 produce, acks=all, 1 partition (fdatasync calls counted: the commit size)
//   acks1-p16  produce, acks=1, 16 partitions; then consume them all
//   acksall-p16 produce, acks=all, 16 partitions
//   latency    acks=all, 1 partition, fixed rate = half of acksall-p1's records/s, linger.ms=5

import * as path from 'node:path';
import { countFdatasyncs, freshDir, startBroker, type RunningBroker } from './broker.ts';
import { runJson } from './native.ts';
import { cpuSeconds, machineBusySeconds, rssSampler, statusKiB } from './proc.ts';

export type PhaseSizes = { records: number; produceSecondsMax: number; latencySeconds: number };

export type PhaseContext = {
  bin: string;
  driver: string;
  dataRoot: string;
  strace: boolean;
  sizes: PhaseSizes;
  log: (msg: string) => void;
};

export type ProduceOut = {
  acks: string;
  partitions: number;
  size: number;
  linger_ms: number;
  batch_size: number;
  rate_target: number;
  sent: number;
  delivered: number;
  failed: number;
  first_error: string;
  seconds: number;
  mb_per_s: number;
  records_per_s: number;
  client_cpu_s: number;
  tx_requests: number;
  tx_bytes: number;
  latency_ms?: { n: number; p50: number; p99: number; p999: number; max: number };
  /** --rate only: [quantile, ms] at quantile 1 - 10^(-k/10), then [1, max] (for a plot) */
  latency_quantiles?: [number, number][];
};

export type ConsumeOut = {
  partitions: number;
  records: number;
  bytes: number;
  errors: number;
  first_error: string;
  seconds: number;
  mb_per_s: number;
  records_per_s: number;
  client_cpu_s: number;
};

/** One driver step with the broker's CPU and memory around it. */
export type Step<T> = T & {
  wallS: number;
  brokerCpuS: number;
  /** broker CPU-seconds / the driver's active seconds (first send to last delivery, or first
   *  to last message): 1.0 = one core busy throughout. The broker idles outside that window. */
  brokerCpuShare: number;
  /** client CPU-seconds / the driver's active seconds. */
  clientCpuShare: number;
  brokerRssPeakKiB: number;
  /** CPU that other processes on the machine used during the step, in cores (neighbours'
   *  load: on a shared 2-core machine it takes cycles from the broker and the client). */
  othersCpuShare: number;
  /** Average bytes per produce request as the client counted them (requests, not records). */
  requestBytesAvg?: number;
  /** fdatasync calls the broker made during the step (strace), or null when not counted. */
  fdatasyncs?: number | null;
  /** Record bytes per fdatasync: the broker's average commit size. */
  commitBytes?: number;
};

export type BrokerFigures = {
  acks1: Step<ProduceOut>;
  fetch1: Step<ConsumeOut>;
  acksAll1: Step<ProduceOut> & { commitBytes: number; commitBytesSource: 'strace' | 'client requests' };
  acks1p16: Step<ProduceOut>;
  fetch16: Step<ConsumeOut>;
  acksAll16: Step<ProduceOut>;
  latency: Step<ProduceOut>;
  /** Peak VmRSS sampled (every 100 ms) during the produce steps: RSS under load. */
  rssUnderLoadPeakKiB: number;
  /** Largest VmHWM of the phase brokers at stop (includes the consume steps). */
  rssHighWaterKiB: number;
};

const TOPIC = 'bench';
/** The broker phases' record size (the proxy phase uses it too, to print its figures beside these). */
export const RECORD_BYTES = 1024;
/** Latency is measured in the steady state: records sent in the first seconds are left out. */
const LATENCY_WARMUP_SECONDS = 2;
/**
 * librdkafka's own default (and Java's since Kafka 4.0): a producer as users run it. With
 * linger.ms=0 every few records become a request, and at half the batched maximum rate the
 * broker's per-request cost (~140 us of CPU, fsync included) exceeds a core: that measures
 * request overhead, not the latency of a healthy producer.
 */
const LATENCY_LINGER_MS = 5;
const BATCH_BYTES = 1_000_000; // librdkafka's default batch.size; >= 64 KiB batches for the CPU target
const LINGER_MS = 5; // librdkafka's default

export async function measured<T extends { seconds: number; client_cpu_s: number }>(
  broker: RunningBroker,
  argv: string[],
  timeoutMs: number,
): Promise<Step<T>> {
  const cpu0 = cpuSeconds(broker.pid) ?? 0;
  const busy0 = machineBusySeconds();
  const rss = rssSampler(broker.pid);
  const t0 = performance.now();
  const out = await runJson<T>(argv, timeoutMs);
  const wallS = (performance.now() - t0) / 1000;
  const brokerCpuS = (cpuSeconds(broker.pid) ?? 0) - cpu0;
  const othersCpuS = Math.max(0, machineBusySeconds() - busy0 - brokerCpuS - out.client_cpu_s);
  const brokerRssPeakKiB = rss.stop();
  return {
    ...out,
    wallS,
    brokerCpuS,
    brokerCpuShare: brokerCpuS / Math.max(out.seconds, 1e-3),
    clientCpuShare: out.client_cpu_s / Math.max(out.seconds, 1e-3),
    brokerRssPeakKiB,
    othersCpuShare: othersCpuS / wallS,
  };
}

function produceArgv(ctx: PhaseContext, b: RunningBroker, acks: string, partitions: number, extra: Record<string, string | number> = {}): string[] {
  const args: Record<string, string | number> = {
    '--brokers': b.bootstrap,
    '--topic': TOPIC,
    '--records': ctx.sizes.records,
    '--size': RECORD_BYTES,
    '--acks': acks,
    '--linger-ms': LINGER_MS,
    '--batch-size': BATCH_BYTES,
    '--partitions': partitions,
    '--max-seconds': ctx.sizes.produceSecondsMax,
    ...extra,
  };
  return [ctx.driver, 'produce', ...Object.entries(args).flatMap(([k, v]) => [k, String(v)])];
}

export async function withBroker<T>(
  ctx: PhaseContext,
  name: string,
  partitions: number,
  trace: boolean,
  body: (b: RunningBroker, traceFile: string | null) => Promise<T>,
  settings: Record<string, string> = {},
): Promise<{ value: T; hwmKiB: number }> {
  const dataDir = freshDir(ctx.dataRoot, name);
  const traceFile = trace ? path.join(ctx.dataRoot, `${name}.strace`) : null;
  const broker = await startBroker({
    bin: ctx.bin,
    dataDir,
    dev: false,
    // The drivers produce to a topic Metadata creates with num.partitions (auto-creation is off
    // without --dev unless set).
    settings: { 'auto.create.topics.enable': 'true', 'num.partitions': String(partitions), ...settings },
    traceFsyncsTo: traceFile ?? undefined,
    logFile: path.join(ctx.dataRoot, `${name}.log`),
  });
  try {
    const value = await body(broker, traceFile);
    return { value, hwmKiB: statusKiB(broker.pid, 'VmHWM') ?? 0 };
  } finally {
    await broker.stop();
  }
}

export async function produceStep(ctx: PhaseContext, b: RunningBroker, traceFile: string | null, acks: string, partitions: number, extra: Record<string, string | number> = {}): Promise<Step<ProduceOut>> {
  const fromS = Date.now() / 1000;
  const step = await measured<ProduceOut>(b, produceArgv(ctx, b, acks, partitions, extra), (ctx.sizes.produceSecondsMax + 90) * 1000);
  const toS = Date.now() / 1000;
  if (step.failed > 0) ctx.log(`  ${step.failed} records failed: ${step.first_error}`);
  step.requestBytesAvg = step.tx_requests > 0 ? step.tx_bytes / step.tx_requests : 0;
  if (traceFile) {
    await Bun.sleep(50); // let strace write the last lines
    step.fdatasyncs = countFdatasyncs(traceFile, fromS, toS);
    step.commitBytes = step.fdatasyncs > 0 ? (step.delivered * step.size) / step.fdatasyncs : 0;
  }
  ctx.log(`  ${step.mb_per_s.toFixed(1)} MB/s, ${Math.round(step.records_per_s)} rec/s, broker CPU ${step.brokerCpuS.toFixed(2)} s, client CPU ${step.client_cpu_s.toFixed(2)} s`);
  return step;
}

async function consumeStep(ctx: PhaseContext, b: RunningBroker, records: number, partitions: number): Promise<Step<ConsumeOut>> {
  const argv = [ctx.driver, 'consume', '--brokers', b.bootstrap, '--topic', TOPIC, '--records', String(records), '--partitions', String(partitions), '--max-seconds', String(ctx.sizes.produceSecondsMax)];
  const step = await measured<ConsumeOut>(b, argv, (ctx.sizes.produceSecondsMax + 60) * 1000);
  if (step.errors > 0) ctx.log(`  ${step.errors} consume errors: ${step.first_error}`);
  ctx.log(`  ${step.mb_per_s.toFixed(1)} MB/s, broker CPU ${step.brokerCpuS.toFixed(2)} s, client CPU ${step.client_cpu_s.toFixed(2)} s`);
  return step;
}

export async function runBrokerPhases(ctx: PhaseContext): Promise<BrokerFigures> {
  let hwm = 0;
  ctx.log('acks=1, 1 partition: produce, then consume');
  const p1 = await withBroker(ctx, 'acks1-p1', 1, false, async (b) => {
    const produce = await produceStep(ctx, b, null, '1', 1);
    const fetch = await consumeStep(ctx, b, produce.delivered, 1);
    return { produce, fetch };
  });
  hwm = Math.max(hwm, p1.hwmKiB);

  ctx.log(`acks=all, 1 partition: produce${ctx.strace ? ' (fdatasyncs counted with strace)' : ''}`);
  const all1 = await withBroker(ctx, 'acksall-p1', 1, ctx.strace, (b, t) => produceStep(ctx, b, t, 'all', 1));
  hwm = Math.max(hwm, all1.hwmKiB);

  ctx.log('acks=1, 16 partitions: produce, then consume');
  const p16 = await withBroker(ctx, 'acks1-p16', 16, false, async (b) => {
    const produce = await produceStep(ctx, b, null, '1', 16);
    const fetch = await consumeStep(ctx, b, produce.delivered, 16);
    return { produce, fetch };
  });
  hwm = Math.max(hwm, p16.hwmKiB);

  ctx.log(`acks=all, 16 partitions: produce${ctx.strace ? ' (fdatasyncs counted with strace)' : ''}`);
  const all16 = await withBroker(ctx, 'acksall-p16', 16, ctx.strace, (b, t) => produceStep(ctx, b, t, 'all', 16));
  hwm = Math.max(hwm, all16.hwmKiB);

  const rate = Math.max(1, Math.floor(all1.value.records_per_s / 2));
  const records = Math.max(1000, Math.round(rate * (ctx.sizes.latencySeconds + LATENCY_WARMUP_SECONDS)));
  ctx.log(`latency: acks=all, 1 partition, ${rate} records/s (half the acks=all max) for ~${ctx.sizes.latencySeconds} s after ${LATENCY_WARMUP_SECONDS} s of warm-up, linger.ms=${LATENCY_LINGER_MS}`);
  const lat = await withBroker(ctx, 'latency', 1, false, (b) =>
    produceStep(ctx, b, null, 'all', 1, {
      '--rate': rate,
      '--records': records,
      '--linger-ms': LATENCY_LINGER_MS,
      '--warmup-seconds': LATENCY_WARMUP_SECONDS,
      '--max-seconds': (ctx.sizes.latencySeconds + LATENCY_WARMUP_SECONDS) * 3,
    }),
  );
  hwm = Math.max(hwm, lat.hwmKiB);

  const a1 = all1.value;
  const counted = a1.commitBytes !== undefined && a1.commitBytes > 0;
  return {
    acks1: p1.value.produce,
    fetch1: p1.value.fetch,
    acksAll1: { ...a1, commitBytes: counted ? a1.commitBytes! : a1.requestBytesAvg ?? 0, commitBytesSource: counted ? 'strace' : 'client requests' },
    acks1p16: p16.value.produce,
    fetch16: p16.value.fetch,
    acksAll16: all16.value,
    latency: lat.value,
    rssUnderLoadPeakKiB: Math.max(...[p1.value.produce, a1, p16.value.produce, all16.value, lat.value].map((s) => s.brokerRssPeakKiB)),
    rssHighWaterKiB: hwm,
  };
}
