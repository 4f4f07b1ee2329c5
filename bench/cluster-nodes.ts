// Real dist/freshet processes for the cluster benches: three nodes started with --seeds (a
// cluster) and one without (the lone node measured in the same run), kafkajs clients, waits.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './broker.ts';

export interface BenchNode {
  readonly id: number;
  readonly kafkaPort: number;
  readonly rpcPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** null for the lone node (no --seeds) */
  seeds: string | null;
  proc: Subprocess | null;
}

/** How long any wait of the cluster benches may take before the bench gives up. */
export const WAIT_MS_MAX = 120_000;

const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Three seeded nodes (ids 1-3) and a lone node (id 0), not started, data under `root`. */
export async function newCluster(root: string): Promise<{ nodes: BenchNode[]; lone: BenchNode }> {
  const make = async (id: number): Promise<BenchNode> => {
    const dataDir = path.join(root, `n${id}`);
    fs.mkdirSync(dataDir, { recursive: true });
    return { id, kafkaPort: await freePort(), rpcPort: await freePort(), dataDir, logFile: path.join(root, `n${id}.log`), seeds: null, proc: null };
  };
  const nodes = [await make(1), await make(2), await make(3)];
  const seeds = nodes.map((n) => `${n.id}@127.0.0.1:${n.rpcPort}`).join(',');
  for (const n of nodes) n.seeds = seeds;
  return { nodes, lone: await make(0) };
}

/** Spawns `n`; `sets` are extra `--set key=value` broker settings. */
export function startNode(bin: string, n: BenchNode, sets: readonly string[] = []): void {
  const argv = [bin, 'start', '--node-id', String(n.id), '--data-dir', n.dataDir, '--kafka-addr', `127.0.0.1:${n.kafkaPort}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none', '--set', 'storage.min.free.bytes=16777216'];
  for (const s of sets) argv.push('--set', s);
  if (n.seeds !== null) argv.push('--seeds', n.seeds, '--rpc-addr', `127.0.0.1:${n.rpcPort}`);
  const log = fs.openSync(n.logFile, 'a');
  n.proc = Bun.spawn(argv, { stdout: log, stderr: log, stdin: 'ignore' });
  fs.closeSync(log);
  live.add(n.proc);
}

export async function stopNode(n: BenchNode, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (n.proc === null) return;
  n.proc.kill(signal);
  await n.proc.exited;
  live.delete(n.proc);
  n.proc = null;
}

export const kafkaOf = (ns: readonly BenchNode[]): Kafka =>
  new Kafka({
    clientId: 'bench',
    brokers: ns.map((n) => `127.0.0.1:${n.kafkaPort}`),
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 },
  });

/** Polls `probe` every `everyMs` until it returns non-null (errors count as null). */
export async function until<T>(probe: () => Promise<T | null>, what: string, everyMs = 50): Promise<T> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (performance.now() < deadline) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    await Bun.sleep(everyMs);
  }
  throw new Error(`${what} did not happen within ${WAIT_MS_MAX} ms`);
}

/** Waits for the 3 nodes to be registered brokers. */
export async function clusterFormed(kafka: Kafka): Promise<void> {
  await until(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const c = await admin.describeCluster().finally(() => admin.disconnect());
    return c.brokers.length === 3 ? true : null;
  }, 'three registered brokers');
}

export async function createTopics(kafka: Kafka, topics: readonly { topic: string; numPartitions: number; replicationFactor: number }[]): Promise<void> {
  await until(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [...topics], waitForLeaders: false }).finally(() => admin.disconnect());
    return true;
  }, `topics ${topics[0]?.topic}..`);
}

/** Partitions of `topics` and their leader and ISR, as Metadata answers them. */
export async function partitionStates(kafka: Kafka, topics: readonly string[]): Promise<{ topic: string; partition: number; leader: number; isr: number[] }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [...topics] });
    return md.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId, leader: p.leader, isr: p.isr })));
  } finally {
    await admin.disconnect();
  }
}

export const pct = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
