// Broker semantics that the installed third-party clients never exercise, driven over raw TCP
// with the project's codecs against the real executable: pipelining order, Fetch long polls,
// incremental fetch sessions (KIP-227), the idempotent producer's exact answers across a
// restart (KIP-98), topic ids in Produce/Fetch v13 and DeleteTopics v6 (KIP-516), acks=0,
// Produce validation errors, LogAppendTime, and idle connections.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { RawClient } from '../helpers/raw-client.ts';
import {
  ApiVersions,
  CreateTopics,
  DeleteTopics,
  Fetch,
  InitProducerId,
  ListOffsets,
  Metadata,
  Produce,
} from '../../src/protocol/messages/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { type BatchInput, buildBatch } from '../../src/protocol/records/records.ts';
import { BatchHeader, TIMESTAMP_TYPE_LOG_APPEND } from '../../src/protocol/records/batch.ts';

setDefaultTimeout(60_000);

let broker: Broker;
let client: RawClient;

beforeAll(async () => {
  // Durable mode (real fsync): acks=all and the high watermark follow the flush.
  broker = await startBroker({ dev: false });
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.dispose();
});

async function createTopic(name: string, partitions: number, configs: Array<{ name: string; value: string }> = []): Promise<string> {
  const r = await client.send(CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 10_000,
  });
  expect(r.topics[0].errorCode).toBe(ErrorCode.NONE);
  return r.topics[0].topicId;
}

function batch(values: string[], extra: Partial<BatchInput> = {}): Uint8Array {
  return buildBatch({ records: values.map((v) => ({ value: v, timestamp: 1_700_000_000_000 })), ...extra });
}

async function produce(topic: string, partition: number, records: Uint8Array, acks = -1) {
  const r = await client.send(Produce, 9, {
    transactionalId: null,
    acks,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return r.responses[0].partitionResponses[0];
}

function fetchRequest(topic: string, partition: number, offset: number, extra: Record<string, unknown> = {}) {
  return {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    ...extra,
  };
}

function recordCount(records: Uint8Array | null): number {
  let n = 0;
  let pos = 0;
  while (records && pos + 61 <= records.length) {
    const h = new BatchHeader(records, pos);
    n += h.recordCount;
    pos += h.sizeBytes;
  }
  return n;
}

describe('connection', () => {
  test('pipelined requests are answered in request order, even when the first one waits', async () => {
    const topic = uniqueTopic('pipe');
    await createTopic(topic, 1);
    // A Fetch that long-polls (nothing to read) followed by ApiVersions in the same write.
    const fetch = client.encode(Fetch, 11, fetchRequest(topic, 0, 0, { maxWaitMs: 700, minBytes: 1 }));
    const versions = client.encode(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const both = new Uint8Array(fetch.length + versions.length);
    both.set(fetch);
    both.set(versions, fetch.length);
    const order: string[] = [];
    const f = client.expect(Fetch, 11).then((r) => {
      order.push('fetch');
      return r;
    });
    const v = client.expect(ApiVersions, 3).then((r) => {
      order.push('apiVersions');
      return r;
    });
    client.writeRaw(both);
    const [fr, vr] = await Promise.all([f, v]);
    expect(order).toEqual(['fetch', 'apiVersions']);
    expect(fr.responses[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(vr.apiKeys.find((k) => k.apiKey === Produce.apiKey)?.maxVersion).toBe(13);
  });

  test('acks=0 gets no answer, yet the records are appended', async () => {
    const topic = uniqueTopic('acks0');
    await createTopic(topic, 1);
    const p = client.encode(Produce, 9, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch(['a', 'b']) }] }],
    });
    client.writeRaw(p);
    // The next answer on the connection belongs to the next request, not to the Produce.
    const r = await client.send(ListOffsets, 7, {
      replicaId: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
    });
    // LATEST is the high watermark, which follows the fsync: poll until it shows both records.
    let latest = r.topics[0].partitions[0].offset;
    for (let i = 0; i < 50 && latest < 2; i++) {
      await Bun.sleep(20);
      const again = await client.send(ListOffsets, 7, {
        replicaId: -1,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }],
      });
      latest = again.topics[0].partitions[0].offset;
    }
    expect(latest).toBe(2);
  });

  test('an idle connection is closed after connections.max.idle.ms', async () => {
    const own = await startBroker({ settings: { 'connections.max.idle.ms': '1500' } });
    try {
      const idle = await RawClient.connect(own.port);
      await idle.send(ApiVersions, 0, {});
      for (let i = 0; i < 100 && !idle.closed; i++) await Bun.sleep(100);
      expect(idle.closed).toBe(true);
    } finally {
      await own.dispose();
    }
  });
});

