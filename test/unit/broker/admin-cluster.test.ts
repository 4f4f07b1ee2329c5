// DeleteRecords (21), DescribeLogDirs (35), DescribeCluster (60), DescribeProducers (61).

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import * as path from 'node:path';
import deleteRecords from '../../../src/broker/handlers/21-delete-records.ts';
import describeLogDirs from '../../../src/broker/handlers/35-describe-log-dirs.ts';
import describeCluster from '../../../src/broker/handlers/60-describe-cluster.ts';
import describeProducers from '../../../src/broker/handlers/61-describe-producers.ts';
import { appendProduced } from '../../../src/broker/produce-append.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
  tb.broker.createTopic('t', 2, []);
});
afterEach(async () => {
  await tb.close();
});

/** Appends `n` one-record batches to t-`partition`, optionally as an idempotent producer. */
function produce(partition: number, n: number, producer?: { id: number; epoch: number; seq: number }): void {
  const p = tb.broker.partition('t', partition)!;
  for (let i = 0; i < n; i++) {
    const batch = buildBatch({
      records: [{ value: `v${i}`, timestamp: 1_000 + i }],
      producerId: producer?.id,
      producerEpoch: producer?.epoch,
      baseSequence: producer ? producer.seq + i : undefined,
    });
    const r = appendProduced(p, batch, Date.now());
    if (r.kind === 'error') throw new Error(`append failed: ${r.message}`);
  }
}

describe('DeleteRecords', () => {
  const del = (partitions: { partitionIndex: number; offset: number }[], name = 't') =>
    call(tb, deleteRecords, 2, { topics: [{ name, partitions }], timeoutMs: 1000 }).then((r) => r.topics[0].partitions);

  test('moves the log start; -1 means the high watermark; lower offsets change nothing', async () => {
    produce(0, 5);
    expect(await del([{ partitionIndex: 0, offset: 2 }])).toEqual([{ partitionIndex: 0, lowWatermark: 2, errorCode: ErrorCode.NONE }]);
    expect(tb.broker.partition('t', 0)!.logStartOffset).toBe(2);
    expect(await del([{ partitionIndex: 0, offset: 1 }])).toEqual([{ partitionIndex: 0, lowWatermark: 2, errorCode: ErrorCode.NONE }]);
    expect((await del([{ partitionIndex: 0, offset: -1 }]))[0].lowWatermark).toBe(5);
  });

  test('wakes waiters on the partition', async () => {
    produce(0, 2);
    let woken = 0;
    tb.broker.partition('t', 0)!.onProgress(() => woken++);
    await del([{ partitionIndex: 0, offset: 1 }]);
    expect(woken).toBe(1);
  });

  test('refusals: beyond the high watermark, negative, unknown, compacted, internal', async () => {
    produce(0, 3);
    const res = await del([
      { partitionIndex: 0, offset: 4 },
      { partitionIndex: 0, offset: -2 },
      { partitionIndex: 9, offset: 0 },
    ]);
    expect(res.map((p) => [p.errorCode, p.lowWatermark])).toEqual([
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
    ]);
    expect((await del([{ partitionIndex: 0, offset: 0 }], 'missing'))[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    tb.broker.createTopic('c', 1, [['cleanup.policy', 'compact']]);
    expect((await del([{ partitionIndex: 0, offset: 0 }], 'c'))[0].errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    tb.broker.createTopic('__consumer_offsets', 1, []);
    expect((await del([{ partitionIndex: 0, offset: 0 }], '__consumer_offsets'))[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(tb.broker.partition('t', 0)!.logStartOffset).toBe(0);
  });
});

describe('DescribeLogDirs', () => {
  test('one directory, every partition when topics is null, with v4 space', async () => {
    produce(1, 2);
    const r = await call(tb, describeLogDirs, 4, { topics: null });
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.results.length).toBe(1);
    const dir = r.results[0];
    expect(dir.logDir).toBe(path.resolve(tb.dir));
    expect(dir.totalBytes).toBeGreaterThan(0);
    expect(dir.usableBytes).toBeGreaterThan(0);
    expect(dir.usableBytes).toBeLessThanOrEqual(dir.totalBytes);
    const t = dir.topics.find((x) => x.name === 't')!;
    expect(t.partitions.map((p) => p.partitionIndex)).toEqual([0, 1]);
    expect(t.partitions[1].partitionSize).toBe(tb.broker.partition('t', 1)!.log.sizeBytes);
    expect(t.partitions[1].partitionSize).toBeGreaterThan(0);
    expect(t.partitions.every((p) => p.offsetLag === 0 && !p.isFutureKey)).toBe(true);
  });

  test('only the partitions asked for that exist; empty topics left out', async () => {
    const r = await call(tb, describeLogDirs, 1, {
      topics: [
        { topic: 't', partitions: [1, 7] },
        { topic: 'missing', partitions: [0] },
      ],
    });
    expect(r.results[0].topics).toEqual([{ name: 't', partitions: [expect.objectContaining({ partitionIndex: 1 })] }]);
    expect(r.results[0].totalBytes).toBe(-1);
  });
});

describe('DescribeCluster', () => {
  test('this node is the only broker and the controller', async () => {
    const r = await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    const self = tb.broker.config;
    expect(r).toMatchObject({
      errorCode: ErrorCode.NONE,
      clusterId: tb.broker.clusterId,
      controllerId: self.nodeId,
      endpointType: 1,
      clusterAuthorizedOperations: -2147483648,
    });
    expect(r.brokers).toEqual([
      { brokerId: self.nodeId, host: self.advertiseKafkaAddr.host, port: self.advertiseKafkaAddr.port, rack: null, isFenced: false },
    ]);
  });

  test('authorized operations when asked; v2 fenced brokers', async () => {
    const r = await call(tb, describeCluster, 2, { includeClusterAuthorizedOperations: true, endpointType: 1, includeFencedBrokers: true });
    // CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE.
    expect(r.clusterAuthorizedOperations).toBe(0b1_1111_1010_0000);
    expect(r.brokers.length).toBe(1);
  });

  test('controller and unknown endpoint types are refused', async () => {
    const c = await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    expect(c.errorCode).toBe(ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    const u = await call(tb, describeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 7 });
    expect(u).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 7' });
  });
});

describe('DescribeProducers', () => {
  test('lists idempotent producers per partition, with errors for unknown ones', async () => {
    produce(0, 3, { id: 42, epoch: 1, seq: 0 });
    produce(1, 1);
    const r = await call(tb, describeProducers, 0, {
      topics: [
        { name: 't', partitionIndexes: [0, 1, 5] },
        { name: 'missing', partitionIndexes: [0] },
        { name: 'bad/name', partitionIndexes: [0] },
      ],
    });
    const [t, missing, bad] = r.topics;
    expect(t.partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NONE });
    expect(t.partitions[0].activeProducers).toEqual([
      { producerId: 42, producerEpoch: 1, lastSequence: 2, lastTimestamp: 1_002, coordinatorEpoch: -1, currentTxnStartOffset: -1 },
    ]);
    expect(t.partitions[1]).toMatchObject({ errorCode: ErrorCode.NONE, activeProducers: [] });
    expect(t.partitions[2].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(missing.partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(bad.partitions[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
  });
});
