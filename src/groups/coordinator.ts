// The group coordinator of this node: the one owner of every group's state and of committed
// offsets. One map of groups of every type (classic today, KIP-848 "consumer" next), one offset
// store, one writer to __consumer_offsets. Handlers call the methods here; nothing else mutates
// a group. All decisions are synchronous; the only awaits are on durability, and whatever runs
// after one checks again that the group is still the live one, in the same state/generation.

import type { Clock } from '../base/clock.ts';
import { logger } from '../base/log.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ClassicGroup, type JoinResult, type SyncResult, joinError, syncError } from './classic-group.ts';
import { type JoinRequest, joinClassicGroup, validateJoin } from './classic-join.ts';
import { type HeartbeatRequest, type LeavingMember, type SyncRequest, heartbeatClassicGroup, leaveClassicGroup, syncClassicGroup } from './classic-members.ts';
import type { ClassicContext } from './classic-rebalance.ts';
import { GROUPS_PER_NODE_MAX, type GroupConfig, type GroupOverrides } from './config.ts';
import { ConsumerGroup } from './consumer-group.ts';
import { ConsumerGroups } from './consumer-groups.ts';
import type { Group, GroupType } from './group.ts';
import { loadState, type RecordLoader } from './load.ts';
import { OffsetStore } from './offsets.ts';
import {
  type CommitRequest,
  type FetchedTopic,
  commitOffsets,
  deleteOffsets,
  expireOffsets,
  fetchOffsets,
  type OffsetDeleteResult,
} from './offset-ops.ts';
import { groupMetadataKey, groupMetadataValue, offsetCommitKey, partitionForGroup, type StateRecord } from './records.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';
import { type StateLog, StateWriter } from './state-log.ts';

const log = logger('groups');

