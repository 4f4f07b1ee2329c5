// Dynamic broker configs (KIP-226), GROUP configs (KIP-848), DescribeConfigs order and the
// deprecated topic configs Kafka 3.x accepted: the handlers on a real Broker over a temp dir.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import { Broker } from '../../../src/broker/broker.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import describeConfigs from '../../../src/broker/handlers/32-describe-configs.ts';
import { ConfigResourceType } from '../../../src/broker/config-resources.ts';
import alterConfigs from '../../../src/broker/handlers/33-alter-configs.ts';
import incrementalAlterConfigs, { OpType } from '../../../src/broker/handlers/44-incremental-alter-configs.ts';
import createTopics from '../../../src/broker/handlers/19-create-topics.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { ConfigSource } from '../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

const { TOPIC, BROKER, GROUP } = ConfigResourceType;
const HOUR_MS = 3_600_000;

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker(['log.retention.hours=24']);
  tb.broker.createTopic('t', 1, []);
  tb.broker.createTopic('own', 1, [['retention.ms', '5000']]);
});
afterEach(async () => {
  await tb.close();
});

const describeOne = (resourceType: number, resourceName: string, keys: string[] | null = null) =>
  call(tb, describeConfigs, 4, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false })
    .then((r) => r.results[0]);
const byName = (r: Awaited<ReturnType<typeof describeOne>>) => Object.fromEntries(r.configs.map((c) => [c.name, c]));
const synonyms = (c: { synonyms: { name: string; value: string | null; source: number }[] }) => c.synonyms.map((s) => [s.name, s.value, s.source]);
const alter = (resourceType: number, resourceName: string, configs: { name: string; value: string }[]) =>
  call(tb, alterConfigs, 2, { resources: [{ resourceType, resourceName, configs }], validateOnly: false }).then((r) => r.responses[0]);
const op = (name: string, configOperation: number, value: string | null = null) => ({ name, configOperation, value });
const incremental = (resourceType: number, resourceName: string, configs: ReturnType<typeof op>[], validateOnly = false) =>
  call(tb, incrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly }).then((r) => r.responses[0]);

