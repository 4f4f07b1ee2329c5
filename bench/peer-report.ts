// The peer phase's pure half: the steps every session runs, the driver's command lines, and the
// Freshet/Kafka table built from the sessions' figures. No I/O, no clock: bench/peer-phase.ts
// runs the brokers and hands the numbers here.

import { GiB } from './stats.ts';
import type { ProducerPerf, ProducerWindow } from './kafka-peer/perf-tools.ts';

export type PeerSide = 'kafka' | 'freshet';

/** Matched durability (issue 11): Kafka's default (no fsync per write) against `freshet --dev`;
 *  Kafka with log.flush.interval.messages=1 against durable Freshet (fsync before acking). */
export type PeerPair = { name: 'default' | 'durable'; kafkaDurability: 'default' | 'flush-per-message'; freshetDev: boolean; label: string };
export const PEER_PAIRS: readonly PeerPair[] = [
  { name: 'default', kafkaDurability: 'default', freshetDev: true, label: 'Kafka default (no fsync per write) vs freshet --dev' },
  { name: 'durable', kafkaDurability: 'flush-per-message', freshetDev: false, label: 'Kafka log.flush.interval.messages=1 vs durable Freshet' },
];

export type ProduceSpec = { kind: 'produce'; id: string; topic: string; acks: '1' | 'all'; partitions: number };
export type ConsumeSpec = { kind: 'consume'; id: string; topic: string; partitions: number };
/** The same, by Kafka's own ProducerPerformance / ConsumerPerformance (Java client defaults). */
export type JavaProduceSpec = { kind: 'java-produce'; id: string; topic: string; acks: '1' | 'all'; partitions: number };
export type JavaConsumeSpec = { kind: 'java-consume'; id: string; topic: string; partitions: number };
export type StepSpec = ProduceSpec | ConsumeSpec | JavaProduceSpec | JavaConsumeSpec;

/** Each session's steps, in order; a consume reads what the produce before it wrote. The same
 *  topics (created with CreateTopics, replication factor 1) on both brokers. */
export const PEER_STEPS: readonly StepSpec[] = [
  { kind: 'produce', id: 'produce-acks1-p1', topic: 'peer-acks1-p1', acks: '1', partitions: 1 },
  { kind: 'consume', id: 'consume-p1', topic: 'peer-acks1-p1', partitions: 1 },
  { kind: 'produce', id: 'produce-acksall-p1', topic: 'peer-acksall-p1', acks: 'all', partitions: 1 },
  { kind: 'produce', id: 'produce-acks1-p16', topic: 'peer-acks1-p16', acks: '1', partitions: 16 },
  { kind: 'consume', id: 'consume-p16', topic: 'peer-acks1-p16', partitions: 16 },
  { kind: 'produce', id: 'produce-acksall-p16', topic: 'peer-acksall-p16', acks: 'all', partitions: 16 },
  { kind: 'java-produce', id: 'java-produce-acks1-p1', topic: 'peer-java-p1', acks: '1', partitions: 1 },
  { kind: 'java-consume', id: 'java-consume-p1', topic: 'peer-java-p1', partitions: 1 },
];
/** Not measured: the first records after start pay the JVM's JIT and both brokers' first
 *  segment and connection set-up; a warm-up produce to its own topic comes first. */
export const WARMUP_TOPIC = 'peer-warmup';

/** The topics a session creates before its steps, with their partition counts. */
export function peerTopics(): { topic: string; partitions: number }[] {
  const seen = new Map<string, number>([[WARMUP_TOPIC, 1]]);
  for (const s of PEER_STEPS) seen.set(s.topic, s.partitions);
  return [...seen].map(([topic, partitions]) => ({ topic, partitions }));
}

/** The driver settings the broker phases use (bench/phases.ts): 1 KiB records, librdkafka's
 *  default 1 MB batch.size and linger.ms=5, compression none. */
export const PEER_RECORD_BYTES = 1024;
const BATCH_BYTES = 1_000_000;
const LINGER_MS = 5;

export function produceArgv(driver: string, bootstrap: string, s: { topic: string; acks: string; partitions: number }, records: number, maxSeconds: number): string[] {
  const args: [string, string | number][] = [
    ['--brokers', bootstrap],
    ['--topic', s.topic],
    ['--records', records],
    ['--size', PEER_RECORD_BYTES],
    ['--acks', s.acks],
    ['--linger-ms', LINGER_MS],
    ['--batch-size', BATCH_BYTES],
    ['--partitions', s.partitions],
    ['--max-seconds', maxSeconds],
  ];
  return [driver, 'produce', ...args.flatMap(([k, v]) => [k, String(v)])];
}

