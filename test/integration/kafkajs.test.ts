// kafkajs 2.2.4 (pure JavaScript client, run inside bun test) against the real executable:
// the admin API and producing with every codec. Data-path tests make their topics by Metadata
// auto-creation (--dev, one partition) so they do not depend on the CreateTopics API. kafkajs consumers need consumer groups, which
// Freshet does not have yet, so produced data is read back with kcat (librdkafka) by
// partition assignment: two independent clients must agree on every byte.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { ConfigResourceTypes } from 'kafkajs';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { CompressionTypes, kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { autoCreateTopic } from '../helpers/topics.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, parseJsonLines } from '../helpers/process.ts';
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

type KcatRecord = { offset: number; key: string | null; payload: string | null; headers?: string[]; ts: number; partition: number };

/** Reads partition `partition` of `topic` from the beginning to the end with kcat. */
async function readWithKcat(topic: string, partition = 0): Promise<KcatRecord[]> {
  const result = expectSuccess(
    await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-J', '-q'], {
      timeoutMs: 20_000,
    }),
  );
  return parseJsonLines<KcatRecord>(result.stdout);
}

async function untilTrue(read: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await read()) return true;
    if (performance.now() > deadline) return false;
    await Bun.sleep(100);
  }
}

describe('kafkajs admin', () => {
  test('createTopics, listTopics, fetchTopicMetadata, createPartitions, deleteTopics', async () => {
    const topic = uniqueTopic('kjs-admin');
    await withAdmin(broker.bootstrap, async (admin) => {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      expect(created).toBe(true);
      // A second create of the same topic answers TOPIC_ALREADY_EXISTS, which kafkajs maps to false.
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })).toBe(false);

      expect(await admin.listTopics()).toContain(topic);
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics).toHaveLength(1);
      expect(metadata.topics[0]!.name).toBe(topic);
      const partitions = metadata.topics[0]!.partitions.toSorted((a, b) => a.partitionId - b.partitionId);
      expect(partitions.map((p) => p.partitionId)).toEqual([0, 1, 2]);
      for (const p of partitions) {
        expect(p.partitionErrorCode).toBe(0);
        expect(p.leader).toBeGreaterThanOrEqual(0);
        expect(p.replicas).toContain(p.leader);
        expect(p.isr).toContain(p.leader);
      }

      await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
      const grown = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(grown.topics[0]!.partitions.map((p) => p.partitionId).toSorted()).toEqual([0, 1, 2, 3, 4]);

      await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
      expect(await untilTrue(async () => !(await admin.listTopics()).includes(topic))).toBe(true);
    });
  });

  test('describeConfigs and alterConfigs on a topic', async () => {
    const topic = uniqueTopic('kjs-config');
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }],
        waitForLeaders: true,
      });
      const describe = async () => {
        const answer = await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
          includeSynonyms: false,
        });
        expect(answer.resources).toHaveLength(1);
        expect(answer.resources[0]!.errorCode).toBe(0);
        return new Map(answer.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      };
      const before = await describe();
      expect(before.get('retention.ms')).toBe('86400000');
      expect(before.has('cleanup.policy')).toBe(true);

      // AlterConfigs (not incremental) replaces the topic's whole set of dynamic configs.
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'cleanup.policy', value: 'compact' },
            ],
          },
        ],
      });
      const after = await describe();
      expect(after.get('retention.ms')).toBe('3600000');
      expect(after.get('cleanup.policy')).toBe('compact');
    });
  });

  /** A one-partition topic with 10 records at timestamps 1000, 2000, ... 10000. */
  async function topicWithTenRecords(prefix: string): Promise<string> {
    const topic = uniqueTopic(prefix);
    await autoCreateTopic(broker.bootstrap, topic);
    const producer = kafkaFor(broker.bootstrap).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({
          partition: 0,
          key: `k${i}`,
          value: `v${i}`,
          timestamp: String((i + 1) * 1000),
        })),
      });
    } finally {
      await producer.disconnect();
    }
    return topic;
  }

  test('fetchTopicOffsets and fetchTopicOffsetsByTimestamp (ListOffsets)', async () => {
    const topic = await topicWithTenRecords('kjs-offsets');
    await withAdmin(broker.bootstrap, async (admin) => {
      expect(await admin.fetchTopicOffsets(topic)).toEqual([{ partition: 0, offset: '10', high: '10', low: '0' }]);

      // ListOffsets by timestamp: the first offset whose timestamp is >= the one asked for.
      const at = async (ts: number) =>
        (await admin.fetchTopicOffsetsByTimestamp(topic, ts)).find((o) => o.partition === 0)!.offset;
      expect(await at(1000)).toBe('0');
      expect(await at(2500)).toBe('2');
      expect(await at(10000)).toBe('9');
      // Past the last timestamp, kafkajs substitutes the high watermark for Kafka's -1.
      expect(await at(99_000)).toBe('10');
    });
  });

  testRequiring(KCAT_TOOL, 'deleteTopicRecords moves the log start offset', async () => {
    const topic = await topicWithTenRecords('kjs-delrec');
    await withAdmin(broker.bootstrap, async (admin) => {
      // kafkajs's deleteTopicRecords looks the leader up in metadata it has already loaded;
      // fetchTopicOffsets loads it (as kafkajs's own tests do).
      expect((await admin.fetchTopicOffsets(topic))[0]!.high).toBe('10');
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
      const trimmed = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === 0)!;
      expect(trimmed.low).toBe('4');
      expect(trimmed.high).toBe('10');
    });
    // A consumer from the beginning now starts at offset 4.
    const records = await readWithKcat(topic, 0);
    expect(records.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(records.map((r) => r.payload)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9']);
  });
});

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

