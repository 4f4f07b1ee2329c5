// KafkaSchemasLog against a scripted client: the topic created as Confluent's KafkaStore creates
// it (createSchemaTopic: one partition, cleanup.policy=compact, replication factor min(3, live
// brokers)) and checked as verifySchemaTopic checks an existing one; Kafka errors and missing
// answers turned into the failure kinds the store maps to Confluent's codes; appends tried again
// only while nothing can have been appended.

import { describe, expect, test } from 'bun:test';
import { systemClock } from '../../../../src/base/clock.ts';
import { systemScheduler } from '../../../../src/base/scheduler.ts';
import type { KafkaClient } from '../../../../src/client/client.ts';
import { ClientError, kafkaErr } from '../../../../src/client/errors.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { KafkaSchemasLog } from '../../../../src/registry/store/kafka-schemas-log.ts';

type Call = { name: string; args: unknown[] };

/** A client whose answers the test scripts, one queue per call; it records every call. */
function scriptedClient(script: Record<string, Array<unknown | (() => unknown)>>): { client: KafkaClient; calls: Call[] } {
  const calls: Call[] = [];
  const answer = (name: string) => async (...args: unknown[]) => {
    calls.push({ name, args });
    const queue = script[name];
    if (queue === undefined || queue.length === 0) throw new Error(`unscripted call ${name}`);
    const next = queue.length === 1 ? queue[0] : queue.shift();
    return typeof next === 'function' ? (next as () => unknown)() : next;
  };
  const client = {
    options: { io: { clock: systemClock, scheduler: systemScheduler } },
    metadata: answer('metadata'),
    createTopics: answer('createTopics'),
    describeConfigs: answer('describeConfigs'),
    listOffsets: answer('listOffsets'),
    fetch: answer('fetch'),
    produce: answer('produce'),
    close: async () => {},
  } as unknown as KafkaClient;
  return { client, calls };
}

const brokers = (n: number) => Array.from({ length: n }, (_, i) => ({ nodeId: i, host: 'h', port: 1, rack: null }));
const noTopic = (n: number) => ({ brokers: brokers(n), topics: [{ name: '_schemas', error: kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), partitions: [] }] });
const produced = (baseOffset: number, code = 0) => [{ topic: '_schemas', partition: 0, baseOffset, logAppendTimeMs: -1, error: kafkaErr(code) }];
const logOf = (client: KafkaClient, expectedBrokers = 1) => new KafkaSchemasLog({ client, tail: client }, { expectedBrokers, brokerWaitTries: 2 });

describe('the topic', () => {
  test('created with one partition, compacted, replication factor min(3, brokers)', async () => {
    for (const [n, rf] of [[1, 1], [2, 2], [5, 3]]) {
      const { client, calls } = scriptedClient({ metadata: [noTopic(n)], createTopics: [[{ name: '_schemas', error: null }]] });
      expect((await logOf(client, n).ensureTopic()).ok).toBe(true);
      expect(calls.find((c) => c.name === 'createTopics')!.args[0]).toEqual([
        { name: '_schemas', numPartitions: 1, replicationFactor: rf, configs: { 'cleanup.policy': 'compact' } },
      ]);
    }
  });

  test('with fewer brokers registered than the cluster has, creation waits (a bounded number of tries)', async () => {
    const { client, calls } = scriptedClient({ metadata: [noTopic(1)], createTopics: [[{ name: '_schemas', error: null }]] });
    const log = logOf(client, 3);
    const first = await log.ensureTopic();
    expect(first.ok ? '' : first.error.kind).toBe('unavailable');
    await log.ensureTopic();
    expect(calls.filter((c) => c.name === 'createTopics').length).toBe(0);
    // Past brokerWaitTries it settles for the brokers there are, as Confluent does.
    expect((await log.ensureTopic()).ok).toBe(true);
    expect((calls.find((c) => c.name === 'createTopics')!.args[0] as Array<{ replicationFactor: number }>)[0].replicationFactor).toBe(1);
  });

  test('created by another node first: checked next time, as verifySchemaTopic does', async () => {
    const existing = { brokers: brokers(3), topics: [{ name: '_schemas', error: null, partitions: [{ partition: 0 }] }] };
    const { client } = scriptedClient({
      metadata: [noTopic(3), existing],
      createTopics: [[{ name: '_schemas', error: kafkaErr(ErrorCode.TOPIC_ALREADY_EXISTS) }]],
      describeConfigs: [[{ error: null, configs: [{ name: 'cleanup.policy', value: 'compact' }] }]],
    });
    const log = logOf(client, 3);
    const raced = await log.ensureTopic();
    expect(raced.ok ? '' : raced.error.kind).toBe('unavailable');
    expect((await log.ensureTopic()).ok).toBe(true);
  });

  test('an existing topic that is not compacted, or has more than one partition, is refused with Confluent\'s words', async () => {
    const existing = (partitions: number) => ({ brokers: brokers(1), topics: [{ name: '_schemas', error: null, partitions: Array.from({ length: partitions }, (_, p) => ({ partition: p })) }] });
    const deleting = scriptedClient({ metadata: [existing(1)], describeConfigs: [[{ error: null, configs: [{ name: 'cleanup.policy', value: 'delete' }] }]] });
    const r1 = await logOf(deleting.client).ensureTopic();
    expect(r1.ok ? null : r1.error).toEqual({ kind: 'failed', message: "The retention policy of the schema topic _schemas is incorrect. Expected cleanup.policy to be 'compact' but it is delete" });
    const wide = scriptedClient({ metadata: [existing(3)] });
    const r2 = await logOf(wide.client).ensureTopic();
    expect(r2.ok ? null : r2.error).toEqual({ kind: 'failed', message: 'The schema topic _schemas should have only 1 partition but has 3' });
  });
});

