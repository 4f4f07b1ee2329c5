// The replicated data path, through kafkajs (the same client for the cluster and the lone node,
// so the comparison is the broker's): acks=all latency of one-record sends (p50, p99) and
// throughput of batched sends; failover from kill -9 of a partition's leader to the first
// acknowledged write on the new one; catch-up of a follower that missed N MB. Driven by
// cluster-phase.ts (`bun bench/run.ts --only cluster`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { Metadata } from '../src/protocol/messages/index.ts';
import { RawClient } from '../test/helpers/raw-client.ts';
import { canConnect } from './broker.ts';
import { kafkaOf, partitionStates, pct, startNode, stopNode, until, type BenchNode } from './cluster-nodes.ts';

const RECORD_BYTES = 100;
/** Concurrent batched sends in the throughput step. */
const IN_FLIGHT = 8;
/** Catch-up: record size and records per send (under message.max.bytes, 1 MiB + 12). */
const CATCH_UP_RECORD_BYTES = 16 * 1024;
const CATCH_UP_BATCH_RECORDS = 60;
const CATCH_UP_IN_FLIGHT = 4;

export type AcksAllFigures = { sends: number; p50Ms: number; p99Ms: number; records: number; recordBytes: number; recordsPerSec: number; mibPerSec: number };

const value = Buffer.alloc(RECORD_BYTES, 'x');

/** acks=all latency (one record a send, one at a time) and throughput (batches, IN_FLIGHT at once) on `topic` of 3 partitions. */
export async function measureAcksAll(kafka: Kafka, topic: string, sends: number, batches: number, batchRecords: number): Promise<AcksAllFigures> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const lat: number[] = [];
  for (let i = 0; i < sends; i++) {
    const t0 = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ partition: i % 3, value }] });
    lat.push(performance.now() - t0);
  }
  await producer.disconnect();
  lat.sort((a, b) => a - b);
  const batch = Array.from({ length: batchRecords }, () => ({ value }));
  const t0 = performance.now();
  let next = 0;
  const worker = async (w: number) => {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    for (; next < batches; ) {
      next++;
      await p.send({ topic, acks: -1, messages: batch.map((m) => ({ ...m, partition: w % 3 })) });
    }
    await p.disconnect();
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  const seconds = (performance.now() - t0) / 1000;
  const records = batches * batchRecords;
  return { sends, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), records, recordBytes: RECORD_BYTES, recordsPerSec: records / seconds, mibPerSec: (records * RECORD_BYTES) / seconds / 2 ** 20 };
}

const leaderOf = async (kafka: Kafka, topic: string, partition: number): Promise<number | null> => {
  const l = (await partitionStates(kafka, [topic])).find((p) => p.partition === partition)?.leader ?? -1;
  return l >= 0 ? l : null;
};

const allInSync = async (kafka: Kafka, topic: string): Promise<true | null> =>
  (await partitionStates(kafka, [topic])).every((p) => p.isr.length === 3) ? true : null;

/** kill -9 of partition 0's leader while one-record acks=all sends go on through the others: ms from the kill to the first acknowledged write. */
export async function measureFailover(bin: string, nodes: BenchNode[], topic: string, kills: number): Promise<number[]> {
  const cluster = kafkaOf(nodes);
  const out: number[] = [];
  for (let k = 0; k < kills; k++) {
    const leader = await until(() => leaderOf(cluster, topic, 0), 'a leader of partition 0');
    const victim = nodes.find((n) => n.id === leader)!;
    const producer = kafkaOf(nodes.filter((n) => n !== victim)).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });
    await stopNode(victim, 'SIGKILL');
    const killedAt = performance.now();
    await until(() => producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] }).then(() => true), 'a write acknowledged by the new leader');
    out.push(performance.now() - killedAt);
    await producer.disconnect();
    startNode(bin, victim);
    await until(() => allInSync(cluster, topic), `node ${victim.id} back in sync`);
  }
  return out.sort((a, b) => a - b);
}

export type CatchUpFigures = {
  /** bytes of record values produced while the follower was down */
  bytesProduced: number;
  /** the leader's segment files (`*.log`) once the produce ended */
  leaderLogBytes: number;
  /** spawn of the stopped follower to its partition files reaching the leader's byte count */
  msToLogBytes: number;
  /** spawn to the follower listed in the partition's ISR again (Metadata answered by the leader) */
  msToIsr: number;
  /** the follower's segment bytes when the ISR first listed it again */
  followerBytesAtIsr: number;
  /** spawn to its Kafka port accepting connections (process start and recovery, not catch-up) */
  msToReady: number;
  mbPerSecLogBytes: number;
  mbPerSecIsr: number;
};

