// Partition reassignment (KIP-455) on real dist/freshet processes (issue 7: "replicas can be
// added, removed and moved"): three seeds and a fourth node that joins with the same --seeds (a
// learner of the controller quorum, a broker all the same: it registers and can hold replicas).
// Kafka's own AdminClient (test/integration/java/Reassign.java, what kafka-reassign-partitions.sh
// calls) moves a partition of replication factor 3 from [1,2,3] to [2,3,4] (its leader, node 1,
// leaves) while an idempotent acks=all kafkajs producer writes; then ListPartitionReassignments
// is empty, Metadata shows the new replicas all in sync, node 1's directory of the partition is
// gone, and a full read holds every acknowledged record exactly once, in order (test/chaos's
// checker). A move cancelled right after it starts stops where it is: no reassignment listed,
// the replicas Metadata lists are in sync, and exactly their nodes hold the partition's
// directory. The moves' steps are the partition leaders' (src/cluster/replica/reassigner.ts).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { checkHistory } from '../chaos/checker.ts';
import { History, recordValue } from '../chaos/history.ts';
import { type ClusterNodeProc, readUntilAcked, seedsFor, startClusterNode, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { JAVA_CLIENT, javaJson } from '../helpers/java.ts';
import { kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { testRequiring } from '../helpers/requirements.ts';

const SEED_IDS = [1, 2, 3];
const ALL_IDS = [1, 2, 3, 4];
/** Liveness bounds (generous for a loaded machine); never a performance claim. */
const FORM_MS_MAX = 30_000;
const MOVE_MS_MAX = 60_000;
const TOPIC = 'moved';
const FROM = [1, 2, 3];
const TARGET = [2, 3, 4];

const nodes = new Map<number, ClusterNodeProc>();

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  for (const n of await startClusterNodes(SEED_IDS, s.ports, s.seeds)) nodes.set(n.id, n);
  const joiner = await seedsFor([4]);
  nodes.set(4, await startClusterNode(4, joiner.ports.get(4)!, s.seeds));
}, 90_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;

interface Reassignments {
  reassignments: Array<{ topic: string; partition: number; replicas: number[]; adding: number[]; removing: number[] }>;
  error: string | null;
}

interface PartitionView {
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Partition 0 of `topic` as node `via` shows it through kafkajs; null while unknown or leaderless. */
async function partitionVia(via: number, topic = TOPIC): Promise<PartitionView | null> {
  return withAdmin(bootstrapOf(via), async (admin) => {
    const p = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.find((x) => x.partitionId === 0);
    return p === undefined || p.leader < 0 ? null : { leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() };
  }).catch(() => null);
}

describe('partition reassignment on a four-node cluster', () => {
  test('a fourth node started with the same seeds registers as a broker', async () => {
    const brokers = await waitFor(
      () => withAdmin(bootstrapOf(1), async (admin) => ((await admin.describeCluster()).brokers.length === 4 ? (await admin.describeCluster()).brokers : null)),
      FORM_MS_MAX,
      'four registered brokers',
    );
    expect(brokers.map((b) => b.nodeId).sort()).toEqual(ALL_IDS);
  }, 60_000);

  testRequiring(JAVA_CLIENT, "Kafka's AdminClient moves [1,2,3] to [2,3,4] under idempotent acks=all writes: the move ends, the new replicas are in sync, node 1's directory is gone, every acknowledged record is read once and in order", async () => {
    await withAdmin(bootstrapOf(1), async (admin) => {
      expect(await admin.createTopics({ topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: FROM }] }], waitForLeaders: true })).toBe(true);
    });
    const before = await waitFor(async () => {
      const p = await partitionVia(2);
      return p !== null && p.isr.length === FROM.length ? p : null;
    }, FORM_MS_MAX, 'partition 0 with three replicas in sync');
    expect(before.replicas).toEqual(FROM);
    const dir = join(nodes.get(1)!.broker.dataDir, 'kafka', TOPIC, '0');
    expect(existsSync(dir)).toBe(true);

    const kafka = new Kafka({ clientId: 'mover', brokers: [bootstrapOf(2)], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, requestTimeout: 5_000, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const history = new History();
    const acked: string[] = [];
    let seq = 0;
    let failedSends = 0;
    let producing = true;
    const sendOne = async (): Promise<void> => {
      const s = seq++;
      const value = recordValue('mover', s);
      history.record({ kind: 'send', producer: 'mover', seq: s, topic: TOPIC, partition: 0, value });
      try {
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value }] });
        history.record({ kind: 'ack', producer: 'mover', seq: s, topic: TOPIC, partition: 0, offset: Number(meta.baseOffset) });
        acked.push(value);
      } catch (e) {
        history.record({ kind: 'send_failed', producer: 'mover', seq: s, error: String(e) });
        failedSends++; // not acknowledged: it may or may not be in the log, never twice
      }
    };
    const writing = (async () => {
      while (producing) await sendOne();
    })();
    await waitFor(async () => (acked.length >= 20 ? true : null), FORM_MS_MAX, '20 records acknowledged before the move');

    const altered = await javaJson<Reassignments>('Reassign', ['alter', bootstrapOf(3), TOPIC, '0', TARGET.join(',')]);
    expect(altered.error).toBeNull();
    const ackedAtAlter = acked.length;
    // The move ends: the controller lists no reassignment, and Metadata names the target, all in sync.
    await waitFor(async () => {
      const l = await javaJson<Reassignments>('Reassign', ['list', bootstrapOf(4)]);
      return l.error === null && l.reassignments.length === 0 ? true : null;
    }, MOVE_MS_MAX, 'ListPartitionReassignments empty');
    const after = await waitFor(async () => {
      const p = await partitionVia(4);
      return p !== null && p.replicas.join() === TARGET.join() && p.isr.join() === TARGET.join() ? p : null;
    }, MOVE_MS_MAX, `partition 0 on ${TARGET}, all in sync`);
    expect(TARGET).toContain(after.leader);
    await waitFor(async () => (existsSync(dir) ? null : true), MOVE_MS_MAX, "node 1's directory of the partition removed");
    await waitFor(async () => (acked.length >= ackedAtAlter + 20 ? true : null), FORM_MS_MAX, '20 more records acknowledged after the move');
    producing = false;
    await writing;
    await producer.disconnect();
    console.log(`reassignment: ${acked.length} records acknowledged (${acked.length - ackedAtAlter} during and after the move), ${failedSends} sends failed; leader now node ${after.leader}`);

    const fullRead = await readUntilAcked(bootstrapOf(4), TOPIC, 'reassignment-audit', acked, MOVE_MS_MAX);
    const ackedSet = new Set(acked);
    const report = checkHistory(history, fullRead);
    expect(report.violations).toEqual([]);
    expect(report.acked).toBe(acked.length);
    const values = fullRead.map((r) => r.value);
    expect(new Set(values).size).toBe(values.length);
    expect(values.filter((v) => ackedSet.has(v))).toEqual(acked);
  }, 240_000);

  testRequiring(JAVA_CLIENT, 'a move cancelled right after it starts stops where it is: nothing listed, the listed replicas in sync, and only their nodes hold the directory', async () => {
    const topic = 'cancelled';
    await withAdmin(bootstrapOf(1), async (admin) => {
      expect(await admin.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: FROM }] }], waitForLeaders: true })).toBe(true);
    });
    await waitFor(async () => {
      const p = await partitionVia(2, topic);
      return p !== null && p.isr.length === FROM.length ? p : null;
    }, FORM_MS_MAX, 'partition 0 with three replicas in sync');
    const r = await javaJson<Reassignments>('Reassign', ['alter-cancel', bootstrapOf(3), topic, '0', TARGET.join(',')]);
    // The move may have ended before the cancel came: then there was nothing to cancel.
    if (r.error !== null) expect(r.error).toContain('NoReassignmentInProgress');
    await waitFor(async () => {
      const l = await javaJson<Reassignments>('Reassign', ['list', bootstrapOf(4)]);
      return l.error === null && l.reassignments.length === 0 ? true : null;
    }, MOVE_MS_MAX, 'ListPartitionReassignments empty');
    const dirOf = (id: number) => join(nodes.get(id)!.broker.dataDir, 'kafka', topic, '0');
    const settled = await waitFor(async () => {
      const p = await partitionVia(4, topic);
      if (p === null || p.isr.join() !== p.replicas.join()) return null;
      return ALL_IDS.every((id) => existsSync(dirOf(id)) === p.replicas.includes(id)) ? p : null;
    }, MOVE_MS_MAX, 'the cancelled move settled: its replicas in sync, only their nodes holding the directory');
    console.log(`reassignment cancelled: partition 0 of ${topic} stopped on replicas ${settled.replicas} (leader ${settled.leader})`);
    expect(settled.replicas.length).toBeGreaterThanOrEqual(FROM.length);
  }, 120_000);
});