describe('broker configs', () => {
  test('the retention chain: log.retention.hours sets the topic default; log.retention.ms unset is null, as in Kafka', async () => {
    expect(tb.broker.partition('t', 0)!.config.retentionMs).toBe(24 * HOUR_MS);
    const by = byName(await describeOne(BROKER, '0', ['log.retention.hours', 'log.retention.minutes', 'log.retention.ms', 'log.roll.hours']));
    expect(by['log.retention.hours']).toMatchObject({ value: '24', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
    expect(synonyms(by['log.retention.hours'])).toEqual([
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
    expect(by['log.retention.ms']).toMatchObject({ value: null, configSource: ConfigSource.DEFAULT_CONFIG, readOnly: false, synonyms: [] });
    expect(by['log.retention.minutes'].value).toBeNull();
    expect(by['log.roll.hours']).toMatchObject({ value: '168', configSource: ConfigSource.DEFAULT_CONFIG });
    const topic = byName(await describeOne(TOPIC, 't', ['retention.ms']));
    expect(topic['retention.ms'].value).toBe(String(24 * HOUR_MS));
  });

  test('describes the keys Kafka tools read, flags among them, sorted when all are asked for', async () => {
    const r = await describeOne(BROKER, '0');
    const names = r.configs.map((c) => c.name);
    expect(names).toEqual([...names].sort());
    for (const n of ['log.retention.hours', 'log.segment.bytes', 'num.partitions', 'compression.type', 'listeners', 'log.dirs', 'node.id',
      'offsets.topic.replication.factor', 'num.network.threads', 'group.consumer.session.timeout.ms']) expect(names).toContain(n);
    const by = byName(r);
    expect(by['node.id']).toMatchObject({ value: '0', configSource: ConfigSource.STATIC_BROKER_CONFIG, readOnly: true });
    expect(by['listeners'].value).toStartWith('PLAINTEXT://127.0.0.1:');
    expect(by['log.dirs']).toMatchObject({ value: tb.dir, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(by['num.io.threads']).toMatchObject({ value: '8', configSource: ConfigSource.DEFAULT_CONFIG, readOnly: false });
  });

  test('configNames come back in the order asked, each once, unknown ones left out', async () => {
    const asked = ['num.partitions', 'log.retention.hours', 'no.such', 'auto.create.topics.enable', 'num.partitions'];
    expect((await describeOne(BROKER, '0', asked)).configs.map((c) => c.name)).toEqual(['num.partitions', 'log.retention.hours', 'auto.create.topics.enable']);
    const topicAsked = ['segment.bytes', 'cleanup.policy', 'retention.ms'];
    expect((await describeOne(TOPIC, 't', topicAsked)).configs.map((c) => c.name)).toEqual(topicAsked);
  });

  test('AlterConfigs: per-broker and cluster-default values, sources and synonyms in Kafka order; topics follow at once', async () => {
    expect((await alter(BROKER, '', [{ name: 'log.retention.ms', value: String(2 * HOUR_MS) }])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.partition('t', 0)!.config.retentionMs).toBe(2 * HOUR_MS);
    expect(tb.broker.partition('own', 0)!.config.retentionMs).toBe(5000);
    expect((await alter(BROKER, '0', [{ name: 'log.retention.ms', value: String(HOUR_MS) }])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.partition('t', 0)!.config.retentionMs).toBe(HOUR_MS);
    const by = byName(await describeOne(BROKER, '0', ['log.retention.ms']));
    expect(by['log.retention.ms']).toMatchObject({ value: String(HOUR_MS), configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    expect(synonyms(by['log.retention.ms'])).toEqual([
      ['log.retention.ms', String(HOUR_MS), ConfigSource.DYNAMIC_BROKER_CONFIG],
      ['log.retention.ms', String(2 * HOUR_MS), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.hours', '24', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
    const cluster = await describeOne(BROKER, '');
    expect(cluster.configs.map((c) => [c.name, c.value, c.configSource, synonyms(c)])).toEqual([
      ['log.retention.ms', String(2 * HOUR_MS), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        [['log.retention.ms', String(2 * HOUR_MS), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG]]],
    ]);
    const topic = byName(await describeOne(TOPIC, 't', ['retention.ms']));
    expect(topic['retention.ms']).toMatchObject({ value: String(HOUR_MS), configSource: ConfigSource.DYNAMIC_BROKER_CONFIG });
    // AlterConfigs replaces the whole set: an empty one removes the per-broker value.
    expect((await alter(BROKER, '0', [])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.partition('t', 0)!.config.retentionMs).toBe(2 * HOUR_MS);
  });

  test("Kafka's refusals: read-only, unknown, bad value, another broker", async () => {
    expect(await alter(BROKER, '0', [{ name: 'num.partitions', value: '3' }, { name: 'log.dirs', value: '/x' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Cannot update these configs dynamically: [num.partitions, log.dirs]',
    });
    expect(await alter(BROKER, '', [{ name: 'log.retention.colour', value: '1' }])).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG });
    expect(await alter(BROKER, '', [{ name: 'log.retention.ms', value: 'soon' }])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Invalid value soon for configuration log.retention.ms: Not a number of type LONG',
    });
    expect((await alter(BROKER, '7', [])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(tb.broker.configStore.broker('')).toEqual({});
  });

  test('IncrementalAlterConfigs SET / DELETE, checked over the whole stored set; validateOnly changes nothing', async () => {
    expect((await incremental(BROKER, '', [op('compression.type', OpType.SET, 'zstd')], true)).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.partition('t', 0)!.config.compressionType).toBe('producer');
    expect((await incremental(BROKER, '', [op('compression.type', OpType.SET, 'zstd'), op('message.max.bytes', OpType.SET, '2000000')])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.partition('t', 0)!.config).toMatchObject({ compressionType: 'zstd', maxMessageBytes: 2_000_000 });
    expect((await incremental(BROKER, '', [op('compression.type', OpType.DELETE)])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.configStore.broker('')).toEqual({ 'message.max.bytes': '2000000' });
    expect(tb.broker.partition('t', 0)!.config.compressionType).toBe('producer');
  });

  test('dynamic configs survive a restart', async () => {
    await alter(BROKER, '', [{ name: 'log.retention.ms', value: '60000' }]);
    await tb.broker.close();
    const again = new Broker(buildNodeConfig({ 'data-dir': tb.dir, dev: true, 'node-id': '0', set: ['log.retention.hours=24'] }), systemDeps({}));
    try {
      expect(again.partition('t', 0)!.config.retentionMs).toBe(60_000);
      expect(again.config.layers.dynamicDefault.get('log.retention.ms')).toBe(60_000);
    } finally {
      await again.close();
      tb.broker = new Broker(buildNodeConfig({ 'data-dir': tb.dir, dev: true, 'node-id': '0' }), systemDeps({}));
    }
  });
});

describe('group configs (KIP-848)', () => {
  test('describe: the broker defaults with their synonyms, then the group override', async () => {
    const before = byName(await describeOne(GROUP, 'g1'));
    expect(Object.keys(before)).toEqual(['consumer.heartbeat.interval.ms', 'consumer.session.timeout.ms']);
    expect(before['consumer.session.timeout.ms']).toMatchObject({ value: '45000', configSource: ConfigSource.DEFAULT_CONFIG, readOnly: false });
    expect(synonyms(before['consumer.session.timeout.ms'])).toEqual([['group.consumer.session.timeout.ms', '45000', ConfigSource.DEFAULT_CONFIG]]);
    expect((await incremental(GROUP, 'g1', [op('consumer.session.timeout.ms', OpType.SET, '50000')])).errorCode).toBe(ErrorCode.NONE);
    const after = byName(await describeOne(GROUP, 'g1', ['consumer.session.timeout.ms']));
    expect(after['consumer.session.timeout.ms']).toMatchObject({ value: '50000', configSource: ConfigSource.GROUP_CONFIG });
    expect(synonyms(after['consumer.session.timeout.ms'])[0]).toEqual(['consumer.session.timeout.ms', '50000', ConfigSource.GROUP_CONFIG]);
    expect(tb.broker.groups.consumer.configFor('g1').consumerSessionTimeoutMs).toBe(50_000);
    expect(tb.broker.groups.consumer.configFor('other').consumerSessionTimeoutMs).toBe(45_000);
  });

  test("GroupConfig's checks: names, bounds from the broker, session above heartbeat", async () => {
    const cases: Array<[ReturnType<typeof op>[], string]> = [
      [[op('consumer.colour', OpType.SET, '1')], 'Unknown group config name: consumer.colour'],
      [[op('consumer.session.timeout.ms', OpType.SET, '1000')], 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms'],
      [[op('consumer.session.timeout.ms', OpType.SET, '90000')], 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms'],
      [[op('consumer.heartbeat.interval.ms', OpType.SET, '20000')], 'consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms'],
      [[op('consumer.heartbeat.interval.ms', OpType.SET, 'x')], 'Invalid value x for configuration consumer.heartbeat.interval.ms: Not a number of type INT'],
    ];
    for (const [ops, message] of cases) expect(await incremental(GROUP, 'g', ops)).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: message });
    expect((await incremental(GROUP, '', [])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await describeOne(GROUP, '')).errorMessage).toBe('Group name must not be empty');
    expect(tb.broker.configStore.group('g')).toEqual({});
  });

  test('AlterConfigs replaces a group\'s set; DELETE removes; stored across a restart', async () => {
    expect((await alter(GROUP, 'g2', [{ name: 'consumer.heartbeat.interval.ms', value: '6000' }])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.groups.consumer.configFor('g2').consumerHeartbeatIntervalMs).toBe(6000);
    const saved = JSON.parse(fs.readFileSync(`${tb.dir}/cluster/configs.json`, 'utf8'));
    expect(saved.group).toEqual({ g2: { 'consumer.heartbeat.interval.ms': '6000' } });
    expect((await incremental(GROUP, 'g2', [op('consumer.heartbeat.interval.ms', OpType.DELETE)])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.groups.consumer.configFor('g2').consumerHeartbeatIntervalMs).toBe(5000);
  });
});

describe('deprecated topic configs', () => {
  const create = (name: string, configs: { name: string; value: string }[]) =>
    call(tb, createTopics, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }], timeoutMs: 1000, validateOnly: false })
      .then((r) => r.topics[0]);

  test('message.timestamp.difference.max.ms becomes before/after.max.ms unless they are given', async () => {
    expect((await create('d1', [{ name: 'message.timestamp.difference.max.ms', value: '60000' }])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('d1')!.configs).toEqual({ 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '60000' });
    await create('d2', [{ name: 'message.timestamp.difference.max.ms', value: '60000' }, { name: 'message.timestamp.after.max.ms', value: '1000' }]);
    expect(tb.broker.topics.get('d2')!.configs).toEqual({ 'message.timestamp.before.max.ms': '60000', 'message.timestamp.after.max.ms': '1000' });
    expect((await create('d3', [{ name: 'message.timestamp.difference.max.ms', value: '-5' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });

  test('replication throttles are stored and described; message.format.version is accepted and dropped', async () => {
    const r = await create('d4', [
      { name: 'leader.replication.throttled.replicas', value: '0:0,1:0' },
      { name: 'follower.replication.throttled.replicas', value: '*' },
      { name: 'message.format.version', value: '2.8-IV1' },
    ]);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('d4')!.configs).toEqual({ 'leader.replication.throttled.replicas': '0:0,1:0', 'follower.replication.throttled.replicas': '*' });
    const by = byName(await describeOne(TOPIC, 'd4', ['leader.replication.throttled.replicas']));
    expect(by['leader.replication.throttled.replicas']).toMatchObject({ value: '0:0,1:0', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect((await create('d5', [{ name: 'leader.replication.throttled.replicas', value: 'everything' }])).errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });
});
