// KIP-848 consumer groups against the real executable. No installed client speaks the new
// protocol (kafkajs 2.2.4, librdkafka 2.0.2 and kafka-python 2.0.2 predate it), so simulated
// members drive ConsumerGroupHeartbeat over raw TCP with the project's codecs, the way a Kafka 4
// consumer does: join with epoch 0 and their own member id (v1), report what they own, give up
// what they are asked to revoke, commit with their member epoch.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { Kip848Member } from '../helpers/kip848-member.ts';
import { RawClient } from '../helpers/raw-client.ts';
import {
  ApiVersions,
  ConsumerGroupDescribe,
  ConsumerGroupHeartbeat,
  CreateTopics,
  DeleteGroups,
  DescribeGroups,
  ListGroups,
  OffsetCommit,
  OffsetFetch,
} from '../../src/protocol/messages/index.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';

setDefaultTimeout(60_000);

const SESSION_TIMEOUT_MS = 3000;
const CONVERGE_TIMEOUT_MS = 20_000;

let broker: Broker;
let admin: RawClient;

beforeAll(async () => {
  broker = await startBroker({
    settings: { 'group.consumer.session.timeout.ms': String(SESSION_TIMEOUT_MS), 'group.consumer.heartbeat.interval.ms': '500' },
  });
  admin = await RawClient.connect(broker.port);
});
afterAll(async () => {
  admin?.close();
  await broker?.dispose();
});

async function createTopic(name: string, partitions: number): Promise<string> {
  const r = await admin.send(CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000 });
  expect(r.topics[0].errorCode).toBe(ErrorCode.NONE);
  return r.topics[0].topicId;
}

/** A consumer of the new protocol: its own member id, its epoch, what it owns. */

async function describeGroup(groupId: string) {
  const r = await admin.send(ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false });
  return r.groups[0];
}

/** Heartbeats the members until the group is Stable at their epochs. */
async function converge(members: readonly Kip848Member[]): Promise<void> {
  const deadline = performance.now() + CONVERGE_TIMEOUT_MS;
  for (;;) {
    for (const m of members) await m.heartbeat();
    const g = await describeGroup(members[0].groupId);
    if (g.groupState === 'Stable' && g.members.length === members.length && members.every((m) => m.epoch === g.assignmentEpoch)) return;
    if (performance.now() > deadline) throw new Error(`no convergence: ${JSON.stringify(g)}`);
    await Bun.sleep(50);
  }
}

function expectExactCover(members: readonly Kip848Member[], partitions: number): void {
  expect(members.flatMap((m) => m.partitions()).sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, i) => i));
}

