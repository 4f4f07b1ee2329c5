// The printed table (each figure next to the machine limit it is bounded by, and the fraction)
// and the targets, evaluated PASS/FAIL. Never exits non-zero: benchmarks report, tests judge.

import { startupTargets } from './startup-phase.ts';
import type { DiskResult } from './disk.ts';
import type { Step } from './phases.ts';
import type { BenchResult } from './run.ts';
import type { GroupsFigures, RebalanceFigure } from './groups.ts';
import { formatBytes, GiB, KiB, round } from './stats.ts';

export type Target = {
  name: string;
  value: number | null;
  limit: number | null;
  unit: string;
  pass: boolean | null;
  note: string;
  /** informational, not judged: the figure next to the machine's own cost (CPU targets) */
  info?: string;
  /** CPU targets: the machine floor per GiB and the broker's own CPU above it */
  floor?: number | null;
  own?: number | null;
};

/** The machine's own CPU-s per GiB, measured in the same run (null where not measured). */
export type MachineCpu = {
  fileAppend: number | null;
  pageCacheRead: number | null;
  tcpSend: number | null;
  tcpReceive: number | null;
  /** file append + TCP receive: what just receiving the bytes and writing them to a file costs */
  produceFloor: number | null;
  /** TCP send + page-cache read: what just reading the bytes from cache and sending them costs */
  fetchFloor: number | null;
};

const sum = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : a + b);

export function machineCpu(r: BenchResult): MachineCpu {
  const io = r.bufferedIo;
  const tcpGiB = r.tcp ? r.tcp.bytes / GiB : 0;
  const tcpSend = r.tcp && tcpGiB > 0 ? (r.tcp.send_user_s + r.tcp.send_sys_s) / tcpGiB : null;
  const tcpReceive = r.tcp && tcpGiB > 0 ? (r.tcp.recv_user_s + r.tcp.recv_sys_s) / tcpGiB : null;
  const fileAppend = io ? io.append.cpu.perGiB : null;
  const pageCacheRead = io ? io.read.cpu.perGiB : null;
  return { fileAppend, pageCacheRead, tcpSend, tcpReceive, produceFloor: sum(fileAppend, tcpReceive), fetchFloor: sum(tcpSend, pageCacheRead) };
}

/** "2.1x floor", or '' without a (positive) floor. */
function vsFloor(perGiB: number, floor: number | null): string {
  return floor !== null && floor > 0 ? `${(perGiB / floor).toFixed(1)}x floor` : '';
}

const BUSY_SHARE = 0.85;
const DISK_BUSY_SHARE = 0.7;

/** The commit-size disk run, else the fixed size nearest to the broker's commit size. */
function commitDisk(r: BenchResult): DiskResult | null {
  if (r.commitDisk) return r.commitDisk;
  const want = r.broker?.acksAll1.commitBytes ?? 64 * KiB;
  return [...r.disk].sort((a, b) => Math.abs(a.commitBytes - want) - Math.abs(b.commitBytes - want))[0] ?? null;
}

/** What most likely bounded a step, from CPU shares and (for acks=all) fsync busy time. */
export function boundBy(s: Step<{ seconds: number }>, disk?: DiskResult | null): string {
  const parts: string[] = [];
  if (s.brokerCpuShare >= BUSY_SHARE) parts.push(`broker CPU ${s.brokerCpuShare.toFixed(2)} cores`);
  if (s.clientCpuShare >= BUSY_SHARE) parts.push(`client CPU ${s.clientCpuShare.toFixed(2)} cores`);
  if (disk && s.fdatasyncs) {
    const busy = (s.fdatasyncs * disk.fsyncMs.p50) / 1000 / s.seconds;
    if (busy >= DISK_BUSY_SHARE) parts.push(`disk: fsync busy ${(busy * 100).toFixed(0)}%`);
  }
  if (s.othersCpuShare >= 0.3) parts.push(`other processes ${s.othersCpuShare.toFixed(2)} cores`);
  if (s.brokerCpuShare + s.clientCpuShare + s.othersCpuShare >= 1.7) parts.push('both cores busy');
  if (parts.length === 0) parts.push(`neither CPU saturated (broker ${s.brokerCpuShare.toFixed(2)}, client ${s.clientCpuShare.toFixed(2)} cores)`);
  return parts.join('; ');
}

