// The cluster phase of `npm run bench` (issue 7's figures), each next to a lone node (no
// --seeds) measured in the same run:
//   1. idle CPU and RSS of 3 nodes holding 1,000 partitions of RF 3 (cluster-idle.ts);
//   2. acks=all latency p50/p99 and throughput on RF 3 (cluster-data.ts);
//   3. failover: kill -9 of a partition leader to the first acknowledged write on the new one;
//   4. catch-up of a follower that was down while N MiB were written (MB/s);
//   5. catch-up of an empty follower: a 4th node joins and a partition of N MiB moves onto it.
// Fresh data dirs per cluster; every process is stopped before the next step's cluster starts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { measureAcksAll, measureCatchUp, measureFailover, type AcksAllFigures, type CatchUpFigures } from './cluster-data.ts';
import { measureIdle, type IdleFigures } from './cluster-idle.ts';
import { type EmptyFollowerFigures, fourthNode, joinFourth, measureEmptyFollower } from './cluster-empty-follower.ts';
import { clusterFormed, createTopics, kafkaOf, newCluster, startNode, stopNode, type BenchNode } from './cluster-nodes.ts';

export type ClusterSizes = { sends: number; batches: number; batchRecords: number; kills: number; idleSeconds: number; idleSettleMs: number; catchUpMiB: number };

export const CLUSTER_SIZES_QUICK: ClusterSizes = { sends: 200, batches: 50, batchRecords: 100, kills: 1, idleSeconds: 10, idleSettleMs: 5_000, catchUpMiB: 50 };
export const CLUSTER_SIZES_FULL: ClusterSizes = { sends: 1000, batches: 300, batchRecords: 100, kills: 3, idleSeconds: 20, idleSettleMs: 10_000, catchUpMiB: 200 };

/** The data cluster drops a silent follower from the ISR after this (default 30 s), so the
 *  catch-up step sees the stopped follower leave and can time its return. acks=all waits for
 *  the Raft commit whatever the ISR, so throughput and latency do not depend on it. */
const DATA_CLUSTER_SETS = ['replica.lag.time.max.ms=3000'];

export type ClusterFigures = {
  sizes: ClusterSizes;
  idle: IdleFigures;
  acksAll: { lone: AcksAllFigures; rf3: AcksAllFigures };
  failoverMs: number[];
  catchUp: CatchUpFigures;
  emptyFollower: EmptyFollowerFigures;
};

async function stopAll(ns: readonly BenchNode[]): Promise<void> {
  await Promise.all(ns.map((n) => stopNode(n, 'SIGTERM')));
}

export async function runClusterPhase(o: { bin: string; dataRoot: string; sizes: ClusterSizes; log: (m: string) => void }): Promise<ClusterFigures> {
  const idleRoot = path.join(o.dataRoot, 'cluster-idle');
  const a = await newCluster(idleRoot);
  let idle: IdleFigures;
  try {
    for (const n of [...a.nodes, a.lone]) startNode(o.bin, n);
    await clusterFormed(kafkaOf(a.nodes));
    idle = await measureIdle({ cluster: kafkaOf(a.nodes), lone: kafkaOf([a.lone]), nodes: a.nodes, loneNode: a.lone, windowSeconds: o.sizes.idleSeconds, settleMs: o.sizes.idleSettleMs, log: o.log });
  } finally {
    await stopAll([...a.nodes, a.lone]);
  }
  fs.rmSync(idleRoot, { recursive: true, force: true });

  const dataRoot = path.join(o.dataRoot, 'cluster-data');
  const b = await newCluster(dataRoot);
  const node4 = await fourthNode(b.nodes, dataRoot);
  try {
    for (const n of b.nodes) startNode(o.bin, n, DATA_CLUSTER_SETS);
    startNode(o.bin, b.lone);
    const cluster = kafkaOf(b.nodes);
    const lone = kafkaOf([b.lone]);
    await clusterFormed(cluster);
    await createTopics(cluster, [{ topic: 'bench', numPartitions: 3, replicationFactor: 3 }, { topic: 'catchup', numPartitions: 1, replicationFactor: 3 }]);
    await createTopics(lone, [{ topic: 'bench', numPartitions: 3, replicationFactor: 1 }]);
    o.log(`cluster data: acks=all, ${o.sizes.sends} one-record sends and ${o.sizes.batches} batches of ${o.sizes.batchRecords}, lone node then 3 nodes RF 3`);
    const loneFig = await measureAcksAll(lone, 'bench', o.sizes.sends, o.sizes.batches, o.sizes.batchRecords);
    await stopNode(b.lone, 'SIGTERM');
    const rf3 = await measureAcksAll(cluster, 'bench', o.sizes.sends, o.sizes.batches, o.sizes.batchRecords);
    o.log(`cluster data: failover, ${o.sizes.kills} kill -9 of partition 0's leader`);
    const failoverMs = await measureFailover(o.bin, b.nodes, 'bench', o.sizes.kills);
    o.log(`cluster data: catch-up of a follower that missed ${o.sizes.catchUpMiB} MiB`);
    const catchUp = await measureCatchUp(o.bin, b.nodes, DATA_CLUSTER_SETS, 'catchup', o.sizes.catchUpMiB);
    o.log(`cluster data: catch-up of an empty follower (node 4 joins; a partition of ${o.sizes.catchUpMiB} MiB moves onto it)`);
    await joinFourth(o.bin, b.nodes, node4, DATA_CLUSTER_SETS);
    const emptyFollower = await measureEmptyFollower(b.nodes, node4, 'empty-follower', o.sizes.catchUpMiB);
    return { sizes: o.sizes, idle, acksAll: { lone: loneFig, rf3 }, failoverMs, catchUp, emptyFollower };
  } finally {
    await stopAll([...b.nodes, b.lone, node4]);
  }
}