export function consumeArgv(driver: string, bootstrap: string, s: { topic: string; partitions: number }, records: number, maxSeconds: number): string[] {
  return [driver, 'consume', '--brokers', bootstrap, '--topic', s.topic, '--records', String(records), '--partitions', String(s.partitions), '--max-seconds', String(maxSeconds)];
}

/** What the phase keeps of one step (the driver's output reduced to what the table needs). */
export type StepFigures = {
  mbPerS: number;
  bytes: number;
  brokerCpuS: number;
  clientCpuS: number;
  seconds: number;
  othersCpuShare: number;
  errors: number;
  /** ConsumerPerformance only: its rebalance.time.ms, joining a new group (not in mbPerS) */
  groupJoinMs?: number;
};

/** One broker start: a side of a pair in one round. */
export type PeerSession = {
  pair: PeerPair['name'];
  side: PeerSide;
  round: number;
  /** spawn of the server to the first Metadata answer listing a broker */
  readyMs: number;
  /** Kafka only: kafka-storage format before the start (Freshet formats inside its start) */
  formatMs: number | null;
  /** VmRSS after the idle wait that follows readiness */
  idleRssKiB: number;
  /** VmHWM when the session's steps are done: the peak RSS of the whole session */
  peakRssKiB: number;
  steps: Record<string, StepFigures>;
};

export type Better = 'higher' | 'lower';
export type PeerRow = { figure: string; unit: string; better: Better; kafka: number | null; freshet: number | null; ratio: number | null; freshetAhead: boolean | null; kafkaRuns: number[]; freshetRuns: number[] };
export type PeerTable = { pair: PeerPair['name']; label: string; rows: PeerRow[] };

type FigureDef = { figure: string; unit: string; better: Better; of: (s: PeerSession) => number | null };

const stepMb = (id: string) => (s: PeerSession) => s.steps[id]?.mbPerS ?? null;
const cpuPerGiB = (id: string) => (s: PeerSession) => {
  const st = s.steps[id];
  return st && st.bytes > 0 ? st.brokerCpuS / (st.bytes / GiB) : null;
};

