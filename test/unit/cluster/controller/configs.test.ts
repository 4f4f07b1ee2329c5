// Config changes on the controller: AlterConfigs replaces a resource's set, IncrementalAlterConfigs
// changes keys (KIP-339); both propose ConfigRecords for the keys that change only, and answer
// the single node's refusals with Kafka's codes and messages. The image's configs are then read
// with Kafka's precedence (config-view.ts): topic override, this node, cluster default, static.

import { describe, expect, test } from 'bun:test';
import {
  alterConfigs,
  brokerConfigLayers,
  brokerViewOf,
  ConfigResourceType,
  GROUP_CONFIG_ENTRIES_MAX,
  groupOverrides,
  incrementalAlterConfigs,
  type MetadataImage,
  OpType,
  topicOverrides,
} from '../../../../src/cluster/controller/index.ts';
import { effectiveTopicConfig } from '../../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { brokerView, cluster, mustCreate } from './harness.ts';

const TOPIC = ConfigResourceType.TOPIC;
const BROKER = ConfigResourceType.BROKER;
const GROUP = ConfigResourceType.GROUP;
type Op = { name: string; configOperation: number; value: string | null };

const ctx = (receivedBy = 1) => ({ broker: brokerView(), receivedBy });

function incremental(image: MetadataImage, resources: Array<[number, string, Op[]]>, validateOnly = false, receivedBy = 1) {
  const r = incrementalAlterConfigs(image, { validateOnly, resources: resources.map(([resourceType, resourceName, configs]) => ({ resourceType, resourceName, configs })) }, ctx(receivedBy));
  return { records: r.records, results: r.response.responses!.map((x) => [x!.errorCode, x!.errorMessage]) };
}

function replace(image: MetadataImage, resources: Array<[number, string, Array<{ name: string; value: string | null }>]>, validateOnly = false) {
  const r = alterConfigs(image, { validateOnly, resources: resources.map(([resourceType, resourceName, configs]) => ({ resourceType, resourceName, configs })) }, ctx());
  return { records: r.records, results: r.response.responses!.map((x) => [x!.errorCode, x!.errorMessage]) };
}

const set = (name: string, value: string): Op => ({ name, configOperation: OpType.SET, value });
const ok = [ErrorCode.NONE, null];

