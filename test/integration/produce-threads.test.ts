// Produce validation on a thread (produce.validation.threads, src/broker/validation-pool.ts) in
// the compiled executable, with clients we did not write: a durable node with one thread takes
// large lz4 requests from kcat's idempotent producer, recompresses for a zstd topic, and
// stamps a LogAppendTime topic's batches from kafkajs; kcat and kafkajs read every record back in
// order. The thread's module is an entry point of the executable: if it were missing, the first
// large request would fail and this test with it.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { CompressionTypes, kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { CODEC_IDS, storedCodecs } from '../helpers/stored-codecs.ts';

setDefaultTimeout(120_000);

/** Enough ~1.4 KB values that kcat's requests (batch.size 1 MB) are far past the thread's 64 KiB. */
const COUNT = 1500;

/** A value lz4 halves (so requests are compressed and stay large): 512 pseudo-random bytes in base64, twice. */
function value(i: number): string {
  const bytes = new Uint8Array(512);
  let x = i + 1;
  for (let j = 0; j < bytes.length; j++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[j] = x >>> 24;
  }
  const half = Buffer.from(bytes).toString('base64');
  return half + half;
}

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ dev: false, settings: { 'produce.validation.threads': '1' } });
});
afterAll(async () => {
  await broker?.dispose();
});

async function createTopic(topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  await withAdmin(broker.bootstrap, (admin) => admin.createTopics({
    topics: [{ topic, numPartitions: partitions, configEntries: Object.entries(configs).map(([name, v]) => ({ name, value: v })) }],
    waitForLeaders: true,
  }));
}

async function kcatProduce(topic: string): Promise<void> {
  const lines = Array.from({ length: COUNT }, (_, i) => `k${i}:${value(i)}`).join('\n');
  expectSuccess(await kcat(
    ['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-z', 'lz4', '-X', 'enable.idempotence=true', '-X', 'linger.ms=200', '-X', 'batch.size=1000000', '-X', 'batch.num.messages=100000'],
    { stdin: `${lines}\n` },
  ));
}

/** Every record as "partition offset key value", in each partition's order. */
async function kcatConsume(topic: string, partitions: number): Promise<string[]> {
  const out: string[] = [];
  for (let p = 0; p < partitions; p++) {
    const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(p), '-o', 'beginning', '-e', '-f', '%p %o %k %s\\n']));
    out.push(...r.stdout.trim().split('\n').filter((l) => l !== ''));
  }
  return out;
}

describe('produce validation on a thread, in the executable', () => {
  testRequiring(KCAT_TOOL, 'kcat lz4 requests of ~1 MB: every record back in order per partition, and the thread served them', async () => {
    const topic = uniqueTopic('threads-lz4');
    await createTopic(topic, 2);
    await kcatProduce(topic);
    expect(broker.logs()).toContain('produce validation: 1 thread started');
    const got = await kcatConsume(topic, 2);
    expect(got.length).toBe(COUNT);
    // Per partition, offsets run 0.. and keys keep the order kcat sent them in.
    for (const p of ['0', '1']) {
      const mine = got.filter((l) => l.startsWith(`${p} `)).map((l) => l.split(' '));
      expect(mine.map((f) => Number(f[1]))).toEqual(mine.map((_, i) => i));
      const keys = mine.map((f) => Number(f[2].slice(1)));
      expect(keys).toEqual([...keys].sort((a, b) => a - b));
      for (const f of mine) expect(f[3]).toBe(value(Number(f[2].slice(1))));
    }
    expect([...(await storedCodecs(broker.port, topic, 0))]).toEqual([CODEC_IDS.lz4]);
  });

  testRequiring(KCAT_TOOL, 'compression.type=zstd: the thread recompresses kcat lz4 requests, records intact', async () => {
    const topic = uniqueTopic('threads-zstd');
    await createTopic(topic, 1, { 'compression.type': 'zstd' });
    await kcatProduce(topic);
    expect([...(await storedCodecs(broker.port, topic, 0))]).toEqual([CODEC_IDS.zstd]);
    expect(await kcatConsume(topic, 1)).toEqual(Array.from({ length: COUNT }, (_, i) => `0 ${i} k${i} ${value(i)}`));
  });

  testRequiring(KCAT_TOOL, 'message.timestamp.type=LogAppendTime: a kafkajs gzip request validated on the thread carries the broker time', async () => {
    const topic = uniqueTopic('threads-logappend');
    await createTopic(topic, 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const producer = kafkaFor(broker.bootstrap).producer();
    await producer.connect();
    try {
      // One gzip request of ~300 KB (a thread takes compressed requests only), with a timestamp
      // the broker must replace.
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: value(i), timestamp: '1000' })),
      });
    } finally {
      await producer.disconnect();
    }
    const after = Date.now();
    const r = expectSuccess(await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%o %k %T\\n']));
    const rows = r.stdout.trim().split('\n').map((l) => l.split(' '));
    expect(rows.length).toBe(300);
    rows.forEach((f, i) => {
      expect(f.slice(0, 2)).toEqual([String(i), `k${i}`]);
      expect(Number(f[2])).toBeGreaterThanOrEqual(before);
      expect(Number(f[2])).toBeLessThanOrEqual(after);
    });
  });
});
