// A follower far behind catches up by streaming segments (src/raft/stream), on three real
// dist/freshet processes (leader.imbalance.check.interval.seconds=1, replica.lag.time.max.ms=2000):
// the preferred leader of a 1-partition RF 3 topic is killed -9, ~32 MB are produced with
// acks=all to the two others, and the node restarts: its log says it streamed (chunks and
// bytes), its segment files then hold exactly the leader's bytes, it is back in the ISR, it
// leads again (the preferred replica), and kcat reads every acknowledged record through it.

import { afterAll, beforeAll, expect } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type ClusterNodeProc, partitionsVia as partitionsOf, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { KCAT_TOOL, kcat } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

const SEED_IDS = [1, 2, 3];
/** Liveness bounds (generous for a loaded machine); never a performance claim. */
const FORM_MS_MAX = 30_000;
const SEEN_MS_MAX = 30_000;
const CAUGHT_UP_MS_MAX = 60_000;
const TOPIC = 'streamed';
/** 1 KiB records, 512 a send: 64 sends are 32 MiB and 32,768 offsets, far past STREAM_LAG_OFFSETS_MIN. */
const RECORD_BYTES = 1024;
const RECORDS_PER_SEND = 512;
const SENDS = 64;
const STREAM_LINE = /streamed (\d+) chunks, (\d+) bytes of segments/;

const nodes = new Map<number, ClusterNodeProc>();

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  const args = ['--set', 'leader.imbalance.check.interval.seconds=1', '--set', 'replica.lag.time.max.ms=2000'];
  for (const n of await startClusterNodes(SEED_IDS, s.ports, s.seeds, args)) nodes.set(n.id, n);
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;
const partitionVia = async (via: number) => (await partitionsOf(bootstrapOf(via), TOPIC, 1))?.[0] ?? null;

/** The partition's segment files (`kafka/<topic>/0/*.log`) of node `id`, in offset order. */
function segments(id: number): Buffer {
  const dir = path.join(nodes.get(id)!.broker.dataDir, 'kafka', TOPIC, '0');
  if (!fs.existsSync(dir)) return Buffer.alloc(0);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

testRequiring(KCAT_TOOL, 'a follower killed -9 while 32 MB are produced streams them back, holds the leader\'s bytes, rejoins the ISR, leads again, and kcat reads everything through it', async () => {
  const admin = kafkaFor(bootstrapOf(1)).admin();
  await admin.connect();
  try {
    await waitFor(async () => ((await admin.describeCluster()).brokers.length === 3 ? true : null), FORM_MS_MAX, 'three registered brokers');
    expect(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
  } finally {
    await admin.disconnect();
  }
  const created = await waitFor(async () => {
    const p = await partitionVia(1);
    return p !== null && p.leader === p.replicas[0] && p.isr.length === 3 ? p : null;
  }, SEEN_MS_MAX, 'the preferred replica leading with a full ISR');
  const victim = created.leader;
  const survivor = SEED_IDS.find((id) => id !== victim)!;
  await nodes.get(victim)!.broker.kill9();
  const during = await waitFor(async () => {
    const p = await partitionVia(survivor);
    return p !== null && p.leader >= 0 && p.leader !== victim ? p : null;
  }, SEEN_MS_MAX, 'a new leader');

  const producer = new Kafka({ clientId: 'streamed', brokers: [bootstrapOf(survivor)], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 } }).producer({ maxInFlightRequests: 1 });
  await producer.connect();
  const keys: string[] = [];
  const filler = 'x'.repeat(RECORD_BYTES);
  for (let s = 0; s < SENDS; s++) {
    const messages = Array.from({ length: RECORDS_PER_SEND }, (_, i) => {
      const key = String(s * RECORDS_PER_SEND + i);
      keys.push(key);
      return { partition: 0, key, value: filler };
    });
    await producer.send({ topic: TOPIC, acks: -1, messages });
  }
  await producer.disconnect();

  await nodes.get(victim)!.broker.restart();
  const leaderBytes = await waitFor(async () => {
    const theirs = segments(during.leader);
    const mine = segments(victim);
    return mine.length > 0 && mine.equals(theirs) ? theirs.length : null;
  }, CAUGHT_UP_MS_MAX, `node ${victim}'s segment files holding the leader's bytes`);
  expect(leaderBytes).toBeGreaterThan(SENDS * RECORDS_PER_SEND * RECORD_BYTES);
  // It streamed: the session's line, with most of the bytes.
  const line = await waitFor(async () => STREAM_LINE.exec(nodes.get(victim)!.broker.logs()), SEEN_MS_MAX, 'the streaming line in its log');
  expect(Number(line[2])).toBeGreaterThan(0.9 * SENDS * RECORDS_PER_SEND * RECORD_BYTES);
  await waitFor(async () => ((await partitionVia(during.leader))?.isr.includes(victim) ? true : null), SEEN_MS_MAX, `node ${victim} back in the ISR`);
  // Leadership moves back to it (the preferred replica), and everything is read through it.
  await waitFor(async () => ((await partitionVia(victim))?.leader === victim ? true : null), SEEN_MS_MAX, `node ${victim} leading again`);
  const read = await kcat(['-b', bootstrapOf(victim), '-C', '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k\\n']);
  expect(read.exitCode).toBe(0);
  const got = read.stdout.split('\n').filter((k) => k.length > 0);
  expect(got.length).toBe(keys.length);
  expect(got).toEqual(keys);
}, 240_000);
