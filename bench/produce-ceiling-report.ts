// Pure: bench/produce-ceiling.ts's figures from its readings, and its printed table.
// Everything per GiB is per GiB of record values produced (what a user sends; equal to the
// bytes on the wire within a few percent when uncompressed).

import { median } from './stats.ts';

const GIB = 2 ** 30;
/** Thread rows below this many CPU-s/GiB are left out of a run's figures (noise of idle helpers). */
const THREAD_ROW_MIN_CPU_PER_GIB = 0.01;

export type CpuReading = { userS: number; sysS: number; minflt: number };

/** What the orchestrator reads before and after the measured requests of one run. */
export type Readings = {
  seconds: number;
  requests: number;
  recordBytes: number;
  wireBytes: number;
  broker: { before: CpuReading; after: CpuReading };
  brokerMain: { before: CpuReading; after: CpuReading };
  /** The sender's process.cpuUsage() difference, in microseconds. */
  senderUs: { user: number; system: number };
  /** All cores' busy CPU-seconds (/proc/stat) over the run. */
  machineBusyS: number;
  /** CPU-seconds of the broker's threads by row (proc.ts threadRow), before and after. */
  threads: { before: ReadonlyMap<string, number>; after: ReadonlyMap<string, number> };
  load1mStart: number;
  load1mEnd: number;
};

export type RunFigures = {
  case: string;
  mode: 'durable' | 'dev';
  round: number;
  /** Record MB (10^6 bytes) per second. */
  mbPerS: number;
  wireMbPerS: number;
  brokerCpuPerGiB: number;
  brokerUserPerGiB: number;
  brokerSysPerGiB: number;
  /** The broker's main thread alone (its event loop): the part one core bounds. */
  mainCpuPerGiB: number;
  /** The main thread's system time alone: socket reads and the write()s into the page cache. */
  mainSysPerGiB: number;
  minfltPerGiB: number;
  senderCpuPerGiB: number;
  /** CPU-seconds per second the rest of the machine used (busy minus broker minus sender):
   *  the neighbours' share of the 2 cores while this run went. */
  othersCpuPerS: number;
  /** What the broker's CPU alone allows: its main thread on one core, the process on `cores`. */
  ceilingMbPerS: number;
  /** CPU-s per GiB of each row of the broker's threads (main, the validation Worker, the
   *  threadpool running fdatasync, JSC's helpers), largest first; rows under 0.01 left out. */
  threadsCpuPerGiB: Record<string, number>;
  /** The broker's fdatasync calls per GiB, when counted (--fsyncs). */
  fdatasyncsPerGiB?: number;
  load1mStart: number;
  load1mEnd: number;
  seconds: number;
};

const cpuOf = (r: CpuReading): number => r.userS + r.sysS;

/** MB/s the broker could reach with the machine to itself: its main thread can use one core at
 *  most and the whole process `cores`. Wall-clock MB/s on a shared machine moves with the
 *  neighbours; CPU per GiB moves much less. */
export function ceilingMbPerS(cpuPerGiB: number, mainCpuPerGiB: number, cores: number): number {
  const gibPerS = Math.min(mainCpuPerGiB > 0 ? 1 / mainCpuPerGiB : Infinity, cpuPerGiB > 0 ? cores / cpuPerGiB : Infinity);
  return (gibPerS * GIB) / 1e6;
}

export function figures(r: Readings, label: { case: string; mode: 'durable' | 'dev'; round: number }, cores: number): RunFigures {
  const gib = r.recordBytes / GIB;
  const brokerS = cpuOf(r.broker.after) - cpuOf(r.broker.before);
  const mainS = cpuOf(r.brokerMain.after) - cpuOf(r.brokerMain.before);
  const senderS = (r.senderUs.user + r.senderUs.system) / 1e6;
  const cpuPerGiB = brokerS / gib;
  const mainCpuPerGiB = mainS / gib;
  return {
    ...label,
    mbPerS: r.recordBytes / 1e6 / r.seconds,
    wireMbPerS: r.wireBytes / 1e6 / r.seconds,
    brokerCpuPerGiB: cpuPerGiB,
    brokerUserPerGiB: (r.broker.after.userS - r.broker.before.userS) / gib,
    brokerSysPerGiB: (r.broker.after.sysS - r.broker.before.sysS) / gib,
    mainCpuPerGiB,
    mainSysPerGiB: (r.brokerMain.after.sysS - r.brokerMain.before.sysS) / gib,
    minfltPerGiB: (r.broker.after.minflt - r.broker.before.minflt) / gib,
    senderCpuPerGiB: senderS / gib,
    othersCpuPerS: Math.max(0, r.machineBusyS - brokerS - senderS) / r.seconds,
    ceilingMbPerS: ceilingMbPerS(cpuPerGiB, mainCpuPerGiB, cores),
    threadsCpuPerGiB: threadRows(r.threads.before, r.threads.after, gib),
    load1mStart: r.load1mStart,
    load1mEnd: r.load1mEnd,
    seconds: r.seconds,
  };
}

