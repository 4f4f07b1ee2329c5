// Config resources as Kafka admin tools use them, against the real executable: kafkajs
// (describeConfigs, alterConfigs, createTopics), confluent-kafka from PyPI (describe_configs and
// incremental_alter_configs on BROKER and GROUP resources), kafka-python (AlterConfigs on the
// cluster default, the one client that sends the empty broker name), kcat to produce.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startBroker, type Broker } from '../helpers/broker.ts';
import { withAdmin } from '../helpers/kafkajs.ts';
import { Kip848Member } from '../helpers/kip848-member.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { expectSuccess, kcat, KCAT_TOOL, PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { PYPI_CLIENT, pypiJson } from '../helpers/pypi.ts';
import { testRequiring } from '../helpers/requirements.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { ConsumerGroupDescribe, ConsumerGroupHeartbeat } from '../../src/protocol/messages/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';

setDefaultTimeout(90_000);

const BROKER = 4;
const TOPIC = 2;
const Source = { DYNAMIC_TOPIC: 1, DYNAMIC_BROKER: 2, DYNAMIC_DEFAULT_BROKER: 3, STATIC_BROKER: 4, DEFAULT: 5, GROUP: 8 };

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({
    settings: {
      'log.retention.hours': '24',
      'log.retention.check.interval.ms': '300',
      // Low bounds so a test can give a group a short session (Kafka's minimum is 45 s).
      'group.consumer.min.session.timeout.ms': '1000',
      'group.consumer.min.heartbeat.interval.ms': '200',
    },
  });
});
afterAll(async () => {
  await broker?.dispose();
});

type Entry = { configName: string; configValue: string | null; readOnly: boolean; configSource: number; configSynonyms: { configName: string; configValue: string | null; configSource: number }[] };

async function kafkajsDescribe(type: number, name: string, configNames: string[]): Promise<Entry[]> {
  return await withAdmin(broker.bootstrap, async (admin) => {
    const r = await admin.describeConfigs({ resources: [{ type, name, configNames }], includeSynonyms: true });
    return r.resources[0]!.configEntries as unknown as Entry[];
  });
}

const synonyms = (e: Entry) => e.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]);

/** librdkafka's dict of configs: name -> {value, source, read_only, synonyms (one per name)}. */
async function pypiDescribe(type: 'broker' | 'group' | 'topic', name: string) {
  const r = await pypiJson<{ error: unknown; configs: { name: string; value: string | null; source: number; read_only: boolean; synonyms: [string, string, number][] }[] }>(
    'config_admin.py', ['describe', broker.bootstrap, type, name]);
  expect(r.error).toBeNull();
  return Object.fromEntries(r.configs.map((c) => [c.name, c]));
}

const pypiIncremental = (type: 'broker' | 'group', name: string, ops: string[]) =>
  pypiJson<{ error: { name: string; message: string } | null }>('config_admin.py', ['incremental', broker.bootstrap, type, name, ...ops]);

