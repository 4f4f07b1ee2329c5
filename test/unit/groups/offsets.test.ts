// Committed offsets: commit rules, durability before visibility, OffsetDelete, retention,
// the __consumer_offsets record format and loading it back.

import { describe, expect, test } from 'bun:test';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { ClassicGroup } from '../../../src/groups/classic-group.ts';
import {
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  groupMetadataKey,
  offsetCommitKey,
  offsetCommitValue,
  partitionForGroup,
} from '../../../src/groups/records.ts';
import { MemoryStateLog } from '../../../src/groups/state-log.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { joinNew, peek, settle, sim } from './helpers.ts';

/** Classic groups check no topic ids (only KIP-848 members' older epochs do). */
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

const commit = (groupId: string, offset: number, o: { memberId?: string; generation?: number; metadata?: string | null; topic?: string; partition?: number } = {}) => ({
  groupId,
  memberId: o.memberId ?? '',
  groupInstanceId: null,
  generationIdOrMemberEpoch: o.generation ?? -1,
  apiVersion: 9,
  offsets: [{ topic: o.topic ?? 't', topicId: TOPIC_ID, partition: o.partition ?? 0, offset, leaderEpoch: 3, metadata: o.metadata ?? 'm' }],
});

describe('records', () => {
  test("partition of a group is Kafka's abs(hashCode) % n", () => {
    // "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE.
    expect(partitionForGroup('hello', 50)).toBe(99162322 % 50);
    expect(partitionForGroup('polygenelubricants', 50)).toBe(0);
    expect(partitionForGroup('', 50)).toBe(0);
  });

  test('keys and values round trip in Kafka layout', () => {
    const k = offsetCommitKey('g', 't', 7);
    // int16 version 1, string g, string t, int32 7
    expect([...k]).toEqual([0, 1, 0, 1, 103, 0, 1, 116, 0, 0, 0, 7]);
    expect(decodeKey(k)).toEqual({ kind: 'offset', key: { group: 'g', topic: 't', partition: 7 } });
    expect(decodeKey(groupMetadataKey('g'))).toEqual({ kind: 'group', group: 'g' });
    const v = offsetCommitValue({ offset: 42, leaderEpoch: 5, metadata: 'x', commitTimestamp: 1000 });
    expect(v[1]).toBe(3);
    expect(decodeOffsetCommitValue(v)).toEqual({ offset: 42, leaderEpoch: 5, metadata: 'x', commitTimestamp: 1000 });
  });
});

