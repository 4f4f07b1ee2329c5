// Log compaction of replicated topics on three real processes (issue 7: compacted topics stay
// bounded on a cluster as on one node). Every node cleans its own replicas below its commit
// index (src/cluster/replica/README.md, "Compaction"), with log.cleaner.backoff.ms small:
// - a compacted topic of replication factor 3 with 2 KiB segments takes many acks=all updates
//   of a few keys from kafkajs: every replica's log files shrink well below the bytes written,
//   and kcat through each node reads the latest value of every key at its acknowledged offset;
// - the preferred leader is killed -9, more updates go to the new leader (which compacts them),
//   the node restarts, catches up from the compacted leader, leads again (auto leader
//   rebalance), shrinks too, and reads through it agree;
// - a kafkajs consumer group commits offsets (with large metadata) after each record it reads:
//   the __consumer_offsets partition's files shrink on every node, the committed offset is the
//   last one, and a new consumer of the group starts there.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type ClusterNodeProc, partitionsVia, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { KCAT_TOOL, kcat, parseJsonLines } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(180_000);

const SEED_IDS = [1, 2, 3];
const TOPIC = 'compacted';
/** The plain topic a consumer group reads, committing after every record. */
const SOURCE = 'offsets-source';
const KEYS = 5;
const UPDATES_PER_KEY = 40;
const VALUE_BYTES = 400;
const COMMITS = 150;
const METADATA_BYTES = 400;
/** Liveness bounds (generous for a loaded machine); never a performance claim. */
const SEEN_MS_MAX = 30_000;
const CLEANED_MS_MAX = 60_000;
/** A cleaned log must hold less than this share of the bytes written (emptied batches keep their 61-byte headers). */
const SHRUNK_SHARE_MAX = 0.4;
const OFFSETS_DIR = '__consumer_offsets';

const nodes = new Map<number, ClusterNodeProc>();

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  const settings = {
    'log.cleaner.backoff.ms': '200',
    'offsets.topic.num.partitions': '1',
    'offsets.topic.segment.bytes': '4096',
    'leader.imbalance.check.interval.seconds': '1',
  };
  const args = Object.entries(settings).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  for (const n of await startClusterNodes(SEED_IDS, s.ports, s.seeds, args)) nodes.set(n.id, n);
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;

/** Bytes of the .log files of a partition's replica on node `id`. */
function logBytes(id: number, topic: string, partition = 0): number {
  const dir = join(nodes.get(id)!.broker.dataDir, 'kafka', topic, String(partition));
  let n = 0;
  for (const f of readdirSync(dir)) if (f.endsWith('.log')) n += statSync(join(dir, f)).size;
  return n;
}

function kafka(id: number, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [bootstrapOf(id)], logLevel: process.env.DEBUG_KAFKAJS ? logLevel.INFO : logLevel.NOTHING, connectionTimeout: 2_000, requestTimeout: 10_000, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } });
}

type KcatRecord = { offset: number; key: string | null; payload: string | null };

/** key -> [offset, value] of the latest record per key, read with kcat through node `id`; null while it cannot read. */
async function latestVia(id: number): Promise<Map<string, [number, string]> | null> {
  const r = await kcat(['-b', bootstrapOf(id), '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-J', '-q'], { timeoutMs: 20_000 });
  if (r.exitCode !== 0) return null;
  const out = new Map<string, [number, string]>();
  for (const rec of parseJsonLines<KcatRecord>(r.stdout)) out.set(rec.key!, [rec.offset, rec.payload!]);
  return out;
}

/** Waits until every node's replica of `topic`-0 holds less than SHRUNK_SHARE_MAX of `written` bytes. */
async function shrunkEverywhere(topic: string, written: number): Promise<number[]> {
  return waitFor(async () => {
    const sizes = SEED_IDS.map((id) => logBytes(id, topic));
    return sizes.every((s) => s < SHRUNK_SHARE_MAX * written) ? sizes : null;
  }, CLEANED_MS_MAX, `${topic} shrinking below ${SHRUNK_SHARE_MAX} of ${written} bytes on every node`);
}

