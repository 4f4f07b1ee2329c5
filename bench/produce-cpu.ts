// Where a broker's produce CPU goes, per GiB, split into user and system time and page faults
// (issue 11), not part of `npm run bench`:
//
//   npm run build && bun bench/produce-cpu.ts [--records N] [--rounds R] [--allocator]
//
// For each round, alternating: `freshet start` (durable) and `freshet start --dev` on a fresh
// data dir, produce acks=1 of N 1 KiB records (default 1,000,000, ~1 GiB) with the librdkafka
// driver (batch.size 1 MB, linger.ms 5: ~1 MiB requests) on 1 partition and on 16, after an
// unmeasured warm-up. Around the measured produce it reads the broker's utime, stime and minor
// faults (/proc/<pid>/stat) and its VmHWM. `--allocator` adds each case again with mimalloc's
// own purge delay (MIMALLOC_PURGE_DELAY=10, what `freshet start` replaces; src/cli/allocator.ts).
// Next to them, the machine's buffered file append (the kernel's cost of the same bytes reaching
// the page cache), measured before and after: on a VM that gives freed memory back to its host
// it moves 0.2-1.4 CPU-s/GiB between runs, and the broker's system time moves with it.
// Prints a table of medians and writes bench/results/<timestamp>-produce-cpu.json.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBroker } from './broker.ts';
import { measureBufferedAppend } from './disk.ts';
import { checkPrereqs, compileTools, runJson } from './native.ts';
import { cpuAndFaults, statusKiB } from './proc.ts';
import { median, MiB } from './stats.ts';

const GiB = 1024 * MiB;
const RECORD_BYTES = 1024;
const WARMUP_RECORDS = 50_000;
const PRODUCE_TIMEOUT_MS = 180_000;

type Case = { dev: boolean; partitions: number; allocatorDefault: boolean };
type Sample = { userS: number; sysS: number; minflt: number; gib: number; mbPerS: number; hwmMiB: number };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** utime, stime (s) and minflt of the broker, which must still run. */
function usage(pid: number): { userS: number; sysS: number; minflt: number } {
  const u = cpuAndFaults(pid);
  if (u === null) throw new Error(`broker ${pid} is gone`);
  return u;
}

function label(c: Case): string {
  return `${c.dev ? '--dev' : 'durable'}, ${c.partitions} p.${c.allocatorDefault ? ', mimalloc default' : ''}`;
}

async function measure(c: Case, driver: string, root: string, records: number): Promise<Sample> {
  const dataDir = fs.mkdtempSync(path.join(root, 'data-'));
  const broker = await startBroker({
    bin: path.join(import.meta.dir, '..', 'dist', 'freshet'),
    dataDir,
    dev: c.dev,
    logFile: path.join(root, 'broker.log'),
    settings: { 'num.partitions': String(c.partitions), 'auto.create.topics.enable': 'true' },
    env: c.allocatorDefault ? { MIMALLOC_PURGE_DELAY: '10' } : undefined,
  });
  try {
    const produce = (n: number) =>
      runJson<{ mb_per_s: number; delivered: number }>(
        [driver, 'produce', '--brokers', broker.bootstrap, '--topic', 't', '--records', String(n), '--partitions', String(c.partitions), '--acks', '1'],
        PRODUCE_TIMEOUT_MS,
      );
    await produce(WARMUP_RECORDS);
    const before = usage(broker.pid);
    const r = await produce(records);
    const after = usage(broker.pid);
    const gib = (r.delivered * RECORD_BYTES) / GiB;
    return {
      userS: (after.userS - before.userS) / gib,
      sysS: (after.sysS - before.sysS) / gib,
      minflt: (after.minflt - before.minflt) / gib,
      gib,
      mbPerS: r.mb_per_s,
      hwmMiB: (statusKiB(broker.pid, 'VmHWM') ?? 0) / 1024,
    };
  } finally {
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const records = arg('--records', 1_000_000);
  const rounds = arg('--rounds', 3);
  const prereqs = checkPrereqs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-produce-cpu-'));
  const tools = compileTools(root, prereqs);
  if (tools.rdkafkaBench === null) throw new Error(`bench/produce-cpu.ts needs ${prereqs.missing.join(', ')}`);
  const cases: Case[] = [];
  for (const allocatorDefault of process.argv.includes('--allocator') ? [false, true] : [false])
    for (const partitions of [1, 16]) for (const dev of [false, true]) cases.push({ dev, partitions, allocatorDefault });
  const machineBefore = measureBufferedAppend(root).append.cpu.perGiB;
  const samples = new Map<Case, Sample[]>(cases.map((c) => [c, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const c of cases) {
      const s = await measure(c, tools.rdkafkaBench, root, records);
      samples.get(c)!.push(s);
      console.error(`round ${round}: ${label(c)}: ${(s.userS + s.sysS).toFixed(2)} CPU-s/GiB (user ${s.userS.toFixed(2)}, sys ${s.sysS.toFixed(2)}), ${Math.round(s.minflt)} faults/GiB, ${s.mbPerS.toFixed(0)} MB/s`);
    }
  }
  const machineAfter = measureBufferedAppend(root).append.cpu.perGiB;
  fs.rmSync(root, { recursive: true, force: true });

  const rows = cases.map((c) => {
    const s = samples.get(c)!;
    const m = (f: (x: Sample) => number) => median(s.map(f));
    return { case: label(c), ...c, cpuPerGiB: m((x) => x.userS + x.sysS), userPerGiB: m((x) => x.userS), sysPerGiB: m((x) => x.sysS), faultsPerGiB: m((x) => x.minflt), mbPerS: m((x) => x.mbPerS), hwmMiB: m((x) => x.hwmMiB), runs: s };
  });
  console.log(`produce acks=1, 1 KiB records, ~1 MiB requests, ${records} records a run, median of ${rounds}; load ${os.loadavg()[0].toFixed(2)}`);
  console.log(`machine: buffered append ${machineBefore.toFixed(2)} CPU-s/GiB before, ${machineAfter.toFixed(2)} after`);
  console.log('case                                  CPU-s/GiB   user    sys   faults/GiB    MB/s  VmHWM');
  for (const r of rows) {
    console.log(`${r.case.padEnd(36)} ${r.cpuPerGiB.toFixed(2).padStart(9)} ${r.userPerGiB.toFixed(2).padStart(6)} ${r.sysPerGiB.toFixed(2).padStart(6)} ${Math.round(r.faultsPerGiB).toString().padStart(12)} ${r.mbPerS.toFixed(0).padStart(7)} ${r.hwmMiB.toFixed(0).padStart(5)} MiB`);
  }
  for (const dev of [false, true]) {
    const one = rows.find((r) => r.dev === dev && r.partitions === 1 && !r.allocatorDefault)!;
    const many = rows.find((r) => r.dev === dev && r.partitions === 16 && !r.allocatorDefault)!;
    console.log(`16 partitions / 1 partition, ${dev ? '--dev' : 'durable'}: ${(many.cpuPerGiB / one.cpuPerGiB).toFixed(2)}x CPU per GiB`);
  }
  const out = path.join(import.meta.dir, 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}-produce-cpu.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ records, rounds, load: os.loadavg(), machineAppendCpuPerGiB: { before: machineBefore, after: machineAfter }, rows }, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

await main();