export function evaluateTargets(r: BenchResult): Target[] {
  const t: Target[] = [];
  const b = r.broker;
  const cd = commitDisk(r);
  const gib = (bytes: number) => bytes / GiB;
  if (b && cd) {
    const limit = 0.5 * cd.mbPerS;
    t.push({
      name: 'acks=all throughput (1 KiB, 1 partition) >= 50% of fsync-bound append at the same commit size',
      value: round(b.acksAll1.mb_per_s, 1),
      limit: round(limit, 1),
      unit: 'MB/s',
      pass: b.acksAll1.mb_per_s >= limit,
      note: `commit size ${formatBytes(b.acksAll1.commitBytes)} (${b.acksAll1.commitBytesSource}); disk limit ${cd.mbPerS.toFixed(1)} MB/s at ${formatBytes(cd.commitBytes)}`,
    });
  }
  if (b) {
    const m = machineCpu(r);
    const f3 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
    const own = (v: number, floor: number | null) => (floor === null ? null : round(v - floor, 3));
    const perGiB = b.acks1.brokerCpuS / gib(b.acks1.delivered * b.acks1.size);
    t.push({
      name: 'broker CPU per GiB produced (acks=1, >= 64 KiB batches) <= 2 CPU-s',
      value: round(perGiB, 3),
      limit: 2,
      unit: 'CPU-s/GiB',
      pass: perGiB <= 2,
      note: `avg produce request ${formatBytes(b.acks1.requestBytesAvg ?? 0)}`,
      floor: m.produceFloor === null ? null : round(m.produceFloor, 3),
      own: own(perGiB, m.produceFloor),
      info:
        m.produceFloor === null
          ? 'machine floor not measured (needs the buffered-append run and tcp-pair)'
          : `relative to this machine's floor ${f3(m.produceFloor)} (file append ${f3(m.fileAppend)} + TCP receive ${f3(m.tcpReceive)}): broker's own ${(perGiB - m.produceFloor).toFixed(3)} CPU-s/GiB, ${(perGiB / m.produceFloor).toFixed(1)}x the floor`,
    });
    const fetchPerGiB = b.fetch1.brokerCpuS / gib(b.fetch1.bytes);
    t.push({
      name: 'broker CPU per GiB fetched <= 1 CPU-s',
      value: round(fetchPerGiB, 3),
      limit: 1,
      unit: 'CPU-s/GiB',
      pass: fetchPerGiB <= 1,
      note: '1 partition, from the beginning',
      floor: m.fetchFloor === null ? null : round(m.fetchFloor, 3),
      own: own(fetchPerGiB, m.fetchFloor),
      info:
        m.fetchFloor === null
          ? 'machine floor not measured (needs the buffered-append run and tcp-pair)'
          : `relative to this machine's floor ${f3(m.fetchFloor)} (TCP send ${f3(m.tcpSend)} + page-cache read ${f3(m.pageCacheRead)}): broker's own ${(fetchPerGiB - m.fetchFloor).toFixed(3)} CPU-s/GiB, ${(fetchPerGiB / m.fetchFloor).toFixed(1)}x the floor`,
    });
  }
  if (b?.latency.latency_ms && cd) {
    const limit = 3 * cd.fsyncMs.p99;
    t.push({ name: 'produce p99 at half the max acks=all rate <= 3x p99 fsync latency', value: round(b.latency.latency_ms.p99, 2), limit: round(limit, 2), unit: 'ms', pass: b.latency.latency_ms.p99 <= limit, note: `fsync p99 ${cd.fsyncMs.p99.toFixed(2)} ms at ${formatBytes(cd.commitBytes)}; ${Math.round(b.latency.rate_target)} rec/s` });
  }
  if (r.startup) {
    const ms = r.startup.firstMetadataMsMedian;
    t.push({ name: '--dev: Metadata answered within 150 ms of process start', value: round(ms, 1), limit: 150, unit: 'ms', pass: ms <= 150, note: `median of ${r.startup.samples.length}` });
    const mb = r.startup.idleRssKiBMedian / 1024;
    t.push({ name: '--dev: idle RSS < 60 MB', value: round(mb, 1), limit: 60, unit: 'MiB', pass: mb < 60, note: 'VmRSS 1 s after the first Metadata answer' });
  }
  if (r.startupPhase) t.push(...startupTargets(r.startupPhase));
  return t;
}

