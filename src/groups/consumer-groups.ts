// The KIP-848 consumer groups of the coordinator: loading their records, their timers (session
// and rebalance timeouts), the groups' lifecycle next to classic groups (one map, one id space),
// and the read-side APIs (ConsumerGroupDescribe, OffsetFetch v9 member checks, tombstones for
// DeleteGroups). Heartbeats are consumer-heartbeat.ts; the group itself consumer-group.ts.

import { logger } from '../base/log.ts';
import { ErrorCode } from '../protocol/errors.ts';
import type { Reader } from '../protocol/primitives.ts';
import { DEFAULT_ASSIGNOR } from './assignors/index.ts';
import { GROUPS_PER_NODE_MAX, type GroupConfig } from './config.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { ConsumerGroup, type ConsumerGroupHooks, type ConsumerMember, MemberState } from './consumer-group.ts';
import { consumerGroupHeartbeat, type ConsumerContext, type ConsumerHeartbeatRequest, type ConsumerHeartbeatResult, fenceMember, RecordBatch } from './consumer-heartbeat.ts';
import { type Assignment, CONSUMER_KEY_VERSION_MAX, CONSUMER_KEY_VERSION_MIN, type ConsumerRecord, decodeConsumerRecord, encodeConsumerRecord, toTopicPartitions } from './consumer-records.ts';
import type { TopicImage } from './consumer-target.ts';
import { groupMetadataKey, type StateRecord } from './records.ts';

const log = logger('groups');

export interface DescribedTopicPartitions {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface DescribedConsumerMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: { topicPartitions: DescribedTopicPartitions[] };
  targetAssignment: { topicPartitions: DescribedTopicPartitions[] };
}

export interface DescribedConsumerGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: DescribedConsumerMember[];
}

export class ConsumerGroups implements ConsumerContext {
  private readonly hooks: ConsumerGroupHooks = {
    memberAdded: (g, id) => {
      if (!g.sessionTimers.has(id)) this.armSession(g, id);
    },
    memberRemoved: (g, id) => {
      g.sessionTimers.get(id)?.();
      g.sessionTimers.delete(id);
      g.rebalanceTimers.get(id)?.();
      g.rebalanceTimers.delete(id);
    },
    assignmentChanged: (g, m) => this.armRebalance(g, m),
  };

  constructor(private readonly c: GroupCoordinator) {
    for (let v = CONSUMER_KEY_VERSION_MIN; v <= CONSUMER_KEY_VERSION_MAX; v++) {
      c.registerRecordLoader(v, (key, value) => this.load(v, key, value));
    }
  }

  get clock() {
    return this.c.deps.clock;
  }
  get config() {
    return this.c.deps.config;
  }
  /** The settings of one group: the broker's, with the group's own configs over them (KIP-848). */
  configFor(groupId: string): GroupConfig {
    const o = this.c.deps.groupOverrides?.(groupId);
    return o === undefined ? this.config : { ...this.config, ...o };
  }
  get uuid() {
    return this.c.deps.uuid;
  }

  heartbeat(req: ConsumerHeartbeatRequest, topics: TopicImage): Promise<ConsumerHeartbeatResult> {
    return consumerGroupHeartbeat(this, req, topics);
  }

  // ------------------------------------------------------------------ ConsumerContext