describe('KIP-848 consumer group over the wire', () => {
  test('ApiVersions advertises ConsumerGroupHeartbeat v0-1 and ConsumerGroupDescribe v0', async () => {
    const r = await admin.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const find = (k: number) => r.apiKeys.find((a) => a.apiKey === k);
    expect(find(68)).toMatchObject({ minVersion: 0, maxVersion: 1 });
    expect(find(69)).toMatchObject({ minVersion: 0, maxVersion: 0 });
  });

  test('3 members split 6 partitions, commit with member epochs, and take over a silent member', async () => {
    const topic = uniqueTopic('kip848');
    const topicId = await createTopic(topic, 6);
    const groupId = `${topic}-group`;
    const members = await Promise.all([0, 1, 2].map(() => Kip848Member.connect(broker.port, groupId, [topic])));
    try {
      await converge(members);
      for (const m of members) expect(m.partitions().length).toBe(2);
      expectExactCover(members, 6);

      // ConsumerGroupDescribe: members with current = target assignment, by topic name.
      const d = await describeGroup(groupId);
      expect([d.errorCode, d.groupState, d.assignorName]).toEqual([ErrorCode.NONE, 'Stable', 'uniform']);
      expect(d.members.map((m) => m.memberId).sort()).toEqual(members.map((m) => m.memberId).sort());
      for (const m of d.members) {
        expect(m.assignment.topicPartitions).toEqual(m.targetAssignment.topicPartitions);
        expect(m.assignment.topicPartitions[0]).toMatchObject({ topicId, topicName: topic });
        expect(m.clientId).toBe('raw-test');
      }

      // ListGroups shows the type; DescribeGroups (classic API) the state.
      const listed = await admin.send(ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
      expect(listed.groups.find((g) => g.groupId === groupId)).toMatchObject({ groupType: 'consumer', protocolType: 'consumer', groupState: 'Stable' });
      const classic = await admin.send(DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
      expect(classic.groups[0]).toMatchObject({ errorCode: ErrorCode.NONE, groupState: 'Stable', protocolType: 'consumer' });

      // OffsetCommit v9 with the member epoch. A newer epoch is refused; an older one only
      // commits partitions the member held at that epoch already (KIP-1251), not others'.
      const [a] = members;
      const p = a.partitions()[0];
      const othersPartition = members[1].partitions()[0];
      const commit = (epoch: number, partition = p) =>
        a.client.send(OffsetCommit, 9, {
          groupId,
          generationIdOrMemberEpoch: epoch,
          memberId: a.memberId,
          groupInstanceId: null,
          topics: [{ name: topic, partitions: [{ partitionIndex: partition, committedOffset: 17, committedMetadata: 'm' }] }],
        });
      expect((await commit(a.epoch + 1)).topics[0].partitions[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
      expect((await commit(a.epoch - 1, othersPartition)).topics[0].partitions[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
      // Below v9 there is no member epoch: Kafka refuses a consumer-protocol member.
      const v8 = await a.client.send(OffsetCommit, 8, {
        groupId,
        generationIdOrMemberEpoch: a.epoch,
        memberId: a.memberId,
        groupInstanceId: null,
        topics: [{ name: topic, partitions: [{ partitionIndex: p, committedOffset: 16, committedMetadata: 'm' }] }],
      });
      expect(v8.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect((await commit(a.epoch)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
      const fetched = await a.client.send(OffsetFetch, 9, {
        groups: [{ groupId, memberId: a.memberId, memberEpoch: a.epoch, topics: [{ name: topic, partitionIndexes: [p] }] }],
        requireStable: false,
      });
      expect(fetched.groups[0].errorCode).toBe(ErrorCode.NONE);
      expect(fetched.groups[0].topics[0].partitions[0]).toMatchObject({ committedOffset: 17, metadata: 'm' });
      const stale = await a.client.send(OffsetFetch, 9, { groups: [{ groupId, memberId: a.memberId, memberEpoch: 999, topics: null }], requireStable: false });
      expect(stale.groups[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);

      // The third member goes silent: after the session timeout the others own everything.
      const silent = members[2];
      const survivors = members.slice(0, 2);
      const deadline = performance.now() + SESSION_TIMEOUT_MS + CONVERGE_TIMEOUT_MS;
      for (;;) {
        for (const m of survivors) await m.heartbeat();
        const g = await describeGroup(groupId);
        const covered = survivors.flatMap((m) => m.partitions()).length === 6;
        if (g.members.length === 2 && g.groupState === 'Stable' && covered && survivors.every((m) => m.epoch === g.assignmentEpoch)) break;
        if (performance.now() > deadline) throw new Error(`silent member not replaced: ${JSON.stringify(g)}`);
        await Bun.sleep(200);
      }
      expectExactCover(survivors, 6);
      await silent.heartbeat();
      expect(silent.lastError).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

      // Leaving with epoch -1 hands the partitions over at once; then the empty group is deleted.
      await survivors[1].leave();
      await converge([survivors[0]]);
      expect(survivors[0].partitions().length).toBe(6);
      expect((await admin.send(DeleteGroups, 2, { groupsNames: [groupId] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
      await survivors[0].leave();
      expect((await admin.send(DeleteGroups, 2, { groupsNames: [groupId] })).results[0].errorCode).toBe(ErrorCode.NONE);
      expect((await describeGroup(groupId)).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    } finally {
      for (const m of members) m.client.close();
    }
  });

  test('the group survives a broker restart: the member heartbeats on with its epoch', async () => {
    const topic = uniqueTopic('kip848-restart');
    await createTopic(topic, 3);
    const groupId = `${topic}-group`;
    const m = await Kip848Member.connect(broker.port, groupId, [topic]);
    await converge([m]);
    const before = await describeGroup(groupId);
    m.client.close();
    admin.close();
    await broker.restart();
    admin = await RawClient.connect(broker.port);
    const again = await Kip848Member.connect(broker.port, groupId, [topic]);
    Object.assign(again, { memberId: m.memberId, epoch: m.epoch, owned: m.owned });
    await again.heartbeat();
    expect(again.lastError).toBe(ErrorCode.NONE);
    expect(again.epoch).toBe(m.epoch);
    const after = await describeGroup(groupId);
    expect([after.groupEpoch, after.assignmentEpoch, after.members.length]).toEqual([before.groupEpoch, before.assignmentEpoch, 1]);
    expect(after.members[0].assignment).toEqual(before.members[0].assignment);
    await again.leave();
    again.client.close();
  });
});
