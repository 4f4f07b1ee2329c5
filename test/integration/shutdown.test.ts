// SIGTERM while clients load the node: it stops accepting, answers what is in flight (a kcat
// consumer's long poll included), flushes, logs "stopped" and exits 0 before the harness's
// 5 s grace ends (after which it would be SIGKILLed and the exit code lost). Nothing a
// producer saw acknowledged is missing after a restart.

import { afterAll, beforeAll, expect, setDefaultTimeout } from 'bun:test';
import type { Producer } from 'kafkajs';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { createTopic, kafkaFor } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, KCAT, kcat, KCAT_TOOL } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

let broker: Broker;
beforeAll(async () => {
  // Durable mode: acks=all answers only after fsync, so "acknowledged" means on disk.
  broker = await startBroker({ dev: false });
});
afterAll(async () => {
  await broker?.dispose();
});

const PRODUCERS = 4;
const BATCH_RECORDS = 20;
const ACKED_BEFORE_STOP_MIN = 400;

/** Sends batches of numbered records until it fails; returns every acknowledged value. */
async function produceUntilRefused(producer: Producer, topic: string, worker: number, acked: Set<string>): Promise<void> {
  for (let batch = 0; ; batch++) {
    const values = Array.from({ length: BATCH_RECORDS }, (_, i) => `w${worker}-b${batch}-r${i}`);
    try {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    } catch {
      return; // the node stopped: unacknowledged, may or may not be stored
    }
    for (const v of values) acked.add(v);
  }
}

testRequiring(KCAT_TOOL, 'SIGTERM under load: exit 0, "stopped" logged, every acknowledged record still there', async () => {
  const topic = uniqueTopic('sigterm');
  await createTopic(broker.bootstrap, topic, 2);
  const kafka = kafkaFor(broker.bootstrap, 'sigterm-test');
  const producers = await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      const p = kafka.producer({ retry: { retries: 0 } });
      await p.connect();
      return p;
    }),
  );
  // A consumer in a long poll at the end of the log while the node stops.
  const consumer = Bun.spawn([KCAT, '-b', broker.bootstrap, '-C', '-t', topic, '-o', 'end', '-q'], { stdout: 'ignore', stderr: 'ignore' });
  const acked = new Set<string>();
  const loads = producers.map((p, i) => produceUntilRefused(p, topic, i, acked));
  try {
    let producing = true;
    void Promise.all(loads).then(() => (producing = false));
    while (acked.size < ACKED_BEFORE_STOP_MIN && producing) await Bun.sleep(50);
    expect(producing, `the producers stopped before the node did\n${broker.logs().slice(-3000)}`).toBe(true);
    await broker.stop();
    expect(broker.proc.signalCode, `killed after the grace period\n${broker.logs().slice(-3000)}`).toBeNull();
    expect(broker.proc.exitCode, broker.logs().slice(-3000)).toBe(0);
    expect(broker.logs()).toMatch(/INFO {2}stopped\n/);
    await Promise.all(loads);
  } finally {
    consumer.kill();
    await Promise.all(producers.map((p) => p.disconnect().catch(() => {})));
  }

  await broker.restart();
  const stored = new Set<string>();
  for (const partition of [0, 1]) {
    const read = expectSuccess(
      await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q'], { timeoutMs: 30_000 }),
    );
    for (const line of read.stdout.split('\n')) if (line.length > 0) stored.add(line);
  }
  const lost = [...acked].filter((v) => !stored.has(v));
  expect(lost.slice(0, 10), `${lost.length} of ${acked.size} acknowledged records lost`).toEqual([]);
});
