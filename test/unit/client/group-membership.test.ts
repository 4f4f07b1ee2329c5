// GroupMembership's handling of coordinator answers, against a scripted coordinator on
// simulated time. The expected reactions are Apache Kafka's AbstractCoordinator's:
// MEMBER_ID_REQUIRED rejoins with the given id (KIP-394); UNKNOWN_MEMBER_ID forgets the id;
// ILLEGAL_GENERATION and REBALANCE_IN_PROGRESS rejoin keeping it; NOT_COORDINATOR looks the
// coordinator up again; INVALID_SESSION_TIMEOUT ends the join; LeaveGroup names the member.

import { describe, expect, test } from 'bun:test';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import type { Connection } from '../../../src/client/connection.ts';
import type { ClientCore } from '../../../src/client/core.ts';
import { GroupMembership } from '../../../src/client/group-membership.ts';
import { JOIN_ATTEMPTS_MAX } from '../../../src/client/limits.ts';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../src/protocol/consumer-protocol.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';

type Sent = { api: string; body: Record<string, unknown> };
type Answer = Record<string, unknown>;

/** A coordinator that answers each API from a queue the test fills (or a default). */
class ScriptedCoordinator {
  readonly sent: Sent[] = [];
  readonly queues = new Map<string, Answer[]>();
  findCoordinatorCalls = 0;

  answer(api: string, ...answers: Answer[]): void {
    this.queues.set(api, [...(this.queues.get(api) ?? []), ...answers]);
  }

  /** Times the member closed its coordinator connection. */
  closed = 0;
  readonly conn = {
    close: () => {
      this.closed++;
    },
    request: async (api: { name: string }, body: Record<string, unknown>) => {
      this.sent.push({ api: api.name, body });
      const next = this.queues.get(api.name)?.shift();
      if (next !== undefined) return next;
      if (api.name === 'Heartbeat') return { errorCode: 0 };
      if (api.name === 'LeaveGroup') return { errorCode: 0, members: [] };
      throw new Error(`unscripted ${api.name}`);
    },
  } as unknown as Connection;

  client(scheduler: SimScheduler): ClientCore {
    return {
      options: { io: { scheduler } },
      findCoordinator: async () => {
        this.findCoordinatorCalls++;
        return { nodeId: 1, host: 'h', port: 1, error: null };
      },
      metadata: async (topics: string[]) => ({ topics: topics.map((name) => ({ name, error: null, partitions: [{}, {}] })) }),
    } as unknown as ClientCore;
  }

  names(): string[] {
    return this.sent.map((s) => s.api);
  }
}

const joined = (memberId: string, generationId: number, leader = 'someone-else', members: Answer[] = []): Answer => ({
  errorCode: 0, generationId, protocolName: 'range', protocolType: 'consumer', leader, memberId, members, skipAssignment: false,
});
const synced = (partitions: number[]): Answer => ({ errorCode: 0, assignment: encodeAssignment({ assignedPartitions: [{ topic: 't', partitions }] }) });
const failed = (errorCode: number, memberId = ''): Answer => ({ ...joined(memberId, -1), errorCode });

/** Lets promises settle and simulated time pass, in small steps. */
async function run(s: SimScheduler, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    s.advance(10);
  }
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function setup(): { s: SimScheduler; c: ScriptedCoordinator; m: GroupMembership; joins: number[][] } {
  const s = new SimScheduler();
  const c = new ScriptedCoordinator();
  const joins: number[][] = [];
  const m = new GroupMembership(
    c.client(s),
    { groupId: 'g', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, heartbeatIntervalMs: 1_000, assignors: ['range', 'roundrobin'] },
    () => ['t'],
    (assigned) => joins.push(assigned.map((p) => p.partition)),
    async () => c.conn,
  );
  return { s, c, m, joins };
}

