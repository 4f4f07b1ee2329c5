// `npm run bench` (= build, then `bun bench/run.ts [--quick] [...]`): measures this machine's
// limits and Freshet's figures in one run, prints them side by side with the targets, and
// writes everything as JSON to bench/results/<timestamp>.json. See bench/README.md.
//
// Options:
//   --quick            a ~1-minute smoke run (smaller counts, shorter phases)
//   --machine-only     only the machine limits (disk, loopback TCP); no broker needed
//   --bin PATH         the broker executable (default: dist/freshet)
//   --data-root DIR    where data dirs and the disk test file go (default: a temp dir); the
//                      disk limit is measured on this filesystem, as the broker's data dir is
//   --no-strace        do not count the broker's fdatasync calls with strace
//   --keep             keep the data root (broker logs are in it)
//   --only groups      only the consumer-group phase (rebalance times, commits/s and the fsync
//                      rate at the commit size); no other machine limits or broker phases
//   --only recompress  only the recompression phase (compression.type producer vs each codec)
//   --only cluster     only the cluster phase (3 nodes: idle at 1,000 partitions, acks=all,
//                      failover, follower catch-up; each next to a lone node)
//   --only registry    only the schema-registry phase (registrations/s, lookups/s by id and by
//                      schema, p99, memory per 10,000 schemas; loopback HTTP and fsync beside)
//   --only startup     only the startup phase (--dev with every listener: spawn to ready over
//                      N starts, and idle RSS with each listener on and off)
//   --only peer        only the peer phase: Apache Kafka (fetched once from Maven Central, see
//                      bench/kafka-peer/README.md) and Freshet alternating, same client and
//                      topics, Freshet/Kafka ratios for each durability pair

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureAppendFsync, measureBufferedAppend, type BufferedIoResult, type DiskResult } from './disk.ts';
import { checkPrereqs, compileTools, INSTALL_HINT, runJson } from './native.ts';
import { runBrokerPhases, type BrokerFigures, type PhaseSizes } from './phases.ts';
import { measureStartup, type StartupSample } from './metadata-probe.ts';
import { median, KiB, MiB } from './stats.ts';
import { loadAverage1m } from './proc.ts';
import { printReport, evaluateTargets } from './report.ts';
import { runGroupsPhase, type GroupsFigures, type GroupsSizes } from './groups.ts';
import { printRecompress, runRecompressPhase, type RecompressFigures } from './recompress.ts';
import { CLUSTER_SIZES_FULL, CLUSTER_SIZES_QUICK, printCluster, runClusterPhase, type ClusterFigures } from './cluster-phase.ts';
import { kafkaPhaseFigures, PROXY_SIZES_FULL, PROXY_SIZES_QUICK, printProxy, runProxyPhase, type ProxyFigures } from './proxy-phase.ts';
import { printStartup, runStartupPhase, STARTUP_SIZES_FULL, STARTUP_SIZES_QUICK, type StartupFigures } from './startup-phase.ts';
import { PEER_SIZES_FULL, PEER_SIZES_QUICK, peerLatencySvg, printPeer, runPeerPhase, type PeerFigures } from './peer-phase.ts';
import { REGISTRY_SIZES_FULL, REGISTRY_SIZES_QUICK, printRegistry, runRegistryPhase, type RegistryFigures } from './registry-phase.ts';

const PHASES = ['groups', 'recompress', 'cluster', 'registry', 'proxy', 'startup', 'peer'] as const;
type Phase = (typeof PHASES)[number];

type Options = { quick: boolean; machineOnly: boolean; bin: string; dataRoot: string | null; strace: boolean; keep: boolean; only: Phase | null };

