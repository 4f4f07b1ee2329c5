// The rebalance engine of classic groups (Kafka's GroupCoordinator prepareRebalance /
// onCompleteJoin / onExpireHeartbeat / onExpirePendingSync): what happens when a rebalance
// starts, when it completes, and when timers fire. Requests enter through classic-join.ts and
// classic-members.ts. Everything here runs synchronously in one turn; the only awaits are on
// durability, and after them the group's identity, state and generation are checked again.

import type { Clock } from '../base/clock.ts';
import { logger } from '../base/log.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { type ClassicGroup, type ClassicMember, joinError, syncError } from './classic-group.ts';
import type { GroupConfig } from './config.ts';
import type { Scheduler } from '../base/scheduler.ts';

const log = logger('groups');

export interface ClassicContext {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly config: GroupConfig;
  /** A fresh member id: `${prefix}-${uuid}` (Kafka's format); injected for determinism. */
  newMemberId(prefix: string): string;
  /** Writes the group's GroupMetadata record; resolves with an error code once durable. */
  storeGroup(group: ClassicGroup): Promise<number>;
  /** Is `group` still the live group of its id (not deleted or replaced)? */
  isLive(group: ClassicGroup): boolean;
}

/** (Re)arms a member's session timer: it is removed unless it is heard from within timeoutMs. */
export function scheduleHeartbeat(ctx: ClassicContext, group: ClassicGroup, m: ClassicMember, timeoutMs = m.sessionTimeoutMs): void {
  m.heartbeatCancel?.();
  m.heartbeatCancel = ctx.scheduler.after(timeoutMs, () => {
    m.heartbeatCancel = null;
    onExpireHeartbeat(ctx, group, m);
  });
}

function onExpireHeartbeat(ctx: ClassicContext, group: ClassicGroup, m: ClassicMember): void {
  if (group.members.get(m.memberId) !== m || group.state === 'Dead') return;
  // Members waiting in a JoinGroup or SyncGroup are alive by definition; the rebalance and
  // sync timeouts bound those waits. A new member's first join is bounded by its own timer.
  if (!m.isNew && (m.joinWaiter !== null || m.syncWaiter !== null)) {
    scheduleHeartbeat(ctx, group, m);
    return;
  }
  log.info(`group ${group.groupId}: member ${m.memberId} expired after ${m.sessionTimeoutMs} ms without a heartbeat`);
  removeMemberAndUpdateGroup(ctx, group, m.memberId, 'session timeout');
}

/** KIP-394: a member given an id with MEMBER_ID_REQUIRED that never came back with it. */
export function addPendingMember(ctx: ClassicContext, group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
  group.pendingMembers.set(
    memberId,
    ctx.scheduler.after(sessionTimeoutMs, () => {
      if (!group.pendingMembers.delete(memberId)) return;
      if (group.state === 'PreparingRebalance') tryCompleteJoin(ctx, group);
    }),
  );
}

/** A member leaves (LeaveGroup, session expiry, fenced): answer its waiters, rebalance. */
export function removeMemberAndUpdateGroup(ctx: ClassicContext, group: ClassicGroup, memberId: string, reason: string): void {
  const m = group.remove(memberId);
  if (!m) return;
  m.answerJoin(joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
  m.answerSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  switch (group.state) {
    case 'Stable':
    case 'CompletingRebalance':
      prepareRebalance(ctx, group, `removing member ${memberId} (${reason})`);
      break;
    case 'PreparingRebalance':
      tryCompleteJoin(ctx, group);
      break;
    default:
      break;
  }
}

export function maybePrepareRebalance(ctx: ClassicContext, group: ClassicGroup, reason: string): void {
  if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
    prepareRebalance(ctx, group, reason);
  }
}

/**
 * Starts a rebalance. From Empty the join waits group.initial.rebalance.delay.ms (extended
 * while new members keep arriving, up to the rebalance timeout: Kafka's InitialDelayedJoin);
 * otherwise it completes when every member has rejoined or at the largest rebalance timeout.
 */