async function produce(topic: string, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${i}:value-${i}-${'x'.repeat(200)}`).join('\n');
  expectSuccess(await kcat(['-b', broker.bootstrap, '-P', '-t', topic, '-K', ':', '-X', 'linger.ms=0', '-X', 'batch.num.messages=1'], { stdin: `${lines}\n` }));
}

async function lowWatermark(topic: string): Promise<number> {
  return await withAdmin(broker.bootstrap, async (admin) => Number((await admin.fetchTopicOffsets(topic))[0]!.low));
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await Bun.sleep(200);
  }
}

describe('broker DescribeConfigs (kafkajs)', () => {
  test('includes log.retention.hours and its chain with Kafka sources and defaults, in the order asked', async () => {
    const asked = ['num.partitions', 'log.retention.hours', 'log.retention.ms', 'log.retention.minutes', 'log.roll.hours'];
    const entries = await kafkajsDescribe(BROKER, '0', asked);
    expect(entries.map((e) => e.configName)).toEqual(asked);
    const [partitions, hours, ms, minutes, roll] = entries;
    expect(partitions).toMatchObject({ configValue: '1', configSource: Source.DEFAULT, readOnly: true });
    expect(hours).toMatchObject({ configValue: '24', configSource: Source.STATIC_BROKER, readOnly: true });
    expect(synonyms(hours)).toEqual([['log.retention.hours', '24', Source.STATIC_BROKER], ['log.retention.hours', '168', Source.DEFAULT]]);
    // As Kafka: log.retention.ms has no default of its own; its synonyms start with itself.
    expect(ms).toMatchObject({ configValue: null, configSource: Source.DEFAULT, readOnly: false });
    expect(minutes.configValue).toBeNull();
    expect(roll).toMatchObject({ configValue: '168', configSource: Source.DEFAULT });
  });
});

describe('dynamic broker configs', () => {
  testRequiring(KCAT_TOOL, 'kafkajs alterConfigs on this broker sets the topics\' default: retention deletes old segments of topics without an override', async () => {
    const plain = uniqueTopic('dyn-ret');
    const own = uniqueTopic('dyn-own');
    await withAdmin(broker.bootstrap, (admin) => admin.createTopics({
      topics: [
        { topic: plain, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '2048' }] },
        { topic: own, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '2048' }, { name: 'retention.ms', value: '86400000' }] },
      ],
      waitForLeaders: true,
    }));
    await produce(plain, 60);
    await produce(own, 60);
    expect(await lowWatermark(plain)).toBe(0);
    await withAdmin(broker.bootstrap, (admin) => admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'log.retention.ms', value: '1' }] }],
    }));
    await until('retention of the topic without an override', async () => (await lowWatermark(plain)) > 0);
    expect(await lowWatermark(own)).toBe(0);
    const [e] = await kafkajsDescribe(TOPIC, plain, ['retention.ms']);
    expect(e).toMatchObject({ configValue: '1', configSource: Source.DYNAMIC_BROKER });
    // Back to the static default for the other tests.
    await withAdmin(broker.bootstrap, (admin) => admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [] }] }));
  });

  testRequiring(PYTHON_CLIENTS, 'kafka-python AlterConfigs on the cluster default ""; kafkajs sees its source on topics and on the broker', async () => {
    const r = await pythonJson<{ resources: [number, string | null, number, string][] }>('kafka_python_configs.py', ['alter-default', broker.bootstrap, 'log.retention.bytes=123456789']);
    expect(r.resources).toEqual([[ErrorCode.NONE, null, BROKER, '']]);
    const topic = uniqueTopic('dyn-default');
    await withAdmin(broker.bootstrap, (admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
    const [t] = await kafkajsDescribe(TOPIC, topic, ['retention.bytes']);
    expect(t).toMatchObject({ configValue: '123456789', configSource: Source.DYNAMIC_DEFAULT_BROKER });
    expect(synonyms(t)).toEqual([['log.retention.bytes', '123456789', Source.DYNAMIC_DEFAULT_BROKER], ['log.retention.bytes', '-1', Source.DEFAULT]]);
  });

  testRequiring(PYPI_CLIENT, 'confluent-kafka incremental_alter_configs: dynamic keys change, read-only ones get Kafka\'s INVALID_REQUEST', async () => {
    expect((await pypiIncremental('broker', '0', ['set:log.cleaner.backoff.ms=20000', 'set:compression.type=lz4'])).error).toBeNull();
    const by = await pypiDescribe('broker', '0');
    expect(by['compression.type']).toMatchObject({ value: 'lz4', source: Source.DYNAMIC_BROKER, read_only: false });
    expect(by['log.cleaner.backoff.ms']).toMatchObject({ value: '20000', source: Source.DYNAMIC_BROKER });
    expect((await pypiIncremental('broker', '0', ['delete:compression.type'])).error).toBeNull();
    expect((await pypiIncremental('broker', '0', ['set:num.partitions=3'])).error).toEqual({
      name: 'INVALID_REQUEST',
      message: 'Cannot update these configs dynamically: [num.partitions]',
    });
    expect((await pypiIncremental('broker', '0', ['set:log.retention.ms=soon'])).error?.name).toBe('INVALID_REQUEST');
    expect((await pypiIncremental('broker', '0', ['set:no.such.key=1'])).error?.name).toBe('INVALID_CONFIG');
  });
});

describe('GROUP configs (KIP-848)', () => {
  testRequiring(PYPI_CLIENT, 'describe and incremental_alter_configs through confluent-kafka; the coordinator applies them to members', async () => {
    const group = `cfg-group-${crypto.randomUUID()}`;
    const before = await pypiDescribe('group', group);
    expect(before['consumer.session.timeout.ms']).toMatchObject({ value: '45000', source: Source.DEFAULT, read_only: false });
    expect(before['consumer.session.timeout.ms'].synonyms).toEqual([['group.consumer.session.timeout.ms', '45000', Source.DEFAULT]]);
    expect((await pypiIncremental('group', group, ['set:consumer.session.timeout.ms=500'])).error).toEqual({
      name: 'INVALID_CONFIG',
      message: 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms',
    });
    expect((await pypiIncremental('group', group, ['set:consumer.session.timeout.ms=1500', 'set:consumer.heartbeat.interval.ms=400'])).error).toBeNull();
    const after = await pypiDescribe('group', group);
    expect(after['consumer.session.timeout.ms']).toMatchObject({ value: '1500', source: Source.GROUP });
    expect(after['consumer.heartbeat.interval.ms']).toMatchObject({ value: '400', source: Source.GROUP });

    // A KIP-848 member is told the group's heartbeat interval, and removed after the group's
    // session timeout (the broker's 45 s would keep it for the whole test).
    const topic = uniqueTopic('cfg-group-topic');
    await withAdmin(broker.bootstrap, (admin) => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
    const member = await Kip848Member.connect(broker.port, group, [topic]);
    const admin = await RawClient.connect(broker.port);
    try {
      const r = await member.client.send(ConsumerGroupHeartbeat, 1, {
        groupId: group, memberId: member.memberId, memberEpoch: 0, rebalanceTimeoutMs: 30_000,
        subscribedTopicNames: [topic], serverAssignor: 'uniform', topicPartitions: [],
      });
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, heartbeatIntervalMs: 400 });
      const members = async () => (await admin.send(ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false })).groups[0]!.members.length;
      expect(await members()).toBe(1);
      await until('the member to be fenced after the group\'s session timeout', async () => (await members()) === 0, 15_000);
    } finally {
      admin.close();
      member.client.close();
    }
  });
});

describe('topic configs', () => {
  test('kafkajs createTopics with a deprecated message.timestamp.difference.max.ms and replication throttles', async () => {
    const topic = uniqueTopic('deprecated');
    await withAdmin(broker.bootstrap, (admin) => admin.createTopics({
      topics: [{ topic, configEntries: [
        { name: 'message.timestamp.difference.max.ms', value: '3600000' },
        { name: 'leader.replication.throttled.replicas', value: '*' },
      ] }],
      waitForLeaders: true,
    }));
    const entries = await kafkajsDescribe(TOPIC, topic, ['message.timestamp.before.max.ms', 'message.timestamp.after.max.ms', 'leader.replication.throttled.replicas']);
    expect(entries.map((e) => [e.configName, e.configValue, e.configSource])).toEqual([
      ['message.timestamp.before.max.ms', '3600000', Source.DYNAMIC_TOPIC],
      ['message.timestamp.after.max.ms', '3600000', Source.DYNAMIC_TOPIC],
      ['leader.replication.throttled.replicas', '*', Source.DYNAMIC_TOPIC],
    ]);
  });
});

describe('after a restart', () => {
  testRequiring(PYPI_CLIENT, 'dynamic broker and group configs are still there', async () => {
    const group = `cfg-restart-${crypto.randomUUID()}`;
    expect((await pypiIncremental('group', group, ['set:consumer.heartbeat.interval.ms=300'])).error).toBeNull();
    expect((await pypiIncremental('broker', '0', ['set:log.segment.bytes=5000000'])).error).toBeNull();
    await broker.restart();
    expect((await pypiDescribe('group', group))['consumer.heartbeat.interval.ms']).toMatchObject({ value: '300', source: Source.GROUP });
    const [e] = await kafkajsDescribe(BROKER, '0', ['log.segment.bytes']);
    expect(e).toMatchObject({ configValue: '5000000', configSource: Source.DYNAMIC_BROKER });
    // The cluster default set by kafka-python above (kafkajs cannot name "" itself):
    const [bytes] = await kafkajsDescribe(BROKER, '0', ['log.retention.bytes']);
    expect(bytes).toMatchObject({ configValue: '123456789', configSource: Source.DYNAMIC_DEFAULT_BROKER });
  });
});
