// Crash durability: with real fsync (no --dev), an idempotent acks=all producer
// (confluent-kafka) writes numbered records while the broker is killed with SIGKILL and
// restarted on the same data dir. Afterwards every acknowledged record must be in the log
// exactly once, at the offset it was acknowledged with; no record may appear twice (the
// producer retried through the crash, idempotence must deduplicate); order is kept; and the
// offsets a consumer sees are dense.
//
// If Raft control batches (DESIGN section 5: a new leader's first entry) ever occupy offsets
// after a restart, consumers will see gaps there and the density check must allow exactly
// those offsets.

import { afterAll, beforeAll, expect, setDefaultTimeout } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PY_DIR, PYTHON, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { join } from 'node:path';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  // Real fsync (no --dev). The topic is auto-created by the producer's Metadata request so this
  // test depends only on Produce/Metadata/InitProducerId, not on the admin API.
  broker = await startBroker({ dev: false, settings: { 'auto.create.topics.enable': 'true', 'num.partitions': '1' } });
});
afterAll(async () => {
  await broker?.dispose();
});

type ProducerEvent =
  | { ack: number; offset: number }
  | { nack: number; error: string }
  | { progress: string }
  | { done: true; acks: number; nacks: number; unreported: number }
  | { fatal: string };

const RECORD_COUNT = 3_000;
/** Crash the broker when this many records have been acknowledged (twice per run). */
const KILL_AFTER_ACKS = [600, 1800] as const;
const PRODUCER_TIMEOUT_S = 60;
const PRODUCER_WAIT_MS = 100_000;

testRequiring(PYTHON_CLIENTS, 'kill -9 mid-stream loses no acknowledged record and duplicates none', async () => {
  const topic = uniqueTopic('durable');
  const producer = Bun.spawn(
    [PYTHON, '-u', join(PY_DIR, 'durable_producer.py'), broker.bootstrap, topic,
      '--count', String(RECORD_COUNT), '--interval-ms', '2', '--timeout', String(PRODUCER_TIMEOUT_S), '--create', 'auto'],
    { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' },
  );
  const killTimer = setTimeout(() => producer.kill('SIGKILL'), PRODUCER_WAIT_MS);
  const stderrText = new Response(producer.stderr).text();

  const events: ProducerEvent[] = [];
  let kills = 0;
  let restarting: Promise<void> | null = null;
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of producer.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        events.push(JSON.parse(line) as ProducerEvent);
      }
      const ackCount = events.filter((e) => 'ack' in e).length;
      const nextKillAt = KILL_AFTER_ACKS[kills];
      if (nextKillAt !== undefined && ackCount >= nextKillAt && restarting === null) {
        kills += 1;
        // Crash while the producer keeps sending; restart without waiting for it to notice.
        restarting = (async () => {
          await broker.kill9();
          await Bun.sleep(300);
          await broker.restart();
          restarting = null;
        })();
      }
    }
    await producer.exited;
    if (restarting !== null) await restarting;
  } finally {
    clearTimeout(killTimer);
  }
  const stderr = await stderrText;
  const context = `producer exit ${producer.exitCode}\n--- producer stderr ---\n${stderr.slice(-4000)}\n--- broker stderr ---\n${broker.logs().slice(-4000)}`;

  expect(events.find((e) => 'fatal' in e), context).toBeUndefined();
  expect(kills, `the producer never reached ${KILL_AFTER_ACKS.join(' and ')} acks\n${context}`).toBe(KILL_AFTER_ACKS.length);
  const done = events.find((e): e is Extract<ProducerEvent, { done: true }> => 'done' in e);
  expect(done, context).toBeDefined();

  const acked = events.filter((e): e is { ack: number; offset: number } => 'ack' in e);
  expect(acked.length, context).toBeGreaterThan(KILL_AFTER_ACKS[KILL_AFTER_ACKS.length - 1]!);
  console.log(`durability: ${acked.length} acked, ${events.filter((e) => 'nack' in e).length} failed deliveries, ${kills} crashes`);

  const consumed = await pythonJson<{ records: { offset: number; value: string }[]; errors: string[]; low: number; high: number }>(
    'confluent_client.py',
    ['consume', broker.bootstrap, topic, '--partition', '0', '--start', '0', '--count', String(RECORD_COUNT), '--to-end', '--timeout', '30'],
    { timeoutMs: 60_000 },
  );
  expect(consumed.errors).toEqual([]);
  const records = consumed.records;
  const seqAt = new Map<number, number>();
  const seqCount = new Map<number, number>();
  for (const r of records) {
    const seq = Number(r.value.split('-')[1]);
    seqAt.set(r.offset, seq);
    seqCount.set(seq, (seqCount.get(seq) ?? 0) + 1);
  }

  // Every acknowledged record is where the broker said it put it.
  const missing = acked.filter((a) => seqAt.get(a.offset) !== a.ack);
  expect(missing.slice(0, 10), `${missing.length} acknowledged records missing or moved`).toEqual([]);

  // No record twice, acknowledged or not: the idempotent producer's retries were deduplicated.
  const duplicated = [...seqCount].filter(([, count]) => count > 1).map(([seq]) => seq);
  expect(duplicated.slice(0, 10), `${duplicated.length} records appear more than once`).toEqual([]);

  // Dense offsets from 0 to the high watermark, and the producer's order kept.
  expect(consumed.low).toBe(0);
  expect(records.length).toBe(consumed.high);
  expect(records.map((r) => r.offset)).toEqual(Array.from({ length: records.length }, (_, i) => i));
  const seqs = records.map((r) => seqAt.get(r.offset)!);
  const outOfOrder = seqs.findIndex((seq, i) => i > 0 && seq <= seqs[i - 1]!);
  expect(outOfOrder, 'records out of producer order').toBe(-1);
}, 180_000);
