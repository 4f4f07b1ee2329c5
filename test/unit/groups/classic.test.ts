// The classic group state machine on simulated time: join/sync/heartbeat/leave, KIP-394,
// timeouts, static membership (KIP-345), protocol selection, group.max.size.

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ClassicGroup, type JoinResult } from '../../../src/groups/classic-group.ts';
import { joinNew, joinReq, peek, sim, type Sim } from './helpers.ts';

const enc = (s: string) => new TextEncoder().encode(s);

function group(s: Sim, id: string): ClassicGroup {
  const g = s.c.groups.get(id);
  if (!(g instanceof ClassicGroup)) throw new Error(`no classic group ${id}`);
  return g;
}

/** Forms a Stable group of n members; returns their join results (leader first). */
async function stableGroup(s: Sim, id: string, n: number, o = {}): Promise<JoinResult[]> {
  const joins = [];
  for (let i = 0; i < n; i++) joins.push(joinNew(s, id, o));
  await s.advance(0);
  const results = await Promise.all(joins);
  const leader = results.find((r) => r.memberId === r.leader)!;
  const syncs = results.map((r) =>
    s.c.syncGroup({
      groupId: id,
      generationId: r.generationId,
      memberId: r.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: r === leader ? results.map((x) => ({ memberId: x.memberId, assignment: enc(`a-${x.memberId}`) })) : [],
    }),
  );
  for (const sr of await Promise.all(syncs)) expect(sr.errorCode).toBe(ErrorCode.NONE);
  expect(group(s, id).state).toBe('Stable');
  return results;
}

function hb(s: Sim, id: string, r: JoinResult, generationId = r.generationId): number {
  return s.c.heartbeat({ groupId: id, generationId, memberId: r.memberId, groupInstanceId: null });
}

