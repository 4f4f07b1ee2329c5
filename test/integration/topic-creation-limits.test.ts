// Who may create topics, and how many partitions a node takes, against the real executable:
// auto.create.topics.enable is off unless --dev (Metadata from kcat/librdkafka and kafkajs for
// an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION and nothing is created), on with --dev or
// --set; max.broker.partitions makes CreateTopics, CreatePartitions and auto-creation past it
// fail at once with INVALID_PARTITIONS and a message naming the limit, while consumer groups
// keep working (the partitions of __consumer_offsets are kept free).

import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { kafkaFor, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

setDefaultTimeout(90_000);

const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.dispose();
});

async function start(options: Parameters<typeof startBroker>[0]): Promise<Broker> {
  const b = await startBroker(options);
  brokers.push(b);
  return b;
}

type KcatTopic = { topic: string; err?: string; error?: string; partitions: unknown[] };

/** kcat -L -t: librdkafka's producer handle asks Metadata with allow_auto_topic_creation=true. */
async function kcatMetadata(b: Broker, topic: string): Promise<KcatTopic> {
  const r = expectSuccess(await kcat(['-b', b.bootstrap, '-L', '-J', '-t', topic], { timeoutMs: 15_000 }));
  return (JSON.parse(r.stdout) as { topics: KcatTopic[] }).topics.find((t) => t.topic === topic)!;
}

async function topicNames(b: Broker): Promise<string[]> {
  return await withAdmin(b.bootstrap, (admin) => admin.listTopics());
}

async function autoCreateSetting(b: Broker): Promise<string> {
  const r = await withAdmin(b.bootstrap, (admin) =>
    admin.describeConfigs({ resources: [{ type: 4, name: '0', configNames: ['auto.create.topics.enable'] }], includeSynonyms: false }),
  );
  return r.resources[0].configEntries[0].configValue;
}

/** A kafkajs producer sends to `topic` (its Metadata allows auto-creation); the error type, or null. */
async function sendTo(b: Broker, topic: string): Promise<string | null> {
  const producer = kafkaFor(b.bootstrap).producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ value: 'v' }] });
    return null;
  } catch (e) {
    const err = e as { type?: string; cause?: { type?: string } };
    return err.type ?? err.cause?.type ?? String(e);
  } finally {
    await producer.disconnect();
  }
}

describe('auto.create.topics.enable', () => {
  testRequiring(KCAT_TOOL, 'off without --dev: Metadata for an unknown topic is UNKNOWN_TOPIC_OR_PARTITION and no topic appears', async () => {
    const b = await start({ dev: false });
    const topic = uniqueTopic('noauto');
    const md = await kcatMetadata(b, topic);
    expect(md.err ?? md.error).toContain('Unknown topic or partition');
    expect(md.partitions).toEqual([]);
    // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION, then gives up with it.
    expect(await sendTo(b, topic)).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(await topicNames(b)).not.toContain(topic);
    expect(await autoCreateSetting(b)).toBe('false');
  });

  testRequiring(KCAT_TOOL, 'on with --dev, and with --set auto.create.topics.enable=true', async () => {
    for (const options of [{ dev: true }, { dev: false, settings: { 'auto.create.topics.enable': 'true' } }]) {
      const b = await start(options);
      const topic = uniqueTopic('auto');
      expect((await kcatMetadata(b, topic)).partitions.length).toBe(1);
      expect(await topicNames(b)).toContain(topic);
      expect(await autoCreateSetting(b)).toBe('true');
    }
  });
});

describe('max.broker.partitions', () => {
  // 70 partitions, of which 50 are kept for __consumer_offsets (offsets.topic.num.partitions).
  const LIMITED = { settings: { 'max.broker.partitions': '70' } };

  testRequiring(PYTHON_CLIENTS, 'CreateTopics and CreatePartitions past it fail at once with INVALID_PARTITIONS naming the limit', async () => {
    const b = await start(LIMITED);
    const first = uniqueTopic('room');
    expect(await pythonJson('topic_limits_client.py', ['create', b.bootstrap, first, '--partitions', '15'])).toEqual({ error: null });
    const refused = await pythonJson('topic_limits_client.py', ['create', b.bootstrap, uniqueTopic('full'), '--partitions', '6']);
    expect(refused.error).toContain('INVALID_PARTITIONS');
    expect(refused.error).toContain('Cannot create 6 partition(s): this node holds 15 and keeps 50 for __consumer_offsets, and max.broker.partitions is 70.');
    const grow = await pythonJson('topic_limits_client.py', ['grow', b.bootstrap, first, '--partitions', '21']);
    expect(grow.error).toContain('max.broker.partitions is 70');
    // kafkajs: the same refusal, not retried.
    const kafkajsError = await withAdmin(b.bootstrap, (admin) =>
      admin.createTopics({ topics: [{ topic: uniqueTopic('full'), numPartitions: 6 }] }).then(
        () => null,
        (e: { errors?: { type: string }[] }) => e.errors?.map((x) => x.type),
      ),
    );
    expect(kafkajsError).toEqual(['INVALID_PARTITIONS']);
    expect(await pythonJson('topic_limits_client.py', ['grow', b.bootstrap, first, '--partitions', '20'])).toEqual({ error: null });
  });

  test('auto-creation past it fails the producer with INVALID_PARTITIONS; consumer groups still work', async () => {
    const b = await start(LIMITED);
    const topic = uniqueTopic('full');
    await withAdmin(b.bootstrap, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: 20 }], waitForLeaders: true }));
    const auto = uniqueTopic('auto');
    expect(await sendTo(b, auto)).toBe('INVALID_PARTITIONS');
    expect(await topicNames(b)).not.toContain(auto);
    // The group coordinator creates __consumer_offsets in the room kept for it.
    expect(await sendTo(b, topic)).toBeNull();
    const consumer = kafkaFor(b.bootstrap).consumer({ groupId: uniqueTopic('g') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
      });
      expect(await got).toBe('v');
    } finally {
      await consumer.disconnect();
    }
    expect(await topicNames(b)).toContain('__consumer_offsets');
  });
});
