// JoinGroup for classic groups (Kafka's GroupCoordinator.handleJoinGroup and the doJoin paths):
// new members (KIP-394 member ids), current members, static members (KIP-345). The answer is a
// promise that the rebalance engine (classic-rebalance.ts) resolves when the join completes.

import { ErrorCode } from '../protocol/errors.ts';
import { type ClassicGroup, ClassicMember, type JoinResult, type Protocol, joinError } from './classic-group.ts';
import {
  type ClassicContext,
  addPendingMember,
  maybePrepareRebalance,
  removeMemberAndUpdateGroup,
  scheduleHeartbeat,
  tryCompleteJoin,
} from './classic-rebalance.ts';
import { MEMBER_METADATA_BYTES_MAX, NEW_MEMBER_JOIN_TIMEOUT_MS, PROTOCOLS_PER_MEMBER_MAX } from './config.ts';

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** v0 has none: the session timeout applies. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  clientId: string;
  clientHost: string;
  /** v4+: a new member must rejoin with the id it is given (KIP-394). */
  requireKnownMemberId: boolean;
  /** v9+: a static leader rejoining a Stable group may skip the assignment (KIP-814). */
  supportsSkipAssignment: boolean;
}

/** Checks that need no group: Kafka's order (group id, session timeout), plus our limits. */
export function validateJoin(ctx: ClassicContext, req: JoinRequest): number {
  if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
  const c = ctx.config;
  if (req.sessionTimeoutMs < c.minSessionTimeoutMs || req.sessionTimeoutMs > c.maxSessionTimeoutMs) return ErrorCode.INVALID_SESSION_TIMEOUT;
  if (req.protocols.length > PROTOCOLS_PER_MEMBER_MAX) return ErrorCode.INVALID_REQUEST;
  let bytes = 0;
  for (const p of req.protocols) bytes += p.metadata.length + p.name.length;
  if (bytes > MEMBER_METADATA_BYTES_MAX) return ErrorCode.INVALID_REQUEST;
  return ErrorCode.NONE;
}

/** JoinGroup against an existing (possibly just created, Empty) classic group. */
export function joinClassicGroup(ctx: ClassicContext, group: ClassicGroup, req: JoinRequest): Promise<JoinResult> {
  if (!group.acceptsJoiningMember(req.memberId, ctx.config.maxSize)) {
    // Kafka drops a member over the limit, so a shrunk group.max.size takes effect.
    if (group.members.has(req.memberId)) removeMemberAndUpdateGroup(ctx, group, req.memberId, 'group is full');
    return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
  }
  if (group.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
  if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
    return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
  }
  return req.memberId === '' ? joinNewMember(ctx, group, req) : joinCurrentMember(ctx, group, req);
}

function joinNewMember(ctx: ClassicContext, group: ClassicGroup, req: JoinRequest): Promise<JoinResult> {
  const memberId = ctx.newMemberId(req.groupInstanceId ?? req.clientId);
  if (req.groupInstanceId !== null) return joinStaticMember(ctx, group, req, memberId);
  if (req.requireKnownMemberId) {
    // Pending ids are bounded like members: a flood of first joins cannot grow the group.
    if (group.pendingMembers.size >= ctx.config.maxSize) return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
    addPendingMember(ctx, group, memberId, req.sessionTimeoutMs);
    return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
  }
  return addMemberAndRebalance(ctx, group, memberId, req);
}

function joinCurrentMember(ctx: ClassicContext, group: ClassicGroup, req: JoinRequest): Promise<JoinResult> {
  const pending = group.pendingMembers.get(req.memberId);
  if (pending !== undefined) {
    pending();
    group.pendingMembers.delete(req.memberId);
    return addMemberAndRebalance(ctx, group, req.memberId, req);
  }
  const err = group.validateMember(req.memberId, req.groupInstanceId);
  if (err !== ErrorCode.NONE) return Promise.resolve(joinError(err, req.memberId));
  const m = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(ctx, group, m, req);
    case 'CompletingRebalance':
      // A retried JoinGroup whose answer was lost: answer it again unless it changed.
      if (m.matches(req.protocols)) return Promise.resolve(group.joinResultFor(m));
      return updateMemberAndRebalance(ctx, group, m, req);
    case 'Stable':
      // The leader rejoining, or anyone changing its metadata, starts a rebalance; a follower
      // rejoining unchanged gets the current generation back.
      if (m.memberId === group.leaderId || !m.matches(req.protocols)) return updateMemberAndRebalance(ctx, group, m, req);
      return Promise.resolve(group.joinResultFor(m));
    default:
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
  }
}

