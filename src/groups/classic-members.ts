// SyncGroup, Heartbeat and LeaveGroup for classic groups (Kafka's GroupCoordinator
// handleSyncGroup / handleHeartbeat / handleLeaveGroup), in Kafka's order of checks.

import { ErrorCode } from '../protocol/errors.ts';
import { type ClassicGroup, EMPTY_BYTES, type SyncResult, syncError } from './classic-group.ts';
import {
  type ClassicContext,
  prepareRebalance,
  removeMemberAndUpdateGroup,
  scheduleHeartbeat,
  tryCompleteJoin,
} from './classic-rebalance.ts';
import { MEMBER_ASSIGNMENT_BYTES_MAX } from './config.ts';

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+: checked against the group's when given (KIP-559). */
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export function syncClassicGroup(ctx: ClassicContext, group: ClassicGroup, req: SyncRequest): Promise<SyncResult> {
  if (group.state === 'Dead') return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  const err = group.validateMember(req.memberId, req.groupInstanceId);
  if (err !== ErrorCode.NONE) return Promise.resolve(syncError(err));
  if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
  if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
    return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  const m = group.members.get(req.memberId)!;
  switch (group.state) {
    case 'PreparingRebalance':
      return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case 'Stable':
      markSynced(group, req.memberId);
      scheduleHeartbeat(ctx, group, m);
      return Promise.resolve(syncOk(group, m.assignment));
    case 'CompletingRebalance': {
      if (req.memberId === group.leaderId && req.assignments.some((a) => a.assignment.length > MEMBER_ASSIGNMENT_BYTES_MAX)) {
        return Promise.resolve(syncError(ErrorCode.INVALID_REQUEST));
      }
      m.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      const answer = new Promise<SyncResult>((resolve) => {
        m.syncWaiter = resolve;
      });
      markSynced(group, req.memberId);
      scheduleHeartbeat(ctx, group, m);
      if (req.memberId === group.leaderId) completeSync(ctx, group, req.assignments);
      return answer;
    }
    default:
      return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

function syncOk(group: ClassicGroup, assignment: Uint8Array): SyncResult {
  return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment };
}

function markSynced(group: ClassicGroup, memberId: string): void {
  group.pendingSync.delete(memberId);
  if (group.pendingSync.size === 0) {
    group.syncTimer?.();
    group.syncTimer = null;
  }
}

/**
 * The leader's assignment: stored (GroupMetadata record) and, once durable, handed to every
 * member; the group becomes Stable. After the await the generation is checked again: a member
 * may have left or joined meanwhile and started another rebalance, which voids this one.
 */
function completeSync(ctx: ClassicContext, group: ClassicGroup, assignments: SyncRequest['assignments']): void {
  const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
  for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY_BYTES;
  const generation = group.generationId;
  void ctx.storeGroup(group).then((errorCode) => {
    if (!ctx.isLive(group) || group.state !== 'CompletingRebalance' || group.generationId !== generation) return;
    if (errorCode !== ErrorCode.NONE) {
      for (const m of group.members.values()) {
        m.assignment = EMPTY_BYTES;
        m.answerSync(syncError(errorCode));
      }
      prepareRebalance(ctx, group, 'storing the assignment failed');
      return;
    }
    group.transition('Stable', ctx.clock.nowMs());
    for (const m of group.members.values()) m.answerSync(syncOk(group, m.assignment));
  });
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export function heartbeatClassicGroup(ctx: ClassicContext, group: ClassicGroup, req: HeartbeatRequest): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const err = group.validateMember(req.memberId, req.groupInstanceId);
  if (err !== ErrorCode.NONE) return err;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  const m = group.members.get(req.memberId)!;
  scheduleHeartbeat(ctx, group, m);
  return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
}

/** One member's LeaveGroup (v3+ batches them); static members may leave by instance id alone. */
export function leaveClassicGroup(ctx: ClassicContext, group: ClassicGroup, leaving: LeavingMember): number {
  if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  let memberId = leaving.memberId;
  if (leaving.groupInstanceId !== null) {
    const holder = group.staticMembers.get(leaving.groupInstanceId);
    if (holder === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberId !== '' && memberId !== holder) return ErrorCode.FENCED_INSTANCE_ID;
    memberId = holder;
  }
  const pending = group.pendingMembers.get(memberId);
  if (pending !== undefined) {
    pending();
    group.pendingMembers.delete(memberId);
    tryCompleteJoin(ctx, group);
    return ErrorCode.NONE;
  }
  if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  removeMemberAndUpdateGroup(ctx, group, memberId, 'the member left the group');
  return ErrorCode.NONE;
}
