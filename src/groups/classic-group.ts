// One classic-protocol group (Kafka's GroupMetadata / ClassicGroup): members, generation, the
// selected protocol and the state. This file is the data and its pure rules; the transitions
// driven by requests and timers are in classic-join.ts and classic-members.ts.
//
//   Empty ──join──> PreparingRebalance ──all joined / rebalance timeout──> CompletingRebalance
//     ^                 ^      |                                              | leader's sync
//     |                 |      └──no member left──> Empty                     v
//     |                 └──────── join / leave / expiry / sync timeout ──── Stable
//   Dead <── DeleteGroups (Empty only) / offsets expiry of an Empty group

import { ErrorCode } from '../protocol/errors.ts';
import type { Cancel } from '../base/scheduler.ts';
import { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from '../protocol/consumer-protocol.ts';
import type { Group } from './group.ts';
import type { GroupMetadataValueData } from './records.ts';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>;
  skipAssignment: boolean;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export const EMPTY_BYTES = new Uint8Array(0);

export function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [], skipAssignment: false };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export class ClassicMember {
  assignment: Uint8Array = EMPTY_BYTES;
  /** Set while a JoinGroup of this member waits for the rebalance to complete. */
  joinWaiter: ((r: JoinResult) => void) | null = null;
  /** Set while a SyncGroup of this member waits for the leader's assignment. */
  syncWaiter: ((r: SyncResult) => void) | null = null;
  /** Joined but not yet through a completed join: expires by the new-member timeout. */
  isNew = true;
  heartbeatCancel: Cancel | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string): Uint8Array {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols with the same metadata, in the same order (Kafka's MemberMetadata.matches). */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && bytesEqual(p.metadata, this.protocols[i].metadata));
  }

  answerJoin(r: JoinResult): void {
    const w = this.joinWaiter;
    this.joinWaiter = null;
    w?.(r);
  }

  answerSync(r: SyncResult): void {
    const w = this.syncWaiter;
    this.syncWaiter = null;
    w?.(r);
  }
}

export class ClassicGroup implements Group {
  readonly type = 'classic' as const;
  state: ClassicState = 'Empty';
  stateChangedMs: number;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** In join order: the first member becomes leader. */
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id -> member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED, not yet joined; value cancels expiry. */
  readonly pendingMembers = new Map<string, Cancel>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  /** A new member joined during the initial delay: the delay is extended (InitialDelayedJoin). */
  newMemberAdded = false;
  /** The initial delay of a rebalance from Empty is running: do not complete the join early. */
  initialDelayPhase = false;
  joinTimer: Cancel | null = null;
  syncTimer: Cancel | null = null;

  constructor(
    readonly groupId: string,
    nowMs: number,
  ) {
    this.stateChangedMs = nowMs;
  }

  transition(to: ClassicState, nowMs: number): void {
    this.state = to;
    this.stateChangedMs = nowMs;
  }

  // ---------------------------------------------------------------- Group interface

  stateName(): string {
    return this.state;
  }
  protocolTypeName(): string {
    return this.protocolType ?? '';
  }
  isEmpty(): boolean {
    return this.state === 'Empty';
  }
  isDead(): boolean {
    return this.state === 'Dead';
  }
  stateTimestampMs(): number {
    return this.stateChangedMs;
  }

  /** Kafka's ClassicGroup.validateOffsetCommit. */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generation: number, _apiVersion: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // A commit outside group management (generation -1): only into a group without members.
    if (generation < 0 && this.state === 'Empty') return ErrorCode.NONE;
    const err = this.validateMember(memberId, groupInstanceId);
    if (err !== ErrorCode.NONE) return err;
    if (generation !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // The member has the new generation from its JoinGroup but no assignment yet.
    if (this.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  subscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const t = subscriptionTopics(m.metadataFor(this.protocolName));
      if (t === null) return null;
      for (const name of t) topics.add(name);
    }
    return topics;
  }

