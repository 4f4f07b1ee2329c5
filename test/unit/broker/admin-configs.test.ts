// DescribeConfigs (32), AlterConfigs (33), IncrementalAlterConfigs (44): sources and synonyms,
// whole-set replacement versus single-key operations, and Kafka's refusals.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import describeConfigs from '../../../src/broker/handlers/32-describe-configs.ts';
import { ConfigResourceType } from '../../../src/broker/config-resources.ts';
import alterConfigs from '../../../src/broker/handlers/33-alter-configs.ts';
import incrementalAlterConfigs, { OpType } from '../../../src/broker/handlers/44-incremental-alter-configs.ts';
import { ConfigSource, ConfigType } from '../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

const { TOPIC, BROKER, BROKER_LOGGER } = ConfigResourceType;

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker(['log.retention.ms=3600000']);
  tb.broker.createTopic('t', 1, [['segment.bytes', '1048576']]);
});
afterEach(async () => {
  await tb.close();
});

function describeOne(resourceType: number, resourceName: string, keys: string[] | null = null, version = 4, docs = false) {
  return call(tb, describeConfigs, version, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: true,
    includeDocumentation: docs,
  }).then((r) => r.results[0]);
}

describe('DescribeConfigs', () => {
  test('topic: value and source from override, static broker setting or default, with synonyms', async () => {
    const r = await describeOne(TOPIC, 't');
    expect(r.errorCode).toBe(ErrorCode.NONE);
    const by = Object.fromEntries(r.configs.map((c) => [c.name, c]));
    expect(by['segment.bytes']).toMatchObject({ value: '1048576', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG, readOnly: false });
    expect(by['segment.bytes'].synonyms.map((s) => [s.name, s.source])).toEqual([
      ['segment.bytes', ConfigSource.DYNAMIC_TOPIC_CONFIG],
      ['log.segment.bytes', ConfigSource.DEFAULT_CONFIG],
    ]);
    expect(by['retention.ms']).toMatchObject({ value: '3600000', configSource: ConfigSource.STATIC_BROKER_CONFIG });
    // Kafka's chain: log.retention.ms has no default of its own; log.retention.hours has 168.
    expect(by['retention.ms'].synonyms.map((s) => [s.name, s.value, s.source])).toEqual([
      ['log.retention.ms', '3600000', ConfigSource.STATIC_BROKER_CONFIG],
      ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
    ]);
    expect(by['cleanup.policy']).toMatchObject({ value: 'delete', configSource: ConfigSource.DEFAULT_CONFIG, configType: ConfigType.LIST });
    expect(by['cleanup.policy'].documentation).toBeNull();
  });

  test('configurationKeys filters; v3 documentation when asked; v1 without synonyms when not asked', async () => {
    const r = await describeOne(TOPIC, 't', ['cleanup.policy', 'no.such'], 3, true);
    expect(r.configs.map((c) => c.name)).toEqual(['cleanup.policy']);
    expect(r.configs[0].documentation).toBeString();
    const v1 = await call(tb, describeConfigs, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 't', configurationKeys: [] }],
      includeSynonyms: false,
    });
    expect(v1.results[0].configs.length).toBeGreaterThan(1);
    expect(v1.results[0].configs.every((c) => c.synonyms.length === 0)).toBe(true);
  });

  test('broker: this node lists its properties, dynamic ones writable; the cluster default is empty', async () => {
    const r = await describeOne(BROKER, '0', ['log.retention.ms', 'num.partitions']);
    expect(r.errorCode).toBe(ErrorCode.NONE);
    const by = Object.fromEntries(r.configs.map((c) => [c.name, c]));
    expect(by['log.retention.ms']).toMatchObject({ value: '3600000', readOnly: false, configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(by['num.partitions']).toMatchObject({ value: '1', readOnly: true, configSource: ConfigSource.DEFAULT_CONFIG, configType: ConfigType.INT });
    const cluster = await describeOne(BROKER, '');
    expect(cluster).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
  });

  test('refusals: unknown topic, illegal name, other broker, bad broker name, other resource types', async () => {
    expect(await describeOne(TOPIC, 'missing')).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] });
    expect((await describeOne(TOPIC, 'bad/name')).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(await describeOne(BROKER, '5')).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Unexpected broker id, expected 0 or empty string, but received 5',
    });
    expect(await describeOne(BROKER, 'x')).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Broker id must be an integer, but it is: x',
    });
    expect((await describeOne(BROKER_LOGGER, '0')).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await describeOne(99, 'x')).errorMessage).toBe('Unsupported resource type: UNKNOWN');
  });
});