  groupFor(groupId: string, create: boolean, pre: StateRecord[]): ConsumerGroup | { errorCode: number; message: string } {
    const g = this.c.groups.get(groupId);
    if (g instanceof ConsumerGroup && !g.isDead()) return g;
    if (g !== undefined && !g.isDead()) {
      // Kafka replaces an Empty classic group by a consumer group on a join (its offsets stay);
      // one with members is not migrated online (KIP-848's upgrade path is not supported).
      if (!create || !g.isEmpty()) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, message: `Group ${groupId} is not a consumer group.` };
      g.markDead();
      this.c.groups.delete(groupId);
      pre.push({ key: groupMetadataKey(groupId), value: null });
      log.info(`group ${groupId}: the empty classic group becomes a consumer group`);
    } else if (!create) {
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, message: `Consumer group ${groupId} not found.` };
    }
    if (this.c.groups.size >= GROUPS_PER_NODE_MAX) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: 'Too many groups on this node.' };
    const created = new ConsumerGroup(groupId, this.clock.nowMs(), this.hooks);
    this.c.groups.set(groupId, created);
    return created;
  }

  dropIfUnused(g: ConsumerGroup): void {
    if (g.members.size > 0 || g.groupEpoch > 0 || this.c.groups.get(g.groupId) !== g) return;
    g.markDead();
    this.c.groups.delete(g.groupId);
  }

  async write(g: ConsumerGroup, records: readonly StateRecord[]): Promise<number> {
    if (records.length === 0) return ErrorCode.NONE;
    const code = await this.c.write(g.groupId, records, () => {});
    // The group already holds the change; the member retries with its epoch and the previous
    // epoch rule (or a rejoin) brings it back in line, as after a lost answer.
    if (code !== ErrorCode.NONE) log.warn(`group ${g.groupId}: writing ${records.length} record(s) failed with error ${code}`);
    return code;
  }

  armSession(g: ConsumerGroup, memberId: string): void {
    g.sessionTimers.get(memberId)?.();
    // Read on every heartbeat, so a changed consumer.session.timeout.ms applies from the next one
    // (Kafka's GroupMetadataManager.consumerGroupSessionTimeoutMs).
    const timeoutMs = this.configFor(g.groupId).consumerSessionTimeoutMs;
    g.sessionTimers.set(memberId, this.c.deps.scheduler.after(timeoutMs, () => {
      g.sessionTimers.delete(memberId);
      this.fence(g, memberId, `its session expired (${timeoutMs} ms without a heartbeat)`);
    }));
  }

  /** A member that must revoke partitions has its rebalance timeout to do so (Kafka's rule). */
  private armRebalance(g: ConsumerGroup, m: ConsumerMember): void {
    g.rebalanceTimers.get(m.memberId)?.();
    g.rebalanceTimers.delete(m.memberId);
    if (m.state !== MemberState.UNREVOKED_PARTITIONS || m.rebalanceTimeoutMs < 0) return;
    const epoch = m.memberEpoch;
    g.rebalanceTimers.set(m.memberId, this.c.deps.scheduler.after(m.rebalanceTimeoutMs, () => {
      g.rebalanceTimers.delete(m.memberId);
      if (g.members.get(m.memberId)?.memberEpoch !== epoch) return;
      this.fence(g, m.memberId, `it did not revoke its partitions of epoch ${epoch} within ${m.rebalanceTimeoutMs} ms`);
    }));
  }

  private fence(g: ConsumerGroup, memberId: string, why: string): void {
    if (this.c.groups.get(g.groupId) !== g || !g.members.has(memberId)) return;
    log.info(`group ${g.groupId}: member ${memberId} removed because ${why}`);
    const batch = new RecordBatch(g, this.clock.nowMs());
    fenceMember(batch, memberId);
    void this.write(g, batch.records);
  }

  // ------------------------------------------------------------------ load

  private load(version: number, key: Reader, value: Uint8Array | null): void {
    const r = decodeConsumerRecord(version, key, value);
    let g = this.c.groups.get(r.groupId);
    if (g !== undefined && !(g instanceof ConsumerGroup)) return;
    if (g === undefined) {
      if (r.value === null) return;
      g = new ConsumerGroup(r.groupId, this.clock.nowMs(), this.hooks);
      this.c.groups.set(r.groupId, g);
    }
    const cg = g as ConsumerGroup;
    // The group epoch's tombstone is the last record of a deleted group (Kafka removes it then).
    if (r.type === 'groupEpoch' && r.value === null) {
      cg.markDead();
      this.c.groups.delete(r.groupId);
      return;
    }
    cg.replay(r, this.clock.nowMs());
  }

  // ------------------------------------------------------------------ reads

  /** Kafka's createGroupTombstoneRecords: what DeleteGroups and retention write for the group. */
  tombstones(g: ConsumerGroup): StateRecord[] {
    const groupId = g.groupId;
    const ids = [...g.members.keys()];
    const rs: ConsumerRecord[] = [
      ...ids.map((memberId): ConsumerRecord => ({ type: 'currentAssignment', groupId, memberId, value: null })),
      ...ids.map((memberId): ConsumerRecord => ({ type: 'targetMember', groupId, memberId, value: null })),
      { type: 'targetEpoch', groupId, value: null },
      ...ids.map((memberId): ConsumerRecord => ({ type: 'memberSubscription', groupId, memberId, value: null })),
      { type: 'partitionMetadata', groupId, value: null },
      { type: 'groupEpoch', groupId, value: null },
    ];
    return rs.map(encodeConsumerRecord);
  }

  /** OffsetFetch v9+: the member id and epoch of a consumer group's member (else NONE). */
  validateOffsetFetch(groupId: string, memberId: string | null, memberEpoch: number): number {
    const g = this.c.groups.get(groupId);
    return g instanceof ConsumerGroup ? g.validateOffsetFetch(memberId, memberEpoch) : ErrorCode.NONE;
  }

  describe(groupId: string, topics: TopicImage): DescribedConsumerGroup {
    const base = { errorMessage: null, groupId, groupState: 'Dead', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
    if (groupId === '') return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID };
    const g = this.c.groups.get(groupId);
    if (g === undefined || g.isDead()) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.` };
    if (!(g instanceof ConsumerGroup)) return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} is not a consumer group.` };
    const named = (a: Assignment): { topicPartitions: DescribedTopicPartitions[] } => ({
      topicPartitions: toTopicPartitions(a).flatMap((tp) => {
        const name = topics.getById(tp.topicId)?.name;
        return name === undefined ? [] : [{ ...tp, topicName: name }];
      }),
    });
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      groupState: g.stateName(),
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignorName: g.preferredAssignor() ?? DEFAULT_ASSIGNOR,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: named(m.assigned),
        targetAssignment: named(g.targetOf(m.memberId)),
      })),
    };
  }

  close(): void {
    for (const g of this.c.groups.values()) if (g instanceof ConsumerGroup) g.cancelTimers();
  }
}