type Row = [string, string, string, string, string];

function table(rows: Row[], header: Row): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: Row) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const pctOf = (v: number, limit: number) => (limit > 0 ? `${((v / limit) * 100).toFixed(1)}%` : '');
const mbs = (v: number) => `${v.toFixed(1)} MB/s`;

export function printReport(r: BenchResult): void {
  const out: string[] = [];
  out.push(`Freshet bench ${r.startedAt}${r.quick ? ' (--quick)' : ''}: ${r.machine.cpus} CPUs, Linux ${r.machine.kernel}, Bun ${r.machine.bun}, librdkafka ${r.machine.librdkafka ?? 'n/a'}; load average ${r.machine.loadAvg1mStart} at start, ${r.machine.loadAvg1mEnd} at end`);
  if (!r.only) printMachine(r, out);
  if (r.broker || r.startup) printBroker(r, out);
  if (r.groups) printGroups(r.groups, out);
  if (!r.only) printTargets(r, out);
  process.stdout.write(out.join('\n') + '\n');
}

function printMachine(r: BenchResult, out: string[]): void {
  out.push('');
  out.push('Machine limits (same run)');
  const lim: Row[] = [];
  for (const d of [...r.disk, ...(r.commitDisk ? [r.commitDisk] : [])]) {
    lim.push([
      `append+fdatasync per ${formatBytes(d.commitBytes)}${d === r.commitDisk ? ' (broker commit size)' : ''}`,
      mbs(d.mbPerS),
      `${Math.round(d.fsyncsPerS)} fsync/s`,
      `fsync p50 ${d.fsyncMs.p50.toFixed(2)} / p99 ${d.fsyncMs.p99.toFixed(2)} / p99.9 ${d.fsyncMs.p999.toFixed(2)} ms`,
      `n=${d.commits}`,
    ]);
  }
  if (r.tcp) lim.push(['loopback TCP, one stream (C pair)', mbs(r.tcp.mb_per_s), '', '', `${(r.tcp.bytes / 1e9).toFixed(1)} GB`]);
  out.push(table(lim, ['limit', 'throughput', 'rate', 'latency', 'samples']));

  out.push('');
  out.push('Machine CPU cost (same run; user+sys of the process doing the work, per GiB moved)');
  const m = machineCpu(r);
  const cost: Row[] = [];
  const us = (u: number, s: number) => `user ${u.toFixed(3)} / sys ${s.toFixed(3)} s`;
  const io = r.bufferedIo;
  if (io) {
    cost.push([`file append, buffered (writeSync ${formatBytes(io.chunkBytes)}, no fsync)`, io.append.cpu.perGiB.toFixed(3), us(io.append.cpu.userS, io.append.cpu.sysS), mbs(io.append.mbPerS), formatBytes(io.bytes)]);
    cost.push([`page-cache read, warm (readSync ${formatBytes(io.chunkBytes)})`, io.read.cpu.perGiB.toFixed(3), us(io.read.cpu.userS, io.read.cpu.sysS), mbs(io.read.mbPerS), formatBytes(io.bytes)]);
  }
  for (const d of [...r.disk, ...(r.commitDisk ? [r.commitDisk] : [])]) {
    if (!d.cpu) continue;
    cost.push([`append+fdatasync per ${formatBytes(d.commitBytes)}${d === r.commitDisk ? ' (broker commit size)' : ''}`, d.cpu.perGiB.toFixed(3), us(d.cpu.userS, d.cpu.sysS), mbs(d.mbPerS), formatBytes(d.commits * d.commitBytes)]);
  }
  if (r.tcp) {
    const gb = `${(r.tcp.bytes / 1e9).toFixed(1)} GB`;
    cost.push(['loopback TCP send (sender process)', (m.tcpSend ?? 0).toFixed(3), us(r.tcp.send_user_s, r.tcp.send_sys_s), mbs(r.tcp.mb_per_s), gb]);
    cost.push(['loopback TCP receive (receiver process)', (m.tcpReceive ?? 0).toFixed(3), us(r.tcp.recv_user_s, r.tcp.recv_sys_s), mbs(r.tcp.mb_per_s), gb]);
  }
  const fl = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  cost.push(['produce floor = file append + TCP receive', fl(m.produceFloor), '', '', '']);
  cost.push(['fetch floor = TCP send + page-cache read', fl(m.fetchFloor), '', '', '']);
  out.push(table(cost, ['cost', 'CPU-s/GiB', 'split', 'throughput', 'bytes']));
}