describe('compacted topics on a three-node cluster', () => {
  const acked = new Map<string, [number, string]>();
  let written = 0;

  async function update(via: number, round: number, clientId: string): Promise<void> {
    const producer = kafka(via, clientId).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (let i = 0; i < UPDATES_PER_KEY; i++) {
        for (let k = 0; k < KEYS; k++) {
          const key = `key${k}`;
          const value = `${key}-${round}-${i}-${'v'.repeat(VALUE_BYTES)}`;
          const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key, value, partition: 0 }] });
          acked.set(key, [Number(meta.baseOffset), value]);
          written += VALUE_BYTES;
        }
      }
    } finally {
      await producer.disconnect();
    }
  }

  async function expectLatestEverywhere(): Promise<void> {
    for (const id of SEED_IDS) {
      const seen = await waitFor(async () => {
        const m = await latestVia(id);
        return m !== null && m.size === KEYS ? m : null;
      }, SEEN_MS_MAX, `kcat reading every key through node ${id}`);
      expect([...seen.entries()].sort()).toEqual([...acked.entries()].sort());
    }
  }

  testRequiring(KCAT_TOOL, 'every replica compacts; a killed node catches up from a compacted leader; reads through each node agree', async () => {
    await withAdmin(bootstrapOf(1), async (admin) => {
      await waitFor(async () => ((await admin.describeCluster()).brokers.length === 3 ? true : null), SEEN_MS_MAX, 'three registered brokers');
      await admin.createTopics({
        topics: [{
          topic: TOPIC, numPartitions: 1, replicationFactor: 3,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '2048' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        }],
        waitForLeaders: true,
      });
    });
    const [p] = await waitFor(() => partitionsVia(bootstrapOf(1), TOPIC, 1), SEEN_MS_MAX, 'a leader');
    const preferred = p.replicas[0];
    const other = SEED_IDS.find((id) => id !== preferred)!;
    await update(other, 0, 'compaction-0');
    const first = await shrunkEverywhere(TOPIC, written);
    console.log(`cluster compaction: ${written} value bytes written; log bytes per node after cleaning: ${first.join(', ')}`);
    await expectLatestEverywhere();

    // The preferred leader dies; the new leader takes (and compacts) more updates; it comes back.
    const victim = nodes.get(preferred)!.broker;
    await victim.kill9();
    try {
      await waitFor(async () => {
        const ps = await partitionsVia(bootstrapOf(other), TOPIC, 1);
        return ps !== null && ps[0].leader !== preferred ? ps : null;
      }, SEEN_MS_MAX, 'a new leader');
      // kafkajs asks the controller Metadata names for a producer id: wait until it is not the dead node.
      await waitFor(() => withAdmin(bootstrapOf(other), async (admin) => ((await admin.describeCluster()).controller !== preferred ? true : null)), SEEN_MS_MAX, 'a live controller');
      await update(other, 1, 'compaction-1');
    } finally {
      await victim.restart(); // also when the test fails above: the next test needs every node
    }
    await waitFor(async () => {
      const ps = await partitionsVia(bootstrapOf(other), TOPIC, 1);
      return ps !== null && ps[0].leader === preferred && ps[0].isr.length === 3 ? ps : null;
    }, CLEANED_MS_MAX, 'the restarted node in sync and leading again');
    const second = await shrunkEverywhere(TOPIC, written);
    console.log(`cluster compaction: after the restart, ${written} value bytes written; log bytes per node: ${second.join(', ')}`);
    await expectLatestEverywhere(); // through the restarted node, which leads: its own log serves
  });

  test('committed offsets stay resumable after __consumer_offsets compacts', async () => {
    const group = 'compaction-group';
    const admin = kafka(1, 'offsets-admin').admin();
    await admin.connect();
    try {
      await waitFor(async () => {
        await admin.createTopics({ topics: [{ topic: SOURCE, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
        return true; // false (it exists) after an attempt that failed late is as good
      }, SEEN_MS_MAX, `${SOURCE} created`);
      const producer = kafka(1, 'offsets-source').producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic: SOURCE, acks: -1, messages: Array.from({ length: COMMITS + 1 }, (_, i) => ({ value: `m${i}`, partition: 0 })) });
      const consumer = kafka(1, 'offsets-committer').consumer({ groupId: group });
      await consumer.connect();
      await consumer.subscribe({ topic: SOURCE, fromBeginning: true });
      let commits = 0;
      let last = -1;
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (commits >= COMMITS) return;
          last = Number(message.offset) + 1;
          await consumer.commitOffsets([{ topic: SOURCE, partition: 0, offset: String(last), metadata: 'm'.repeat(METADATA_BYTES) } as never]);
          commits++;
        },
      });
      await waitFor(async () => (commits >= COMMITS ? true : null), CLEANED_MS_MAX, `${COMMITS} commits`);
      await consumer.disconnect();
      const sizes = await shrunkEverywhereOffsets(commits * METADATA_BYTES);
      console.log(`cluster compaction: ${commits} commits of ${METADATA_BYTES} bytes of metadata; __consumer_offsets log bytes per node: ${sizes.join(', ')}`);
      const [committed] = (await admin.fetchOffsets({ groupId: group, topics: [SOURCE] }))[0].partitions;
      expect(Number(committed.offset)).toBe(last);
      // A new consumer of the group starts at the last commit.
      const resumed = kafka(2, 'offsets-resumer').consumer({ groupId: group });
      await resumed.connect();
      await resumed.subscribe({ topic: SOURCE, fromBeginning: true });
      let firstOffset = -1;
      await resumed.run({ eachMessage: async ({ message }) => { if (firstOffset < 0) firstOffset = Number(message.offset); } });
      await waitFor(async () => (firstOffset >= 0 ? true : null), SEEN_MS_MAX, 'the resumed consumer reading');
      await resumed.disconnect();
      await producer.disconnect();
      expect(firstOffset).toBe(last);
    } finally {
      await admin.disconnect();
    }
  });
});

async function shrunkEverywhereOffsets(written: number): Promise<number[]> {
  return waitFor(async () => {
    const sizes = SEED_IDS.map((id) => logBytes(id, OFFSETS_DIR));
    return sizes.every((s) => s < SHRUNK_SHARE_MAX * written) ? sizes : null;
  }, CLEANED_MS_MAX, `${OFFSETS_DIR} shrinking on every node`);
}
