// Catch-up of an EMPTY follower (issue 7's "catch-up speed of an empty follower"): a 4th node
// started into a running 3-node cluster (the same --seeds; it registers as a broker), a
// partition holding N MiB on [1,2,3] reassigned to [1,2,4] with an AlterPartitionReassignments
// request (KIP-455, the request Kafka's AdminClient sends). MB/s = the leader's segment bytes /
// (request to node 4's segment files holding as many bytes). Node 4 streams them (src/raft/stream):
// its log's streaming lines say how many bytes went that way.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlterPartitionReassignments } from '../src/protocol/messages/index.ts';
import { RawClient } from '../test/helpers/raw-client.ts';
import { freePort } from './broker.ts';
import { type BenchNode, kafkaOf, startNode, until } from './cluster-nodes.ts';
import { MiB } from './stats.ts';

/** The records written to the partition before it moves: 16 KiB, 60 a send, acks=all. */
const RECORD_BYTES = 16 * 1024;
const BATCH_RECORDS = 60;
/** The streaming session's last line is written once its last flush is done, which may be just after the bytes are seen. */
const STREAM_LINE_WAIT_MS = 1_000;
const STREAM_LINE = /streamed (\d+) chunks, (\d+) bytes of segments/g;

export type EmptyFollowerFigures = {
  /** The partition's segment bytes on the leader when the move was asked. */
  leaderBytes: number;
  /** The reassignment request to node 4 holding those bytes. */
  ms: number;
  mbPerSec: number;
  /** What node 4's log says it streamed (0 and 0 when it has no streaming line). */
  streamedBytes: number;
  streamedChunks: number;
};

/** Node 4 of a cluster whose seeds are `seeds`, data under `root`; not started. */
export async function fourthNode(seeds: readonly BenchNode[], root: string): Promise<BenchNode> {
  const dataDir = path.join(root, 'n4');
  fs.mkdirSync(dataDir, { recursive: true });
  return { id: 4, kafkaPort: await freePort(), rpcPort: await freePort(), dataDir, logFile: path.join(root, 'n4.log'), seeds: seeds[0].seeds, proc: null };
}

/** Starts node 4 (when it is not running) and waits until it is a registered broker. */
export async function joinFourth(bin: string, seeds: readonly BenchNode[], node4: BenchNode, sets: readonly string[]): Promise<void> {
  if (node4.proc === null) startNode(bin, node4, sets);
  const admin = kafkaOf(seeds).admin();
  await admin.connect();
  try {
    await until(async () => ((await admin.describeCluster()).brokers.some((b) => b.nodeId === 4) ? true : null), 'node 4 registered');
  } finally {
    await admin.disconnect();
  }
}

/** Bytes of the segment files of `topic`'s partition 0 in a node's data dir. */
function partitionBytes(n: BenchNode, topic: string): number {
  const dir = path.join(n.dataDir, 'kafka', topic, '0');
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).reduce((t, f) => t + fs.statSync(path.join(dir, f)).size, 0);
}

/** `topic` (new) gets `mib` MiB on [1,2,3], then moves to [1,2,4]: node 4 starts empty. */
export async function measureEmptyFollower(seeds: readonly BenchNode[], node4: BenchNode, topic: string, mib: number): Promise<EmptyFollowerFigures> {
  const kafka = kafkaOf(seeds);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  await producer.connect();
  const record = Buffer.alloc(RECORD_BYTES, 'e');
  const sends = Math.ceil((mib * MiB) / (RECORD_BYTES * BATCH_RECORDS));
  for (let i = 0; i < sends; i++) await producer.send({ topic, acks: -1, messages: Array.from({ length: BATCH_RECORDS }, () => ({ partition: 0, value: record })) });
  await producer.disconnect();
  const leaderBytes = Math.max(...seeds.map((n) => partitionBytes(n, topic)));
  const logBefore = fs.existsSync(node4.logFile) ? fs.statSync(node4.logFile).size : 0;
  const t0 = performance.now();
  const client = await RawClient.connect(seeds[0].kafkaPort);
  const altered = await client.send(AlterPartitionReassignments, 0, { timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas: [1, 2, 4] }] }] });
  client.close();
  const refusal = altered.errorCode !== 0 ? altered.errorCode : (altered.responses[0]?.partitions[0]?.errorCode ?? -1);
  if (refusal !== 0) throw new Error(`reassignment refused: ${JSON.stringify(altered)}`);
  const ms = await until(async () => (partitionBytes(node4, topic) >= leaderBytes ? performance.now() - t0 : null), `node 4 holding ${topic}'s bytes`, 20);
  await Bun.sleep(STREAM_LINE_WAIT_MS);
  const lines = [...fs.readFileSync(node4.logFile, 'utf8').slice(logBefore).matchAll(STREAM_LINE)];
  return {
    leaderBytes,
    ms,
    mbPerSec: leaderBytes / 1e6 / (ms / 1000),
    streamedBytes: lines.reduce((t, m) => t + Number(m[2]), 0),
    streamedChunks: lines.reduce((t, m) => t + Number(m[1]), 0),
  };
}
