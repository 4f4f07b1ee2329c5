// CreateTopics (19), DeleteTopics (20) and CreatePartitions (37): Kafka's error codes and
// messages for each refusal, called through the codecs at the versions clients send.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import createTopics from '../../../src/broker/handlers/19-create-topics.ts';
import deleteTopics from '../../../src/broker/handlers/20-delete-topics.ts';
import createPartitions from '../../../src/broker/handlers/37-create-partitions.ts';
import { ConfigSource } from '../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ZERO_UUID } from '../../../src/protocol/primitives.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
});
afterEach(async () => {
  await tb.close();
});

type NewTopic = { name: string; numPartitions?: number; replicationFactor?: number; configs?: { name: string; value: string | null }[]; assignments?: { partitionIndex: number; brokerIds: number[] }[] };

function create(topics: NewTopic[], version = 7, validateOnly = false) {
  const full = topics.map((t) => ({ numPartitions: 1, replicationFactor: 1, configs: [], assignments: [], ...t }));
  return call(tb, createTopics, version, { topics: full, timeoutMs: 1000, validateOnly });
}

describe('CreateTopics', () => {
  test('creates a topic and answers v7 with id, counts and effective configs', async () => {
    const res = await create([{ name: 'orders', numPartitions: 3, configs: [{ name: 'retention.ms', value: '1000' }] }]);
    const t = res.topics[0];
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(t.errorMessage).toBeNull();
    expect(t.numPartitions).toBe(3);
    expect(t.replicationFactor).toBe(1);
    expect(t.topicId).toBe(tb.broker.topics.get('orders')!.id);
    const retention = t.configs!.find((c) => c.name === 'retention.ms')!;
    expect(retention).toMatchObject({ value: '1000', configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG });
    expect(t.configs!.find((c) => c.name === 'cleanup.policy')!.configSource).toBe(ConfigSource.DEFAULT_CONFIG);
    expect(t.configs!.map((c) => c.name)).toEqual([...t.configs!.map((c) => c.name)].sort());
    expect(tb.broker.partitionsOf('orders').length).toBe(3);
  });

  test('-1 takes num.partitions and default.replication.factor (KIP-464)', async () => {
    const custom = openBroker(['num.partitions=4']);
    try {
      const res = await call(custom, createTopics, 4, {
        topics: [{ name: 'd', numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      expect(res.topics[0].errorCode).toBe(ErrorCode.NONE);
      expect(custom.broker.topics.get('d')!.partitions).toBe(4);
    } finally {
      await custom.close();
    }
  });

  test('validateOnly checks everything and creates nothing', async () => {
    const res = await create([{ name: 'dry', numPartitions: 2 }], 7, true);
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2 });
    expect(tb.broker.topics.get('dry')).toBeUndefined();
    const bad = await create([{ name: 'dry', numPartitions: 0 }], 7, true);
    expect(bad.topics[0].errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
  });

  test('refusals carry Kafka codes and messages', async () => {
    await create([{ name: 'exists' }]);
    const res = await create([
      { name: 'exists' },
      { name: 'bad name!' },
      { name: 'zero', numPartitions: 0 },
      { name: 'rf0', replicationFactor: 0 },
      { name: 'rf3', replicationFactor: 3 },
      { name: 'cfg', configs: [{ name: 'retention.ms', value: 'soon' }] },
      { name: 'unknowncfg', configs: [{ name: 'no.such.config', value: '1' }] },
      { name: 'nullcfg', configs: [{ name: 'retention.ms', value: null }] },
    ]);
    const by = Object.fromEntries(res.topics.map((t) => [t.name, t]));
    expect(by.exists).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: "Topic 'exists' already exists." });
    expect(by['bad name!'].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(by.zero).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Number of partitions was set to an invalid non-positive value.',
    });
    expect(by.rf0.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(by.rf3.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(by.rf3.errorMessage).toContain('only 1 broker(s) are registered');
    expect(by.rf3.errorMessage).toContain('single node');
    expect(by.cfg.errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(by.unknowncfg).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Unknown topic config name: no.such.config' });
    expect(by.nullcfg).toMatchObject({
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: 'Null value not supported for topic configs: retention.ms',
    });
    for (const t of res.topics) expect([t.numPartitions, t.replicationFactor, t.configs]).toEqual([-1, -1, []]);
    for (const n of ['bad name!', 'zero', 'rf0', 'rf3', 'cfg', 'unknowncfg', 'nullcfg']) expect(tb.broker.topics.get(n)).toBeUndefined();
  });

  test('a name twice in one request is INVALID_REQUEST, answered once, and not created', async () => {
    const res = await create([{ name: 'twice' }, { name: 'twice' }, { name: 'once' }]);
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ['twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['once', ErrorCode.NONE, null],
    ]);
    expect(tb.broker.topics.get('twice')).toBeUndefined();
  });

  test('manual assignments: only [this node], consecutive, with -1 counts', async () => {
    const a = (brokerIds: number[], partitionIndex = 0) => ({ partitionIndex, brokerIds });
    const res = await create([
      { name: 'ok', numPartitions: -1, replicationFactor: -1, assignments: [a([0], 0), a([0], 1)] },
      { name: 'other', numPartitions: -1, replicationFactor: -1, assignments: [a([1])] },
      { name: 'twice', numPartitions: -1, replicationFactor: -1, assignments: [a([0, 0])] },
      { name: 'empty', numPartitions: -1, replicationFactor: -1, assignments: [a([])] },
      { name: 'gap', numPartitions: -1, replicationFactor: -1, assignments: [a([0], 1)] },
      { name: 'counts', numPartitions: 1, replicationFactor: -1, assignments: [a([0])] },
    ]);
    const by = Object.fromEntries(res.topics.map((t) => [t.name, t]));
    expect(by.ok).toMatchObject({ errorCode: ErrorCode.NONE, numPartitions: 2 });
    expect(by.other.errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect(by.other.errorMessage).toContain('includes broker 1, but no such broker is registered');
    expect(by.twice.errorMessage).toBe('The manual partition assignment includes the broker 0 more than once.');
    expect(by.empty.errorMessage).toBe('The manual partition assignment includes an empty replica list.');
    expect(by.gap).toMatchObject({
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'partitions should be a consecutive 0-based integer sequence',
    });
    expect(by.counts.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test('v2 answers the same errors without the v5 fields', async () => {
    const res = await create([{ name: 'old' }, { name: 'old' }], 2);
    expect(res.topics[0]).toMatchObject({ name: 'old', errorCode: ErrorCode.INVALID_REQUEST });
  });
});

describe('DeleteTopics', () => {
  test('deletes by name (v1-5) and by id (v6)', async () => {
    await create([{ name: 'a' }, { name: 'b' }]);
    const idB = tb.broker.topics.get('b')!.id;
    const v1 = await call(tb, deleteTopics, 1, { topicNames: ['a'], timeoutMs: 1000 });
    expect(v1.responses).toEqual([expect.objectContaining({ name: 'a', errorCode: ErrorCode.NONE })]);
    const v6 = await call(tb, deleteTopics, 6, { topics: [{ name: null, topicId: idB }], timeoutMs: 1000 });
    expect(v6.responses[0]).toMatchObject({ name: 'b', topicId: idB, errorCode: ErrorCode.NONE, errorMessage: null });
    expect(tb.broker.topics.size).toBe(0);
  });

  test('unknown names and ids, duplicates and bad entries', async () => {
    await create([{ name: 'x' }, { name: 'y' }]);
    const idY = tb.broker.topics.get('y')!.id;
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const res = await call(tb, deleteTopics, 6, {
      topics: [
        { name: 'nope', topicId: ZERO_UUID },
        { name: null, topicId: unknownId },
        { name: 'x', topicId: ZERO_UUID },
        { name: 'x', topicId: ZERO_UUID },
        { name: null, topicId: ZERO_UUID },
        { name: 'y', topicId: idY },
      ],
      timeoutMs: 1000,
    });
    expect(res.responses.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'],
      [null, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'],
      ['x', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      [null, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'],
      ['y', ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'],
    ]);
    expect(tb.broker.topics.get('x')).toBeDefined();
    expect(tb.broker.topics.get('y')).toBeDefined();
  });

  test('a name and the id it maps to in one request is INVALID_REQUEST', async () => {
    await create([{ name: 'z' }]);
    const id = tb.broker.topics.get('z')!.id;
    const res = await call(tb, deleteTopics, 6, {
      topics: [
        { name: 'z', topicId: ZERO_UUID },
        { name: null, topicId: id },
      ],
      timeoutMs: 1000,
    });
    expect(res.responses.every((r) => r.errorCode === ErrorCode.INVALID_REQUEST)).toBe(true);
    expect(tb.broker.topics.get('z')).toBeDefined();
  });

  test('delete.topic.enable=false: INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED after', async () => {
    const off = openBroker(['delete.topic.enable=false']);
    try {
      await call(off, createTopics, 7, {
        topics: [{ name: 'keep', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
      });
      const v2 = await call(off, deleteTopics, 2, { topicNames: ['keep'], timeoutMs: 1000 });
      expect(v2.responses[0]).toMatchObject({ name: 'keep', errorCode: ErrorCode.INVALID_REQUEST });
      const v5 = await call(off, deleteTopics, 5, { topicNames: ['keep'], timeoutMs: 1000 });
      expect(v5.responses[0]).toMatchObject({ name: 'keep', errorCode: ErrorCode.TOPIC_DELETION_DISABLED });
      expect(off.broker.topics.get('keep')).toBeDefined();
    } finally {
      await off.close();
    }
  });

  test('internal topics are refused', async () => {
    tb.broker.createTopic('__consumer_offsets', 1, []);
    const res = await call(tb, deleteTopics, 4, { topicNames: ['__consumer_offsets'], timeoutMs: 1000 });
    expect(res.responses[0].errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(tb.broker.topics.get('__consumer_offsets')).toBeDefined();
  });
});

describe('CreatePartitions', () => {
  const grow = (name: string, count: number, assignments: { brokerIds: number[] }[] | null = null, validateOnly = false) =>
    call(tb, createPartitions, 3, { topics: [{ name, count, assignments }], timeoutMs: 1000, validateOnly });

  test('grows a topic; validateOnly does not', async () => {
    await create([{ name: 'g', numPartitions: 1 }]);
    expect((await grow('g', 3, null, true)).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('g')!.partitions).toBe(1);
    expect((await grow('g', 3, [{ brokerIds: [0] }, { brokerIds: [0] }])).results[0].errorCode).toBe(ErrorCode.NONE);
    expect(tb.broker.topics.get('g')!.partitions).toBe(3);
    expect(tb.broker.partitionsOf('g').length).toBe(3);
  });

  test('refusals carry Kafka codes and messages', async () => {
    await create([{ name: 'h', numPartitions: 2 }]);
    expect((await grow('h', 2)).results[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Topic already has 2 partition(s).',
    });
    expect((await grow('h', 1)).results[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'The topic h currently has 2 partition(s); 1 would not be an increase.',
    });
    expect((await grow('h', 4, [{ brokerIds: [0] }])).results[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      errorMessage: 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.',
    });
    expect((await grow('h', 3, [{ brokerIds: [7] }])).results[0].errorCode).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    expect((await grow('missing', 3)).results[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
    expect(tb.broker.topics.get('h')!.partitions).toBe(2);
  });

  test('a topic twice is INVALID_REQUEST, answered once', async () => {
    await create([{ name: 'd' }]);
    const res = await call(tb, createPartitions, 0, {
      topics: [
        { name: 'd', count: 2, assignments: null },
        { name: 'd', count: 3, assignments: null },
      ],
      timeoutMs: 1000,
      validateOnly: false,
    });
    expect(res.results).toEqual([{ name: 'd', errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }]);
    expect(tb.broker.topics.get('d')!.partitions).toBe(1);
  });
});
