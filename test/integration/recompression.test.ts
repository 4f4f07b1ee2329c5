// Topic compression.type other than `producer` (broker-side recompression) with clients we did
// not write: kafkajs creates the topic, kcat produces (uncompressed, or gzip for the
// `uncompressed` topic; with the idempotent producer, so sequences must survive), the stored
// batches are read raw to see the codec the broker wrote, and kcat and kafkajs consume them.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL } from '../helpers/process.ts';
import { CODEC_IDS, storedCodecs } from '../helpers/stored-codecs.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const COUNT = 200;

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

const value = (i: number) => `value-${i}-${'abc'.repeat(i % 40)}`;

async function createTopic(topic: string, compressionType: string): Promise<void> {
  await withAdmin(broker.bootstrap, (admin) => admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: compressionType }] }],
    waitForLeaders: true,
  }));
}

async function kcatProduce(topic: string, codec: string): Promise<void> {
  const lines = Array.from({ length: COUNT }, (_, i) => `k${i}:${value(i)}`).join('\n');
  expectSuccess(await kcat(
    ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', codec, '-X', 'enable.idempotence=true', '-X', 'linger.ms=20'],
    { stdin: `${lines}\n` },
  ));
}

async function kcatConsume(topic: string): Promise<string[]> {
  const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %k %s\\n']));
  return r.stdout.trim().split('\n');
}

async function kafkajsConsume(topic: string): Promise<Array<[number, string, string]>> {
  const consumer = kafkaFor(broker.bootstrap).consumer({ groupId: `recompress-${crypto.randomUUID()}`, maxWaitTimeInMs: 200 });
  const seen: Array<[number, string, string]> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push([Number(message.offset), String(message.key), String(message.value)]);
          if (seen.length === COUNT) resolve();
        },
      });
    });
    await Promise.race([done, Bun.sleep(30_000)]);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

const expected = Array.from({ length: COUNT }, (_, i) => `${i} k${i} ${value(i)}`);

describe('compression.type on a topic: the broker stores its codec', () => {
  const cases: Array<[string, string, string]> = [
    // [topic compression.type, what kcat sends, stored codec]
    ['gzip', 'none', 'gzip'],
    ['snappy', 'none', 'snappy'],
    ['lz4', 'none', 'lz4'],
    ['zstd', 'none', 'zstd'],
    ['uncompressed', 'gzip', 'none'],
  ];
  for (const [type, sent, stored] of cases) {
    testRequiring(KCAT_TOOL, `compression.type=${type}: kcat -z ${sent} is stored as ${stored}, offsets and records intact for kcat and kafkajs`, async () => {
      const topic = uniqueTopic(`recompress-${type}`);
      await createTopic(topic, type);
      await kcatProduce(topic, sent);
      expect([...(await storedCodecs(broker.port, topic, 0))]).toEqual([CODEC_IDS[stored]]);
      expect(await kcatConsume(topic)).toEqual(expected);
      expect(await kafkajsConsume(topic)).toEqual(Array.from({ length: COUNT }, (_, i) => [i, `k${i}`, value(i)]));
    });
  }

  testRequiring(KCAT_TOOL, 'compression.type=producer keeps what the producer sent', async () => {
    const topic = uniqueTopic('recompress-producer');
    await createTopic(topic, 'producer');
    await kcatProduce(topic, 'none');
    expect([...(await storedCodecs(broker.port, topic, 0))]).toEqual([CODEC_IDS.none]);
  });
});