describe('OffsetCommit and OffsetFetch', () => {
  test('standalone commits create an Empty group; fetch returns them; unknown partitions are -1', async () => {
    const s = sim();
    expect(await s.c.commitOffsets(commit('g', 10))).toEqual([ErrorCode.NONE]);
    expect(s.c.groups.get('g')?.stateName()).toBe('Empty');
    expect(s.c.fetchOffsets('g', [{ name: 't', partitions: [0, 1] }])).toEqual([
      {
        name: 't',
        partitions: [
          { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: 3, metadata: 'm', errorCode: 0 },
          { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      },
    ]);
    expect(s.c.fetchOffsets('g', null).map((t) => t.name)).toEqual(['t']);
    expect(s.c.fetchOffsets('unknown', null)).toEqual([]);
  });

  test('a member needs its generation; unknown group with a generation is ILLEGAL_GENERATION', async () => {
    const s = sim();
    const j = joinNew(s, 'g');
    await s.advance(0);
    const r = await j;
    expect(await s.c.commitOffsets(commit('g', 1, { memberId: r.memberId, generation: 1 }))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    await s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(await s.c.commitOffsets(commit('g', 1, { memberId: r.memberId, generation: 1 }))).toEqual([ErrorCode.NONE]);
    expect(await s.c.commitOffsets(commit('g', 1, { memberId: r.memberId, generation: 2 }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await s.c.commitOffsets(commit('g', 1, { memberId: 'other', generation: 1 }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await s.c.commitOffsets(commit('g', 1))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await s.c.commitOffsets(commit('new', 1, { memberId: 'm', generation: 3 }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await s.c.commitOffsets(commit('g2', 1, { metadata: 'x'.repeat(4097) }))).toEqual([ErrorCode.OFFSET_METADATA_TOO_LARGE]);
  });

  test('an offset is visible only once durable, and writes apply in log order', async () => {
    const log = new MemoryStateLog(4, false);
    const s = sim({}, log);
    const first = s.c.commitOffsets(commit('g', 1));
    const second = s.c.commitOffsets(commit('g', 2));
    await settle();
    expect(s.c.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(-1);
    log.flush();
    expect(await first).toEqual([0]);
    expect(await second).toEqual([0]);
    expect(s.c.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(2);
  });

  test('a failed append is a retriable coordinator error and changes nothing', async () => {
    const log = new MemoryStateLog(4);
    const s = sim({}, log);
    log.failAppendsWith = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    expect(await s.c.commitOffsets(commit('g', 1))).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    expect(s.c.fetchOffsets('g', null)).toEqual([]);
  });
});

describe('OffsetDelete', () => {
  test('GROUP_ID_NOT_FOUND, GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics, others deleted', async () => {
    const s = sim();
    expect((await s.c.deleteOffsets('none', [])).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    await s.c.commitOffsets(commit('g', 5, { topic: 't' }));
    await s.c.commitOffsets(commit('g', 6, { topic: 'other' }));
    const j = joinNew(s, 'g'); // subscribes to topic "t"
    await s.advance(0);
    const r = await j;
    await s.c.syncGroup({ groupId: 'g', generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const d = await s.c.deleteOffsets('g', [{ name: 't', partitions: [0] }, { name: 'other', partitions: [0] }]);
    expect(d.errorCode).toBe(ErrorCode.NONE);
    expect(d.topics.map((t) => t.partitions[0].errorCode)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE]);
    expect(s.c.fetchOffsets('g', null).map((t) => t.name)).toEqual(['t']);
  });
});

describe('load and retention', () => {
  test('a new coordinator over the same log gets offsets back and each group as its last record left it (Kafka loadGroup)', async () => {
    const log = new MemoryStateLog(4);
    const s = sim({}, log);
    const j = joinNew(s, 'g');
    await s.advance(0);
    const r = await j;
    await s.c.syncGroup({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: r.memberId, assignment: new Uint8Array([1]) }] });
    await s.c.commitOffsets(commit('g', 7, { memberId: r.memberId, generation: 1 }));
    await s.c.commitOffsets(commit('solo', 3));
    await s.c.commitOffsets(commit('gone', 3));
    expect(await s.c.deleteGroups(['gone'])).toEqual([ErrorCode.NONE]);
    // The GroupMetadata record carries the member and its assignment, as Kafka writes it.
    const meta = log.partitions[s.c.partitionFor('g')].filter((x) => {
      const k = decodeKey(x.key);
      return k.kind === 'group' && k.group === 'g';
    }).at(-1)!;
    expect(decodeGroupMetadataValue(meta.value!).members.map((m) => m.memberId)).toEqual([r.memberId]);

    const again = sim({}, log);
    expect([...again.c.groups.keys()].sort()).toEqual(['g', 'solo']);
    const g = again.c.groups.get('g') as ClassicGroup;
    expect(g.state).toBe('Stable');
    expect(g.generationId).toBe(1);
    expect(g.protocolType).toBe('consumer');
    expect(g.protocolName).toBe('range');
    expect(g.leaderId).toBe(r.memberId);
    expect([...g.members.get(r.memberId)!.assignment]).toEqual([1]);
    expect((again.c.groups.get('solo') as ClassicGroup).state).toBe('Empty');
    expect(again.c.fetchOffsets('g', null)[0].partitions[0].committedOffset).toBe(7);
    // The member carries on where it was: heartbeats and commits in its generation succeed
    // (kafkajs treats UNKNOWN_MEMBER_ID on a commit as fatal, so a coordinator restart or move
    // must not forget it), and keep its session alive past the session timeout.
    for (let i = 0; i < 3; i++) {
      await again.advance(6_000);
      expect(again.c.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null })).toBe(ErrorCode.NONE);
    }
    await again.c.commitOffsets(commit('g', 9, { memberId: r.memberId, generation: 1 }));
    expect(again.c.fetchOffsets('g', null)[0].partitions[0].committedOffset).toBe(9);
    // Once it stops, it expires after its session timeout: the rebalance that removes it ends
    // with no members in generation 2 (Kafka's initNextGeneration on an empty group), so the
    // next join makes generation 3.
    await again.advance(10_001);
    expect(g.state).toBe('Empty');
    expect(g.generationId).toBe(2);
    expect(again.c.heartbeat({ groupId: 'g', generationId: 1, memberId: r.memberId, groupInstanceId: null })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const j2 = joinNew(again, 'g');
    await again.advance(0);
    expect((await j2).generationId).toBe(3);
  });

  test('offsets of Empty groups expire after offsets.retention.minutes; the group goes too', async () => {
    const sched = new SimScheduler();
    const s = sim({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 }, new MemoryStateLog(4), sched);
    await s.c.commitOffsets(commit('old', 1));
    await s.advance(30_000);
    await s.c.commitOffsets(commit('young', 1));
    await s.advance(30_000);
    expect(s.c.fetchOffsets('old', null)).toEqual([]);
    expect(s.c.groups.has('old')).toBe(false);
    expect(s.c.fetchOffsets('young', null)).toHaveLength(1);
    await s.advance(40_000);
    expect(s.c.groups.size).toBe(0);
    // And the tombstones make a reload agree.
    expect(sim({}, s.log).c.groups.size).toBe(0);
  });
});

describe('read barriers (a coordinator confirming its state before an OffsetFetch: Raft dissertation 6.4)', () => {
  test('a barrier resolves only once the writes before it are durable and applied, so a read then sees them', async () => {
    const log = new MemoryStateLog(4, false);
    const s = sim({}, log);
    const commitOne = s.c.commitOffsets(commit('g', 7));
    const barrier = s.c.readBarrier('g');
    expect(await peek(barrier)).toBe('pending');
    expect(s.c.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(-1);
    log.flush();
    expect(await barrier).toBe(ErrorCode.NONE);
    expect(s.c.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(7);
    expect(await commitOne).toEqual([ErrorCode.NONE]);
  });

  test("a barrier the log refuses (this node no longer leads the group's partition) gives that error", async () => {
    const log = new MemoryStateLog(4);
    const s = sim({}, log);
    expect(await s.c.commitOffsets(commit('g', 7))).toEqual([ErrorCode.NONE]);
    log.failAppendsWith = ErrorCode.NOT_COORDINATOR;
    expect(await s.c.readBarrier('g')).toBe(ErrorCode.NOT_COORDINATOR);
  });
});

describe('a coordinator that stops leading a __consumer_offsets partition', () => {
  test("unloadPartition drops that partition's groups and offsets only; loading its records back restores them", async () => {
    const s = sim();
    // Two groups on different partitions of the 4.
    const [a, b] = ['hello', 'beta'];
    expect(partitionForGroup(a, 4)).not.toBe(partitionForGroup(b, 4));
    expect(await s.c.commitOffsets(commit(a, 10))).toEqual([ErrorCode.NONE]);
    expect(await s.c.commitOffsets(commit(b, 20))).toEqual([ErrorCode.NONE]);
    const pa = partitionForGroup(a, 4);
    expect(s.c.unloadPartition(pa)).toBe(1);
    expect(s.c.groups.has(a)).toBe(false);
    expect(s.c.fetchOffsets(a, [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(-1);
    expect(s.c.fetchOffsets(b, [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(20);
    // A new term of leadership loads the partition's records again.
    const log = s.c.deps.log as MemoryStateLog;
    expect(s.c.loadPartitions(log.partitions[pa])).toBeGreaterThan(0);
    expect(s.c.fetchOffsets(a, [{ name: 't', partitions: [0] }])[0].partitions[0].committedOffset).toBe(10);
  });
});