function printBroker(r: BenchResult, out: string[]): void {
  const m = machineCpu(r);
  const b = r.broker;
  const tcp = r.tcp?.mb_per_s ?? 0;
  const cd = commitDisk(r);
  if (b) {
    out.push('');
    out.push('Broker (no --dev: real fsync), 1 KiB records, compression none');
    const rows: Row[] = [];
    const prod = (label: string, s: Step<{ seconds: number }> & { mb_per_s: number; records_per_s: number }, limName: string, limV: number, disk?: DiskResult | null) =>
      rows.push([label, `${mbs(s.mb_per_s)} (${Math.round(s.records_per_s)} rec/s)`, `${limName} ${mbs(limV)}`, pctOf(s.mb_per_s, limV), boundBy(s, disk)]);
    prod('produce acks=1, 1 partition', b.acks1, 'TCP', tcp);
    prod('produce acks=1, 16 partitions', b.acks1p16, 'TCP', tcp);
    prod(`produce acks=all, 1 partition`, b.acksAll1, `disk@${formatBytes(cd?.commitBytes ?? 0)}`, cd?.mbPerS ?? 0, cd);
    prod(`produce acks=all, 16 partitions`, b.acksAll16, `disk@${formatBytes(cd?.commitBytes ?? 0)}`, cd?.mbPerS ?? 0, cd);
    prod('consume, 1 partition', b.fetch1, 'TCP', tcp);
    prod('consume, 16 partitions', b.fetch16, 'TCP', tcp);
    const l = b.latency.latency_ms;
    if (l && cd) {
      rows.push([`produce latency acks=all @${Math.round(b.latency.rate_target)} rec/s`, `p50 ${l.p50.toFixed(2)} / p99 ${l.p99.toFixed(2)} / p99.9 ${l.p999.toFixed(2)} ms`, `3x fsync p99 ${(3 * cd.fsyncMs.p99).toFixed(2)} ms`, pctOf(l.p99, 3 * cd.fsyncMs.p99), boundBy(b.latency)]);
    }
    out.push(table(rows, ['figure', 'value', 'limit', 'fraction', 'bound by']));
    out.push('');
    const commit = (s: Step<{ seconds: number }> & { delivered: number }) =>
      s.fdatasyncs ? `${s.fdatasyncs} fdatasyncs, ${formatBytes(s.commitBytes ?? 0)}/commit, ${Math.round(s.fdatasyncs / s.seconds)} fsync/s` : 'fdatasyncs not counted';
    out.push(`acks=all commits: 1 partition: ${commit(b.acksAll1)}, client request avg ${formatBytes(b.acksAll1.requestBytesAvg ?? 0)}; 16 partitions: ${commit(b.acksAll16)}`);
    out.push(`produce request avg (client): acks=1 1p ${formatBytes(b.acks1.requestBytesAvg ?? 0)}, 16p ${formatBytes(b.acks1p16.requestBytesAvg ?? 0)}`);
    const perGiB = (cpu: number, bytes: number) => cpu / (bytes / GiB);
    const cpuRows: Row[] = [];
    const cpuRow = (label: string, v: number, floorName: string, floor: number | null) =>
      cpuRows.push([label, v.toFixed(3), floor === null ? 'n/a' : `${floorName} ${floor.toFixed(3)}`, floor === null ? '' : (v - floor).toFixed(3), vsFloor(v, floor)]);
    cpuRow('produce acks=1, 1 partition', perGiB(b.acks1.brokerCpuS, b.acks1.delivered * 1024), 'produce', m.produceFloor);
    cpuRow('produce acks=1, 16 partitions', perGiB(b.acks1p16.brokerCpuS, b.acks1p16.delivered * 1024), 'produce', m.produceFloor);
    const allFloor = cd?.cpu && m.tcpReceive !== null ? cd.cpu.perGiB + m.tcpReceive : null;
    cpuRow('produce acks=all, 1 partition', perGiB(b.acksAll1.brokerCpuS, b.acksAll1.delivered * 1024), `append+fdatasync@${formatBytes(cd?.commitBytes ?? 0)} + receive`, allFloor);
    cpuRow('fetch, 1 partition', perGiB(b.fetch1.brokerCpuS, b.fetch1.bytes), 'fetch', m.fetchFloor);
    cpuRow('fetch, 16 partitions', perGiB(b.fetch16.brokerCpuS, b.fetch16.bytes), 'fetch', m.fetchFloor);
    out.push(table(cpuRows, ["broker CPU", 'CPU-s/GiB', 'machine floor', "broker's own CPU-s/GiB", 'vs floor']));
    out.push('');
    out.push(`broker RSS under load (peak sampled during produce): ${(b.rssUnderLoadPeakKiB / 1024).toFixed(1)} MiB; high-water incl. consume: ${(b.rssHighWaterKiB / 1024).toFixed(1)} MiB`);
  }
  if (r.startup) {
    out.push(`startup --dev: first Metadata ${r.startup.samples.map((s) => s.firstMetadataMs.toFixed(1)).join(', ')} ms (median ${r.startup.firstMetadataMsMedian.toFixed(1)}); idle RSS median ${(r.startup.idleRssKiBMedian / 1024).toFixed(1)} MiB`);
  }
}

