// KIP-848 test kit: a topic table twin and simulated members that heartbeat like a consumer
// (they give up revoked partitions at once and report what they own), over the coordinator of
// helpers.ts (simulated time, in-memory __consumer_offsets).

import type { ConsumerHeartbeatRequest, ConsumerHeartbeatResult } from '../../../src/groups/consumer-heartbeat.ts';
import type { TopicImage, TopicInfo } from '../../../src/groups/consumer-target.ts';
import { ConsumerGroup } from '../../../src/groups/consumer-group.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { uuidToString } from '../../../src/protocol/primitives.ts';
import { type Sim, settle } from './helpers.ts';

export class FakeTopics implements TopicImage {
  private readonly byName = new Map<string, TopicInfo>();
  private n = 0;
  create(name: string, partitions: number): TopicInfo {
    const bytes = new Uint8Array(16);
    bytes[15] = ++this.n;
    bytes[0] = 0x10;
    const id = uuidToString(bytes, 0);
    const t = { name, id, partitions };
    this.byName.set(name, t);
    return t;
  }
  grow(name: string, partitions: number): void {
    const t = this.byName.get(name)!;
    this.byName.set(name, { ...t, partitions });
  }
  delete(name: string): void {
    this.byName.delete(name);
  }
  get(name: string): TopicInfo | undefined {
    return this.byName.get(name);
  }
  getById(id: string): TopicInfo | undefined {
    return [...this.byName.values()].find((t) => t.id === id);
  }
  all(): Iterable<TopicInfo> {
    return this.byName.values();
  }
}

export function hbReq(groupId: string, o: Partial<ConsumerHeartbeatRequest> = {}): ConsumerHeartbeatRequest {
  return {
    apiVersion: 1,
    groupId,
    memberId: '',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 60_000,
    subscribedTopicNames: ['t'],
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: [],
    clientId: 'client',
    clientHost: '/127.0.0.1',
    ...o,
  };
}

/** A simulated consumer: owns what its last assignment said, rejoins when fenced. */
export class SimMember {
  epoch = 0;
  /** topic id -> partitions owned. */
  owned = new Map<string, number[]>();
  last: ConsumerHeartbeatResult | null = null;
  /** When false, the member keeps reporting partitions it was asked to revoke. */
  revokes = true;

  constructor(
    readonly s: Sim,
    readonly topics: TopicImage,
    readonly groupId: string,
    public memberId: string,
    readonly o: Partial<ConsumerHeartbeatRequest> = {},
  ) {}

  async heartbeat(extra: Partial<ConsumerHeartbeatRequest> = {}): Promise<ConsumerHeartbeatResult> {
    const joining = this.epoch === 0;
    const req = hbReq(this.groupId, {
      ...this.o,
      memberId: this.memberId,
      memberEpoch: this.epoch,
      rebalanceTimeoutMs: joining ? (this.o.rebalanceTimeoutMs ?? 60_000) : -1,
      subscribedTopicNames: joining ? (this.o.subscribedTopicNames ?? ['t']) : null,
      topicPartitions: joining ? [] : [...this.owned].map(([topicId, partitions]) => ({ topicId, partitions })),
      ...extra,
    });
    const p = this.s.c.consumer.heartbeat(req, this.topics);
    await settle();
    const res = await p;
    this.last = res;
    if (res.errorCode === ErrorCode.FENCED_MEMBER_EPOCH || res.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.epoch = 0;
      this.owned.clear();
      return res;
    }
    if (res.errorCode !== ErrorCode.NONE) return res;
    if (res.memberId) this.memberId = res.memberId;
    this.epoch = res.memberEpoch;
    if (res.assignment !== null) {
      const next = new Map(res.assignment.topicPartitions.map((tp) => [tp.topicId, [...tp.partitions]]));
      if (this.revokes) this.owned = next;
      else for (const [t, ps] of next) this.owned.set(t, [...new Set([...(this.owned.get(t) ?? []), ...ps])]);
    }
    return res;
  }

  async leave(epoch = -1): Promise<ConsumerHeartbeatResult> {
    const p = this.s.c.consumer.heartbeat(hbReq(this.groupId, { ...this.o, memberId: this.memberId, memberEpoch: epoch, rebalanceTimeoutMs: -1, subscribedTopicNames: null, topicPartitions: null }), this.topics);
    await settle();
    const res = await p;
    this.epoch = 0;
    this.owned.clear();
    return res;
  }

  /** "topic:partition" strings of what the member owns, sorted. */
  ownedList(): string[] {
    const out: string[] = [];
    for (const [t, ps] of this.owned) for (const p of ps) out.push(`${this.topics.getById(t)?.name ?? t}:${p}`);
    return out.sort();
  }
}

export function consumerGroup(s: Sim, groupId: string): ConsumerGroup {
  const g = s.c.groups.get(groupId);
  if (!(g instanceof ConsumerGroup)) throw new Error(`${groupId} is not a consumer group`);
  return g;
}

/** Heartbeats every member in turn until the group is Stable (or the round limit). */
export async function converge(s: Sim, members: readonly SimMember[], roundsMax = 20): Promise<number> {
  for (let round = 1; round <= roundsMax; round++) {
    for (const m of members) await m.heartbeat();
    const g = consumerGroup(s, members[0].groupId);
    if (g.stateName() === 'Stable' && members.every((m) => m.epoch === g.assignmentEpoch)) return round;
  }
  throw new Error(`no convergence in ${roundsMax} rounds: ${consumerGroup(s, members[0].groupId).stateName()}`);
}
