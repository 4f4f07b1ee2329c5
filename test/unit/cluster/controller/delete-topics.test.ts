// DeleteTopics on the controller: one RemoveTopicRecord per topic (its partitions and configs
// go with it when replayed), and the single node's refusals by name and by id (KIP-516) with
// Kafka's codes and messages.

import { describe, expect, test } from 'bun:test';
import { ConfigResourceType, deleteTopics, type MetadataImage } from '../../../../src/cluster/controller/index.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { ZERO_UUID } from '../../../../src/protocol/primitives.ts';
import { cluster, deleteRequest, inputs, mustCreate } from './harness.ts';

function del(image: MetadataImage, names: string[], ids: Array<{ name: string | null; topicId: string }> = [], opts: { apiVersion?: number; set?: Record<string, string> } = {}) {
  const r = deleteTopics(image, deleteRequest(names, ids), { ...inputs(1, opts.set), apiVersion: opts.apiVersion ?? 6 });
  return { records: r.records, responses: r.response.responses! };
}

describe('DeleteTopics', () => {
  test('by name and by id: one RemoveTopicRecord each; partitions, replica counts and configs go', () => {
    const { image } = cluster([0, 1]);
    mustCreate(image, [{ name: 'a', numPartitions: 2, replicationFactor: 2, configs: [{ name: 'retention.ms', value: '9' }] }, { name: 'b' }]);
    const a = image.topic('a')!;
    const b = image.topic('b')!;
    const r = del(image, [], [{ name: 'a', topicId: ZERO_UUID }, { name: null, topicId: b.topicId }]);
    expect(r.records).toEqual([{ type: 'remove_topic', topicId: a.topicId }, { type: 'remove_topic', topicId: b.topicId }]);
    expect(r.responses).toEqual([
      { name: 'a', topicId: a.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
      { name: 'b', topicId: b.topicId, errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    expect(image.topicCount).toBe(0);
    expect(image.replicasOn(0) + image.replicasOn(1)).toBe(0);
    expect(image.configsOf(ConfigResourceType.TOPIC, 'a').size).toBe(0);
  });

  test("refusals, with Kafka's messages", () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 'x' }, { name: '__consumer_offsets' }]);
    const x = image.topic('x')!;
    const r = del(image, [], [
      { name: null, topicId: ZERO_UUID },
      { name: 'x', topicId: x.topicId },
      { name: 'nope', topicId: ZERO_UUID },
      { name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
      { name: 'd', topicId: ZERO_UUID },
      { name: 'd', topicId: ZERO_UUID },
      { name: 'x', topicId: ZERO_UUID },
      { name: null, topicId: x.topicId },
      { name: '__consumer_offsets', topicId: ZERO_UUID },
    ]);
    expect(r.responses.map((x) => [x!.name, x!.errorCode, x!.errorMessage])).toEqual([
      [null, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'],
      ['x', ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'],
      [null, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'],
      ['d', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      ['x', ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'],
      [null, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'],
      ['__consumer_offsets', ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic __consumer_offsets is internal and cannot be deleted.'],
    ]);
    expect(r.records).toEqual([]);
  });

  test('delete.topic.enable=false: INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED from v3, nothing removed', () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 'x' }]);
    const set = { 'delete.topic.enable': 'false' };
    expect(del(image, ['x'], [], { apiVersion: 2, set }).responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const r = del(image, ['x'], [], { apiVersion: 3, set });
    expect(r.responses[0]!.errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
    expect(r.records).toEqual([]);
    expect(image.topic('x')).toBeDefined();
  });

  test('a deleted name can be created again, with a new id', () => {
    const { image } = cluster();
    mustCreate(image, [{ name: 'x' }]);
    const first = image.topic('x')!.topicId;
    del(image, ['x']);
    mustCreate(image, [{ name: 'x' }], 2);
    expect(image.topic('x')!.topicId).not.toBe(first);
  });
});