function parseOptions(argv: string[]): Options {
  const o: Options = {
    quick: false,
    machineOnly: false,
    bin: path.join(import.meta.dir, '..', 'dist', 'freshet'),
    dataRoot: null,
    strace: true,
    keep: false,
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--machine-only') o.machineOnly = true;
    else if (a === '--no-strace') o.strace = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--bin') o.bin = path.resolve(argv[++i] ?? '');
    else if (a === '--data-root') o.dataRoot = path.resolve(argv[++i] ?? '');
    else if (a === '--only') {
      const p = argv[++i] ?? '';
      if (!(PHASES as readonly string[]).includes(p)) throw new Error(`bench: --only takes one of: ${PHASES.join(', ')}`);
      o.only = p as Phase;
    }
    else throw new Error(`bench: unknown option ${a} (see the header of bench/run.ts)`);
  }
  return o;
}

/** tcp-pair's output: throughput, and getrusage of the sender (child) and receiver (parent). */
export type TcpResult = {
  bytes: number;
  seconds: number;
  mb_per_s: number;
  send_user_s: number;
  send_sys_s: number;
  recv_user_s: number;
  recv_sys_s: number;
};

/** Commit sizes the broker sees: one 16 KiB batch, librdkafka's typical batches, 1 MiB. */
const DISK_COMMIT_SIZES = [16 * KiB, 64 * KiB, MiB];