describe('join and sync', () => {
  test('KIP-394: a v4+ first join gets MEMBER_ID_REQUIRED and a generated id', async () => {
    const s = sim();
    const r = await s.c.joinGroup(joinReq('g', { clientId: 'cli' }));
    expect(r.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(r.memberId).toBe('cli-uuid1');
    expect(group(s, 'g').state).toBe('Empty');
  });

  test('v3 joins without a member id join at once', async () => {
    const s = sim();
    const p = s.c.joinGroup(joinReq('g', { requireKnownMemberId: false }));
    await s.advance(0);
    const r = await p;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(1);
    expect(r.leader).toBe(r.memberId);
  });

  test('three members: one generation, leader gets every member, each gets its assignment', async () => {
    const s = sim();
    const results = await stableGroup(s, 'g', 3);
    expect(new Set(results.map((r) => r.generationId))).toEqual(new Set([1]));
    const leader = results.filter((r) => r.memberId === r.leader);
    expect(leader).toHaveLength(1);
    expect(leader[0].members).toHaveLength(3);
    expect(results.filter((r) => r.members.length === 0)).toHaveLength(2);
    expect(results[0].protocolName).toBe('range');
    for (const r of results) expect(hb(s, 'g', r)).toBe(ErrorCode.NONE);
    const d = s.c.describeGroup('g')!;
    expect(d.groupState).toBe('Stable');
    expect(d.members.map((m) => new TextDecoder().decode(m.memberAssignment)).sort()).toEqual(results.map((r) => `a-${r.memberId}`).sort());
  });

  test('the initial rebalance delay waits for more members', async () => {
    const s = sim({ initialRebalanceDelayMs: 3000 });
    const a = joinNew(s, 'g');
    await s.advance(2000);
    expect(await peek(a)).toBe('pending');
    const b = joinNew(s, 'g');
    await s.advance(1000); // the delay is extended once since b arrived
    expect(await peek(a)).toBe('pending');
    await s.advance(3000);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
  });

  test('a new member triggers a rebalance: heartbeats say REBALANCE_IN_PROGRESS, rejoin, generation 2', async () => {
    const s = sim();
    const [a, b] = await stableGroup(s, 'g', 2);
    const c = joinNew(s, 'g');
    expect(group(s, 'g').state).toBe('PreparingRebalance');
    expect(hb(s, 'g', a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const syncDuringPrepare = await s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: b.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(syncDuringPrepare.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ra = s.c.joinGroup(joinReq('g', { memberId: a.memberId }));
    expect(await peek(c)).toBe('pending');
    const rb = s.c.joinGroup(joinReq('g', { memberId: b.memberId }));
    const all = await Promise.all([ra, rb, c]);
    expect(all.map((r) => r.generationId)).toEqual([2, 2, 2]);
    expect(group(s, 'g').state).toBe('CompletingRebalance');
    expect(hb(s, 'g', a, 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  test('unknown member, wrong generation, unknown group', async () => {
    const s = sim();
    const [a] = await stableGroup(s, 'g', 1);
    expect(s.c.heartbeat({ groupId: 'g', generationId: 1, memberId: 'nobody', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(hb(s, 'g', a, 7)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(s.c.heartbeat({ groupId: 'nope', generationId: 1, memberId: 'x', groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await s.c.joinGroup(joinReq('nope', { memberId: 'x' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = await s.c.syncGroup({ groupId: 'g', generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(sync.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    const v5 = await s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'other', assignments: [] });
    expect(v5.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('session timeout bounds and empty group id', async () => {
    const s = sim();
    expect((await s.c.joinGroup(joinReq('g', { sessionTimeoutMs: 1000 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await s.c.joinGroup(joinReq('g', { sessionTimeoutMs: 2_000_000 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await s.c.joinGroup(joinReq(''))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });
});

describe('protocol selection', () => {
  test('a protocol every member supports, by votes; INCONSISTENT_GROUP_PROTOCOL otherwise', async () => {
    const s = sim();
    const p = (names: string[]) => names.map((name) => ({ name, metadata: new Uint8Array([1]) }));
    const a = joinNew(s, 'g', { protocols: p(['roundrobin', 'range']) });
    const b = joinNew(s, 'g', { protocols: p(['range', 'roundrobin']) });
    const c = joinNew(s, 'g', { protocols: p(['range', 'sticky', 'roundrobin']) });
    await s.advance(0);
    const rs = await Promise.all([a, b, c]);
    expect(rs.map((r) => r.protocolName)).toEqual(['range', 'range', 'range']);
    const bad = await s.c.joinGroup(joinReq('g', { protocols: p(['cooperative-sticky']) }));
    expect(bad.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const badType = await s.c.joinGroup(joinReq('g', { protocolType: 'connect', protocols: p(['range']) }));
    expect(badType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });
});

describe('leaving and timeouts', () => {
  test('LeaveGroup rebalances the rest; the leader moves', async () => {
    const s = sim();
    const [a, b] = await stableGroup(s, 'g', 2);
    const leader = a.memberId === a.leader ? a : b;
    const other = leader === a ? b : a;
    expect(s.c.leaveGroup('g', [{ memberId: leader.memberId, groupInstanceId: null }]).memberErrors).toEqual([ErrorCode.NONE]);
    expect(hb(s, 'g', other)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const r = await s.c.joinGroup(joinReq('g', { memberId: other.memberId }));
    expect(r.generationId).toBe(2);
    expect(r.leader).toBe(other.memberId);
    expect(s.c.leaveGroup('g', [{ memberId: 'ghost', groupInstanceId: null }]).memberErrors).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  test('a member that stops heartbeating is expelled after session.timeout.ms', async () => {
    const s = sim();
    const [a, b] = await stableGroup(s, 'g', 2);
    for (let t = 0; t < 9_000; t += 3_000) {
      await s.advance(3_000);
      expect(hb(s, 'g', a)).toBe(ErrorCode.NONE);
    }
    // b has been silent for 9 s of its 10 s session.
    expect(group(s, 'g').members.has(b.memberId)).toBe(true);
    await s.advance(1_001);
    expect(group(s, 'g').members.has(b.memberId)).toBe(false);
    expect(hb(s, 'g', a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(hb(s, 'g', b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('a member that does not rejoin within the rebalance timeout is removed; the group moves on', async () => {
    const s = sim();
    const [a, b] = await stableGroup(s, 'g', 2, { rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const ra = s.c.joinGroup(joinReq('g', { memberId: a.memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: new Uint8Array([9]) }] }));
    await s.advance(19_000);
    expect(await peek(ra)).toBe('pending');
    await s.advance(1_000);
    const r = await ra;
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.generationId).toBe(2);
    expect(r.leader).toBe(a.memberId);
    expect(r.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(hb(s, 'g', b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('members that do not sync within the rebalance timeout are removed', async () => {
    const s = sim();
    const o = { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 20_000 };
    const a = joinNew(s, 'g', o);
    const b = joinNew(s, 'g', o);
    await s.advance(0);
    const [ra, rb] = await Promise.all([a, b]);
    const leader = ra.memberId === ra.leader ? ra : rb;
    const follower = leader === ra ? rb : ra;
    const sync = s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect((await sync).errorCode).toBe(ErrorCode.NONE);
    await s.advance(19_999);
    expect(group(s, 'g').members.has(follower.memberId)).toBe(true);
    await s.advance(1);
    expect(group(s, 'g').members.has(follower.memberId)).toBe(false);
    expect(group(s, 'g').state).toBe('PreparingRebalance');
  });

  test('a pending KIP-394 member that never comes back expires', async () => {
    const s = sim();
    const [a] = await stableGroup(s, 'g', 1);
    const first = await s.c.joinGroup(joinReq('g'));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(group(s, 'g').pendingMembers.size).toBe(1);
    await s.advance(10_001);
    expect(group(s, 'g').pendingMembers.size).toBe(0);
    expect(hb(s, 'g', a)).toBe(ErrorCode.UNKNOWN_MEMBER_ID); // a was silent too
  });
});

describe('static membership (KIP-345)', () => {
  test('a restarted static member replaces its old id without a rebalance and keeps its assignment', async () => {
    const s = sim();
    const a = s.c.joinGroup(joinReq('g', { groupInstanceId: 'i-a' }));
    const b = s.c.joinGroup(joinReq('g', { groupInstanceId: 'i-b' }));
    await s.advance(0);
    const [ra, rb] = await Promise.all([a, b]);
    const leader = ra.memberId === ra.leader ? ra : rb;
    await Promise.all([
      s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: leader.memberId, groupInstanceId: leader === ra ? 'i-a' : 'i-b', protocolType: null, protocolName: null, assignments: [{ memberId: rb.memberId, assignment: enc('B') }, { memberId: ra.memberId, assignment: enc('A') }] }),
    ]);
    const follower = leader === ra ? rb : ra;
    const followerInstance = follower === ra ? 'i-a' : 'i-b';
    const again = await s.c.joinGroup(joinReq('g', { groupInstanceId: followerInstance }));
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.generationId).toBe(1);
    expect(again.memberId).not.toBe(follower.memberId);
    expect(group(s, 'g').state).toBe('Stable');
    const sync = await s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: again.memberId, groupInstanceId: followerInstance, protocolType: null, protocolName: null, assignments: [] });
    expect(new TextDecoder().decode(sync.assignment)).toBe(follower === rb ? 'B' : 'A');
    expect(s.c.heartbeat({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: followerInstance })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(s.c.leaveGroup('g', [{ memberId: follower.memberId, groupInstanceId: followerInstance }]).memberErrors).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
    expect(s.c.leaveGroup('g', [{ memberId: '', groupInstanceId: followerInstance }]).memberErrors).toEqual([ErrorCode.NONE]);
    expect(group(s, 'g').state).toBe('PreparingRebalance');
  });
});

describe('group.max.size', () => {
  test('joins beyond the limit get GROUP_MAX_SIZE_REACHED', async () => {
    const s = sim({ maxSize: 2 });
    await stableGroup(s, 'g', 2);
    const third = await s.c.joinGroup(joinReq('g', { requireKnownMemberId: false }));
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(group(s, 'g').members.size).toBe(2);
    // KIP-394 ids handed out are bounded too.
    const s2 = sim({ maxSize: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await s2.c.joinGroup(joinReq('g'))).errorCode);
    expect(codes).toEqual([ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.GROUP_MAX_SIZE_REACHED]);
  });
});

describe('listing, describing, deleting', () => {
  test('ListGroups filters by state and type; DescribeGroups of an unknown group; DeleteGroups rules', async () => {
    const s = sim();
    await stableGroup(s, 'busy', 1);
    await s.c.commitOffsets({ groupId: 'idle', memberId: '', groupInstanceId: null, generationIdOrMemberEpoch: -1, apiVersion: 9, offsets: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 0, offset: 5, leaderEpoch: -1, metadata: null }] });
    expect(s.c.listGroups([], []).map((g) => g.groupId).sort()).toEqual(['busy', 'idle']);
    expect(s.c.listGroups(['stable'], []).map((g) => g.groupId)).toEqual(['busy']);
    expect(s.c.listGroups(['Empty'], ['classic']).map((g) => [g.groupId, g.protocolType])).toEqual([['idle', '']]);
    expect(s.c.listGroups([], ['consumer'])).toEqual([]);
    expect(s.c.describeGroup('nope')).toBeNull();
    expect(await s.c.deleteGroups(['busy', 'idle', 'nope'])).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND]);
    expect(s.c.fetchOffsets('idle', null)).toEqual([]);
    expect(s.c.listGroups([], []).map((g) => g.groupId)).toEqual(['busy']);
  });
});