export interface CoordinatorDeps {
  clock: Clock;
  scheduler: Scheduler;
  config: GroupConfig;
  log: StateLog;
  /** A random UUID (member ids); injected so simulations are deterministic. */
  uuid: () => string;
  /** One group's settings from its GROUP configs; absent: the broker-wide ones for every group. */
  groupOverrides?: (groupId: string) => GroupOverrides;
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: GroupType;
}

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly offsets = new OffsetStore();
  readonly writer: StateWriter;
  readonly classic: ClassicContext;
  /** KIP-848 consumer groups (ConsumerGroupHeartbeat/Describe); registers its record loaders. */
  readonly consumer: ConsumerGroups;
  private readonly loaders = new Map<number, RecordLoader>();
  private retentionCancel: Cancel | null = null;
  private closed = false;

  constructor(readonly deps: CoordinatorDeps) {
    this.writer = new StateWriter(deps.log);
    this.classic = {
      clock: deps.clock,
      scheduler: deps.scheduler,
      config: deps.config,
      newMemberId: (prefix) => `${prefix}-${deps.uuid()}`,
      storeGroup: (g) => this.storeGroup(g),
      isLive: (g) => this.groups.get(g.groupId) === g,
    };
    this.consumer = new ConsumerGroups(this);
  }

  get config(): GroupConfig {
    return this.deps.config;
  }

  /**
   * For the KIP-848 group type: records whose key version is `keyVersion` (3+) are handed to
   * `loader` while loading. Register before load().
   */
  registerRecordLoader(keyVersion: number, loader: RecordLoader): void {
    this.loaders.set(keyVersion, loader);
  }

  /** Rebuilds groups and offsets from __consumer_offsets and starts offsets retention. */
  load(): void {
    const n = loadState(this, this.deps.log.readAll(), this.loaders);
    log.info(`group coordinator: loaded ${this.groups.size} group(s), ${n} record(s)`);
    this.scheduleRetention();
  }

  /**
   * Records of __consumer_offsets partitions this node starts hosting after load(): a clustered
   * node's, opened as the controller's metadata assigns them (their groups were served nowhere
   * here before, so nothing in memory is replaced).
   */
  loadPartitions(records: Iterable<StateRecord>): number {
    return loadState(this, records, this.loaders);
  }

  /**
   * Forgets the groups and committed offsets of one __consumer_offsets partition: this node no
   * longer leads it, so it no longer coordinates them (Kafka's GroupMetadataManager
   * removeGroupsForPartition). Their timers find their group gone (`isLive`); writes still
   * waiting fail with their partition's leadership. Returns the groups dropped.
   */
  unloadPartition(partition: number): number {
    let n = 0;
    for (const id of [...this.groups.keys()]) {
      if (this.partitionFor(id) !== partition) continue;
      this.groups.delete(id);
      n++;
    }
    for (const id of [...this.offsets.groups()]) if (this.partitionFor(id) === partition) this.offsets.deleteGroup(id);
    return n;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.deps.log.partitionCount);
  }

  /** Writes records of one group to its partition; `apply` runs once they are durable. */
  write(groupId: string, records: readonly StateRecord[], apply: () => void): Promise<number> {
    return this.writer.write(this.partitionFor(groupId), records, this.deps.clock.nowMs(), apply);
  }

  private storeGroup(group: ClassicGroup): Promise<number> {
    return this.write(group.groupId, [{ key: groupMetadataKey(group.groupId), value: groupMetadataValue(group.toRecord()) }], () => {});
  }

  /** The classic group of an id, created Empty if absent; an error code when it cannot be. */
  classicGroup(groupId: string, create: boolean): ClassicGroup | number {
    let g = this.groups.get(groupId);
    // Kafka replaces an Empty consumer group by a classic group on a join (offsets stay); one
    // with members answers INCONSISTENT_GROUP_PROTOCOL (no online migration between protocols).
    if (g instanceof ConsumerGroup && create && g.isEmpty()) {
      void this.write(groupId, this.consumer.tombstones(g), () => {});
      g.markDead();
      this.groups.delete(groupId);
      g = undefined;
    }
    if (g !== undefined) return g instanceof ClassicGroup ? g : ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (!create) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (this.groups.size >= GROUPS_PER_NODE_MAX) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const created = new ClassicGroup(groupId, this.deps.clock.nowMs());
    this.groups.set(groupId, created);
    return created;
  }

  // ------------------------------------------------------------------ classic protocol

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    const err = validateJoin(this.classic, req);
    if (err !== ErrorCode.NONE) return Promise.resolve(joinError(err, req.memberId));
    const g = this.classicGroup(req.groupId, req.memberId === '');
    if (typeof g === 'number') return Promise.resolve(joinError(g, req.memberId));
    return joinClassicGroup(this.classic, g, req);
  }

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    if (req.groupId === '') return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const g = this.classicGroup(req.groupId, false);
    if (typeof g === 'number') return Promise.resolve(syncError(g));
    return syncClassicGroup(this.classic, g, req);
  }

  heartbeat(req: HeartbeatRequest): number {
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const g = this.classicGroup(req.groupId, false);
    return typeof g === 'number' ? g : heartbeatClassicGroup(this.classic, g, req);
  }

  /** LeaveGroup: a top-level error, else one error per member. */
  leaveGroup(groupId: string, members: readonly LeavingMember[]): { errorCode: number; memberErrors: number[] } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, memberErrors: [] };
    const g = this.classicGroup(groupId, false);
    if (typeof g === 'number') return { errorCode: ErrorCode.NONE, memberErrors: members.map(() => g) };
    if (g.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, memberErrors: [] };
    return { errorCode: ErrorCode.NONE, memberErrors: members.map((m) => leaveClassicGroup(this.classic, g, m)) };
  }

  // ------------------------------------------------------------------ shared by group types

  /** ListGroups: live groups, filtered by state and type names (case-insensitive, KIP-518/848). */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
    const states = new Set(statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(typesFilter.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      if (g.isDead()) continue;
      if (states.size > 0 && !states.has(g.stateName().toLowerCase())) continue;
      if (types.size > 0 && !types.has(g.type)) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolTypeName(), groupState: g.stateName(), groupType: g.type });
    }
    return out;
  }

  /**
   * DescribeGroups of one group (Kafka's GroupMetadata.summary): members' metadata and
   * assignments only when Stable. An unknown group is "Dead" (GROUP_ID_NOT_FOUND from v6).
   */
  describeGroup(groupId: string): DescribedGroup | null {
    const g = this.groups.get(groupId);
    if (g === undefined || g.isDead()) return null;
    const base = { errorCode: ErrorCode.NONE, groupId, groupState: g.stateName(), protocolType: g.protocolTypeName(), protocolData: '', members: [] as DescribedMember[] };
    if (!(g instanceof ClassicGroup)) return base;
    const stable = g.state === 'Stable';
    return {
      ...base,
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(g.protocolName ?? '') : new Uint8Array(0),
        memberAssignment: stable ? m.assignment : new Uint8Array(0),
      })),
    };
  }

  /** DeleteGroups: Empty groups go Dead; their metadata and offsets get tombstones. */
  async deleteGroups(groupIds: readonly string[]): Promise<number[]> {
    return Promise.all(groupIds.map((id) => this.deleteGroup(id)));
  }

  private deleteGroup(groupId: string): Promise<number> {
    const g = this.groups.get(groupId);
    if (g === undefined || g.isDead()) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND);
    if (!g.isEmpty()) return Promise.resolve(ErrorCode.NON_EMPTY_GROUP);
    return this.removeGroup(g);
  }

  /** Removes an Empty group now; tombstones its metadata and offsets. */
  removeGroup(g: Group): Promise<number> {
    g.markDead();
    this.groups.delete(g.groupId);
    const records: StateRecord[] = this.offsets.refsOf(g.groupId).map((r) => ({ key: offsetCommitKey(g.groupId, r.topic, r.partition), value: null }));
    if (g instanceof ConsumerGroup) records.push(...this.consumer.tombstones(g));
    else records.push({ key: groupMetadataKey(g.groupId), value: null });
    return this.write(g.groupId, records, () => this.offsets.deleteGroup(g.groupId));
  }

  // ------------------------------------------------------------------ committed offsets

  /** OffsetCommit: one error code per offset, in order; answered once durable. */
  commitOffsets(req: CommitRequest): Promise<number[]> {
    return commitOffsets(this, req);
  }

  /** OffsetFetch of one group; `topics` null means every committed partition. */
  /**
   * Resolves with NONE once a read of the group's state made now is not stale
   * (StateWriter.barrier: on a cluster, this node still led the group's partition after the
   * call), else with the error to answer (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE).
   */
  readBarrier(groupId: string): Promise<number> {
    return this.writer.barrier(this.partitionFor(groupId));
  }

  fetchOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }> | null): FetchedTopic[] {
    return fetchOffsets(this, groupId, topics);
  }

  /** OffsetDelete (KIP-496). */
  deleteOffsets(groupId: string, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>): Promise<OffsetDeleteResult> {
    return deleteOffsets(this, groupId, topics);
  }

  // ------------------------------------------------------------------ lifecycle

  private scheduleRetention(): void {
    if (this.closed) return;
    this.retentionCancel = this.deps.scheduler.after(this.deps.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets();
      this.scheduleRetention();
    });
  }

  /** offsets.retention.minutes: see offset-ops.ts. */
  expireOffsets(): void {
    expireOffsets(this);
  }

  close(): void {
    this.closed = true;
    this.retentionCancel?.();
    this.consumer.close();
    for (const g of this.groups.values()) {
      if (!(g instanceof ClassicGroup)) continue;
      g.joinTimer?.();
      g.syncTimer?.();
      for (const cancel of g.pendingMembers.values()) cancel();
      for (const m of g.members.values()) m.heartbeatCancel?.();
    }
  }
}