export const PEER_FIGURES: readonly FigureDef[] = [
  { figure: 'produce acks=1, 1 partition', unit: 'MB/s', better: 'higher', of: stepMb('produce-acks1-p1') },
  { figure: 'produce acks=all, 1 partition', unit: 'MB/s', better: 'higher', of: stepMb('produce-acksall-p1') },
  { figure: 'produce acks=1, 16 partitions', unit: 'MB/s', better: 'higher', of: stepMb('produce-acks1-p16') },
  { figure: 'produce acks=all, 16 partitions', unit: 'MB/s', better: 'higher', of: stepMb('produce-acksall-p16') },
  { figure: 'consume, 1 partition', unit: 'MB/s', better: 'higher', of: stepMb('consume-p1') },
  { figure: 'consume, 16 partitions', unit: 'MB/s', better: 'higher', of: stepMb('consume-p16') },
  { figure: 'broker CPU per GiB produced (acks=1, 1 partition)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('produce-acks1-p1') },
  { figure: 'broker CPU per GiB produced (acks=all, 1 partition)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('produce-acksall-p1') },
  { figure: 'broker CPU per GiB produced (acks=1, 16 partitions)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('produce-acks1-p16') },
  { figure: 'broker CPU per GiB fetched (1 partition)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('consume-p1') },
  { figure: 'broker CPU per GiB fetched (16 partitions)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('consume-p16') },
  { figure: 'ProducerPerformance acks=1, 1 partition', unit: 'MB/s', better: 'higher', of: stepMb('java-produce-acks1-p1') },
  { figure: 'ConsumerPerformance, 1 partition (fetch.MB.sec)', unit: 'MB/s', better: 'higher', of: stepMb('java-consume-p1') },
  { figure: 'ConsumerPerformance group join (rebalance.time.ms)', unit: 'ms', better: 'lower', of: (s) => s.steps['java-consume-p1']?.groupJoinMs ?? null },
  { figure: 'broker CPU per GiB produced (ProducerPerformance)', unit: 'CPU-s/GiB', better: 'lower', of: cpuPerGiB('java-produce-acks1-p1') },
  { figure: 'peak RSS (VmHWM over the session)', unit: 'MiB', better: 'lower', of: (s) => s.peakRssKiB / 1024 },
  { figure: 'start to ready (first Metadata answer)', unit: 'ms', better: 'lower', of: (s) => s.readyMs },
  { figure: 'idle RSS after ready', unit: 'MiB', better: 'lower', of: (s) => s.idleRssKiB / 1024 },
];

/** The middle value, or the mean of the middle two: with two rounds a side, stats.ts's
 *  nearest-rank median would take the better MB/s but the worse CPU of the two. */
export function midMedian(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/** Freshet/Kafka per figure, each side the median of its rounds. freshetAhead reads the ratio
 *  the figure's way: above 1 is ahead for MB/s, below 1 for CPU, memory and time. */
export function peerTable(pair: PeerPair, sessions: readonly PeerSession[]): PeerTable {
  const runs = (side: PeerSide, f: FigureDef) =>
    sessions.filter((s) => s.pair === pair.name && s.side === side).map(f.of).filter((v): v is number => v !== null && Number.isFinite(v));
  const rows = PEER_FIGURES.map((f): PeerRow => {
    const kafkaRuns = runs('kafka', f);
    const freshetRuns = runs('freshet', f);
    const kafka = kafkaRuns.length ? midMedian(kafkaRuns) : null;
    const freshet = freshetRuns.length ? midMedian(freshetRuns) : null;
    const ratio = kafka !== null && freshet !== null && kafka > 0 ? freshet / kafka : null;
    const freshetAhead = ratio === null ? null : f.better === 'higher' ? ratio > 1 : ratio < 1;
    return { figure: f.figure, unit: f.unit, better: f.better, kafka, freshet, ratio, freshetAhead, kafkaRuns, freshetRuns };
  });
  return { pair: pair.name, label: pair.label, rows };
}

const digits = (v: number, unit: string) => (unit === 'CPU-s/GiB' ? 2 : unit === 'ms' ? (v >= 100 ? 0 : 2) : 1);
const fmt = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v.toFixed(digits(v, unit))} ${unit}`);

/** A table with its first column left-aligned and the others right-aligned, under a rule. */
function printAligned(header: string[], body: string[][], lines: string[]): void {
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(line(header));
  lines.push('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) lines.push(line(r));
}

/** The printed side-by-side table of one pair. */
export function printPeerTable(t: PeerTable, lines: string[]): void {
  lines.push(`Peer: ${t.label} (median of rounds; ratio = Freshet/Kafka)`);
  const header = ['figure', 'Kafka', 'Freshet', 'F/K', 'Freshet'];
  const body = t.rows.map((r) => [r.figure, fmt(r.kafka, r.unit), fmt(r.freshet, r.unit), r.ratio === null ? 'n/a' : r.ratio.toFixed(2), r.freshetAhead === null ? '' : r.freshetAhead ? 'ahead' : 'behind']);
  printAligned(header, body, lines);
}

/** A latency step's outcome on one side: the driver's percentiles at the pair's fixed rate. */
export type PeerLatency = { rate: number; p50: number; p99: number; p999: number; max: number; quantiles: [number, number][]; delivered: number; failed: number };

/** The rate both sides are held to: half the lower of their acks=all, 1-partition maxima (records/s). */
export function latencyRate(kafkaRecordsPerS: number, freshetRecordsPerS: number): number {
  return Math.max(1, Math.floor(Math.min(kafkaRecordsPerS, freshetRecordsPerS) / 2));
}

/** p50/p99/p99.9 rows for a pair's table (lower is better). */
export function latencyRows(k: PeerLatency | null, f: PeerLatency | null): PeerRow[] {
  const rate = k?.rate ?? f?.rate ?? 0;
  return (['p50', 'p99', 'p999'] as const).map((p): PeerRow => {
    const kafka = k ? k[p] : null;
    const freshet = f ? f[p] : null;
    const ratio = kafka !== null && freshet !== null && kafka > 0 ? freshet / kafka : null;
    return {
      figure: `produce latency ${p === 'p999' ? 'p99.9' : p} (acks=all, 1 partition, ${rate} rec/s)`,
      unit: 'ms',
      better: 'lower',
      kafka,
      freshet,
      ratio,
      freshetAhead: ratio === null ? null : ratio < 1,
      kafkaRuns: kafka === null ? [] : [kafka],
      freshetRuns: freshet === null ? [] : [freshet],
    };
  });
}

// ---- latency over bytes written (issue 11: "latency climbs after about 1 GiB") ----

/** The brokers the climb step runs on: Kafka with its defaults is the control for both Freshet
 *  modes (what the machine's page cache and writeback do to any broker writing that much), and
 *  Kafka's flush-per-message is left out: ProducerPerformance gets a few MB/s out of it here, so
 *  3 GiB would take the better part of an hour. */
export type ClimbSide = { name: 'kafka-default' | 'freshet-dev' | 'freshet-durable'; side: PeerSide; pair: PeerPair['name']; label: string };
export const CLIMB_SIDES: readonly ClimbSide[] = [
  { name: 'kafka-default', side: 'kafka', pair: 'default', label: 'Kafka default' },
  { name: 'freshet-dev', side: 'freshet', pair: 'default', label: 'freshet --dev' },
  { name: 'freshet-durable', side: 'freshet', pair: 'durable', label: 'Freshet durable' },
];

/** A window line of ProducerPerformance with what the broker spent in it: its utime+stime and
 *  minor faults between the previous window line (or the tool's start) and this one. */
export type ClimbWindow = ProducerWindow & { brokerCpuS: number; brokerMinflt: number };

/** The windows whose records fall mostly in one stretch of `binBytes` of the topic. avgMs is the
 *  record-weighted mean of the windows' averages; maxMs their largest max. */
export type ClimbBin = { fromBytes: number; records: number; windows: number; avgMs: number; maxMs: number; cpuSPerGiB: number; minfltPerGiB: number };

/** The tool's first windows are its own JVM warming up (JIT): 700-1,800 ms windows against
 *  every broker here, Kafka's and Freshet's alike, then 1-2 ms on Freshet at 30,000 rec/s. */
export const CLIMB_WARMUP_WINDOWS = 2;

/**
 * Bins the windows by bytes written before them: a window goes to the bin holding its middle
 * record, so a 5 s window straddling a GiB boundary is counted once. The first `warmupWindows`
 * count as bytes written but go in no bin. The tool prints no per-window percentiles: the
 * average and the maximum are what it has.
 */
export function latencyOverBytes(windows: readonly ClimbWindow[], recordBytes: number, binBytes: number = GiB, warmupWindows = 0): ClimbBin[] {
  const bins: { records: number; windows: number; latencySum: number; maxMs: number; cpuS: number; minflt: number }[] = [];
  let written = 0;
  for (const [n, w] of windows.entries()) {
    const bytes = w.records * recordBytes;
    const i = Math.floor((written + bytes / 2) / binBytes);
    written += bytes;
    if (n < warmupWindows) continue;
    for (let j = bins.length; j <= i; j++) bins.push({ records: 0, windows: 0, latencySum: 0, maxMs: 0, cpuS: 0, minflt: 0 });
    const b = bins[i]!;
    b.records += w.records;
    b.windows++;
    b.latencySum += w.avgMs * w.records;
    b.maxMs = Math.max(b.maxMs, w.maxMs);
    b.cpuS += w.brokerCpuS;
    b.minflt += w.brokerMinflt;
  }
  return bins.flatMap((b, i) => {
    if (b.windows === 0) return [];
    const gib = (b.records * recordBytes) / GiB;
    return [{ fromBytes: i * binBytes, records: b.records, windows: b.windows, avgMs: b.records > 0 ? b.latencySum / b.records : 0, maxMs: b.maxMs, cpuSPerGiB: gib > 0 ? b.cpuS / gib : 0, minfltPerGiB: gib > 0 ? b.minflt / gib : 0 }];
  });
}

/** One climb session: ProducerPerformance at `recordsPerS` on one broker, binned by GiB written. */
export type PeerClimb = { name: ClimbSide['name']; recordsPerS: number; bins: ClimbBin[]; total: ProducerPerf | null };

/** The printed table: one line per GiB written, each side's window latency (avg / max) and CPU. */
export function printClimb(climbs: readonly PeerClimb[], lines: string[]): void {
  if (climbs.length === 0) return;
  const rate = climbs[0]!.recordsPerS;
  lines.push(`Latency over bytes written: ProducerPerformance acks=1, 1 partition, ${rate} rec/s of 1 KiB; per GiB written, the 5 s windows' latency (record-weighted avg / max; the first ${CLIMB_WARMUP_WINDOWS} windows left out) and the broker's CPU`);
  const header = ['GiB written', ...climbs.map((c) => CLIMB_SIDES.find((s) => s.name === c.name)?.label ?? c.name)];
  const binsMax = Math.max(...climbs.map((c) => c.bins.length));
  const body: string[][] = [];
  for (let i = 0; i < binsMax; i++) {
    const from = climbs.find((c) => c.bins[i])?.bins[i]?.fromBytes ?? i * GiB;
    const cell = (c: PeerClimb) => {
      const b = c.bins.find((x) => x.fromBytes === from);
      return b ? `${b.avgMs.toFixed(1)} / ${b.maxMs.toFixed(0)} ms, ${b.cpuSPerGiB.toFixed(2)} CPU-s/GiB` : 'n/a';
    };
    body.push([`${(from / GiB).toFixed(1)}-${((from + GiB) / GiB).toFixed(1)}`, ...climbs.map(cell)]);
  }
  body.push(['whole run p50 / p99 (warm-up in)', ...climbs.map((c) => (c.total ? `${c.total.p50} / ${c.total.p99} ms` : 'n/a'))]);
  printAligned(header, body, lines);
}
