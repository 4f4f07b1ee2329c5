// KIP-848 consumer groups on simulated time: joining, convergence with both assignors,
// revocation before reassignment, leaving, session and rebalance timeouts, static members,
// metadata changes, and the request checks Kafka makes.

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { MemberState } from '../../../src/groups/consumer-group.ts';
import { sim } from './helpers.ts';
import { consumerGroup, converge, FakeTopics, hbReq, SimMember } from './consumer-sim.ts';

function setup(partitions = 6, config = {}) {
  const s = sim(config);
  const topics = new FakeTopics();
  topics.create('t', partitions);
  return { s, topics };
}

function members(s: ReturnType<typeof sim>, topics: FakeTopics, n: number, o = {}): SimMember[] {
  return Array.from({ length: n }, (_, i) => new SimMember(s, topics, 'g', `member-${i + 1}`, o));
}

/** Every partition of `t` owned by exactly one member. */
function expectExactCover(ms: readonly SimMember[], partitions: number): void {
  const all = ms.flatMap((m) => m.ownedList());
  expect(all.sort()).toEqual(Array.from({ length: partitions }, (_, p) => `t:${p}`).sort());
}

describe('joining', () => {
  test('v0: the coordinator generates the member id; the first member gets every partition at epoch 1', async () => {
    const { s, topics } = setup();
    const m = new SimMember(s, topics, 'g', '', { apiVersion: 0 });
    const res = await m.heartbeat();
    expect(res.errorCode).toBe(ErrorCode.NONE);
    expect(res.memberId).toBe('uuid1');
    expect(res.memberEpoch).toBe(1);
    expect(res.heartbeatIntervalMs).toBe(5000);
    expect(m.ownedList()).toEqual(['t:0', 't:1', 't:2', 't:3', 't:4', 't:5']);
    const g = consumerGroup(s, 'g');
    expect([g.groupEpoch, g.assignmentEpoch, g.stateName()]).toEqual([1, 1, 'Stable']);
    // A heartbeat with nothing new answers no assignment (unchanged).
    const again = await m.heartbeat();
    expect(again.assignment).toBeNull();
    expect(again.memberEpoch).toBe(1);
  });

  test('v1: the client names itself (KIP-1082); an empty member id is INVALID_REQUEST', async () => {
    const { s, topics } = setup();
    const bad = await s.c.consumer.heartbeat(hbReq('g'), topics);
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(bad.errorMessage).toBe("MemberId can't be empty.");
    const m = new SimMember(s, topics, 'g', 'my-own-id');
    expect((await m.heartbeat()).memberId).toBe('my-own-id');
    // A failed join leaves no group behind.
    expect(s.c.groups.has('other')).toBe(false);
  });

  test("request checks: Kafka's messages and codes", async () => {
    const { s, topics } = setup();
    const hb = (o: Parameters<typeof hbReq>[1]) => s.c.consumer.heartbeat(hbReq('g', { memberId: 'm', ...o }), topics);
    expect((await hb({ rebalanceTimeoutMs: -1 })).errorMessage).toBe('RebalanceTimeoutMs must be provided in first request.');
    expect((await hb({ topicPartitions: null })).errorMessage).toBe('TopicPartitions must be empty when (re-)joining.');
    expect((await hb({ subscribedTopicNames: null })).errorMessage).toContain('Either SubscribedTopicNames or SubscribedTopicRegex');
    expect((await hb({ memberEpoch: -3 })).errorMessage).toBe('MemberEpoch is invalid.');
    expect((await hb({ memberEpoch: -2 })).errorMessage).toBe("InstanceId can't be null.");
    expect((await hb({ groupId: '' })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const unsupported = await hb({ serverAssignor: 'sticky' });
    expect(unsupported.errorCode).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(unsupported.errorMessage).toBe('ServerAssignor sticky is not supported. Supported assignors: uniform, range.');
    expect((await hb({ subscribedTopicRegex: 'a(' })).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect((await hb({ memberEpoch: 3 })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  test('group.consumer.max.size: GROUP_MAX_SIZE_REACHED for a new member, members still heartbeat', async () => {
    const { s, topics } = setup(6, { consumerMaxSize: 2 });
    const ms = members(s, topics, 3);
    await ms[0].heartbeat();
    await ms[1].heartbeat();
    const third = await ms[2].heartbeat();
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect((await ms[0].heartbeat()).errorCode).toBe(ErrorCode.NONE);
  });
});

describe('convergence: 3 members over 6 partitions', () => {
  for (const assignor of ['uniform', 'range']) {
    test(`${assignor}: two partitions each, every partition exactly once, one group epoch per join`, async () => {
      const { s, topics } = setup();
      const ms = members(s, topics, 3, { serverAssignor: assignor });
      for (const m of ms) await m.heartbeat();
      await converge(s, ms);
      for (const m of ms) expect(m.ownedList().length).toBe(2);
      expectExactCover(ms, 6);
      const g = consumerGroup(s, 'g');
      expect(g.groupEpoch).toBe(3);
      expect(g.preferredAssignor()).toBe(assignor);
      if (assignor === 'range') expect(ms.map((m) => m.ownedList())).toEqual([['t:0', 't:1'], ['t:2', 't:3'], ['t:4', 't:5']]);
      // Every member's current assignment is its target, at the group epoch.
      for (const m of g.members.values()) {
        expect(m.state).toBe(MemberState.STABLE);
        expect(m.memberEpoch).toBe(3);
        expect(m.assigned).toEqual(g.targetOf(m.memberId));
      }
    });
  }
});

describe('reconciliation', () => {
  test('a partition moves only after its owner revoked it; epochs bump on the way', async () => {
    const { s, topics } = setup();
    const [a, b] = members(s, topics, 2);
    await a.heartbeat();
    expect(a.ownedList().length).toBe(6);
    // b joins: group epoch 2; its target partitions are still a's, so it gets none yet.
    const joined = await b.heartbeat();
    expect(joined.memberEpoch).toBe(2);
    expect(joined.assignment!.topicPartitions).toEqual([]);
    const g = consumerGroup(s, 'g');
    expect(g.members.get('member-2')!.state).toBe(MemberState.UNRELEASED_PARTITIONS);
    expect(g.stateName()).toBe('Reconciling');
    // a is asked to give up three: it stays at epoch 1 until it no longer reports them.
    a.revokes = false;
    const asked = await a.heartbeat();
    expect(asked.memberEpoch).toBe(1);
    expect(asked.assignment!.topicPartitions[0].partitions.length).toBe(3);
    expect(g.members.get('member-1')!.state).toBe(MemberState.UNREVOKED_PARTITIONS);
    expect((await b.heartbeat()).assignment).toBeNull();
    expect(b.ownedList()).toEqual([]);
    // Revoked: a moves to epoch 2 and b takes the three on its next heartbeat.
    a.revokes = true;
    a.owned = new Map([...a.owned].map(([t]) => [t, [...g.members.get('member-1')!.assigned.get(t)!]]));
    expect((await a.heartbeat()).memberEpoch).toBe(2);
    await b.heartbeat();
    expect(b.ownedList().length).toBe(3);
    expectExactCover([a, b], 6);
    expect(g.stateName()).toBe('Stable');
  });

  test('a member that does not revoke within its rebalance timeout is removed', async () => {
    const { s, topics } = setup();
    const [a, b] = members(s, topics, 2, { rebalanceTimeoutMs: 10_000 });
    await a.heartbeat();
    await b.heartbeat();
    a.revokes = false;
    await a.heartbeat();
    for (let i = 0; i < 3; i++) {
      await s.advance(4000);
      await a.heartbeat();
      await b.heartbeat();
    }
    const g = consumerGroup(s, 'g');
    expect(g.members.has('member-1')).toBe(false);
    expect(a.last!.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(b.ownedList().length).toBe(6);
  });

  test('FENCED_MEMBER_EPOCH for a greater epoch, or a smaller one that is not the previous', async () => {
    const { s, topics } = setup();
    const [a, b] = members(s, topics, 2);
    await converge(s, [a, b]);
    const fenced = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'member-1', memberEpoch: 9, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null }), topics);
    expect(fenced.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    // The previous epoch with a subset of the assignment: its answer was lost, accepted.
    const m = consumerGroup(s, 'g').members.get('member-1')!;
    const owned = [...m.assigned].map(([topicId, ps]) => ({ topicId, partitions: [...ps] }));
    const prev = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'member-1', memberEpoch: m.previousMemberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: owned }), topics);
    expect(prev.errorCode).toBe(ErrorCode.NONE);
    expect(prev.memberEpoch).toBe(m.memberEpoch);
    const older = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'member-1', memberEpoch: m.previousMemberEpoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null }), topics);
    expect(older.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    // A fenced member rejoins with epoch 0 and its own id (KAFKA-19233) and gets its partitions.
    const rejoin = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'member-1' }), topics);
    expect(rejoin.errorCode).toBe(ErrorCode.NONE);
    expect(rejoin.memberEpoch).toBe(m.memberEpoch);
    expect(rejoin.assignment!.topicPartitions[0].partitions.length).toBe(3);
  });
});

