// The printed table (each figure next to the machine limit it is bounded by, and the fraction)
// and the targets, evaluated PASS/FAIL. Never exits non-zero: benchmarks report, tests judge.

import type { DiskResult } from './disk.ts';
import type { Step } from './phases.ts';
import type { BenchResult } from './run.ts';
import { formatBytes, GiB, KiB, round } from './stats.ts';

export type Target = { name: string; value: number | null; limit: number | null; unit: string; pass: boolean | null; note: string };

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
    const perGiB = b.acks1.brokerCpuS / gib(b.acks1.delivered * b.acks1.size);
    t.push({ name: 'broker CPU per GiB produced (acks=1, >= 64 KiB batches) <= 2 CPU-s', value: round(perGiB, 3), limit: 2, unit: 'CPU-s/GiB', pass: perGiB <= 2, note: `avg produce request ${formatBytes(b.acks1.requestBytesAvg ?? 0)}` });
    const fetchPerGiB = b.fetch1.brokerCpuS / gib(b.fetch1.bytes);
    t.push({ name: 'broker CPU per GiB fetched <= 1 CPU-s', value: round(fetchPerGiB, 3), limit: 1, unit: 'CPU-s/GiB', pass: fetchPerGiB <= 1, note: '1 partition, from the beginning' });
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
    const perGiB = (cpu: number, bytes: number) => (cpu / (bytes / GiB)).toFixed(3);
    out.push(`broker CPU-s/GiB: produce acks=1 1p ${perGiB(b.acks1.brokerCpuS, b.acks1.delivered * 1024)}, 16p ${perGiB(b.acks1p16.brokerCpuS, b.acks1p16.delivered * 1024)}, acks=all 1p ${perGiB(b.acksAll1.brokerCpuS, b.acksAll1.delivered * 1024)}; fetch 1p ${perGiB(b.fetch1.brokerCpuS, b.fetch1.bytes)}, 16p ${perGiB(b.fetch16.brokerCpuS, b.fetch16.bytes)}`);
    out.push(`broker RSS under load (peak sampled during produce): ${(b.rssUnderLoadPeakKiB / 1024).toFixed(1)} MiB; high-water incl. consume: ${(b.rssHighWaterKiB / 1024).toFixed(1)} MiB`);
  }
  if (r.startup) {
    out.push(`startup --dev: first Metadata ${r.startup.samples.map((s) => s.firstMetadataMs.toFixed(1)).join(', ')} ms (median ${r.startup.firstMetadataMsMedian.toFixed(1)}); idle RSS median ${(r.startup.idleRssKiBMedian / 1024).toFixed(1)} MiB`);
  }
  out.push('');
  out.push('Targets');
  for (const t of evaluateTargets(r)) {
    const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    out.push(`  ${verdict}  ${t.name}: ${t.value ?? '-'} ${t.unit} (limit ${t.limit ?? '-'} ${t.unit}; ${t.note})`);
  }
  if (!b) out.push('  (broker phases not run)');
  process.stdout.write(out.join('\n') + '\n');
}
