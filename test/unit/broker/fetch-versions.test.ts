// What old Fetch versions are promised (KafkaApis.handleFetchRequest): no zstd batches before v10
// (UNSUPPORTED_COMPRESSION_TYPE for a topic whose compression.type is zstd), and up to v5 a
// storage error is NOT_LEADER_OR_FOLLOWER, which those clients retry after a metadata refresh.

import { afterEach, describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Broker } from '../../../src/broker/broker.ts';
import fetchHandler from '../../../src/broker/handlers/01-fetch.ts';
import produceHandler from '../../../src/broker/handlers/00-produce.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let open: TestBroker[] = [];
afterEach(async () => {
  for (const tb of open.splice(0)) await tb.close();
});

function start(sets: string[] = []): TestBroker {
  const tb = openBroker(sets);
  open.push(tb);
  return tb;
}

async function produce(tb: TestBroker, topic: string, values: string[]): Promise<number> {
  const records = buildBatch({ records: values.map((v) => ({ value: v, timestamp: 1_700_000_000_000 })) });
  const r = await call(tb, produceHandler, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 10_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return r.responses[0].partitionResponses[0].errorCode;
}

async function fetchCode(tb: TestBroker, topic: string, version: number): Promise<{ errorCode: number; bytes: number }> {
  const r = await call(tb, fetchHandler, version, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = r.responses[0].partitions[0];
  return { errorCode: p.errorCode, bytes: p.records?.length ?? 0 };
}

describe('Fetch versions', () => {
  test('a zstd topic is UNSUPPORTED_COMPRESSION_TYPE before v10 and read from v10 on; other codecs at any version', async () => {
    const tb = start();
    expect(tb.broker.createTopic('zstd-topic', 1, [['compression.type', 'zstd']]).error).toBeUndefined();
    expect(tb.broker.createTopic('gzip-topic', 1, [['compression.type', 'gzip']]).error).toBeUndefined();
    for (const topic of ['zstd-topic', 'gzip-topic']) expect(await produce(tb, topic, ['a', 'b'])).toBe(ErrorCode.NONE);
    for (const version of [4, 9]) {
      expect(await fetchCode(tb, 'zstd-topic', version)).toEqual({ errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, bytes: 0 });
      expect((await fetchCode(tb, 'gzip-topic', version)).errorCode).toBe(ErrorCode.NONE);
    }
    for (const version of [10, 11, 12]) {
      const zstd = await fetchCode(tb, 'zstd-topic', version);
      expect(zstd.errorCode).toBe(ErrorCode.NONE);
      expect(zstd.bytes).toBeGreaterThan(0);
    }
  });

  test('an offline partition is NOT_LEADER_OR_FOLLOWER up to v5 and KAFKA_STORAGE_ERROR from v6', async () => {
    const tb = start();
    expect(tb.broker.createTopic('damaged', 1, []).error).toBeUndefined();
    expect(await produce(tb, 'damaged', ['x'.repeat(200)])).toBe(ErrorCode.NONE);
    await tb.broker.close(); // a clean stop: the batch lies below the recovery point
    const segment = path.join(tb.dir, 'kafka', 'damaged', '0', '00000000000000000000.log');
    const bytes = fs.readFileSync(segment);
    bytes[100] ^= 0xff; // inside the records the CRC covers
    fs.writeFileSync(segment, bytes);
    const reopened = new Broker(buildNodeConfig({ 'data-dir': tb.dir, dev: true, 'node-id': '0' }), systemDeps({}));
    const tb2: TestBroker = { broker: reopened, dir: tb.dir, close: () => reopened.close() };
    try {
      expect(reopened.isOffline('damaged', 0)).toBe(true);
      for (const version of [4, 5]) expect((await fetchCode(tb2, 'damaged', version)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      for (const version of [6, 11, 12]) expect((await fetchCode(tb2, 'damaged', version)).errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    } finally {
      await tb2.close();
    }
  });
});
