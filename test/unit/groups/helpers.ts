// A coordinator on simulated time and an in-memory __consumer_offsets, and request builders.

import { SimScheduler } from '../../../src/base/scheduler.ts';
import { MemoryStateLog } from '../../../src/groups/state-log.ts';
import { GroupCoordinator } from '../../../src/groups/coordinator.ts';
import { DEFAULT_GROUP_CONFIG, type GroupConfig } from '../../../src/groups/config.ts';
import type { JoinRequest } from '../../../src/groups/classic-join.ts';
import { ClassicGroup, type JoinResult } from '../../../src/groups/classic-group.ts';

export interface Sim {
  c: GroupCoordinator;
  sched: SimScheduler;
  log: MemoryStateLog;
  /** Advances simulated time and lets promise callbacks run. */
  advance(ms: number): Promise<void>;
}

export function sim(config: Partial<GroupConfig> = {}, log = new MemoryStateLog(4), sched = new SimScheduler()): Sim {
  let n = 0;
  const c = new GroupCoordinator({
    clock: sched.clock,
    scheduler: sched,
    config: { ...DEFAULT_GROUP_CONFIG, initialRebalanceDelayMs: 0, ...config },
    log,
    uuid: () => `uuid${++n}`,
  });
  c.load();
  return {
    c,
    sched,
    log,
    advance: async (ms) => {
      sched.advance(ms);
      await settle();
    },
  };
}

/** Lets queued promise callbacks run (durability callbacks, join answers). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function consumerMetadata(topics: string[]): Uint8Array {
  // ConsumerProtocolSubscription v0: int16 version, [string] topics, nullable bytes userData.
  const enc = new TextEncoder();
  const parts: number[] = [0, 0, 0, 0, 0, topics.length];
  for (const t of topics) {
    const b = enc.encode(t);
    parts.push(b.length >> 8, b.length & 0xff, ...b);
  }
  parts.push(0xff, 0xff, 0xff, 0xff);
  return new Uint8Array(parts);
}

export function joinReq(groupId: string, o: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId,
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: consumerMetadata(['t']) }],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: true,
    supportsSkipAssignment: false,
    ...o,
  };
}

/**
 * A v4+ join: MEMBER_ID_REQUIRED first, then the join with that id. Synchronous on purpose:
 * the MEMBER_ID_REQUIRED answer is ready at once, and the second join is returned pending.
 */
export function joinNew(s: Sim, groupId: string, o: Partial<JoinRequest> = {}): Promise<JoinResult> {
  const g = s.c.groups.get(groupId);
  const before = new Set(g instanceof ClassicGroup ? g.pendingMembers.keys() : []);
  void s.c.joinGroup(joinReq(groupId, o));
  const after = s.c.groups.get(groupId) as ClassicGroup;
  const memberId = [...after.pendingMembers.keys()].find((k) => !before.has(k));
  if (memberId === undefined) throw new Error('expected MEMBER_ID_REQUIRED');
  return s.c.joinGroup(joinReq(groupId, { ...o, memberId }));
}

/** Resolves to the value if the promise has settled by now, else 'pending'. */
export async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  let v: T | 'pending' = 'pending';
  void p.then((x) => {
    v = x;
  });
  await settle();
  return v;
}
