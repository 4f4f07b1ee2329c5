// Per-record produce errors (KIP-467) from the real executable. A batch with keyless records
// for a compacted topic is rejected whole, as Kafka's LogValidator rejects it, but the answer
// names the bad records by batch index with Kafka's messages, so a client can fail only those
// and tell the others apart; other partitions of the same request are stored.
// - confluent-kafka 2.x (librdkafka with KIP-467) fails the keyless records with INVALID_RECORD
//   and their batch mates with its own _INVALID_DIFFERENT_RECORD: that split is the batch
//   indexes it read from the answer.
// - The texts (record messages, error_message, log start offset) are read from the raw answer
//   by a decoder built from Kafka's JSON spec (test/helpers/spec-decoder.ts), at Produce v8
//   (the first with KIP-467, not flexible) and v9 (flexible).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { compress } from '../../src/compression/index.ts';
import { Produce } from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/records.ts';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PYPI_CLIENT, pypiJson } from '../helpers/pypi.ts';
import { KAFKA_SPECS, testRequiring } from '../helpers/requirements.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { SpecDecoder } from '../helpers/spec-decoder.ts';

setDefaultTimeout(60_000);

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

async function highWatermarks(topic: string): Promise<string[]> {
  const offsets = await withAdmin(broker.bootstrap, (admin) => admin.fetchTopicOffsets(topic));
  return offsets.toSorted((a, b) => a.partition - b.partition).map((o) => o.high);
}

async function createCompactedTopic(topic: string): Promise<void> {
  await withAdmin(broker.bootstrap, (admin) =>
    admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    }),
  );
}

describe('KIP-467 per-record errors', () => {
  testRequiring(PYPI_CLIENT, 'confluent-kafka 2.x: only the keyless records fail as INVALID_RECORD; the other partition is stored', async () => {
    const topic = uniqueTopic('kip467-ck');
    const r = await pypiJson('confluent2_admin.py', ['record-errors', broker.bootstrap, topic], { timeoutMs: 45_000 });
    expect(r.undelivered).toBe(0);
    expect(r.deliveries.map((d: { partition: number; value: string; error: { name: string } | null }) => [d.partition, d.value, d.error?.name ?? null])).toEqual([
      [0, 'p0-0', '_INVALID_DIFFERENT_RECORD'],
      [0, 'p0-1', 'INVALID_RECORD'],
      [0, 'p0-2', '_INVALID_DIFFERENT_RECORD'],
      [0, 'p0-3', 'INVALID_RECORD'],
      [1, 'p1-0', null],
      [1, 'p1-1', null],
    ]);
    // Kafka rejects the whole batch: nothing of partition 0 is stored but the warm-up record,
    // all of partition 1 is.
    expect(await highWatermarks(topic)).toEqual(['1', '2']);
  });

  for (const version of [8, 9]) {
    testRequiring(KAFKA_SPECS, `Produce v${version}: record_errors, error_message and log start offset as Kafka answers them`, async () => {
      const topic = uniqueTopic(`kip467-v${version}`);
      await createCompactedTopic(topic);
      const now = Date.now();
      const bad = buildBatch({
        records: [
          { key: 'a', value: '0', timestamp: now },
          { key: null, value: '1', timestamp: now },
          { key: 'c', value: '2', timestamp: now },
          { key: null, value: '3', timestamp: now },
        ],
      }, compress);
      const good = buildBatch({ records: [{ key: 'k', value: 'x', timestamp: now }] }, compress);
      const client = await RawClient.connect(broker.port);
      let r: Record<string, unknown>;
      try {
        const frame = await client.sendForFrame(Produce, version, {
          acks: 1,
          timeoutMs: 10_000,
          topicData: [{ name: topic, partitionData: [{ index: 0, records: bad }, { index: 1, records: good }] }],
        });
        // Response header v0 (correlation id) before v9, v1 (plus a tag buffer) from v9.
        r = new SpecDecoder('ProduceResponse').decode(frame.subarray(version >= 9 ? 5 : 4), version);
      } finally {
        client.close();
      }
      const message = `Compacted topic cannot accept message without key in topic partition ${topic}-0`;
      const partitions = (r.Responses as Array<{ PartitionResponses: Array<Record<string, unknown>> }>)[0].PartitionResponses;
      expect(partitions[0]).toMatchObject({
        Index: 0,
        ErrorCode: 87, // INVALID_RECORD
        BaseOffset: -1n,
        LogStartOffset: 0n,
        RecordErrors: [
          { BatchIndex: 1, BatchIndexErrorMessage: message },
          { BatchIndex: 3, BatchIndexErrorMessage: message },
        ],
        ErrorMessage:
          'One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: ' +
          `[RecordError(batchIndex=1, message='${message}'), RecordError(batchIndex=3, message='${message}')]`,
      });
      expect(partitions[1]).toMatchObject({ Index: 1, ErrorCode: 0, BaseOffset: 0n, RecordErrors: [], ErrorMessage: null });
      expect(await highWatermarks(topic)).toEqual(['0', '1']);
    });
  }
});