const ms = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x)} ms`);

export function printCluster(f: ClusterFigures, lines: string[]): void {
  const { lone, rf3 } = f.acksAll;
  lines.push('', 'cluster (3 nodes on this machine, kafkajs; next to a lone node of the same run)');
  lines.push(`  idle, ${f.idle.partitions} partitions (RF 3 on the cluster, RF 1 on the lone node), ${f.idle.windowSeconds} s window after ${f.idle.settleMs} ms settle:`);
  f.idle.nodes.forEach((n, i) => {
    const e = f.idle.empty[i];
    lines.push(`    ${n.node.padEnd(7)} CPU ${n.cpuPctOfOneCore.toFixed(1).padStart(5)}% of one core, RSS ${n.rssMiB.toFixed(0).padStart(4)} MiB   (no partitions: ${e.cpuPctOfOneCore.toFixed(1)}%, ${e.rssMiB.toFixed(0)} MiB)`);
  });
  lines.push(`    creation to all leaders and ISR: cluster ${ms(f.idle.createMs.cluster)}, lone ${ms(f.idle.createMs.lone)}`);
  const row = (name: string, x: AcksAllFigures) =>
    `  acks=all ${name.padEnd(13)} p50 ${x.p50Ms.toFixed(1)} ms, p99 ${x.p99Ms.toFixed(1)} ms (${x.sends} one-record sends); ${Math.round(x.recordsPerSec)} records/s, ${x.mibPerSec.toFixed(1)} MiB/s (${x.recordBytes} B records, batches)`;
  lines.push(row('lone node', lone), row('3 nodes RF 3', rf3));
  const fo = f.failoverMs;
  lines.push(`  failover (kill -9 of the leader to the first acked write): median ${ms(fo[Math.floor(fo.length / 2)])}, min ${ms(fo[0])}, max ${ms(fo[fo.length - 1])} over ${fo.length} kills`);
  const c = f.catchUp;
  lines.push(
    `  catch-up of a follower that missed ${(c.bytesProduced / 1e6).toFixed(0)} MB: ` +
      `partition files at the leader's size after ${ms(c.msToLogBytes)} (${c.mbPerSecLogBytes.toFixed(1)} MB/s), ` +
      `back in the ISR after ${ms(c.msToIsr)} (${c.mbPerSecIsr.toFixed(1)} MB/s, its files then ${(c.followerBytesAtIsr / 1e6).toFixed(1)} of ${(c.leaderLogBytes / 1e6).toFixed(1)} MB); from spawn; its Kafka port accepted connections after ${ms(c.msToReady)}`,
  );
  const e = f.emptyFollower;
  lines.push(
    `  catch-up of an empty follower (node 4 joins, a partition of ${(e.leaderBytes / 1e6).toFixed(0)} MB reassigned onto it): ` +
      `its files at the leader's size ${ms(e.ms)} after the request (${e.mbPerSec.toFixed(1)} MB/s); streamed ${(e.streamedBytes / 1e6).toFixed(1)} MB in ${e.streamedChunks} chunks`,
  );
}