/** Bytes of the segment files (`*.log`) of partition 0 of `topic` in a node's data dir
 *  (kafka/<topic>/<partition>/, src/storage). A replicated partition's log is its Raft log, so a
 *  follower's segments equal the leader's bytes once it holds every entry. */
function partitionBytes(dataDir: string, topic: string): number {
  const dir = path.join(dataDir, 'kafka', topic, '0');
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.log')) total += fs.statSync(path.join(dir, f)).size;
  return total;
}

/**
 * A follower of a 1-partition RF 3 topic is stopped (SIGTERM), `mib` MiB are produced with
 * acks=all to the two others, its lag is let out of the ISR (the cluster runs with a short
 * replica.lag.time.max.ms), then it is started again on its old data dir: time to caught up.
 */
export async function measureCatchUp(bin: string, nodes: BenchNode[], sets: readonly string[], topic: string, mib: number): Promise<CatchUpFigures> {
  const cluster = kafkaOf(nodes);
  const leaderId = await until(() => leaderOf(cluster, topic, 0), `a leader of ${topic}`);
  await until(() => allInSync(cluster, topic), `${topic} in sync`);
  const leader = nodes.find((n) => n.id === leaderId)!;
  const follower = nodes.find((n) => n.id !== leaderId)!;
  await stopNode(follower, 'SIGTERM');
  const others = kafkaOf(nodes.filter((n) => n !== follower));
  const record = Buffer.alloc(CATCH_UP_RECORD_BYTES, 'c');
  const sendsTotal = Math.ceil((mib * 2 ** 20) / (CATCH_UP_RECORD_BYTES * CATCH_UP_BATCH_RECORDS));
  let next = 0;
  const worker = async () => {
    // Not idempotent: InitProducerId may be routed to the stopped node (its producer-id
    // coordinator), which kafkajs does not retry elsewhere. acks=all is what is measured.
    const p = others.producer({ maxInFlightRequests: 1 });
    await p.connect();
    for (; next < sendsTotal; ) {
      next++;
      await p.send({ topic, acks: -1, messages: Array.from({ length: CATCH_UP_BATCH_RECORDS }, () => ({ partition: 0, value: record })) });
    }
    await p.disconnect();
  };
  await Promise.all(Array.from({ length: CATCH_UP_IN_FLIGHT }, worker));
  const bytesProduced = sendsTotal * CATCH_UP_BATCH_RECORDS * CATCH_UP_RECORD_BYTES;
  // The leader's own view, asked of the leader itself: kafkajs sends Metadata to any broker it
  // is connected to, and a node that follows answers what the leader last published (up to
  // ~200 ms old; a restarted node knows nothing at first), which once listed the stopped
  // follower in the ISR 56 ms after its spawn.
  const leaderNow = await until(() => leaderOf(others, topic, 0), `a leader of ${topic}`);
  const leaderPort = nodes.find((n) => n.id === leaderNow)!.kafkaPort;
  const isrOfLeader = async () => {
    const client = await RawClient.connect(leaderPort);
    try {
      const md = await client.send(Metadata, 12, { topics: [{ name: topic }], allowAutoTopicCreation: false });
      return [...md.topics[0].partitions[0].isrNodes];
    } finally {
      client.close();
    }
  };
  await until(async () => ((await isrOfLeader()).includes(follower.id) ? null : true), `node ${follower.id} out of the ISR`, 200);
  const leaderLogBytes = partitionBytes(leader.dataDir, topic);
  const t0 = performance.now();
  startNode(bin, follower, sets);
  let msToReady = -1;
  let msToIsr: number | null = null;
  let followerBytesAtIsr = 0;
  // Caught up = its segments hold the leader's bytes; the ISR is read alongside and kept with
  // the follower's bytes at that moment, so an ISR that lists a follower still behind shows.
  const msToLogBytes = await until(async () => {
    const now = performance.now() - t0;
    const bytes = partitionBytes(follower.dataDir, topic);
    if (msToReady < 0 && (await canConnect(follower.kafkaPort))) msToReady = performance.now() - t0;
    if (msToIsr === null && (await isrOfLeader()).includes(follower.id)) {
      msToIsr = performance.now() - t0;
      followerBytesAtIsr = partitionBytes(follower.dataDir, topic);
    }
    return bytes >= leaderLogBytes && msToIsr !== null ? now : null;
  }, `node ${follower.id} caught up and back in the ISR`, 20);
  const mb = bytesProduced / 1e6;
  return {
    bytesProduced,
    leaderLogBytes,
    msToLogBytes,
    msToIsr: msToIsr!,
    followerBytesAtIsr,
    msToReady,
    mbPerSecLogBytes: mb / (msToLogBytes / 1000),
    mbPerSecIsr: mb / (msToIsr! / 1000),
  };
}