describe('leaving', () => {
  test('epoch -1: the member leaves, the group epoch bumps, the others take its partitions', async () => {
    const { s, topics } = setup();
    const ms = members(s, topics, 3);
    await converge(s, ms);
    const epoch = consumerGroup(s, 'g').groupEpoch;
    const left = await ms[2].leave();
    expect([left.errorCode, left.memberId, left.memberEpoch]).toEqual([ErrorCode.NONE, 'member-3', -1]);
    expect(consumerGroup(s, 'g').groupEpoch).toBe(epoch + 1);
    await converge(s, ms.slice(0, 2));
    expectExactCover(ms.slice(0, 2), 6);
    expect((await ms[2].leave()).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member silent for group.consumer.session.timeout.ms is removed; the others take over', async () => {
    const { s, topics } = setup();
    const ms = members(s, topics, 3);
    await converge(s, ms);
    for (let t = 0; t < 50_000; t += 5000) {
      await s.advance(5000);
      await ms[0].heartbeat();
      await ms[1].heartbeat();
    }
    const g = consumerGroup(s, 'g');
    expect([...g.members.keys()].sort()).toEqual(['member-1', 'member-2']);
    await converge(s, ms.slice(0, 2));
    expectExactCover(ms.slice(0, 2), 6);
    expect((await ms[2].heartbeat()).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('the last member leaving makes the group Empty; DeleteGroups then removes it', async () => {
    const { s, topics } = setup();
    const [a] = members(s, topics, 1);
    await a.heartbeat();
    expect(await s.c.deleteGroups(['g'])).toEqual([ErrorCode.NON_EMPTY_GROUP]);
    await a.leave();
    expect(consumerGroup(s, 'g').stateName()).toBe('Empty');
    expect(s.c.listGroups([], ['consumer'])).toEqual([{ groupId: 'g', protocolType: 'consumer', groupState: 'Empty', groupType: 'consumer' }]);
    expect(await s.c.deleteGroups(['g'])).toEqual([ErrorCode.NONE]);
    expect(s.c.groups.has('g')).toBe(false);
  });
});

describe('static members (group.instance.id)', () => {
  test('-2 leaves for a while; the instance comes back under a new id with its partitions, no new epoch', async () => {
    const { s, topics } = setup();
    const a = new SimMember(s, topics, 'g', 'a-1', { instanceId: 'instance-a' });
    const b = new SimMember(s, topics, 'g', 'b-1');
    await converge(s, [a, b]);
    const before = a.ownedList();
    const g = consumerGroup(s, 'g');
    const epoch = g.groupEpoch;
    // A new process with the same instance id while the old one is alive: refused.
    const early = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'a-2', instanceId: 'instance-a' }), topics);
    expect(early.errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    expect((await a.leave(-2)).memberEpoch).toBe(-2);
    expect(g.members.get('a-1')!.memberEpoch).toBe(-2);
    // Its partitions are still its own: b does not get them.
    await b.heartbeat();
    expect(b.ownedList().length).toBe(3);
    const a2 = new SimMember(s, topics, 'g', 'a-2', { instanceId: 'instance-a' });
    await a2.heartbeat();
    expect(a2.ownedList()).toEqual(before);
    expect(g.groupEpoch).toBe(epoch);
    expect(g.members.has('a-1')).toBe(false);
    // The old member id is fenced out.
    const old = await s.c.consumer.heartbeat(hbReq('g', { memberId: 'a-1', memberEpoch: epoch, instanceId: 'instance-a', rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null }), topics);
    expect(old.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
  });
});

describe('topic metadata changes', () => {
  test('partition growth: the next heartbeat bumps the epoch and spreads the new partitions', async () => {
    const { s, topics } = setup();
    const ms = members(s, topics, 3);
    await converge(s, ms);
    const epoch = consumerGroup(s, 'g').groupEpoch;
    topics.grow('t', 9);
    await converge(s, ms);
    expect(consumerGroup(s, 'g').groupEpoch).toBe(epoch + 1);
    for (const m of ms) expect(m.ownedList().length).toBe(3);
    expectExactCover(ms, 9);
  });

  test('a topic created after the subscription is picked up; a deleted topic is revoked', async () => {
    const { s, topics } = setup();
    const ms = members(s, topics, 2, { subscribedTopicNames: ['t', 'later'] });
    await converge(s, ms);
    expect(ms.flatMap((m) => m.ownedList()).length).toBe(6);
    topics.create('later', 4);
    await converge(s, ms);
    expect(ms.flatMap((m) => m.ownedList()).filter((p) => p.startsWith('later:')).length).toBe(4);
    topics.delete('t');
    await converge(s, ms);
    expect(ms.flatMap((m) => m.ownedList()).sort()).toEqual(['later:0', 'later:1', 'later:2', 'later:3']);
  });

  test('a regex subscription (v1) matches topics, new ones included, internal ones never', async () => {
    const { s, topics } = setup();
    topics.create('orders-eu', 2);
    topics.create('__consumer_offsets', 50);
    const ms = members(s, topics, 2, { subscribedTopicNames: [], subscribedTopicRegex: 'orders-.*|__.*' });
    await converge(s, ms);
    expect(ms.flatMap((m) => m.ownedList()).sort()).toEqual(['orders-eu:0', 'orders-eu:1']);
    topics.create('orders-us', 2);
    await s.advance(10_000);
    await converge(s, ms);
    expect(ms.flatMap((m) => m.ownedList()).length).toBe(4);
    expect(consumerGroup(s, 'g').subscribedTopics()).toEqual(new Set(['orders-eu', 'orders-us']));
  });
});
