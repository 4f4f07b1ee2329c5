// KIP-848 groups and the rest of the coordinator: persistence in Kafka's record format and
// the reload, committed offsets with member epochs, the group type rules shared with the
// classic protocol, ConsumerGroupDescribe; and the assignors on their own.

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { Reader } from '../../../src/protocol/primitives.ts';
import { type Assignment, type ConsumerRecord, decodeConsumerRecord, encodeConsumerRecord } from '../../../src/groups/consumer-records.ts';
import { ClassicGroup } from '../../../src/groups/classic-group.ts';
import { rangeAssignor } from '../../../src/groups/assignors/range.ts';
import { uniformAssignor } from '../../../src/groups/assignors/uniform.ts';
import type { AssignorMember } from '../../../src/groups/assignors/types.ts';
import { decodeKey } from '../../../src/groups/records.ts';
import { joinNew, joinReq, type Sim, sim } from './helpers.ts';
import { consumerGroup, converge, FakeTopics, hbReq, SimMember } from './consumer-sim.ts';

/** A classic member joined (the group holds it, CompletingRebalance). */
async function classicJoin(s: Sim, groupId: string) {
  const p = joinNew(s, groupId);
  await s.advance(0);
  return p;
}

function setup() {
  const s = sim();
  const topics = new FakeTopics();
  topics.create('t', 6);
  const ms = Array.from({ length: 3 }, (_, i) => new SimMember(s, topics, 'g', `member-${i + 1}`));
  return { s, topics, ms };
}

