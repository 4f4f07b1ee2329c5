// confluent-kafka for Python 1.7 (librdkafka 2.0.2) against the real executable, through the
// scripts in py/confluent_client.py: AdminClient, Producer with acks=all and every
// compression.type, Consumer by assign() (no group membership), offsets_for_times.
// DeleteRecords is not in confluent-kafka 1.7; kafkajs.test.ts covers it.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { autoCreateTopic } from '../helpers/topics.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { KCAT_AND_PYTHON, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { expectStoredCodec } from '../helpers/stored-codecs.ts';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const SCRIPT = 'confluent_client.py';
const RUN_TIMEOUT_MS = 45_000; // the scripts bound each wait by --timeout 20 s

type Produced = { delivered: { key: string; partition: number; offset: number }[]; errors: string[]; undelivered: number };
type Consumed = {
  records: { offset: number; key: string; value: string; headers: [string, string][]; timestamp: number }[];
  errors: string[];
  low: number;
  high: number;
};

async function produce(topic: string, compression: string, count: number, extra: string[] = []): Promise<Produced> {
  return await pythonJson<Produced>(
    SCRIPT,
    ['produce', broker.bootstrap, topic, '--compression', compression, '--count', String(count), ...extra],
    { timeoutMs: RUN_TIMEOUT_MS },
  );
}

async function consume(topic: string, count: number, start = 0): Promise<Consumed> {
  return await pythonJson<Consumed>(
    SCRIPT,
    ['consume', broker.bootstrap, topic, '--partition', '0', '--start', String(start), '--count', String(count)],
    { timeoutMs: RUN_TIMEOUT_MS },
  );
}

describe('confluent-kafka (Python)', () => {
  testRequiring(PYTHON_CLIENTS, 'AdminClient: create_topics, list_topics, describe/alter_configs, create_partitions, delete_topics', async () => {
    const topic = uniqueTopic('cfk-admin');
    const result = await pythonJson(SCRIPT, ['admin', broker.bootstrap, topic], { timeoutMs: 90_000 });
    expect(result.create).toBeNull();
    expect(result.create_again).toContain('TOPIC_ALREADY_EXISTS');
    expect(result.listed).toBe(true);
    expect(result.brokers).toHaveLength(1);
    expect(result.brokers[0].host).toBe('127.0.0.1');
    expect(result.brokers[0].port).toBe(broker.port);
    expect(result.partitions).toBe(3);
    expect(result.retention_ms).toBe('86400000');
    expect(result.alter).toBeNull();
    expect(result.retention_ms_after_alter).toBe('3600000');
    expect(result.create_partitions).toBeNull();
    expect(result.partitions_after).toBe(5);
    expect(result.delete).toBeNull();
    expect(result.listed_after_delete).toBe(false);
  }, 120_000);

  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    testRequiring(KCAT_AND_PYTHON, `Producer acks=all compression.type=${compression}, Consumer by assign() reads it back`, async () => {
      const topic = uniqueTopic(`cfk-${compression}`);
      await autoCreateTopic(broker.bootstrap, topic);
      const count = 300;
      const produced = await produce(topic, compression, count);
      expect(produced.errors).toEqual([]);
      expect(produced.undelivered).toBe(0);
      await expectStoredCodec(broker.port, topic, 0, compression);
      expect(produced.delivered.map((d) => d.offset).toSorted((a, b) => a - b)).toEqual(
        Array.from({ length: count }, (_, i) => i),
      );

      const consumed = await consume(topic, count);
      expect(consumed.errors).toEqual([]);
      expect(consumed.low).toBe(0);
      expect(consumed.high).toBe(count);
      expect(consumed.records).toHaveLength(count);
      consumed.records.forEach((record, i) => {
        expect(record.offset).toBe(i);
        expect(record.key).toBe(`k${i}`);
        expect(record.value).toBe(`value-${i}-${'x'.repeat(i % 50)}`);
        expect(record.headers).toEqual([
          ['h', `hv${i}`],
          ['codec', compression],
        ]);
      });
    }, 120_000);
  }

  testRequiring(KCAT_AND_PYTHON, 'Consumer assign() at a middle offset starts there', async () => {
    const topic = uniqueTopic('cfk-mid');
    await autoCreateTopic(broker.bootstrap, topic);
    await produce(topic, 'lz4', 40);
    const consumed = await consume(topic, 10, 30);
    expect(consumed.records.map((r) => r.offset)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
  }, 120_000);

  test.each(['none', 'gzip'])('offsets_for_times finds the first offset at or after each timestamp (%s batch)', async (compression) => {
    const topic = uniqueTopic(`cfk-times-${compression}`);
    await autoCreateTopic(broker.bootstrap, topic);
    const base = 1_600_000_000_000;
    // Timestamps base, base+1000, ..., base+19000 at offsets 0..19, in one batch (linger.ms=5):
    // the answer is a record inside the batch, so a compressed batch must be looked into.
    const produced = await produce(topic, compression, 20, ['--timestamp-base', String(base)]);
    expect(produced.errors).toEqual([]);
    const consumed = await consume(topic, 20);
    expect(consumed.records.map((r) => r.timestamp)).toEqual(Array.from({ length: 20 }, (_, i) => base + i * 1000));

    const stamps = [base, base + 500, base + 19_000, base + 60_000];
    const result = await pythonJson(
      SCRIPT,
      ['offsets-for-times', broker.bootstrap, topic, '--partition', '0', '--timestamps', stamps.join(',')],
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(result.answers.map((a: { error: string | null }) => a.error)).toEqual([null, null, null, null]);
    // Past the newest record Kafka answers -1, which librdkafka reports as OFFSET_END (-1).
    expect(result.answers.map((a: { offset: number }) => a.offset)).toEqual([0, 1, 19, -1]);
  }, 120_000);
});
