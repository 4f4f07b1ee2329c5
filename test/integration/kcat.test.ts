// kcat (librdkafka 2.0.2, the Debian bookworm build) against the real executable: metadata,
// producing with every codec, consuming by partition, offsets by timestamp, keys and headers.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { autoCreateTopic } from '../helpers/topics.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, parseJsonLines } from '../helpers/process.ts';
import { expectStoredCodec } from '../helpers/stored-codecs.ts';
import { testRequiring } from '../helpers/requirements.ts';

// Real processes and real clients: far slower than unit tests (bun's default is 5 s).
setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  // Auto-created topics get two partitions, so tests can read partitions independently.
  broker = await startBroker({ settings: { 'num.partitions': '2' } });
});
afterAll(async () => {
  await broker?.dispose();
});

type KcatRecord = { offset: number; key: string | null; payload: string | null; headers?: string[]; partition: number };
type KcatMetadata = {
  brokers: { id: number; name: string }[];
  topics: { topic: string; error?: string; partitions: { partition: number; leader: number; replicas: { id: number }[] }[] }[];
};

async function metadata(topic?: string): Promise<KcatMetadata> {
  const args = ['-b', broker.bootstrap, '-L', '-J'];
  if (topic !== undefined) args.push('-t', topic);
  const result = expectSuccess(await kcat(args, { timeoutMs: 15_000 }));
  return JSON.parse(result.stdout) as KcatMetadata;
}

async function consume(topic: string, partition: number, extra: string[] = []): Promise<KcatRecord[]> {
  const result = expectSuccess(
    await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-J', '-q', ...extra], {
      timeoutMs: 20_000,
    }),
  );
  return parseJsonLines<KcatRecord>(result.stdout);
}

describe('kcat', () => {
  testRequiring(KCAT_TOOL, '-L lists the broker at its advertised address and the topics', async () => {
    const topic = uniqueTopic('kcat-md');
    await autoCreateTopic(broker.bootstrap, topic);
    const md = await metadata();
    expect(md.brokers).toHaveLength(1);
    expect(md.brokers[0]!.name).toBe(broker.bootstrap);
    const entry = md.topics.find((t) => t.topic === topic);
    expect(entry).toBeDefined();
    expect(entry!.error).toBeUndefined();
    expect(entry!.partitions.map((p) => p.partition).toSorted()).toEqual([0, 1]);
    for (const p of entry!.partitions) {
      expect(p.leader).toBe(md.brokers[0]!.id);
      expect(p.replicas.map((r) => r.id)).toEqual([md.brokers[0]!.id]);
    }
  });

  testRequiring(KCAT_TOOL, '-P to an unknown topic auto-creates it (num.partitions=2)', async () => {
    const topic = uniqueTopic('kcat-auto');
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic], { stdin: 'one\ntwo\n', timeoutMs: 20_000 }));
    const md = await metadata(topic);
    const entry = md.topics.find((t) => t.topic === topic);
    expect(entry?.error).toBeUndefined();
    expect(entry!.partitions.length).toBe(2);
    const all: KcatRecord[] = [];
    for (const p of entry!.partitions) all.push(...(await consume(topic, p.partition)));
    expect(all.map((r) => r.payload).toSorted()).toEqual(['one', 'two']);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    testRequiring(KCAT_TOOL, `-P -z ${codec} with keys (-K) and headers (-H), -C by partition reads them back`, async () => {
      const topic = uniqueTopic(`kcat-${codec}`);
      await autoCreateTopic(broker.bootstrap, topic);
      const count = 200;
      // Repetitive values so every codec actually compresses.
      const lines = Array.from({ length: count }, (_, i) => `key-${i}:value-${i}-${'z'.repeat(i % 97)}`);
      for (const partition of [0, 1]) {
        expectSuccess(
          await kcat(
            ['-b', broker.bootstrap, '-P', '-t', topic, '-p', String(partition), '-z', codec, '-K', ':',
              '-H', `codec=${codec}`, '-H', `partition=${partition}`, '-X', 'linger.ms=20'],
            { stdin: `${lines.join('\n')}\n`, timeoutMs: 20_000 },
          ),
        );
      }
      await expectStoredCodec(broker.port, topic, 0, codec);
      for (const partition of [0, 1]) {
        const records = await consume(topic, partition);
        expect(records).toHaveLength(count);
        records.forEach((record, i) => {
          expect(record.partition).toBe(partition);
          expect(record.offset).toBe(i);
          expect(record.key).toBe(`key-${i}`);
          expect(record.payload).toBe(`value-${i}-${'z'.repeat(i % 97)}`);
          expect(record.headers).toEqual(['codec', codec, 'partition', String(partition)]);
        });
      }
    });
  }

  testRequiring(KCAT_TOOL, '-C with -o N starts at that offset and -c limits the count', async () => {
    const topic = uniqueTopic('kcat-offset');
    await autoCreateTopic(broker.bootstrap, topic);
    const lines = Array.from({ length: 50 }, (_, i) => `m${i}`);
    expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0'], { stdin: `${lines.join('\n')}\n` }));
    const result = expectSuccess(
      await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '17', '-c', '5', '-J', '-q'], { timeoutMs: 20_000 }),
    );
    const records = parseJsonLines<KcatRecord>(result.stdout);
    expect(records.map((r) => r.offset)).toEqual([17, 18, 19, 20, 21]);
    expect(records.map((r) => r.payload)).toEqual(['m17', 'm18', 'm19', 'm20', 'm21']);
  });

  testRequiring(KCAT_TOOL, '-Q answers offsets by timestamp (ListOffsets)', async () => {
    const topic = uniqueTopic('kcat-query');
    await autoCreateTopic(broker.bootstrap, topic);
    const producer = kafkaFor(broker.bootstrap).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `t${i}`, timestamp: String((i + 1) * 10_000) })),
      });
    } finally {
      await producer.disconnect();
    }
    const query = async (ts: number): Promise<number> => {
      const result = expectSuccess(await kcat(['-b', broker.bootstrap, '-Q', '-t', `${topic}:0:${ts}`], { timeoutMs: 15_000 }));
      const match = /\[0\]\s+offset\s+(-?\d+)/.exec(result.stdout);
      if (match === null) throw new Error(`unexpected kcat -Q output: ${result.stdout}`);
      return Number(match[1]);
    };
    expect(await query(10_000)).toBe(0);
    expect(await query(25_000)).toBe(2);
    expect(await query(50_000)).toBe(4);
    expect(await query(-2)).toBe(0); // earliest
    expect(await query(-1)).toBe(5); // latest = high watermark
    expect(await query(60_000)).toBe(-1); // no record at or after: Kafka answers -1
  });
});
