// `group describe`/`group seek` choose the describe API as Kafka's Admin describeConsumerGroups
// does: ConsumerGroupDescribe first, DescribeGroups on GROUP_ID_NOT_FOUND or UNSUPPORTED_VERSION.

import { describe, expect, test } from 'bun:test';
import type { KafkaClient } from '../../../src/client/client.ts';
import { kafkaErr } from '../../../src/client/errors.ts';
import type { DescribedConsumerGroup, DescribedGroup } from '../../../src/client/groups.ts';
import { describeAnyGroup } from '../../../src/cli/group-describe.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';

const consumer = (error: number): DescribedConsumerGroup => ({
  groupId: 'g',
  state: error === 0 ? 'Stable' : 'Dead',
  groupEpoch: 1,
  assignmentEpoch: 1,
  assignor: 'uniform',
  members: [],
  error: kafkaErr(error),
});
const classic: DescribedGroup = { groupId: 'g', state: 'Empty', protocolType: 'consumer', protocol: '', members: [], error: null };

function stub(consumerError: number) {
  const calls: string[] = [];
  const client = {
    consumerGroupDescribe: async () => (calls.push('ConsumerGroupDescribe'), [consumer(consumerError)]),
    describeGroups: async () => (calls.push('DescribeGroups'), [classic]),
  } as unknown as KafkaClient;
  return { client, calls };
}

describe('describeAnyGroup', () => {
  test('a KIP-848 group is answered by ConsumerGroupDescribe alone', async () => {
    const { client, calls } = stub(ErrorCode.NONE);
    expect(await describeAnyGroup(client, 'g')).toMatchObject({ type: 'consumer', group: { state: 'Stable', assignor: 'uniform' } });
    expect(calls).toEqual(['ConsumerGroupDescribe']);
  });

  test('GROUP_ID_NOT_FOUND (classic or unknown) and UNSUPPORTED_VERSION fall back to DescribeGroups', async () => {
    for (const code of [ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.UNSUPPORTED_VERSION]) {
      const { client, calls } = stub(code);
      expect(await describeAnyGroup(client, 'g')).toEqual({ type: 'classic', group: classic });
      expect(calls).toEqual(['ConsumerGroupDescribe', 'DescribeGroups']);
    }
  });

  test('any other error is the answer', async () => {
    const { client, calls } = stub(ErrorCode.INVALID_GROUP_ID);
    expect(await describeAnyGroup(client, 'g')).toMatchObject({ code: ErrorCode.INVALID_GROUP_ID, name: 'INVALID_GROUP_ID' });
    expect(calls).toEqual(['ConsumerGroupDescribe']);
  });
});