describe('AlterConfigs', () => {
  const alter = (resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[], validateOnly = false) =>
    call(tb, alterConfigs, 2, { resources, validateOnly }).then((r) => r.responses);

  test('replaces the whole override set', async () => {
    const [r] = await alter([{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '5000' }] }]);
    expect(r).toMatchObject({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType: TOPIC, resourceName: 't' });
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'retention.ms': '5000' });
    expect(tb.broker.partition('t', 0)!.config.retentionMs).toBe(5000);
    expect(tb.broker.partition('t', 0)!.config.segmentBytes).toBe(1024 * 1024 * 1024);
  });

  test('validateOnly checks and changes nothing', async () => {
    const [ok] = await alter([{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: '5000' }] }], true);
    expect(ok.errorCode).toBe(ErrorCode.NONE);
    const [bad] = await alter([{ resourceType: TOPIC, resourceName: 't', configs: [{ name: 'retention.ms', value: 'x' }] }], true);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'segment.bytes': '1048576' });
  });

  test('refusals carry Kafka codes and messages', async () => {
    const res = await alter([
      { resourceType: TOPIC, resourceName: 'missing', configs: [{ name: 'retention.ms', value: '1' }] },
      { resourceType: TOPIC, resourceName: 't', configs: [{ name: 'no.such', value: '1' }] },
      { resourceType: TOPIC, resourceName: 'missing2', configs: [{ name: 'retention.ms', value: null }] },
      { resourceType: TOPIC, resourceName: 'dupkeys', configs: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] },
      { resourceType: TOPIC, resourceName: '', configs: [] },
      { resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.partitions', value: '3' }] },
      { resourceType: BROKER, resourceName: '3', configs: [] },
      { resourceType: BROKER_LOGGER, resourceName: '0', configs: [] },
    ]);
    expect(res.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['t', ErrorCode.INVALID_CONFIG],
      ['missing2', ErrorCode.INVALID_REQUEST],
      ['dupkeys', ErrorCode.INVALID_REQUEST],
      ['', ErrorCode.INVALID_REQUEST],
      ['0', ErrorCode.INVALID_REQUEST],
      ['3', ErrorCode.INVALID_REQUEST],
      ['0', ErrorCode.INVALID_REQUEST],
    ]);
    expect(res[0].errorMessage).toBe("The topic 'missing' does not exist.");
    expect(res[1].errorMessage).toBe('Unknown topic config name: no.such');
    expect(res[2].errorMessage).toBe('Null value not supported for : retention.ms');
    expect(res[3].errorMessage).toBe('Error due to duplicate config keys');
    expect(res[4].errorMessage).toBe('Default topic resources are not allowed.');
    expect(res[5].errorMessage).toBe('Cannot update these configs dynamically: [num.partitions]');
    expect(res[6].errorMessage).toBe('Unexpected broker id, expected 0, but received 3');
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'segment.bytes': '1048576' });
  });

  test('a resource named twice is refused both times', async () => {
    const res = await alter([
      { resourceType: TOPIC, resourceName: 't', configs: [] },
      { resourceType: TOPIC, resourceName: 't', configs: [] },
    ]);
    expect(res.map((r) => r.errorMessage)).toEqual(['Each resource must appear at most once.', 'Each resource must appear at most once.']);
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'segment.bytes': '1048576' });
  });
});

describe('IncrementalAlterConfigs', () => {
  const op = (name: string, configOperation: number, value: string | null = null) => ({ name, configOperation, value });
  const alter = (configs: ReturnType<typeof op>[], resourceName = 't', resourceType: number = TOPIC, validateOnly = false) =>
    call(tb, incrementalAlterConfigs, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly }).then((r) => r.responses[0]);

  test('SET and DELETE touch only the keys named', async () => {
    expect((await alter([op('retention.ms', OpType.SET, '7000')])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'segment.bytes': '1048576', 'retention.ms': '7000' });
    expect((await alter([op('segment.bytes', OpType.DELETE), op('max.message.bytes', OpType.DELETE)])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'retention.ms': '7000' });
  });

  test('APPEND and SUBTRACT work on list configs only', async () => {
    expect((await alter([op('cleanup.policy', OpType.APPEND, 'compact')])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs['cleanup.policy']).toBe('delete,compact');
    expect((await alter([op('cleanup.policy', OpType.APPEND, 'compact')])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs['cleanup.policy']).toBe('delete,compact');
    expect((await alter([op('cleanup.policy', OpType.SUBTRACT, 'delete')])).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs['cleanup.policy']).toBe('compact');
    expect(await alter([op('retention.ms', OpType.APPEND, '1')])).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: "Can't APPEND to key retention.ms because its type is not LIST.",
    });
  });

  test('null values are refused except for DELETE; unknown operations are refused', async () => {
    expect(await alter([op('retention.ms', OpType.SET, null)])).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Null value not supported for : retention.ms',
    });
    expect((await alter([op('retention.ms', 9, '1')])).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('validateOnly, unknown topics and broker resources', async () => {
    expect((await alter([op('retention.ms', OpType.SET, '1')], 't', TOPIC, true)).errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('t')!.configs).toEqual({ 'segment.bytes': '1048576' });
    expect((await alter([op('retention.ms', OpType.SET, '1')], 'missing')).errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const b = await alter([op('log.retention.hours', OpType.SET, '1')], '', BROKER);
    expect(b).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Cannot update these configs dynamically: [log.retention.hours]' });
    expect((await alter([], '0', BROKER)).errorCode).toBe(ErrorCode.NONE);
  });
});