describe('persistence', () => {
  test('records are Kafka bytes: key version, key struct, value version 0 flexible', () => {
    const r = encodeConsumerRecord({ type: 'groupEpoch', groupId: 'g', value: 7 });
    expect([...r.key]).toEqual([0, 3, 0, 1, 0x67]);
    expect([...r.value!]).toEqual([0, 0, 0, 0, 0, 7, 0]);
    const m = encodeConsumerRecord({ type: 'targetMember', groupId: 'g', memberId: 'm', value: null });
    expect([...m.key]).toEqual([0, 7, 0, 1, 0x67, 0, 1, 0x6d]);
    expect(m.value).toBeNull();
  });

  test('every record type decodes to what was encoded', () => {
    const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const a: Assignment = new Map([[topicId, new Set([0, 2])]]);
    const records: ConsumerRecord[] = [
      { type: 'groupEpoch', groupId: 'g', value: 3 },
      { type: 'partitionMetadata', groupId: 'g', value: [{ topicId, topicName: 't', numPartitions: 6 }] },
      {
        type: 'memberSubscription', groupId: 'g', memberId: 'm',
        value: { instanceId: 'i', rackId: null, clientId: 'c', clientHost: '/h', subscribedTopicNames: ['t'], subscribedTopicRegex: null, rebalanceTimeoutMs: 300000, serverAssignor: 'range' },
      },
      { type: 'targetEpoch', groupId: 'g', value: 3 },
      { type: 'targetMember', groupId: 'g', memberId: 'm', value: a },
      {
        type: 'currentAssignment', groupId: 'g', memberId: 'm',
        value: { memberEpoch: 3, previousMemberEpoch: 2, state: 1, assigned: a, pendingRevocation: new Map([[topicId, new Set([5])]]), assignmentEpochs: new Map([[topicId, new Map([[0, 1], [2, 3], [5, 2]])]]) },
      },
      { type: 'currentAssignment', groupId: 'g', memberId: 'm', value: null },
    ];
    for (const rec of records) {
      const bytes = encodeConsumerRecord(rec);
      const key = decodeKey(bytes.key);
      if (key.kind !== 'other') throw new Error('expected a consumer group key');
      expect(decodeConsumerRecord(key.version, key.reader, bytes.value)).toEqual(rec);
    }
  });

  test('KIP-1251 AssignmentEpochs: tag 0 of each TopicPartitions; a record without it (Kafka 4.0-4.2) reads as assigned at the member epoch', () => {
    const topicId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const assigned: Assignment = new Map([[topicId, new Set([0, 2])]]);
    const rec: ConsumerRecord = {
      type: 'currentAssignment', groupId: 'g', memberId: 'm',
      value: { memberEpoch: 5, previousMemberEpoch: 4, state: 0, assigned, pendingRevocation: new Map(), assignmentEpochs: new Map([[topicId, new Map([[0, 3], [2, 5]])]]) },
    };
    // Value v0: memberEpoch, previousMemberEpoch, state, then the partitions with the tag.
    const partitions = [3, 0, 0, 0, 0, 0, 0, 0, 2]; // compact [0, 2]
    const tagged = [1, 0, 9, 3, 0, 0, 0, 3, 0, 0, 0, 5]; // one tag: 0, 9 bytes, compact [3, 5]
    const idBytes = Array.from(Buffer.from(topicId, 'base64url'));
    expect([...encodeConsumerRecord(rec).value!]).toEqual([0, 0, 0, 0, 0, 5, 0, 0, 0, 4, 0, 2, ...idBytes, ...partitions, ...tagged, 1, 0]);
    // The same value as Kafka before 4.3 wrote it: no tagged fields.
    const old = new Uint8Array([0, 0, 0, 0, 0, 5, 0, 0, 0, 4, 0, 2, ...idBytes, ...partitions, 0, 1, 0]);
    const key = decodeKey(encodeConsumerRecord(rec).key);
    if (key.kind !== 'other') throw new Error('expected a consumer group key');
    const decoded = decodeConsumerRecord(key.version, key.reader, old);
    expect(decoded.value).toEqual({ ...rec.value!, assignmentEpochs: new Map([[topicId, new Map([[0, 5], [2, 5]])]]) } as never);
  });

  test('a restart brings the group back: epochs, members, assignments; members heartbeat on', async () => {
    const { s, topics, ms } = setup();
    await converge(s, ms);
    const g = consumerGroup(s, 'g');
    const r = sim({}, s.log, s.sched);
    const loaded = consumerGroup(r, 'g');
    expect([loaded.groupEpoch, loaded.assignmentEpoch, loaded.stateName()]).toEqual([g.groupEpoch, g.assignmentEpoch, 'Stable']);
    expect([...loaded.members.values()]).toEqual([...g.members.values()]);
    expect(loaded.targetAssignment).toEqual(g.targetAssignment);
    expect(loaded.subscriptionMetadata).toEqual(g.subscriptionMetadata);
    expect(loaded.partitionEpochs).toEqual(g.partitionEpochs);
    s.c.close();
    // The members keep heartbeating the restarted coordinator with the epochs they had.
    const again = ms.map((m) => new SimMember(r, topics, 'g', m.memberId));
    ms.forEach((m, i) => Object.assign(again[i], { epoch: m.epoch, owned: m.owned }));
    for (const m of again) expect((await m.heartbeat()).memberEpoch).toBe(g.groupEpoch);
    // Members that never come back are fenced after the session timeout; epochs continue.
    await r.advance(46_000);
    expect(loaded.members.size).toBe(0);
    expect(loaded.groupEpoch).toBe(g.groupEpoch + 3);
    const newcomer = new SimMember(r, topics, 'g', 'member-9');
    expect((await newcomer.heartbeat()).memberEpoch).toBe(g.groupEpoch + 4);
  });

  test('DeleteGroups tombstones every record: the group does not come back', async () => {
    const { s, ms } = setup();
    await converge(s, ms);
    for (const m of ms) await m.leave();
    expect(await s.c.deleteGroups(['g'])).toEqual([ErrorCode.NONE]);
    const r = sim({}, s.log);
    expect(r.c.groups.has('g')).toBe(false);
  });
});