/** Per GiB, each thread row's CPU between two readings; a row born in between starts at 0. */
export function threadRows(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, gib: number): Record<string, number> {
  const rows: [string, number][] = [];
  for (const [row, s] of after) {
    const perGiB = (s - (before.get(row) ?? 0)) / gib;
    if (perGiB >= THREAD_ROW_MIN_CPU_PER_GIB) rows.push([row, Math.round(perGiB * 100) / 100]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows);
}

/** Median of each figure over the runs of one case and mode (loads: their medians too). */
export function medianRow(runs: readonly RunFigures[]): RunFigures {
  const m = (f: (x: RunFigures) => number): number => median(runs.map(f));
  return {
    case: runs[0]!.case,
    mode: runs[0]!.mode,
    round: 0,
    mbPerS: m((x) => x.mbPerS),
    wireMbPerS: m((x) => x.wireMbPerS),
    brokerCpuPerGiB: m((x) => x.brokerCpuPerGiB),
    brokerUserPerGiB: m((x) => x.brokerUserPerGiB),
    brokerSysPerGiB: m((x) => x.brokerSysPerGiB),
    mainCpuPerGiB: m((x) => x.mainCpuPerGiB),
    mainSysPerGiB: m((x) => x.mainSysPerGiB),
    minfltPerGiB: m((x) => x.minfltPerGiB),
    senderCpuPerGiB: m((x) => x.senderCpuPerGiB),
    othersCpuPerS: m((x) => x.othersCpuPerS),
    ceilingMbPerS: m((x) => x.ceilingMbPerS),
    threadsCpuPerGiB: medianRows(runs.map((x) => x.threadsCpuPerGiB)),
    ...(runs.every((x) => x.fdatasyncsPerGiB !== undefined) ? { fdatasyncsPerGiB: m((x) => x.fdatasyncsPerGiB!) } : {}),
    load1mStart: m((x) => x.load1mStart),
    load1mEnd: m((x) => x.load1mEnd),
    seconds: m((x) => x.seconds),
  };
}

function medianRows(all: readonly Record<string, number>[]): Record<string, number> {
  const names = new Set(all.flatMap((r) => Object.keys(r)));
  const rows: [string, number][] = [...names].map((n): [string, number] => [n, median(all.map((r) => r[n] ?? 0))]).filter(([, v]) => v >= THREAD_ROW_MIN_CPU_PER_GIB);
  rows.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows);
}

/** The thread rows as one line: "main 1.21, Worker 0.41, ...". */
export function threadsLine(rows: Record<string, number>): string {
  return Object.entries(rows).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(', ');
}

/** Groups runs by mode and case, in first-seen order, with their median row. */
export function medians(runs: readonly RunFigures[]): RunFigures[] {
  const groups = new Map<string, RunFigures[]>();
  for (const r of runs) {
    const key = `${r.mode}\u0000${r.case}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map(medianRow);
}

const HEADER = ['run', 'mode', 'case', 'MB/s', 'CPU-s/GiB', 'user', 'sys', 'main thread', 'main sys', 'minflt/GiB', 'sender CPU-s/GiB', 'others CPU/s', 'ceiling MB/s', 'load start-end'];

function cells(r: RunFigures, run: string): string[] {
  return [
    run,
    r.mode === 'dev' ? '--dev' : 'durable',
    r.case,
    r.mbPerS.toFixed(0),
    r.brokerCpuPerGiB.toFixed(2),
    r.brokerUserPerGiB.toFixed(2),
    r.brokerSysPerGiB.toFixed(2),
    r.mainCpuPerGiB.toFixed(2),
    r.mainSysPerGiB.toFixed(2),
    Math.round(r.minfltPerGiB).toString(),
    r.senderCpuPerGiB.toFixed(2),
    r.othersCpuPerS.toFixed(2),
    r.ceilingMbPerS.toFixed(0),
    `${r.load1mStart.toFixed(2)}-${r.load1mEnd.toFixed(2)}`,
  ];
}

/** Lines of a table: the first three columns left-aligned, the figures right-aligned. */
export function alignRows(header: readonly string[], body: readonly string[][]): string[] {
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** The printed table: every run in order, then the median of each mode and case. */
export function ceilingTable(runs: readonly RunFigures[]): string[] {
  const body = runs.map((r) => cells(r, `round ${r.round}`));
  for (const m of medians(runs)) body.push(cells(m, 'median'));
  return alignRows(HEADER, body);
}

/** The broker property a `tN` case sets (the lead's produce validation Workers; 0 = on the main loop). */
export const VALIDATION_THREADS_PROPERTY = 'produce.validation.threads';

export type Case = { name: string; settings: Record<string, string> };

/**
 * One `--cases` item: `default` (no setting), `tN` (produce.validation.threads=N), or
 * `key=value` (any broker property). A property the broker does not know makes `freshet start`
 * refuse to start, so nothing is passed unless asked for.
 */
export function parseCase(item: string): Case | string {
  if (item === 'default') return { name: item, settings: {} };
  const t = /^t(\d+)$/.exec(item);
  if (t) return { name: item, settings: { [VALIDATION_THREADS_PROPERTY]: t[1]! } };
  const eq = item.indexOf('=');
  if (eq > 0) return { name: item, settings: { [item.slice(0, eq)]: item.slice(eq + 1) } };
  return `case '${item}': expected default, tN or key=value`;
}