describe('IncrementalAlterConfigs', () => {
  test('a topic: only changed keys become records, a DELETE a null value; APPEND/SUBTRACT on lists', () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 't', configs: [{ name: 'retention.ms', value: '100' }] }]);
    const r = incremental(image, [[TOPIC, 't', [set('retention.ms', '100'), set('segment.ms', '5000'), { name: 'cleanup.policy', configOperation: OpType.APPEND, value: 'compact' }]]]);
    expect(r.results).toEqual([ok]);
    expect(r.records).toEqual([
      { type: 'config', resourceType: TOPIC, resourceName: 't', name: 'cleanup.policy', value: 'delete,compact' },
      { type: 'config', resourceType: TOPIC, resourceName: 't', name: 'segment.ms', value: '5000' },
    ]);
    const del = incremental(image, [[TOPIC, 't', [{ name: 'retention.ms', configOperation: OpType.DELETE, value: null }, { name: 'nope.never.set', configOperation: OpType.DELETE, value: null }]]]);
    expect(del.results[0]).toEqual(ok);
    expect(del.records).toEqual([{ type: 'config', resourceType: TOPIC, resourceName: 't', name: 'retention.ms', value: null }]);
    expect(topicOverrides(image, 't')).toEqual({ 'cleanup.policy': 'delete,compact', 'segment.ms': '5000' });
  });

  test("the broker's dynamic configs, per node and as the cluster default, read back with Kafka's precedence", () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 't' }]);
    expect(incremental(image, [[BROKER, '', [set('log.retention.ms', '1000')]], [BROKER, '1', [set('log.retention.ms', '2000')]]]).results).toEqual([ok, ok]);
    const node = (id: number) => effectiveTopicConfig(topicOverrides(image, 't'), brokerViewOf(image, id, new Map()).view.props);
    expect(node(1).retentionMs).toBe(2000); // this node's own
    expect(node(2).retentionMs).toBe(1000); // the cluster default
    incremental(image, [[TOPIC, 't', [set('retention.ms', '3000')]]]);
    expect(node(1).retentionMs).toBe(3000); // the topic's override over both
    // The static layer (--set) is under both dynamic ones.
    expect(effectiveTopicConfig({}, brokerViewOf(image, 3, new Map([['log.retention.ms', 5]])).view.props).retentionMs).toBe(1000);
  });

  test('a node id written another way ("+1", "01") is stored where the node reads its configs', () => {
    const { image } = cluster();
    expect(incremental(image, [[BROKER, '01', [set('log.retention.ms', '2000')]]]).results).toEqual([ok]);
    expect(Object.fromEntries(image.configsOf(BROKER, '1'))).toEqual({ 'log.retention.ms': '2000' });
    expect(image.configResources(BROKER)).toEqual(['1']);
  });

  test("a stored broker value this build does not accept is skipped and reported, not fatal", () => {
    const { image } = cluster();
    image.apply({ type: 'config', resourceType: BROKER, resourceName: '', name: 'no.longer.a.property', value: 'x' });
    const { layers, skipped } = brokerConfigLayers(image, 1, new Map());
    expect(layers.dynamicDefault.size).toBe(0);
    expect(skipped).toEqual([{ resourceName: '', name: 'no.longer.a.property', value: 'x', why: 'not a broker property of this build' }]);
  });

  test('group configs (KIP-848), checked against the controller\'s group.consumer.* bounds', () => {
    const { image } = cluster();
    expect(incremental(image, [[GROUP, 'g', [set('consumer.session.timeout.ms', '50000')]]]).results).toEqual([ok]);
    expect(groupOverrides(image, 'g')).toEqual({ 'consumer.session.timeout.ms': '50000' });
    expect(incremental(image, [[GROUP, 'g', [set('consumer.session.timeout.ms', '1')]]]).results[0]).toEqual([
      ErrorCode.INVALID_CONFIG,
      'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms',
    ]);
    expect(incremental(image, [[GROUP, '', [set('consumer.session.timeout.ms', '50000')]]]).results[0]).toEqual([ErrorCode.INVALID_REQUEST, 'Group name must not be empty']);
  });

  test("refusals, with the single node's codes and messages", () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 't' }]);
    const r = incremental(image, [
      [TOPIC, 't', [set('retention.ms', '1'), set('retention.ms', '2')]],
      [TOPIC, 'u', [{ name: 'retention.ms', configOperation: OpType.SET, value: null }]],
      [TOPIC, 'v', [{ name: 'retention.ms', configOperation: 9, value: '1' }]],
      [TOPIC, '', [set('retention.ms', '1')]],
      [TOPIC, 'bad name!', [set('retention.ms', '1')]],
      [TOPIC, 'missing', [set('retention.ms', '1')]],
      [TOPIC, 'missing2', [set('retention.ms', 'soon')]],
      [TOPIC, 't', [{ name: 'retention.ms', configOperation: OpType.APPEND, value: '1' }]],
      [BROKER, 'x', [set('log.retention.ms', '1')]],
      [BROKER, '2', [set('log.retention.ms', '1')]],
      [BROKER, '', [set('no.such.key', '1')]],
      [8, 'logger', []],
      [99, 'r', []],
    ]);
    expect(r.results).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      [ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms'],
      [ErrorCode.INVALID_REQUEST, 'Unknown operations type 9'],
      [ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.'],
      [ErrorCode.INVALID_TOPIC_EXCEPTION, expect.stringContaining('illegal')],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'missing' does not exist."],
      [ErrorCode.INVALID_CONFIG, expect.stringContaining('retention.ms')],
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      [ErrorCode.INVALID_REQUEST, 'Node id must be an integer, but it is: x'],
      [ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1, but received 2'],
      [ErrorCode.INVALID_CONFIG, 'Unknown broker configs: [no.such.key]'],
      [ErrorCode.INVALID_REQUEST, 'Resource type BROKER_LOGGER is not supported by this broker'],
      [ErrorCode.INVALID_REQUEST, 'Unknown resource type 99'],
    ]);
    expect(r.records).toEqual([]);
    expect(incremental(image, [[TOPIC, 't', [{ name: 'retention.ms', configOperation: OpType.APPEND, value: '1' }]]]).results[0]).toEqual([
      ErrorCode.INVALID_CONFIG,
      "Can't APPEND to key retention.ms because its type is not LIST.",
    ]);
    expect(incremental(image, [[BROKER, '', [set('num.network.threads', '4')]]]).results[0]).toEqual(ok);
    expect(incremental(image, [[BROKER, '', [set('node.id', '4')]]]).results[0]![0]).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('validateOnly checks and proposes nothing', () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 't' }]);
    const r = incremental(image, [[TOPIC, 't', [set('retention.ms', '7')]]], true);
    expect(r.results).toEqual([ok]);
    expect(r.records).toEqual([]);
    expect(topicOverrides(image, 't')).toEqual({});
  });

  test(`more than ${GROUP_CONFIG_ENTRIES_MAX} groups with overrides are refused`, () => {
    const { image } = cluster();
    for (let i = 0; i < GROUP_CONFIG_ENTRIES_MAX; i++) image.apply({ type: 'config', resourceType: GROUP, resourceName: `g${i}`, name: 'consumer.session.timeout.ms', value: '50000' });
    expect(incremental(image, [[GROUP, 'one-more', [set('consumer.session.timeout.ms', '50000')]]]).results[0]).toEqual([
      ErrorCode.INVALID_REQUEST,
      `Configs of more than ${GROUP_CONFIG_ENTRIES_MAX} groups are not stored.`,
    ]);
    expect(incremental(image, [[GROUP, 'g1', [set('consumer.session.timeout.ms', '55000')]]]).results[0]).toEqual(ok);
  });
});

describe('AlterConfigs', () => {
  test('replaces the whole set: keys left out are removed', () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 't', configs: [{ name: 'retention.ms', value: '100' }, { name: 'segment.ms', value: '5000' }] }]);
    const r = replace(image, [[TOPIC, 't', [{ name: 'segment.ms', value: '6000' }]]]);
    expect(r.results).toEqual([ok]);
    expect(r.records).toEqual([
      { type: 'config', resourceType: TOPIC, resourceName: 't', name: 'retention.ms', value: null },
      { type: 'config', resourceType: TOPIC, resourceName: 't', name: 'segment.ms', value: '6000' },
    ]);
    expect(replace(image, [[TOPIC, 't', [{ name: 'segment.ms', value: null }]]]).results[0]).toEqual([ErrorCode.INVALID_REQUEST, 'Null value not supported for : segment.ms']);
    expect(replace(image, [[TOPIC, 't', [{ name: 'a', value: '1' }, { name: 'a', value: '2' }]]]).results[0]).toEqual([ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys']);
  });

  test('a read-only broker key is refused as Kafka does', () => {
    const { image } = cluster();
    expect(replace(image, [[BROKER, '', [{ name: 'log.dirs', value: '/x' }]]]).results[0]![0]).toBe(ErrorCode.INVALID_REQUEST);
  });
});