describe('committed offsets', () => {
  test('OffsetCommit with the member epoch: STALE_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, then OK', async () => {
    const { s, topics, ms } = setup();
    await converge(s, ms);
    const commit = (memberId: string, epoch: number) =>
      s.c.commitOffsets({ groupId: 'g', memberId, groupInstanceId: null, generationIdOrMemberEpoch: epoch, apiVersion: 9, offsets: [{ topic: 't', topicId: topics.get('t')!.id, partition: 0, offset: 42, leaderEpoch: -1, metadata: null }] });
    // An epoch ahead of the member's is refused (older ones: the KIP-1251 test below).
    expect(await commit('member-1', ms[0].epoch + 1)).toEqual([ErrorCode.STALE_MEMBER_EPOCH]);
    expect(await commit('nobody', ms[0].epoch)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('', -1)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('member-1', ms[0].epoch)).toEqual([ErrorCode.NONE]);
    expect(s.c.fetchOffsets('g', null)[0].partitions[0].committedOffset).toBe(42);
    // OffsetFetch v9+: the same member rule; an admin (no member id, epoch -1) always may.
    expect(s.c.consumer.validateOffsetFetch('g', 'member-1', ms[0].epoch)).toBe(ErrorCode.NONE);
    expect(s.c.consumer.validateOffsetFetch('g', 'member-1', 0)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(s.c.consumer.validateOffsetFetch('g', 'ghost', 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(s.c.consumer.validateOffsetFetch('g', null, -1)).toBe(ErrorCode.NONE);
    // Once the group is empty, an admin commit (epoch -1) is accepted.
    for (const m of ms) await m.leave();
    expect(await commit('', -1)).toEqual([ErrorCode.NONE]);
  });

  test('KIP-1251: right after its epoch is bumped, a member commits with its previous epoch the partitions it still owns; not those it lost or got with the new epoch', async () => {
    const s = sim();
    const topics = new FakeTopics();
    const t = topics.create('t', 4);
    const [a, b] = [new SimMember(s, topics, 'g', 'a'), new SimMember(s, topics, 'g', 'b')];
    const commit = (sm: Sim, memberId: string, epoch: number, partitions: number[]) =>
      sm.c.commitOffsets({
        groupId: 'g', memberId, groupInstanceId: null, generationIdOrMemberEpoch: epoch, apiVersion: 9,
        offsets: partitions.map((partition) => ({ topic: 't', topicId: t.id, partition, offset: 10 + partition, leaderEpoch: -1, metadata: null })),
      });
    const owned = (m: SimMember) => m.ownedList().map((tp) => Number(tp.split(':')[1]));
    await a.heartbeat();
    expect([a.epoch, owned(a)]).toEqual([1, [0, 1, 2, 3]]);
    // b joins (group epoch 2); a is asked to revoke two and stays at epoch 1 until it has.
    await b.heartbeat();
    a.revokes = false;
    await a.heartbeat();
    const g = consumerGroup(s, 'g');
    const kept = [...g.members.get('a')!.assigned.get(t.id)!].sort();
    const lost = [0, 1, 2, 3].filter((p) => !kept.includes(p));
    expect([a.epoch, kept.length]).toEqual([1, 2]);
    expect(await commit(s, 'a', 1, [0, 1, 2, 3])).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
    // a revokes: its epoch goes to 2. A commit it sent with epoch 1 before it heard of the bump
    // is accepted for what it keeps (assigned at epoch 1 <= 1), refused for what it gave up.
    a.revokes = true;
    a.owned = new Map([[t.id, kept]]);
    await a.heartbeat();
    expect(a.epoch).toBe(2);
    expect(await commit(s, 'a', 1, kept)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await commit(s, 'a', 1, [lost[0]])).toEqual([ErrorCode.STALE_MEMBER_EPOCH]);
    // One partition it does not hold refuses the whole commit, as in Kafka.
    expect(await commit(s, 'a', 1, [kept[0], lost[0]])).toEqual([ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.STALE_MEMBER_EPOCH]);
    expect(await commit(s, 'a', 2, kept)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await commit(s, 'a', 3, kept)).toEqual([ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.STALE_MEMBER_EPOCH]);
    // b takes the two a gave up at epoch 2: an epoch-1 commit for them was not b's to make.
    await b.heartbeat();
    expect([b.epoch, owned(b)]).toEqual([2, lost]);
    expect(await commit(s, 'b', 2, lost)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await commit(s, 'b', 1, lost)).toEqual([ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.STALE_MEMBER_EPOCH]);
    // The assignment epochs are in the records: after a restart the same commits get the same answers.
    const r = sim({}, s.log, s.sched);
    expect(await commit(r, 'a', 1, kept)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(await commit(r, 'a', 1, [lost[0]])).toEqual([ErrorCode.STALE_MEMBER_EPOCH]);
    expect(await commit(r, 'b', 1, lost)).toEqual([ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.STALE_MEMBER_EPOCH]);
  });

  test('OffsetCommit below v9 from a member: UNSUPPORTED_VERSION (only v9+ carries the member epoch); an admin commit to an empty group may use any version', async () => {
    const { s, topics, ms } = setup();
    await converge(s, ms);
    const commit = (memberId: string, epoch: number, apiVersion: number) =>
      s.c.commitOffsets({ groupId: 'g', memberId, groupInstanceId: null, generationIdOrMemberEpoch: epoch, apiVersion, offsets: [{ topic: 't', topicId: topics.get('t')!.id, partition: 0, offset: 42, leaderEpoch: -1, metadata: null }] });
    for (const v of [2, 8]) expect(await commit('member-1', ms[0].epoch, v)).toEqual([ErrorCode.UNSUPPORTED_VERSION]);
    // Kafka checks the member id first, the version next, the epoch last.
    expect(await commit('nobody', ms[0].epoch, 8)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('', -1, 8)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commit('member-1', ms[0].epoch - 1, 8)).toEqual([ErrorCode.UNSUPPORTED_VERSION]);
    expect(s.c.fetchOffsets('g', null)).toEqual([]);
    expect(await commit('member-1', ms[0].epoch, 9)).toEqual([ErrorCode.NONE]);
    for (const m of ms) await m.leave();
    expect(await commit('', -1, 2)).toEqual([ErrorCode.NONE]);
  });
});

describe('one group id space with the classic protocol', () => {
  test('a classic join to a consumer group with members is INCONSISTENT_GROUP_PROTOCOL; an empty one is replaced', async () => {
    const { s, ms } = setup();
    await converge(s, ms);
    const join = await s.c.joinGroup(joinReq('g'));
    expect(join.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    for (const m of ms) await m.leave();
    const joined = await classicJoin(s, 'g');
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    expect(s.c.groups.get('g')).toBeInstanceOf(ClassicGroup);
    // ... and the consumer group does not come back on a restart (its records were tombstoned).
    expect(sim({}, s.log).c.groups.get('g')?.type).not.toBe('consumer');
  });

  test('a heartbeat to a classic group with members is GROUP_ID_NOT_FOUND; an empty one (standalone commits) becomes a consumer group, offsets kept', async () => {
    const { s, topics } = setup();
    await classicJoin(s, 'classic');
    const res = await s.c.consumer.heartbeat(hbReq('classic', { memberId: 'x' }), topics);
    expect([res.errorCode, res.errorMessage]).toEqual([ErrorCode.GROUP_ID_NOT_FOUND, 'Group classic is not a consumer group.']);
    await s.c.commitOffsets({ groupId: 'g', memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 9, offsets: [{ topic: 't', topicId: topics.get('t')!.id, partition: 1, offset: 7, leaderEpoch: -1, metadata: '' }] });
    expect(s.c.groups.get('g')).toBeInstanceOf(ClassicGroup);
    const m = new SimMember(s, topics, 'g', 'm1');
    expect((await m.heartbeat()).errorCode).toBe(ErrorCode.NONE);
    expect(consumerGroup(s, 'g').members.size).toBe(1);
    expect(s.c.fetchOffsets('g', null)[0].partitions[0].committedOffset).toBe(7);
    const r = sim({}, s.log);
    expect(consumerGroup(r, 'g').members.size).toBe(1);
    expect(r.c.fetchOffsets('g', null)[0].partitions[0].committedOffset).toBe(7);
  });

  test('ListGroups shows type consumer; DescribeGroups gives its state; ConsumerGroupDescribe its members', async () => {
    const { s, topics, ms } = setup();
    await converge(s, ms);
    await classicJoin(s, 'classic');
    expect(s.c.listGroups([], ['consumer']).map((g) => [g.groupId, g.groupType, g.groupState, g.protocolType])).toEqual([['g', 'consumer', 'Stable', 'consumer']]);
    expect(s.c.describeGroup('g')).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', members: [] });
    const d = s.c.consumer.describe('g', topics);
    expect([d.errorCode, d.groupState, d.groupEpoch, d.assignmentEpoch, d.assignorName]).toEqual([ErrorCode.NONE, 'Stable', 3, 3, 'uniform']);
    expect(d.members.map((m) => m.memberId).sort()).toEqual(['member-1', 'member-2', 'member-3']);
    for (const m of d.members) {
      expect(m.assignment.topicPartitions[0].topicName).toBe('t');
      expect(m.assignment).toEqual(m.targetAssignment);
      expect(m.subscribedTopicNames).toEqual(['t']);
    }
    expect(s.c.consumer.describe('classic', topics)).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: 'Group classic is not a consumer group.' });
    expect(s.c.consumer.describe('nope', topics)).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: 'Dead' });
  });
});

describe('assignors', () => {
  const T1 = 'topic-1';
  const T2 = 'topic-2';
  const counts: Record<string, number> = { [T1]: 8, [T2]: 3 };
  const topics = { numPartitions: (id: string) => counts[id] ?? -1 };
  const member = (memberId: string, subs: string[], current: Assignment = new Map(), instanceId: string | null = null): AssignorMember =>
    ({ memberId, instanceId, subscribedTopicIds: new Set(subs), current });
  const size = (a: Assignment | undefined) => [...(a ?? new Map()).values()].reduce((n, s) => n + s.size, 0);

  test('uniform, same subscriptions: balanced within one, and sticky when a member joins', () => {
    const first = uniformAssignor.assign([member('a', [T1]), member('b', [T1]), member('c', [T1])], topics);
    expect(['a', 'b', 'c'].map((m) => size(first.get(m))).sort()).toEqual([2, 3, 3]);
    const next = uniformAssignor.assign(['a', 'b', 'c'].map((m) => member(m, [T1], first.get(m))).concat(member('d', [T1])), topics);
    expect(['a', 'b', 'c', 'd'].map((m) => size(next.get(m)))).toEqual([2, 2, 2, 2]);
    // Nobody lost a partition it could keep: each old member kept two of its own.
    for (const m of ['a', 'b', 'c']) for (const p of next.get(m)!.get(T1)!) expect(first.get(m)!.get(T1)!.has(p)).toBe(true);
  });

  test('uniform, different subscriptions: every subscribed partition once, loads as even as allowed', () => {
    const out = uniformAssignor.assign([member('a', [T1, T2]), member('b', [T1]), member('c', [T2])], topics);
    const all = [...out.values()].flatMap((a) => [...a].flatMap(([t, ps]) => [...ps].map((p) => `${t}:${p}`)));
    expect(all.length).toBe(11);
    expect(new Set(all).size).toBe(11);
    expect(out.get('c')!.has(T1)).toBe(false);
    expect(Math.max(...['a', 'b', 'c'].map((m) => size(out.get(m)))) - Math.min(...['a', 'b', 'c'].map((m) => size(out.get(m))))).toBeLessThanOrEqual(1);
  });

  test('range: static members first, then member ids; the first ones take the extra partition', () => {
    const out = rangeAssignor.assign([member('z', [T2]), member('b', [T2]), member('s', [T2], new Map(), 'instance')], topics);
    expect([...out.get('s')!.get(T2)!]).toEqual([0]);
    expect([...out.get('b')!.get(T2)!]).toEqual([1]);
    expect([...out.get('z')!.get(T2)!]).toEqual([2]);
  });
});
