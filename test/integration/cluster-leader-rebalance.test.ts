// Leadership is rebalanced after failures heal (issue 7), on three real dist/freshet processes
// with auto.leader.rebalance.enable=true (the default) and leader.imbalance.check.interval.seconds=1:
// the preferred leader of a partition is killed -9 under idempotent acks=all production, another
// replica leads, the node restarts and catches up, and within the check interval (plus a margin)
// every partition is led by its preferred replica again, as kafkajs's Metadata and `kcat -L`
// through every node show. Production goes on across the failover and the transfers back, and
// a full read holds every acknowledged record exactly once, at its acknowledged offset and in
// order (test/chaos's checker).

import { afterAll, beforeAll, describe, expect } from 'bun:test';
import { Kafka, logLevel } from 'kafkajs';
import { type ClusterNodeProc, seedsFor, startClusterNode, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { KCAT_TOOL, kcat } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { checkHistory } from '../chaos/checker.ts';
import { History, type ReadRecord, recordValue } from '../chaos/history.ts';

const SEED_IDS = [1, 2, 3];
const CHECK_INTERVAL_S = 1;
/** Liveness bounds (generous for a loaded machine); never a performance claim. */
const FORM_MS_MAX = 30_000;
const SEEN_MS_MAX = 20_000;
const FAILOVER_MS_MAX = 30_000;
/** Restart to every preferred replica leading: catching up, the check interval, the transfers, publication. */
const REBALANCED_MS_MAX = 30_000;
const TOPIC = 'rebalanced';
const PARTITIONS = 3;

const nodes = new Map<number, ClusterNodeProc>();

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  const args = ['--set', `leader.imbalance.check.interval.seconds=${CHECK_INTERVAL_S}`];
  const started = await Promise.allSettled(SEED_IDS.map((id) => startClusterNode(id, s.ports.get(id)!, s.seeds, args)));
  for (const o of started) if (o.status === 'fulfilled') nodes.set(o.value.id, o.value);
  const failed = started.find((o) => o.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;

interface PartitionView {
  partitionId: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

async function partitionsVia(via: number): Promise<PartitionView[] | null> {
  const admin = kafkaFor(bootstrapOf(via)).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const ps = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId);
    if (ps.length !== PARTITIONS || ps.some((p) => p.leader < 0)) return null;
    return ps.map((p) => ({ partitionId: p.partitionId, leader: p.leader, replicas: p.replicas, isr: [...p.isr].sort() }));
  } catch {
    return null;
  } finally {
    await admin.disconnect();
  }
}

/** The partitions through `via` once each is led by its preferred replica (the first listed). */
const preferredLeading = (via: number) => async () => {
  const ps = await partitionsVia(via);
  return ps !== null && ps.every((p) => p.leader === p.replicas[0]) ? ps : null;
};

describe('automatic preferred leader rebalancing', () => {
  testRequiring(KCAT_TOOL, 'after the killed preferred leader restarts and catches up, every partition is led by its preferred replica again; nothing acknowledged is lost', async () => {
    const admin = kafkaFor(bootstrapOf(1)).admin();
    await admin.connect();
    try {
      await waitFor(async () => ((await admin.describeCluster()).brokers.length === 3 ? true : null), FORM_MS_MAX, 'three registered brokers');
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const before = await waitFor(preferredLeading(1), SEEN_MS_MAX, 'the preferred replicas leading at creation');
    const victim = before[0].leader;
    const survivor = SEED_IDS.find((id) => id !== victim)!;

    const producer = new Kafka({
      clientId: 'rebalance',
      brokers: [bootstrapOf(survivor)],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 },
    }).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const history = new History();
    let attempt = 0;
    let acked = 0;
    let failedSends = 0;
    let producing = true;
    // One producer sending round-robin to every partition until told to stop: it runs across the
    // failover and across the transfers back.
    const loop = (async () => {
      while (producing) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const seq = attempt++;
          const value = recordValue('rebalance', seq);
          history.record({ kind: 'send', producer: 'rebalance', seq, topic: TOPIC, partition, value });
          try {
            const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition, value }] });
            history.record({ kind: 'ack', producer: 'rebalance', seq, topic: TOPIC, partition, offset: Number(meta.baseOffset) });
            acked++;
          } catch (e) {
            history.record({ kind: 'send_failed', producer: 'rebalance', seq, error: String(e) });
            failedSends++;
          }
        }
      }
    })();

    await waitFor(async () => (acked >= 30 ? true : null), SEEN_MS_MAX, 'the first acknowledged records');
    await nodes.get(victim)!.broker.kill9();
    await waitFor(async () => {
      const ps = await partitionsVia(survivor);
      return ps !== null && ps[0].leader !== victim ? ps : null;
    }, FAILOVER_MS_MAX, 'a new leader of partition 0');
    await nodes.get(victim)!.broker.restart();
    const restartedAtMs = performance.now();
    await waitFor(preferredLeading(survivor), REBALANCED_MS_MAX, 'every partition led by its preferred replica again');
    console.log(`rebalance: node ${victim} restarted; every partition led by its preferred replica again after ${Math.round(performance.now() - restartedAtMs)} ms (check interval ${CHECK_INTERVAL_S} s)`);
    for (const id of SEED_IDS) {
      await waitFor(preferredLeading(id), SEEN_MS_MAX, `node ${id} naming the preferred leaders`);
      const r = await kcat(['-b', bootstrapOf(id), '-L', '-t', TOPIC, '-J']);
      expect(r.exitCode).toBe(0);
      const t = JSON.parse(r.stdout).topics.find((x: { topic: string }) => x.topic === TOPIC);
      for (const p of t.partitions) expect(p.leader).toBe(before[p.partition].replicas[0]);
    }
    // The same producer, never restarted, goes on across the transfers back.
    const ackedAfterRebalance = acked;
    await waitFor(async () => (acked >= ackedAfterRebalance + 30 ? true : null), SEEN_MS_MAX, 'more acknowledged records after the rebalance');
    producing = false;
    await loop;
    await producer.disconnect();
    console.log(`rebalance: ${acked} records acknowledged, ${failedSends} sends failed`);

    const fullRead: ReadRecord[] = [];
    const consumer = kafkaFor(bootstrapOf(victim)).consumer({ groupId: 'rebalance-audit' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        fullRead.push({ topic: TOPIC, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    const ackedSeqs = new Set(history.events.flatMap((e) => (e.kind === 'ack' ? [e.seq] : [])));
    const ackedValues = history.events.flatMap((e) => (e.kind === 'send' && ackedSeqs.has(e.seq) ? [e.value] : []));
    await waitFor(async () => {
      const read = new Set(fullRead.map((r) => r.value));
      return ackedValues.every((v) => read.has(v)) ? true : null;
    }, SEEN_MS_MAX * 2, 'every acknowledged record read');
    await consumer.disconnect();
    const report = checkHistory(history, fullRead);
    expect(report.violations).toEqual([]);
    expect(report.acked).toBe(acked);
  }, 240_000);
});