function newMember(memberId: string, req: JoinRequest): ClassicMember {
  return new ClassicMember(
    memberId,
    req.groupInstanceId,
    req.clientId,
    req.clientHost,
    req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    req.protocolType,
    req.protocols,
  );
}

function addMemberAndRebalance(ctx: ClassicContext, group: ClassicGroup, memberId: string, req: JoinRequest): Promise<JoinResult> {
  const m = newMember(memberId, req);
  if (group.state === 'PreparingRebalance' && group.initialDelayPhase) group.newMemberAdded = true;
  group.add(m);
  const answer = new Promise<JoinResult>((resolve) => {
    m.joinWaiter = resolve;
  });
  scheduleHeartbeat(ctx, group, m, NEW_MEMBER_JOIN_TIMEOUT_MS);
  maybePrepareRebalance(ctx, group, `member ${memberId} joined`);
  // In PreparingRebalance this join may be the last one awaited.
  tryCompleteJoin(ctx, group);
  return answer;
}

function updateMemberAndRebalance(ctx: ClassicContext, group: ClassicGroup, m: ClassicMember, req: JoinRequest): Promise<JoinResult> {
  m.protocols = req.protocols;
  m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  m.sessionTimeoutMs = req.sessionTimeoutMs;
  m.clientId = req.clientId;
  m.clientHost = req.clientHost;
  // A second JoinGroup from the same member replaces the first, which must not hang.
  m.answerJoin(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
  const answer = new Promise<JoinResult>((resolve) => {
    m.joinWaiter = resolve;
  });
  maybePrepareRebalance(ctx, group, `member ${m.memberId} rejoined`);
  // In PreparingRebalance this join may be the last one awaited.
  tryCompleteJoin(ctx, group);
  return answer;
}

/** KIP-345: a static member joins; a known instance id replaces the old member id. */
function joinStaticMember(ctx: ClassicContext, group: ClassicGroup, req: JoinRequest, memberId: string): Promise<JoinResult> {
  const oldId = group.staticMembers.get(req.groupInstanceId!);
  const old = oldId === undefined ? undefined : group.members.get(oldId);
  if (old === undefined) return addMemberAndRebalance(ctx, group, memberId, req);
  const m = group.replaceStaticMember(old, memberId);
  switch (group.state) {
    case 'Stable': {
      const protocol = group.protocolName ?? '';
      const unchanged = req.protocolType === group.protocolType && req.protocols.some((p) => p.name === protocol) && bytesSame(old.metadataFor(protocol), req.protocols.find((p) => p.name === protocol)!.metadata);
      if (!unchanged) return updateMemberAndRebalance(ctx, group, m, req);
      m.sessionTimeoutMs = req.sessionTimeoutMs;
      m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      m.protocols = req.protocols;
      m.clientId = req.clientId;
      m.clientHost = req.clientHost;
      scheduleHeartbeat(ctx, group, m);
      // No rebalance: the member keeps its assignment. Persist the new member id first.
      const generation = group.generationId;
      return ctx.storeGroup(group).then((errorCode) => {
        if (!ctx.isLive(group) || group.generationId !== generation || group.members.get(memberId) !== m) {
          return joinError(ErrorCode.REBALANCE_IN_PROGRESS, memberId);
        }
        if (errorCode !== ErrorCode.NONE) return joinError(errorCode, memberId);
        return group.joinResultFor(m, req.supportsSkipAssignment);
      });
    }
    case 'CompletingRebalance':
    case 'PreparingRebalance':
      return updateMemberAndRebalance(ctx, group, m, req);
    default:
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
  }
}

function bytesSame(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