describe('appends', () => {
  test('a leader that moved is tried again with fresh metadata; then the offset', async () => {
    const { client, calls } = scriptedClient({ produce: [produced(-1, ErrorCode.NOT_LEADER_OR_FOLLOWER), produced(-1, ErrorCode.LEADER_NOT_AVAILABLE), produced(42)] });
    const r = await logOf(client).append([{ key: new Uint8Array([1]), value: null }]);
    expect(r).toEqual({ ok: true, value: 42 });
    expect(calls.filter((c) => c.name === 'produce').length).toBe(3);
    expect((calls[0].args[1] as { acks: number }).acks).toBe(-1);
  });

  test('a connection that could not be made is tried again; one closed mid-request is a timeout, not retried', async () => {
    const connect = scriptedClient({ produce: [() => { throw new ClientError('connect', 'refused'); }, produced(7)] });
    expect(await logOf(connect.client).append([{ key: new Uint8Array([1]), value: null }])).toEqual({ ok: true, value: 7 });
    const closed = scriptedClient({ produce: [() => { throw new ClientError('closed', 'connection closed'); }, produced(8)] });
    const r = await logOf(closed.client).append([{ key: new Uint8Array([1]), value: null }]);
    expect(r.ok ? '' : r.error.kind).toBe('timeout');
    expect(closed.calls.length).toBe(1);
  });

  test('a timeout on the broker is a timeout (maybe appended: not retried); too large is too_large', async () => {
    for (const [code, kind] of [
      [ErrorCode.REQUEST_TIMED_OUT, 'timeout'],
      [ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, 'timeout'],
      [ErrorCode.MESSAGE_TOO_LARGE, 'too_large'],
      [ErrorCode.RECORD_LIST_TOO_LARGE, 'too_large'],
      [ErrorCode.CORRUPT_MESSAGE, 'failed'],
    ] as const) {
      const { client, calls } = scriptedClient({ produce: [produced(-1, code), produced(1)] });
      const r = await logOf(client).append([{ key: new Uint8Array([1]), value: null }]);
      expect(r.ok ? '' : r.error.kind).toBe(kind);
      expect(calls.length).toBe(1);
    }
  });
});

describe('reads', () => {
  test('records and the next offset past the batches; below the log start, on from the log start', async () => {
    const fetched = { topic: '_schemas', partition: 0, error: null, highWatermark: 9, lastStableOffset: 9, logStartOffset: 0, records: [{ offset: 3, key: new Uint8Array([1]), value: null }], nextOffset: 5 };
    const ok = scriptedClient({ fetch: [[fetched]] });
    expect(await logOf(ok.client).read(3, 100)).toEqual({ ok: true, value: { records: [{ offset: 3, key: new Uint8Array([1]), value: null }], nextOffset: 5 } });
    const gone = scriptedClient({ fetch: [[{ ...fetched, error: kafkaErr(ErrorCode.OFFSET_OUT_OF_RANGE), logStartOffset: 20, records: [], nextOffset: 0 }]] });
    expect(await logOf(gone.client).read(0, 100)).toEqual({ ok: true, value: { records: [], nextOffset: 20 } });
  });
});