function sizesFor(quick: boolean): PhaseSizes & { diskSeconds: number; tcpBytes: number; startupRepeats: number; groups: GroupsSizes } {
  return quick
    ? { diskSeconds: 1, tcpBytes: 1e9, startupRepeats: 3, records: 150_000, produceSecondsMax: 8, latencySeconds: 5, groups: { repeats: 3, killRepeats: 1, defaultDelayRepeats: 1, commitSeconds: 2, diskSeconds: 1 } }
    : { diskSeconds: 4, tcpBytes: 4e9, startupRepeats: 5, records: 1_000_000, produceSecondsMax: 40, latencySeconds: 20, groups: { repeats: 5, killRepeats: 3, defaultDelayRepeats: 3, commitSeconds: 5, diskSeconds: 4 } };
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const sizes = sizesFor(opts.quick);
  const startedAt = new Date();
  const loadAvg1mStart = loadAverage1m();
  const prereqs = checkPrereqs();
  if (prereqs.missing.length) {
    log(`missing: ${prereqs.missing.join(', ')}. Install with: ${INSTALL_HINT}`);
    log('continuing with what can be measured without them');
  }
  if (!prereqs.strace && opts.strace) log(`strace not found (${INSTALL_HINT}): the broker's commit size is estimated from client request sizes`);
  const toolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-bench-tools-'));
  const dataRoot = opts.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-bench-'));
  fs.mkdirSync(dataRoot, { recursive: true });
  const tools = compileTools(toolDir, prereqs);
  const librdkafka = tools.rdkafkaBench ? (await runJson<{ librdkafka: string }>([tools.rdkafkaBench, 'version'], 10_000)).librdkafka : null;

  const full = opts.only === null;
  try {
    // 1. The machine's limits.
    const disk: DiskResult[] = [];
    for (const size of full ? DISK_COMMIT_SIZES : []) {
      log(`disk: append + fdatasync per ${size} B commit for ${sizes.diskSeconds} s`);
      disk.push(await measureAppendFsync(dataRoot, size, sizes.diskSeconds));
    }
    if (full) log('file I/O CPU: buffered append of 1 GiB in 1 MiB writeSync calls (no fsync), then a warm-cache readSync pass');
    const bufferedIo = full ? measureBufferedAppend(dataRoot) : null;
    let tcp: TcpResult | null = null;
    if (tools.tcpPair && full) {
      log(`loopback TCP: one stream, ${sizes.tcpBytes / 1e9} GB`);
      tcp = await runJson<TcpResult>([tools.tcpPair, String(sizes.tcpBytes), String(64 * KiB)], 120_000);
    }

    // 2. The broker.
    let startup: { samples: StartupSample[]; firstMetadataMsMedian: number; idleRssKiBMedian: number } | null = null;
    let broker: BrokerFigures | null = null;
    let commitDisk: DiskResult | null = null;
    let groups: GroupsFigures | null = null;
    let recompress: RecompressFigures | null = null;
    let cluster: ClusterFigures | null = null;
    let registry: RegistryFigures | null = null;
    let proxy: ProxyFigures | null = null;
    let startupPhase: StartupFigures | null = null;
    let peer: PeerFigures | null = null;
    if (!opts.machineOnly && !fs.existsSync(opts.bin)) throw new Error(`${opts.bin} does not exist: run \`npm run build\` first`);
    if (!opts.machineOnly && full) {
      const samples: StartupSample[] = [];
      for (let i = 0; i < sizes.startupRepeats; i++) {
        log(`startup --dev #${i + 1}: spawn to first Metadata answer, RSS after 1 s`);
        const dir = path.join(dataRoot, `startup-${i}`);
        samples.push(await measureStartup({ bin: opts.bin, dataDir: dir, dev: true, logFile: path.join(dataRoot, `startup-${i}.log`) }));
      }
      startup = {
        samples,
        firstMetadataMsMedian: median(samples.map((s) => s.firstMetadataMs)),
        idleRssKiBMedian: median(samples.map((s) => s.idleRssKiB)),
      };
      if (tools.rdkafkaBench) {
        broker = await runBrokerPhases({
          bin: opts.bin,
          driver: tools.rdkafkaBench,
          dataRoot,
          strace: opts.strace && prereqs.strace,
          sizes,
          log,
        });
        // The disk limit at the commit size the broker actually used for acks=all.
        const commitBytes = broker.acksAll1.commitBytes;
        if (commitBytes > 0) {
          const rounded = Math.max(512, Math.round(commitBytes / 512) * 512);
          log(`disk: append + fdatasync per ${rounded} B commit (the broker's acks=all commit size) for ${sizes.diskSeconds} s`);
          commitDisk = await measureAppendFsync(dataRoot, rounded, sizes.diskSeconds);
        }
      } else {
        log(`no librdkafka driver: skipping produce/consume phases (${INSTALL_HINT})`);
      }
    }
    if (!opts.machineOnly && (full || opts.only === 'groups')) {
      if (tools.rdkafkaBench) {
        groups = await runGroupsPhase({ bin: opts.bin, driver: tools.rdkafkaBench, dataRoot, strace: opts.strace && prereqs.strace, sizes: sizes.groups, log }, librdkafka);
      } else {
        log(`no librdkafka driver: skipping the groups phase (${INSTALL_HINT})`);
      }
    }
    if (!opts.machineOnly && (full || opts.only === 'recompress')) {
      if (tools.rdkafkaBench) {
        recompress = await runRecompressPhase({ bin: opts.bin, driver: tools.rdkafkaBench, dataRoot, strace: false, sizes, log });
      } else {
        log(`no librdkafka driver: skipping the recompression phase (${INSTALL_HINT})`);
      }
    }

    if (!opts.machineOnly && (full || opts.only === 'cluster')) {
      // kafkajs (pure JS): no native prerequisites.
      cluster = await runClusterPhase({ bin: opts.bin, dataRoot, sizes: opts.quick ? CLUSTER_SIZES_QUICK : CLUSTER_SIZES_FULL, log });
    }
    if (!opts.machineOnly && (full || opts.only === 'registry')) {
      registry = await runRegistryPhase({ bin: opts.bin, dataRoot, sizes: opts.quick ? REGISTRY_SIZES_QUICK : REGISTRY_SIZES_FULL, log });
    }
    if (!opts.machineOnly && (full || opts.only === 'proxy')) {
      // The broker phases' librdkafka figures (same record size) go beside the HTTP ones.
      proxy = await runProxyPhase({ bin: opts.bin, dataRoot, sizes: opts.quick ? PROXY_SIZES_QUICK : PROXY_SIZES_FULL, librdkafka: kafkaPhaseFigures(broker), log });
    }

    if (!opts.machineOnly && (full || opts.only === 'startup')) {
      startupPhase = await runStartupPhase({ bin: opts.bin, dataRoot, sizes: opts.quick ? STARTUP_SIZES_QUICK : STARTUP_SIZES_FULL, log });
    }
    if (!opts.machineOnly && (full || opts.only === 'peer')) {
      if (tools.rdkafkaBench) {
        try {
          peer = await runPeerPhase({ bin: opts.bin, driver: tools.rdkafkaBench, dataRoot, sizes: opts.quick ? PEER_SIZES_QUICK : PEER_SIZES_FULL, log });
        } catch (e) {
          // A full run keeps the other phases' figures when Kafka cannot be fetched or started.
          if (opts.only === 'peer') throw e;
          log(`peer phase skipped: ${e instanceof Error ? e.message : String(e)}`);
        }
      } else {
        log(`no librdkafka driver: skipping the peer phase (${INSTALL_HINT})`);
      }
    }

    const result = {
      startedAt: startedAt.toISOString(),
      quick: opts.quick,
      only: opts.only,
      machine: { cpus: os.cpus().length, kernel: os.release(), bun: Bun.version, librdkafka, strace: opts.strace && prereqs.strace, loadAvg1mStart, loadAvg1mEnd: loadAverage1m() },
      disk,
      commitDisk,
      bufferedIo,
      tcp,
      startup,
      broker,
      groups,
      recompress,
      cluster,
      registry,
      proxy,
      startupPhase,
      peer,
      targets: [] as ReturnType<typeof evaluateTargets>,
    };
    result.targets = evaluateTargets(result);
    printReport(result);
    if (recompress) {
      const lines: string[] = [];
      printRecompress(recompress, lines);
      console.log(lines.join('\n'));
    }
    if (cluster) {
      const lines: string[] = [];
      printCluster(cluster, lines);
      console.log(lines.join('\n'));
    }
    if (registry) {
      const lines: string[] = [];
      printRegistry(registry, lines);
      console.log(lines.join('\n'));
    }
    if (proxy) {
      const lines: string[] = [];
      printProxy(proxy, lines);
      console.log(lines.join('\n'));
    }
    if (startupPhase) {
      const lines: string[] = [];
      printStartup(startupPhase, lines);
      console.log(lines.join('\n'));
    }
    if (peer) {
      const lines: string[] = [];
      printPeer(peer, lines);
      console.log(lines.join('\n'));
    }
    const outDir = path.join(import.meta.dir, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const outFile = path.join(outDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
    log(`wrote ${path.relative(process.cwd(), outFile)}`);
    if (peer && peer.latency.length > 0) {
      const svgFile = outFile.replace(/\.json$/, '-peer-latency.svg');
      fs.writeFileSync(svgFile, peerLatencySvg(peer));
      log(`wrote ${path.relative(process.cwd(), svgFile)} (the peer phase's latency distributions)`);
    }
  } finally {
    fs.rmSync(toolDir, { recursive: true, force: true });
    if (!opts.keep && !opts.dataRoot) fs.rmSync(dataRoot, { recursive: true, force: true });
    else log(`data root kept: ${dataRoot}`);
  }
}

export type BenchResult = {
  startedAt: string;
  quick: boolean;
  /** the one phase run (--only), or null for a full run */
  only: string | null;
  machine: { cpus: number; kernel: string; bun: string; librdkafka: string | null; strace: boolean; loadAvg1mStart: number; loadAvg1mEnd: number };
  disk: DiskResult[];
  commitDisk: DiskResult | null;
  bufferedIo: BufferedIoResult | null;
  tcp: TcpResult | null;
  startup: { samples: StartupSample[]; firstMetadataMsMedian: number; idleRssKiBMedian: number } | null;
  broker: BrokerFigures | null;
  groups: GroupsFigures | null;
  recompress: RecompressFigures | null;
  cluster: ClusterFigures | null;
  registry: RegistryFigures | null;
  proxy: ProxyFigures | null;
  /** the startup phase: --dev with every listener, spawn to ready, idle RSS per listener set */
  startupPhase: StartupFigures | null;
  /** the peer phase: Apache Kafka beside Freshet, Freshet/Kafka ratios per durability pair */
  peer: PeerFigures | null;
};

if (import.meta.main) {
  main().catch((e) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
