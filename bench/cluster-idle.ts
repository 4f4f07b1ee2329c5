// Idle cost of holding many partitions: each of 3 nodes holding 1,000 partitions of RF 3 (every
// node a replica of each: 1,000 Raft groups a node), next to a lone node holding the same
// 1,000 partitions, in the same window. CPU from /proc/<pid>/stat (utime+stime) over the
// window, as % of one core; VmRSS at its end.

import type { Kafka } from 'kafkajs';
import { createTopics, partitionStates, until, type BenchNode } from './cluster-nodes.ts';
import { cpuSeconds, statusKiB } from './proc.ts';

/** 334 topics of 3 partitions = 1,002 partitions, as Kafka users spread partitions over topics. */
export const IDLE_TOPICS = 334;
const IDLE_PARTITIONS_PER_TOPIC = 3;
/** Topics per CreateTopics request. */
const CREATE_TOPICS_PER_REQUEST = 50;
/** Topics per Metadata request while waiting for leaders. */
const METADATA_TOPICS_PER_REQUEST = 100;

export type IdleNodeFigures = { node: string; cpuPctOfOneCore: number; rssMiB: number };
export type IdleFigures = {
  partitions: number;
  windowSeconds: number;
  settleMs: number;
  createMs: { cluster: number; lone: number };
  /** the same nodes before any topic: the controller quorum's own idle cost */
  empty: IdleNodeFigures[];
  nodes: IdleNodeFigures[];
};

const topicNames = Array.from({ length: IDLE_TOPICS }, (_, i) => `idle-${String(i).padStart(4, '0')}`);

/** Creates the topics on `kafka` and waits until every partition has a leader and `rf` in-sync replicas: ms taken. */
async function createAndSettle(kafka: Kafka, rf: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < topicNames.length; i += CREATE_TOPICS_PER_REQUEST) {
    await createTopics(kafka, topicNames.slice(i, i + CREATE_TOPICS_PER_REQUEST).map((topic) => ({ topic, numPartitions: IDLE_PARTITIONS_PER_TOPIC, replicationFactor: rf })));
  }
  for (let i = 0; i < topicNames.length; i += METADATA_TOPICS_PER_REQUEST) {
    const slice = topicNames.slice(i, i + METADATA_TOPICS_PER_REQUEST);
    await until(async () => {
      const ps = await partitionStates(kafka, slice);
      return ps.length === slice.length * IDLE_PARTITIONS_PER_TOPIC && ps.every((p) => p.leader >= 0 && p.isr.length === rf) ? true : null;
    }, `leaders and ISR of ${slice[0]}..`, 500);
  }
  return performance.now() - t0;
}

/** CPU (% of one core) over `windowSeconds` and VmRSS at its end, of each of `all`. */
async function sampleIdle(all: readonly BenchNode[], loneNode: BenchNode, windowSeconds: number): Promise<IdleNodeFigures[]> {
  const pids = all.map((n) => n.proc!.pid);
  const cpu0 = pids.map((p) => cpuSeconds(p)!);
  await Bun.sleep(windowSeconds * 1000);
  const cpu1 = pids.map((p) => cpuSeconds(p)!);
  return all.map((n, i) => ({
    node: n === loneNode ? 'lone' : `node ${n.id}`,
    cpuPctOfOneCore: ((cpu1[i] - cpu0[i]) / windowSeconds) * 100,
    rssMiB: (statusKiB(pids[i], 'VmRSS') ?? 0) / 1024,
  }));
}

/** Both the cluster and the lone node are running and formed: idle with no partitions (the
 *  controller quorum alone), then creates the partitions on both, settles, idle again. */
export async function measureIdle(o: { cluster: Kafka; lone: Kafka; nodes: BenchNode[]; loneNode: BenchNode; windowSeconds: number; settleMs: number; log: (m: string) => void }): Promise<IdleFigures> {
  const all = [...o.nodes, o.loneNode];
  o.log(`cluster idle: settling ${o.settleMs} ms, then ${o.windowSeconds} s of idle CPU with no partitions (the controller quorum alone)`);
  await Bun.sleep(o.settleMs);
  const empty = await sampleIdle(all, o.loneNode, o.windowSeconds);
  o.log(`cluster idle: creating ${IDLE_TOPICS} x ${IDLE_PARTITIONS_PER_TOPIC} partitions, RF 3 on 3 nodes`);
  const clusterMs = await createAndSettle(o.cluster, 3);
  o.log(`cluster idle: creating the same partitions on the lone node`);
  const loneMs = await createAndSettle(o.lone, 1);
  o.log(`cluster idle: settling ${o.settleMs} ms, then ${o.windowSeconds} s of idle CPU`);
  await Bun.sleep(o.settleMs);
  const nodes = await sampleIdle(all, o.loneNode, o.windowSeconds);
  return { partitions: IDLE_TOPICS * IDLE_PARTITIONS_PER_TOPIC, windowSeconds: o.windowSeconds, settleMs: o.settleMs, createMs: { cluster: clusterMs, lone: loneMs }, empty, nodes };
}