export function prepareRebalance(ctx: ClassicContext, group: ClassicGroup, reason: string): void {
  if (group.state === 'CompletingRebalance') {
    // The assignment of the generation being synced is void: waiting syncs learn it now.
    for (const m of group.members.values()) m.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
  }
  group.syncTimer?.();
  group.syncTimer = null;
  group.pendingSync.clear();
  group.joinTimer?.();
  const fromEmpty = group.state === 'Empty';
  group.transition('PreparingRebalance', ctx.clock.nowMs());
  log.debug(`group ${group.groupId}: preparing rebalance (generation ${group.generationId}): ${reason}`);
  if (fromEmpty) {
    group.initialDelayPhase = true;
    group.newMemberAdded = false;
    const delay = ctx.config.initialRebalanceDelayMs;
    armInitialDelay(ctx, group, delay, Math.max(group.maxRebalanceTimeoutMs() - delay, 0));
    return;
  }
  group.initialDelayPhase = false;
  const generation = group.generationId;
  group.joinTimer = ctx.scheduler.after(group.maxRebalanceTimeoutMs(), () => {
    group.joinTimer = null;
    if (group.state === 'PreparingRebalance' && group.generationId === generation) onCompleteJoin(ctx, group);
  });
  tryCompleteJoin(ctx, group);
}

function armInitialDelay(ctx: ClassicContext, group: ClassicGroup, delayMs: number, remainingMs: number): void {
  group.joinTimer = ctx.scheduler.after(delayMs, () => {
    group.joinTimer = null;
    if (group.state !== 'PreparingRebalance' || !group.initialDelayPhase) return;
    if (group.newMemberAdded && remainingMs > 0) {
      group.newMemberAdded = false;
      const next = Math.min(ctx.config.initialRebalanceDelayMs, remainingMs);
      armInitialDelay(ctx, group, next, remainingMs - next);
      return;
    }
    group.initialDelayPhase = false;
    onCompleteJoin(ctx, group);
  });
}

export function tryCompleteJoin(ctx: ClassicContext, group: ClassicGroup): void {
  if (group.state !== 'PreparingRebalance' || group.initialDelayPhase) return;
  if (group.hasAllMembersJoined()) onCompleteJoin(ctx, group);
}

/** The join phase ends: laggards are dropped, a new generation begins (Kafka's onCompleteJoin). */
function onCompleteJoin(ctx: ClassicContext, group: ClassicGroup): void {
  group.joinTimer?.();
  group.joinTimer = null;
  group.initialDelayPhase = false;
  for (const m of [...group.members.values()]) {
    if (m.joinWaiter === null) {
      log.info(`group ${group.groupId}: member ${m.memberId} did not rejoin within the rebalance timeout; removed`);
      group.remove(m.memberId);
      m.answerSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }
  if (group.state === 'Dead') return;
  group.generationId++;
  const now = ctx.clock.nowMs();
  if (group.members.size === 0) {
    group.protocolName = null;
    group.transition('Empty', now);
    void ctx.storeGroup(group);
    return;
  }
  group.protocolName = group.selectProtocol();
  group.transition('CompletingRebalance', now);
  for (const m of group.members.values()) {
    m.isNew = false;
    m.answerJoin(group.joinResultFor(m));
    scheduleHeartbeat(ctx, group, m);
    group.pendingSync.add(m.memberId);
  }
  armSyncTimeout(ctx, group);
}

/**
 * Members that got their JoinGroup answer must send SyncGroup within the rebalance timeout;
 * those that do not are removed and the group rebalances (Kafka's pending sync, KAFKA-13258).
 */
export function armSyncTimeout(ctx: ClassicContext, group: ClassicGroup): void {
  group.syncTimer?.();
  const generation = group.generationId;
  group.syncTimer = ctx.scheduler.after(group.maxRebalanceTimeoutMs(), () => {
    group.syncTimer = null;
    if (group.generationId !== generation || group.pendingSync.size === 0) return;
    if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
    const late = [...group.pendingSync];
    for (const id of late) {
      const m = group.remove(id);
      m?.answerSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    prepareRebalance(ctx, group, `members ${late.join(', ')} did not sync in time`);
  });
}