describe('kafkajs produce, read back with kcat', () => {
  for (const [name, compression] of CODECS) {
    testRequiring(KCAT_TOOL, `codec ${name}: keys, values, headers and timestamps survive`, async () => {
      const topic = uniqueTopic(`kjs-${name}`);
      await autoCreateTopic(broker.bootstrap, topic);
      const producer = kafkaFor(broker.bootstrap).producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const count = 60;
      const baseTs = 1_700_000_000_000;
      try {
        // Three sends: three batches, so offsets must continue across batch boundaries.
        for (let batch = 0; batch < 3; batch++) {
          const metadata = await producer.send({
            topic,
            acks: -1,
            compression,
            messages: Array.from({ length: count / 3 }, (_, j) => {
              const i = batch * (count / 3) + j;
              return {
                partition: 0,
                key: `key-${i}`,
                value: `value-${i}-${'abc'.repeat(i)}`,
                headers: { codec: name, index: String(i) },
                timestamp: String(baseTs + i),
              };
            }),
          });
          expect(metadata).toHaveLength(1);
          expect(metadata[0]!.errorCode).toBe(0);
          expect(metadata[0]!.baseOffset).toBe(String(batch * (count / 3)));
        }
      } finally {
        await producer.disconnect();
      }

      const records = await readWithKcat(topic, 0);
      expect(records).toHaveLength(count);
      records.forEach((record, i) => {
        expect(record.offset).toBe(i);
        expect(record.key).toBe(`key-${i}`);
        expect(record.payload).toBe(`value-${i}-${'abc'.repeat(i)}`);
        expect(record.ts).toBe(baseTs + i);
        expect(record.headers).toEqual(['codec', name, 'index', String(i)]);
      });
    });
  }

  testRequiring(KCAT_TOOL, 'null key and empty value, and a 1 MiB value', async () => {
    const topic = uniqueTopic('kjs-edge');
    await autoCreateTopic(broker.bootstrap, topic);
    const producer = kafkaFor(broker.bootstrap).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const big = 'x'.repeat(1024 * 1024 - 1024);
    try {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: null, value: '' }] });
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: 'big', value: big }] });
    } finally {
      await producer.disconnect();
    }
    const records = await readWithKcat(topic, 0);
    expect(records).toHaveLength(2);
    expect(records[0]!.key).toBeNull();
    expect(records[0]!.payload ?? '').toBe(''); // kcat may print an empty value as null
    expect(records[1]!.key).toBe('big');
    expect(records[1]!.payload?.length).toBe(big.length);
  });
});