function printTargets(r: BenchResult, out: string[]): void {
  const b = r.broker;
  out.push('');
  out.push('Targets');
  for (const t of evaluateTargets(r)) {
    const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    out.push(`  ${verdict}  ${t.name}: ${t.value ?? '-'} ${t.unit} (limit ${t.limit ?? '-'} ${t.unit}; ${t.note})`);
    if (t.info) out.push(`  info  ${t.info}`);
  }
  if (!b) out.push('  (broker phases not run)');
}

/** The consumer-group phase: informational (the issue sets no targets). */
export function printGroups(g: GroupsFigures, out: string[]): void {
  out.push('');
  out.push(`Consumer groups (no --dev; ${g.client}; ${g.protocol}; ${g.members} members, ${g.partitions} partitions; group.initial.rebalance.delay.ms=${g.initialRebalanceDelayMs}, session.timeout.ms=${g.sessionTimeoutMs}, heartbeat.interval.ms=${g.heartbeatIntervalMs}). Informational, no targets.`);
  const rows: Row[] = [];
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const reb = (label: string, f: RebalanceFigure, limit: string, limitMs: number | null, note: string) => {
    if (f.samplesMs.length === 0) return;
    rows.push([label, `median ${ms(f.medianMs)} / max ${ms(f.maxMs)} (n=${f.samplesMs.length})`, limit, limitMs ? pctOf(f.medianMs, limitMs) : '', `${note}; samples ${f.samplesMs.map((x) => x.toFixed(0)).join(', ')} ms; assign callbacks per member ${f.rebalances.join(',')}`]);
  };
  reb('rebalance: 3 members subscribe at once', g.join, '', null, `last subscribe() to last assign of the final generation${g.firstJoinCreatesOffsetsTopic ? '; round 1 also creates __consumer_offsets' : ''}`);
  reb(`rebalance: 3 subscribe, default delay`, g.joinDefaultDelay, `2x initial delay ${2 * g.defaultInitialRebalanceDelayMs} ms`, 2 * g.defaultInitialRebalanceDelayMs, `group.initial.rebalance.delay.ms left at ${g.defaultInitialRebalanceDelayMs}: members arriving during the delay extend it by another delay (Kafka's InitialDelayedJoin), so ~2x; round 1 also creates __consumer_offsets`);
  reb('rebalance: 3rd member joins a stable 2', g.joinThird, `heartbeat ${g.heartbeatIntervalMs} ms`, g.heartbeatIntervalMs, 'its subscribe() to all 3 assigned; the 2 learn of it by heartbeat');
  reb('rebalance: 1 of 3 leaves (close())', g.leave, `heartbeat ${g.heartbeatIntervalMs} ms`, g.heartbeatIntervalMs, `close() start to the 2 holding all ${g.partitions}; close() took ${g.closeMs.map((x) => x.toFixed(0)).join(', ')} ms`);
  reb('rebalance: 1 of 3 SIGKILLed', g.kill, `session ${g.sessionTimeoutMs} ms`, g.sessionTimeoutMs, `kill to the 2 holding all ${g.partitions}; expiry at session.timeout.ms after the victim's last heartbeat, then up to a heartbeat for the 2 to notice: expect ${g.sessionTimeoutMs - g.heartbeatIntervalMs}-${g.sessionTimeoutMs + g.heartbeatIntervalMs} ms`);
  const d = g.commitDisk;
  const s = g.commitSync;
  const a = g.commitAsync;
  const fsyncRate = d ? `disk ${Math.round(d.fsyncsPerS)} fsync/s @${formatBytes(d.commitBytes)}` : '';
  const perFsync = (c: number, f: number | null) => (f ? `${f} fdatasyncs, ${(c / f).toFixed(2)} commits/fsync` : 'fdatasyncs not counted');
  const logB = (x: number | null) => (x === null ? '' : `; ${formatBytes(x)} of __consumer_offsets per commit`);
  const diskCpuUs = d && d.commits > 0 ? (d.cpu.cpuS / d.commits) * 1e6 : null;
  const cpu = (c: { brokerCpuS: number; seconds: number; brokerCpuUsPerCommit: number; client_cpu_s: number; othersCpuShare: number }) =>
    `broker CPU ${(c.brokerCpuS / c.seconds).toFixed(2)} cores = ${c.brokerCpuUsPerCommit.toFixed(0)} µs/commit${diskCpuUs !== null ? ` (append+fdatasync alone ${diskCpuUs.toFixed(0)} µs)` : ''}, client ${(c.client_cpu_s / c.seconds).toFixed(2)}, others ${c.othersCpuShare.toFixed(2)} cores`;
  rows.push([`OffsetCommit sync (${s.partitions} partitions)`, `${Math.round(s.commits_per_s)} commits/s`, fsyncRate, d ? pctOf(s.commits_per_s, d.fsyncsPerS) : '', `${perFsync(s.commits, s.fdatasyncs)}${logB(s.logBytesPerCommit)}; ${cpu(s)}${s.failed ? `; ${s.failed} failed: ${s.first_error}` : ''}`]);
  rows.push([`OffsetCommit sync latency`, `p50 ${s.latency_ms.p50.toFixed(2)} / p99 ${s.latency_ms.p99.toFixed(2)} / p99.9 ${s.latency_ms.p999.toFixed(2)} ms`, d ? `fsync p50 ${d.fsyncMs.p50.toFixed(2)} / p99 ${d.fsyncMs.p99.toFixed(2)} ms` : '', d ? pctOf(s.latency_ms.p99, d.fsyncMs.p99) : '', `n=${s.latency_ms.n}; fraction = p99 / fsync p99`]);
  rows.push([`OffsetCommit async (${a.window} in flight)`, `${Math.round(a.commits_per_s)} commits/s`, fsyncRate, d ? pctOf(a.commits_per_s, d.fsyncsPerS) : '', `${perFsync(a.commits, a.fdatasyncs)}${logB(a.logBytesPerCommit)}; ${cpu(a)}${a.failed ? `; ${a.failed} failed: ${a.first_error}` : ''}`]);
  out.push(table(rows, ['figure', 'value', 'limit', 'fraction', 'note']));
}
