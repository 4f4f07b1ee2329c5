// max.broker.partitions and auto.create.topics.enable through the handlers: CreateTopics,
// CreatePartitions and Metadata auto-creation past the limit get INVALID_PARTITIONS (Redpanda's
// answer past its partition limit) with a message naming it; the partitions of
// __consumer_offsets stay free for the group coordinator; auto-creation is off unless --dev.

import { afterEach, describe, expect, test } from 'bun:test';
import createTopics from '../../../src/broker/handlers/19-create-topics.ts';
import deleteTopics from '../../../src/broker/handlers/20-delete-topics.ts';
import createPartitions from '../../../src/broker/handlers/37-create-partitions.ts';
import metadata from '../../../src/broker/handlers/03-metadata.ts';
import offsetCommit from '../../../src/broker/handlers/08-offset-commit.ts';
import describeConfigs from '../../../src/broker/handlers/32-describe-configs.ts';
import { ConfigResourceType } from '../../../src/broker/config-resources.ts';
import { ConfigSource } from '../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ZERO_UUID } from '../../../src/protocol/primitives.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let tb: TestBroker | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
});

/** 60 partitions, 50 of them kept for __consumer_offsets (offsets.topic.num.partitions): 10 for topics. */
function limited(): TestBroker {
  tb = openBroker(['max.broker.partitions=60']);
  return tb;
}

async function create(b: TestBroker, name: string, numPartitions: number, validateOnly = false) {
  const r = await call(b, createTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly,
  });
  return r.topics[0];
}

function metadataFor(b: TestBroker, name: string) {
  return call(b, metadata, 12, { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
}

describe('max.broker.partitions', () => {
  test('CreateTopics past the limit is INVALID_PARTITIONS with a message naming it; validateOnly too', async () => {
    const b = limited();
    expect((await create(b, 'a', 8)).errorCode).toBe(ErrorCode.NONE);
    const refused = await create(b, 'b', 3);
    expect(refused.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(refused.errorMessage).toBe(
      'Cannot create 3 partition(s): this node holds 8 and keeps 50 for __consumer_offsets, and max.broker.partitions is 60.',
    );
    expect(b.broker.topics.get('b')).toBeUndefined();
    expect((await create(b, 'b', 3, true)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect((await create(b, 'b', 2)).errorCode).toBe(ErrorCode.NONE);
  });

  test('CreatePartitions past the limit is INVALID_PARTITIONS; DeleteTopics frees room', async () => {
    const b = limited();
    await create(b, 'a', 9);
    const grow = (count: number, validateOnly = false) =>
      call(b, createPartitions, 3, { topics: [{ name: 'a', count, assignments: null }], timeoutMs: 1000, validateOnly }).then((r) => r.results[0]);
    expect(await grow(11)).toMatchObject({ errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: expect.stringContaining('max.broker.partitions is 60') });
    expect((await grow(11, true)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(b.broker.topics.get('a')!.partitions).toBe(9);
    expect((await grow(10)).errorCode).toBe(ErrorCode.NONE);
    expect((await create(b, 'c', 1)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    await call(b, deleteTopics, 6, { topics: [{ name: 'a', topicId: ZERO_UUID }], timeoutMs: 1000 });
    expect((await create(b, 'c', 10)).errorCode).toBe(ErrorCode.NONE);
  });

  test('Metadata auto-creation past the limit answers INVALID_PARTITIONS and creates nothing', async () => {
    const b = limited();
    await create(b, 'a', 10);
    const r = await metadataFor(b, 'auto');
    expect(r.topics[0]).toMatchObject({ name: 'auto', errorCode: ErrorCode.INVALID_PARTITIONS });
    expect(b.broker.topics.get('auto')).toBeUndefined();
  });

  test('a node full of topics still creates __consumer_offsets for the group coordinator; then it counts', async () => {
    const b = limited();
    await create(b, 'a', 10);
    const r = await call(b, offsetCommit, 8, {
      groupId: 'g',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [{ name: 'a', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: '' }] }],
    });
    expect(r.topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect(b.broker.topics.get('__consumer_offsets')!.partitions).toBe(50);
    const refused = await create(b, 'b', 1);
    expect(refused.errorMessage).toBe('Cannot create 1 partition(s): this node holds 60, and max.broker.partitions is 60.');
  });
});

describe('auto.create.topics.enable', () => {
  test('off without --dev: an unknown topic is UNKNOWN_TOPIC_OR_PARTITION and none appears', async () => {
    tb = openBroker([], false);
    const r = await metadataFor(tb, 'nope');
    expect(r.topics[0]).toMatchObject({ name: 'nope', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(tb.broker.topics.get('nope')).toBeUndefined();
  });

  test('on with --dev, or when set; DescribeConfigs reports the value and where it came from', async () => {
    const describeAuto = async (b: TestBroker) => {
      const r = await call(b, describeConfigs, 4, {
        resources: [{ resourceType: ConfigResourceType.BROKER, resourceName: '0', configurationKeys: ['auto.create.topics.enable'] }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      const c = r.results[0].configs[0];
      return { value: c.value, source: c.configSource, synonyms: c.synonyms.map((s) => [s.value, s.source]) };
    };
    tb = openBroker([], false);
    expect(await describeAuto(tb)).toEqual({ value: 'false', source: ConfigSource.DEFAULT_CONFIG, synonyms: [['false', ConfigSource.DEFAULT_CONFIG]] });
    await tb.close();

    tb = openBroker([]);
    expect((await metadataFor(tb, 'auto')).topics[0].errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('auto')).toBeDefined();
    expect(await describeAuto(tb)).toEqual({
      value: 'true',
      source: ConfigSource.STATIC_BROKER_CONFIG,
      synonyms: [['true', ConfigSource.STATIC_BROKER_CONFIG], ['false', ConfigSource.DEFAULT_CONFIG]],
    });
    await tb.close();

    tb = openBroker(['auto.create.topics.enable=true'], false);
    expect((await metadataFor(tb, 'auto')).topics[0].errorCode).toBe(ErrorCode.NONE);
  });
});