  markDead(): void {
    this.state = 'Dead';
    this.joinTimer?.();
    this.syncTimer?.();
    for (const cancel of this.pendingMembers.values()) cancel();
    this.pendingMembers.clear();
    for (const m of this.members.values()) {
      m.heartbeatCancel?.();
      m.answerJoin(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
      m.answerSync(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  // ---------------------------------------------------------------- membership rules

  /** UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (KIP-345: another member holds the instance id). */
  validateMember(memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const holder = this.staticMembers.get(groupInstanceId);
      if (holder !== undefined && holder !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    const m = this.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (m.groupInstanceId !== null && m.groupInstanceId !== groupInstanceId) return ErrorCode.FENCED_INSTANCE_ID;
    return ErrorCode.NONE;
  }

  get numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.joinWaiter !== null) n++;
    return n;
  }

  /** Every member has rejoined and no KIP-394 member is still on its way. */
  hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  /** Kafka's acceptJoiningMember: the group.max.size rule per state. */
  acceptsJoiningMember(memberId: string, maxSize: number): boolean {
    switch (this.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance': {
        const m = this.members.get(memberId);
        // The new coordinator's rule (ClassicGroup.acceptJoiningMember): members already
        // rejoined count, so the last to rejoin are the ones turned away.
        return (m !== undefined && m.joinWaiter !== null) || this.numAwaitingJoin < maxSize;
      }
      default:
        return this.members.has(memberId) || this.members.size < maxSize;
    }
  }

  /** Kafka's supportsProtocols: a first member sets the type; later ones share one protocol with all. */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && names.length > 0;
    if (protocolType !== this.protocolType) return false;
    return names.some((n) => this.votersFor(n) === this.members.size);
  }

  private votersFor(name: string): number {
    let n = 0;
    for (const m of this.members.values()) if (m.protocols.some((p) => p.name === name)) n++;
    return n;
  }

  /**
   * The protocol every member supports that most members prefer: each member votes for the
   * first of its protocols (in its order of preference) that all support. Ties go to the
   * earliest candidate in the leader's order, so the choice is deterministic.
   */
  selectProtocol(): string {
    const all = [...this.members.values()];
    const first = this.leaderId !== null ? this.members.get(this.leaderId)! : all[0];
    const candidates = first.protocols.map((p) => p.name).filter((n) => this.votersFor(n) === all.length);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of all) {
      const choice = m.protocols.find((p) => votes.has(p.name))!.name;
      votes.set(choice, votes.get(choice)! + 1);
    }
    let best = candidates[0];
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  add(m: ClassicMember): void {
    if (this.members.size === 0) this.protocolType = m.protocolType;
    this.members.set(m.memberId, m);
    if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
    if (this.leaderId === null) this.leaderId = m.memberId;
  }

  remove(memberId: string): ClassicMember | undefined {
    const m = this.members.get(memberId);
    if (!m) return undefined;
    m.heartbeatCancel?.();
    m.heartbeatCancel = null;
    this.members.delete(memberId);
    this.pendingSync.delete(memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
    return m;
  }

  /** KIP-345: a restarted static member takes over the old member's place under a new id. */
  replaceStaticMember(old: ClassicMember, newMemberId: string): ClassicMember {
    const m = new ClassicMember(newMemberId, old.groupInstanceId, old.clientId, old.clientHost, old.rebalanceTimeoutMs, old.sessionTimeoutMs, old.protocolType, old.protocols);
    m.assignment = old.assignment;
    m.isNew = false;
    old.heartbeatCancel?.();
    old.answerJoin(joinError(ErrorCode.FENCED_INSTANCE_ID, old.memberId));
    old.answerSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    // Rebuild the map to keep the member's place in join order.
    const entries = [...this.members.entries()].map(([id, v]): [string, ClassicMember] => (id === old.memberId ? [newMemberId, m] : [id, v]));
    this.members.clear();
    for (const [id, v] of entries) this.members.set(id, v);
    this.staticMembers.set(old.groupInstanceId!, newMemberId);
    if (this.pendingSync.delete(old.memberId)) this.pendingSync.add(newMemberId);
    if (this.leaderId === old.memberId) this.leaderId = newMemberId;
    return m;
  }

  maxRebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  /** The current generation's join answer for one member (leaders get every member's metadata). */
  joinResultFor(m: ClassicMember, skipAssignment = false): JoinResult {
    const isLeader = m.memberId === this.leaderId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: this.generationId,
      protocolType: this.protocolType,
      protocolName: this.protocolName,
      leader: this.leaderId ?? '',
      memberId: m.memberId,
      members: isLeader
        ? [...this.members.values()].map((x) => ({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, metadata: x.metadataFor(this.protocolName ?? '') }))
        : [],
      skipAssignment: isLeader && skipAssignment,
    };
  }

  /** The GroupMetadataValue record of the current generation. */
  toRecord(): GroupMetadataValueData {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: this.stateChangedMs,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadataFor(this.protocolName ?? ''),
        assignment: m.assignment,
      })),
    };
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
