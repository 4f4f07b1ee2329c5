// The replicated data path next to a lone node in the same run, through kafkajs (the same
// client for both, so the comparison is the broker's): acks=all latency of one-record sends
// (p50, p99), acks=all throughput of batched sends, on a topic of replication factor 3 on a
// 3-node cluster and on a node without seeds; then failover: kill -9 of a partition's leader
// while one-record acks=all sends go on, timed from the kill to the first acknowledged write
// (the new leader's), several times (median, min, max).
//
//   bun bench/cluster-data.ts [--sends 500] [--batches 200] [--batch-records 100] [--kills 3] [--bin dist/freshet]
//
// Not a test: it prints figures and exits 0 unless a node did not start.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './broker.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const SENDS = Number(arg('--sends', '500'));
const BATCHES = Number(arg('--batches', '200'));
const BATCH_RECORDS = Number(arg('--batch-records', '100'));
const KILLS = Number(arg('--kills', '3'));
const BIN = path.resolve(arg('--bin', path.join(import.meta.dir, '..', 'dist', 'freshet')));
const RECORD_BYTES = 100;
const WAIT_MS_MAX = 30_000;
/** Concurrent batched sends in the throughput phase. */
const IN_FLIGHT = 8;

interface Node {
  id: number;
  kafkaPort: number;
  rpcPort: number;
  dataDir: string;
  logFile: string;
  proc: Subprocess | null;
}

const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-bench-data-'));
const nodes: Node[] = [];
for (const id of [1, 2, 3]) nodes.push(await newNode(id));
const seeds = nodes.map((n) => `${n.id}@127.0.0.1:${n.rpcPort}`).join(',');
const lone = await newNode(0);

async function newNode(id: number): Promise<Node> {
  const dataDir = path.join(root, `n${id}`);
  fs.mkdirSync(dataDir);
  return { id, kafkaPort: await freePort(), rpcPort: await freePort(), dataDir, logFile: path.join(root, `n${id}.log`), proc: null };
}

function start(n: Node): void {
  const argv = [BIN, 'start', '--node-id', String(n.id), '--data-dir', n.dataDir, '--kafka-addr', `127.0.0.1:${n.kafkaPort}`, '--set', 'storage.min.free.bytes=16777216'];
  if (n !== lone) argv.push('--seeds', seeds, '--rpc-addr', `127.0.0.1:${n.rpcPort}`);
  const log = fs.openSync(n.logFile, 'a');
  n.proc = Bun.spawn(argv, { stdout: log, stderr: log, stdin: 'ignore' });
  live.add(n.proc);
}

const kafkaOf = (ns: readonly Node[]) =>
  new Kafka({ clientId: 'bench', brokers: ns.map((n) => `127.0.0.1:${n.kafkaPort}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 500 } });

async function until<T>(probe: () => Promise<T | null>, what: string): Promise<T> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (performance.now() < deadline) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    await Bun.sleep(50);
  }
  throw new Error(`${what} did not happen within ${WAIT_MS_MAX} ms (logs in ${root})`);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const value = Buffer.alloc(RECORD_BYTES, 'x');

/** acks=all latency (one record a send, one at a time) and throughput (batches, IN_FLIGHT at once) on `topic`. */
async function measure(kafka: Kafka, topic: string): Promise<{ p50: number; p99: number; recordsPerSec: number; mibPerSec: number }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const lat: number[] = [];
  for (let i = 0; i < SENDS; i++) {
    const t0 = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ partition: i % 3, value }] });
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  const batch = Array.from({ length: BATCH_RECORDS }, () => ({ value }));
  const t0 = performance.now();
  let next = 0;
  const worker = async (w: number) => {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    for (; next < BATCHES; ) {
      next++;
      await p.send({ topic, acks: -1, messages: batch.map((m) => ({ ...m, partition: w % 3 })) });
    }
    await p.disconnect();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  const records = BATCHES * BATCH_RECORDS;
  return { p50: pct(lat, 50), p99: pct(lat, 99), recordsPerSec: records / seconds, mibPerSec: (records * RECORD_BYTES) / seconds / 2 ** 20 };
}

async function leaderOf(kafka: Kafka, topic: string, partition: number): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const l = md.topics[0].partitions.find((p) => p.partitionId === partition)?.leader ?? -1;
    return l >= 0 ? l : null;
  } finally {
    await admin.disconnect();
  }
}

for (const n of [...nodes, lone]) start(n);
const clusterKafka = kafkaOf(nodes);
const loneKafka = kafkaOf([lone]);
await until(async () => {
  const admin = clusterKafka.admin();
  await admin.connect();
  const c = await admin.describeCluster().finally(() => admin.disconnect());
  return c.brokers.length === 3 ? true : null;
}, 'three registered brokers');
for (const [kafka, rf] of [[clusterKafka, 3], [loneKafka, 1]] as const) {
  await until(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench', numPartitions: 3, replicationFactor: rf }], waitForLeaders: true }).finally(() => admin.disconnect());
    return true;
  }, 'the bench topic');
}
const one = await measure(loneKafka, 'bench');
const three = await measure(clusterKafka, 'bench');
console.log(`acks=all, ${RECORD_BYTES}-byte records, kafkajs (idempotent):`);
console.log(`  lone node:          one-record sends p50 ${one.p50.toFixed(1)} ms, p99 ${one.p99.toFixed(1)} ms; batches of ${BATCH_RECORDS}: ${Math.round(one.recordsPerSec)} records/s (${one.mibPerSec.toFixed(1)} MiB/s)`);
console.log(`  3 nodes, RF 3:      one-record sends p50 ${three.p50.toFixed(1)} ms, p99 ${three.p99.toFixed(1)} ms; batches of ${BATCH_RECORDS}: ${Math.round(three.recordsPerSec)} records/s (${three.mibPerSec.toFixed(1)} MiB/s)`);

// Failover: kill -9 the leader of partition 0 while one-record acks=all sends go on through the others.
const failovers: number[] = [];
for (let k = 0; k < KILLS; k++) {
  const leader = await until(() => leaderOf(clusterKafka, 'bench', 0), 'a leader of partition 0');
  const victim = nodes.find((n) => n.id === leader)!;
  const others = kafkaOf(nodes.filter((n) => n !== victim));
  const producer = others.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: 'bench', acks: -1, messages: [{ partition: 0, value }] });
  victim.proc!.kill('SIGKILL');
  await victim.proc!.exited;
  const killedAt = performance.now();
  await until(() => producer.send({ topic: 'bench', acks: -1, messages: [{ partition: 0, value }] }).then(() => true), 'a write acknowledged by the new leader');
  failovers.push(performance.now() - killedAt);
  await producer.disconnect();
  start(victim);
  // Back in the ISR of every partition before the next kill.
  await until(async () => {
    const admin = clusterKafka.admin();
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: ['bench'] }).finally(() => admin.disconnect());
    return md.topics[0].partitions.every((p) => p.isr.length === 3) ? true : null;
  }, `node ${victim.id} back in sync`);
}
failovers.sort((a, b) => a - b);
console.log(`failover (kill -9 of partition 0's leader to the first acknowledged write on the new one), ${KILLS} kills: median ${Math.round(pct(failovers, 50))} ms, min ${Math.round(failovers[0])} ms, max ${Math.round(failovers[failovers.length - 1])} ms`);

for (const n of [...nodes, lone]) {
  n.proc?.kill('SIGTERM');
  await n.proc?.exited;
}
fs.rmSync(root, { recursive: true, force: true });
