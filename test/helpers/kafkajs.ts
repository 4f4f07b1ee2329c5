// kafkajs set up for tests: quiet logs, short bounded retries, and every compression codec.
// kafkajs ships gzip only. The published codec packages for LZ4 (kafkajs-lz4 -> lz4) and ZSTD
// (@kafkajs/zstd -> cppzst) are native addons built by node-gyp, which do not load in Bun, so
// we register small codecs of our own: kafkajs-snappy (pure JS, snappyjs), lz4js (pure JS, the
// LZ4 frame format Kafka uses) and Bun's built-in zstd.

import { CompressionCodecs, CompressionTypes, Kafka, logLevel, type Admin, type Message } from 'kafkajs';
// @ts-expect-error no type declarations
import SnappyCodec from 'kafkajs-snappy';
// @ts-expect-error no type declarations
import * as lz4js from 'lz4js';

type Encoder = { buffer: Buffer };
type Codec = { compress(encoder: Encoder): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };

const Lz4Codec = (): Codec => ({
  compress: async (encoder) => Buffer.from(lz4js.compress(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(lz4js.decompress(buffer)),
});

const ZstdCodec = (): Codec => ({
  compress: async (encoder) => Buffer.from(Bun.zstdCompressSync(encoder.buffer)),
  decompress: async (buffer) => Buffer.from(Bun.zstdDecompressSync(buffer)),
});

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
CompressionCodecs[CompressionTypes.LZ4] = Lz4Codec;
CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodec;

export { CompressionTypes };

/** A kafkajs client for one broker, with retries bounded so a broken broker fails fast. */
export function kafkaFor(bootstrap: string, clientId = 'freshet-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Runs fn with a connected admin client and always disconnects it. */
export async function withAdmin<T>(bootstrap: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaFor(bootstrap).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates a topic (waiting for its leaders) and fails loudly if it already existed. */
export async function createTopic(bootstrap: string, topic: string, numPartitions = 1): Promise<void> {
  const created = await withAdmin(bootstrap, (admin) =>
    admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true, timeout: 10_000 }),
  );
  if (!created) throw new Error(`createTopic: ${topic} already existed`);
}

/** Sends `messages` to `topic` with a kafkajs producer (acks=all) and disconnects it. */
export async function produceMessages(bootstrap: string, topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaFor(bootstrap).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** How long consumeMessages waits for its records. */
const CONSUME_WAIT_MS = 30_000;

/** The first `count` records of `topic`, read from the beginning by a kafkajs consumer of a new
 *  group (`<topic>-kjs` unless named); fewer if they did not come within CONSUME_WAIT_MS. */
export async function consumeMessages(bootstrap: string, topic: string, count: number, groupId = `${topic}-kjs`): Promise<Array<{ key: Buffer | null; value: Buffer | null }>> {
  const consumer = kafkaFor(bootstrap).consumer({ groupId });
  const got: Array<{ key: Buffer | null; value: Buffer | null }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ key: message.key, value: message.value });
          if (got.length === count) resolve();
        },
      });
    });
    await Promise.race([done, Bun.sleep(CONSUME_WAIT_MS)]);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** Every error type along a kafkajs error's cause chain (retriers wrap the protocol error). */
export function errorTypes(e: unknown): string[] {
  const out: string[] = [];
  for (let cur = e as { type?: string; name?: string; originalError?: unknown; cause?: unknown } | undefined; cur; ) {
    out.push(cur.type ?? cur.name ?? '?');
    cur = (cur.originalError ?? cur.cause) as typeof cur;
  }
  return out;
}