describe('GroupMembership', () => {
  test('MEMBER_ID_REQUIRED: the second JoinGroup carries the id the broker gave (KIP-394)', async () => {
    const { s, c, m, joins } = setup();
    c.answer('JoinGroup', failed(ErrorCode.MEMBER_ID_REQUIRED, 'm-1'), joined('m-1', 1));
    c.answer('SyncGroup', synced([0, 1]));
    const done = m.ensureActive();
    await run(s, 50);
    expect(await done).toBeNull();
    const joinsSent = c.sent.filter((x) => x.api === 'JoinGroup');
    expect(joinsSent.map((x) => x.body.memberId)).toEqual(['', 'm-1']);
    expect(joinsSent[0].body.protocolType).toBe('consumer');
    expect((joinsSent[0].body.protocols as Array<{ name: string; metadata: Uint8Array }>).map((p) => [p.name, decodeSubscription(p.metadata)?.topics])).toEqual([['range', ['t']], ['roundrobin', ['t']]]);
    expect(c.sent.find((x) => x.api === 'SyncGroup')!.body).toMatchObject({ generationId: 1, memberId: 'm-1', assignments: [] });
    expect(joins).toEqual([[0, 1]]);
    expect(m.isLeader).toBe(false);
  });

  test('as leader it sends every member an assignment computed by the chosen assignor', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', joined('a', 3, 'a', [
      { memberId: 'b', groupInstanceId: null, metadata: encodeSubscription({ topics: ['t'] }) },
      { memberId: 'a', groupInstanceId: null, metadata: encodeSubscription({ topics: ['t'] }) },
    ]));
    c.answer('SyncGroup', synced([0]));
    const done = m.ensureActive();
    await run(s, 50);
    expect(await done).toBeNull();
    expect(m.isLeader).toBe(true);
    const sent = c.sent.find((x) => x.api === 'SyncGroup')!.body.assignments as Array<{ memberId: string; assignment: Uint8Array }>;
    // Range over 2 partitions (the scripted metadata): a (first by member id) gets 0, b gets 1.
    expect(sent.map((x) => [x.memberId, decodeAssignment(x.assignment)!.assignedPartitions])).toEqual([
      ['b', [{ topic: 't', partitions: [1] }]],
      ['a', [{ topic: 't', partitions: [0] }]],
    ]);
  });

  test('SyncGroup ILLEGAL_GENERATION rejoins with the same id; UNKNOWN_MEMBER_ID with none', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', joined('m-1', 1), joined('m-1', 2), joined('m-2', 3));
    c.answer('SyncGroup', { errorCode: ErrorCode.ILLEGAL_GENERATION, assignment: new Uint8Array(0) }, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: new Uint8Array(0) }, synced([1]));
    const done = m.ensureActive();
    await run(s, 50);
    expect(await done).toBeNull();
    expect(c.sent.filter((x) => x.api === 'JoinGroup').map((x) => x.body.memberId)).toEqual(['', 'm-1', '']);
    expect([m.memberId, m.generationId]).toEqual(['m-2', 3]);
  });

  test('a heartbeat answered REBALANCE_IN_PROGRESS rejoins at once, without a poll', async () => {
    const { s, c, m, joins } = setup();
    c.answer('JoinGroup', joined('m-1', 1), joined('m-1', 2));
    c.answer('SyncGroup', synced([0, 1]), synced([1]));
    await Promise.all([m.ensureActive(), run(s, 50)]);
    c.answer('Heartbeat', { errorCode: 0 }, { errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    await run(s, 2_100);
    expect(c.names().filter((n) => n !== 'Heartbeat')).toEqual(['JoinGroup', 'SyncGroup', 'JoinGroup', 'SyncGroup']);
    expect(c.sent.filter((x) => x.api === 'JoinGroup')[1].body.memberId).toBe('m-1');
    expect(joins).toEqual([[0, 1], [1]]);
    expect(m.generationId).toBe(2);
  });

  test('NOT_COORDINATOR looks the coordinator up again; a fatal error ends the join', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', failed(ErrorCode.NOT_COORDINATOR), failed(ErrorCode.INVALID_SESSION_TIMEOUT));
    const done = m.ensureActive();
    await run(s, 500);
    expect((await done)?.name).toBe('INVALID_SESSION_TIMEOUT');
    expect(c.findCoordinatorCalls).toBe(2);
    expect(c.closed).toBe(1); // the connection to the coordinator that moved
  });

  test(`a group that never settles is given up after ${JOIN_ATTEMPTS_MAX} rounds`, async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', ...Array.from({ length: JOIN_ATTEMPTS_MAX + 5 }, () => failed(ErrorCode.REBALANCE_IN_PROGRESS)));
    const done = m.ensureActive();
    await run(s, 200 * JOIN_ATTEMPTS_MAX);
    expect(await done).not.toBeNull();
    expect(c.sent.filter((x) => x.api === 'JoinGroup')).toHaveLength(JOIN_ATTEMPTS_MAX);
  });

  test('leave sends LeaveGroup with the member id, and no heartbeat follows', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', joined('m-1', 1));
    c.answer('SyncGroup', synced([0]));
    await Promise.all([m.ensureActive(), run(s, 50)]);
    expect(await m.leave()).toBeNull();
    const leave = c.sent.find((x) => x.api === 'LeaveGroup')!;
    expect(leave.body).toMatchObject({ groupId: 'g', memberId: 'm-1', members: [{ memberId: 'm-1' }] });
    expect(c.closed).toBe(1); // the dedicated coordinator connection
    const before = c.sent.length;
    await run(s, 3_000);
    expect(c.sent.length).toBe(before);
  });

  test('leave during a pending JoinGroup sends LeaveGroup at once, without waiting for the join', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', failed(ErrorCode.MEMBER_ID_REQUIRED, 'm-1'), new Promise<Answer>(() => {}) as unknown as Answer);
    void m.ensureActive();
    await run(s, 50);
    expect(c.names()).toEqual(['JoinGroup', 'JoinGroup']);
    expect(await m.leave()).toBeNull();
    expect(c.sent.at(-1)).toMatchObject({ api: 'LeaveGroup', body: { memberId: 'm-1' } });
  });

  test('a heartbeat answered UNKNOWN_MEMBER_ID rejoins with no id; ILLEGAL_GENERATION keeps it', async () => {
    const { s, c, m } = setup();
    c.answer('JoinGroup', joined('m-1', 1), joined('m-1', 2), joined('m-2', 3));
    c.answer('SyncGroup', synced([0]), synced([0]), synced([0]));
    await Promise.all([m.ensureActive(), run(s, 50)]);
    c.answer('Heartbeat', { errorCode: ErrorCode.ILLEGAL_GENERATION }, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID });
    await run(s, 2_500);
    expect(c.sent.filter((x) => x.api === 'JoinGroup').map((x) => x.body.memberId)).toEqual(['', 'm-1', '']);
    expect([m.memberId, m.generationId]).toEqual(['m-2', 3]);
  });
});