describe('backpressure', () => {
  test('a client that never reads its answers costs bounded memory and blocks nobody else', async () => {
    const topic = uniqueTopic('slowreader');
    await createTopic(topic, 1);
    const big = 'x'.repeat(1000);
    for (let i = 0; i < 16; i++) {
      const r = await produce(topic, 0, batch(Array.from({ length: 1000 }, () => big)));
      expect(r.errorCode).toBe(ErrorCode.NONE);
    }
    const rssBefore = broker.rssKiB();
    // 400 pipelined Fetches of ~1 MiB each (~400 MiB of answers) from a socket that never reads.
    const net = await import('node:net');
    const slow = net.createConnection({ host: '127.0.0.1', port: broker.port });
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.pause();
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      frames.push(client.encode(Fetch, 11, fetchRequest(topic, 0, (i % 16) * 1000)));
    }
    slow.write(Buffer.concat(frames));
    await Bun.sleep(1500);
    // Another connection is still answered while the slow one sits on its answers.
    const other = await RawClient.connect(broker.port);
    const md = await other.send(Metadata, 12, { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(md.topics[0].errorCode).toBe(ErrorCode.NONE);
    other.close();
    // Output for the slow reader is bounded (reading pauses past OUTPUT_PAUSE_BYTES), far from 400 MiB.
    expect(broker.rssKiB() - rssBefore).toBeLessThan(150 * 1024);
    slow.destroy();
  });
});

describe('fetch', () => {
  test('a long poll is woken by an append instead of waiting out maxWaitMs', async () => {
    const topic = uniqueTopic('longpoll');
    await createTopic(topic, 1);
    const other = await RawClient.connect(broker.port);
    // maxWaitMs beyond the test timeout: only a wake-up can answer it in time.
    const pending = client.send(Fetch, 11, fetchRequest(topic, 0, 0, { maxWaitMs: 120_000, minBytes: 1 }));
    await Bun.sleep(200);
    const pr = await other.send(Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch(['woken']) }] }],
    });
    expect(pr.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    const r = await pending;
    expect(recordCount(r.responses[0].partitions[0].records)).toBe(1);
    other.close();
  });

  test('incremental fetch sessions answer only partitions with news (KIP-227)', async () => {
    const topic = uniqueTopic('session');
    await createTopic(topic, 2);
    const full = await client.send(Fetch, 11, {
      ...fetchRequest(topic, 0, 0),
      sessionEpoch: 0,
      topics: [{ topic, partitions: [0, 1].map((p) => ({ partition: p, fetchOffset: 0, partitionMaxBytes: 1 << 20 })) }],
    });
    const sessionId = full.sessionId;
    expect(sessionId).toBeGreaterThan(0);
    expect(full.responses[0].partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1]);

    const quiet = await client.send(Fetch, 11, { ...fetchRequest(topic, 0, 0), sessionId, sessionEpoch: 1, topics: [] });
    expect(quiet.errorCode).toBe(ErrorCode.NONE);
    expect(quiet.responses).toEqual([]);

    expect((await produce(topic, 1, batch(['x', 'y']))).errorCode).toBe(ErrorCode.NONE);
    const news = await client.send(Fetch, 11, { ...fetchRequest(topic, 0, 0), sessionId, sessionEpoch: 2, topics: [] });
    expect(news.responses.length).toBe(1);
    expect(news.responses[0].partitions.map((p) => p.partitionIndex)).toEqual([1]);
    expect(recordCount(news.responses[0].partitions[0].records)).toBe(2);

    const stale = await client.send(Fetch, 11, { ...fetchRequest(topic, 0, 0), sessionId, sessionEpoch: 2, topics: [] });
    expect(stale.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    const unknown = await client.send(Fetch, 11, { ...fetchRequest(topic, 0, 0), sessionId: 0x7ffffff0, sessionEpoch: 1, topics: [] });
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test('offsets outside the log are OFFSET_OUT_OF_RANGE', async () => {
    const topic = uniqueTopic('oor');
    await createTopic(topic, 1);
    await produce(topic, 0, batch(['only']));
    const r = await client.send(Fetch, 11, fetchRequest(topic, 0, 5));
    expect(r.responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});

describe('topic ids (KIP-516)', () => {
  test('Produce v13 and Fetch v13 address a topic by id; unknown ids are UNKNOWN_TOPIC_ID', async () => {
    const topic = uniqueTopic('byid');
    const topicId = await createTopic(topic, 1);
    const md = await client.send(Metadata, 12, { topics: [{ topicId, name: null }], allowAutoTopicCreation: false });
    expect(md.topics[0].name).toBe(topic);
    const pr = await client.send(Produce, 13, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ topicId, partitionData: [{ index: 0, records: batch(['by-id']) }] }],
    });
    expect(pr.responses[0].topicId).toBe(topicId);
    expect(pr.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.NONE);
    const fr = await client.send(Fetch, 13, {
      ...fetchRequest(topic, 0, 0),
      topics: [{ topicId, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    expect(fr.responses[0].topicId).toBe(topicId);
    expect(recordCount(fr.responses[0].partitions[0].records)).toBe(1);

    const missing = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const bad = await client.send(Produce, 13, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ topicId: missing, partitionData: [{ index: 0, records: batch(['x']) }] }],
    });
    expect(bad.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);

    const del = await client.send(DeleteTopics, 6, { topics: [{ name: null, topicId }], timeoutMs: 10_000 });
    expect(del.responses[0].errorCode).toBe(ErrorCode.NONE);
    const gone = await client.send(Metadata, 12, { topics: [{ topicId, name: null }], allowAutoTopicCreation: false });
    expect(gone.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });
});

describe('produce validation', () => {
  test('a corrupted CRC is CORRUPT_MESSAGE, acks=2 is INVALID_REQUIRED_ACKS, an oversized batch is MESSAGE_TOO_LARGE', async () => {
    const topic = uniqueTopic('bad');
    await createTopic(topic, 1, [{ name: 'max.message.bytes', value: '2000' }]);
    const corrupt = batch(['payload']);
    corrupt[corrupt.length - 1] ^= 0xff;
    expect((await produce(topic, 0, corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce(topic, 0, batch(['fine']), 2)).errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    expect((await produce(topic, 0, batch(['z'.repeat(4000)]))).errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    // Nothing of the refused batches was appended.
    const ok = await produce(topic, 0, batch(['fine']));
    expect(ok.baseOffset).toBe(0);
  });

  test('LogAppendTime topics stamp the broker time into the batch', async () => {
    const topic = uniqueTopic('lat');
    await createTopic(topic, 1, [{ name: 'message.timestamp.type', value: 'LogAppendTime' }]);
    const before = Date.now();
    const pr = await produce(topic, 0, batch(['t']));
    expect(pr.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    const fr = await client.send(Fetch, 11, fetchRequest(topic, 0, 0));
    const h = new BatchHeader(fr.responses[0].partitions[0].records!, 0);
    expect(h.attributes & TIMESTAMP_TYPE_LOG_APPEND).toBe(TIMESTAMP_TYPE_LOG_APPEND);
    expect(h.maxTimestamp).toBe(pr.logAppendTimeMs);
  });
});

describe('idempotent producer (KIP-98)', () => {
  test('retries get their original offsets, gaps and old epochs are refused, and it all survives a restart', async () => {
    const topic = uniqueTopic('idem');
    await createTopic(topic, 1);
    const init = await client.send(InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(init.errorCode).toBe(ErrorCode.NONE);
    const pid = { producerId: init.producerId, producerEpoch: init.producerEpoch };

    const first = await produce(topic, 0, batch(['a', 'b', 'c'], { ...pid, baseSequence: 0 }));
    expect(first.baseOffset).toBe(0);
    const retry = await produce(topic, 0, batch(['a', 'b', 'c'], { ...pid, baseSequence: 0 }));
    expect(retry.errorCode).toBe(ErrorCode.NONE);
    expect(retry.baseOffset).toBe(0);
    const second = await produce(topic, 0, batch(['d'], { ...pid, baseSequence: 3 }));
    expect(second.baseOffset).toBe(3);
    const gap = await produce(topic, 0, batch(['e'], { ...pid, baseSequence: 9 }));
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);

    // kill -9: the state is rebuilt from the log (and any snapshot) on restart.
    client.close();
    await broker.kill9();
    await broker.restart();
    client = await RawClient.connect(broker.port);
    const afterRestart = await produce(topic, 0, batch(['d'], { ...pid, baseSequence: 3 }));
    expect(afterRestart.errorCode).toBe(ErrorCode.NONE);
    expect(afterRestart.baseOffset).toBe(3);

    const bumped = await produce(topic, 0, batch(['f'], { producerId: pid.producerId, producerEpoch: pid.producerEpoch + 1, baseSequence: 0 }));
    expect(bumped.baseOffset).toBe(4);
    const fenced = await produce(topic, 0, batch(['g'], { ...pid, baseSequence: 4 }));
    expect(fenced.errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);

    const fr = await client.send(Fetch, 11, fetchRequest(topic, 0, 0));
    expect(recordCount(fr.responses[0].partitions[0].records)).toBe(5);
  });
});
