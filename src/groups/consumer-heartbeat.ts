// ConsumerGroupHeartbeat for KIP-848 groups (Kafka's GroupMetadataManager.consumerGroupHeartbeat
// and GroupCoordinatorService's request checks). One heartbeat, decided synchronously:
//
//   1. the member joins (epoch 0), updates its subscription, or heartbeats; a subscription or
//      topic metadata change bumps the group epoch;
//   2. a group epoch above the target assignment's epoch computes a new target (assignor);
//   3. the member's current assignment takes one reconciliation step toward its target.
//
// Every change is a record, replayed into the group as it is made and then written; the answer
// goes out once the records are durable. Leaving is epoch -1 (static members: -2 to come back).

import { logger } from '../base/log.ts';
import type { Clock } from '../base/clock.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ASSIGNORS } from './assignors/index.ts';
import type { GroupConfig } from './config.ts';
import {
  assignmentStateOf,
  type ConsumerGroup,
  type ConsumerMember,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  MemberState,
  newMember,
  sameAssignment,
  sameAssignmentState,
  sameNames,
  sameSubscription,
  subscriptionOf,
} from './consumer-group.ts';
import { type ConsumerRecord, encodeConsumerRecord, type MemberSubscription, toTopicPartitions } from './consumer-records.ts';
import { epochsAt, type OwnedPartitions, reconcile } from './consumer-reconcile.ts';
import {
  compileTopicRegex,
  computeSubscriptionMetadata,
  refreshRegexes,
  retainSubscribedMetadata,
  SUBSCRIBED_REGEX_CHARS_MAX,
  sameMetadata,
  type TopicImage,
  targetAssignmentRecords,
} from './consumer-target.ts';
import type { StateRecord } from './records.ts';

const log = logger('groups');

/** From ConsumerGroupHeartbeat v1 the client generates its member id (KIP-1082). */
const CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION = 1;

export interface ConsumerHeartbeatRequest {
  apiVersion: number;
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: readonly string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: OwnedPartitions;
  clientId: string;
  clientHost: string;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null;
}

/** What the heartbeat needs from its owner (consumer-groups.ts). */
export interface ConsumerContext {
  readonly clock: Clock;
  readonly config: GroupConfig;
  /** `config` with the group's own configs over it (consumer.heartbeat.interval.ms). */
  configFor(groupId: string): GroupConfig;
  readonly uuid: () => string;
  /** The consumer group of an id, created for a join; else an error code and message. */
  groupFor(groupId: string, create: boolean, batch: StateRecord[]): ConsumerGroup | { errorCode: number; message: string };
  /** Drops a group created by this heartbeat when it failed before writing anything. */
  dropIfUnused(g: ConsumerGroup): void;
  /** Writes the group's records; resolves with NONE once durable, else the error code. */
  write(g: ConsumerGroup, records: readonly StateRecord[]): Promise<number>;
  /** (Re)starts the member's session timer. */
  armSession(g: ConsumerGroup, memberId: string): void;
}

/** Records made by one operation, each replayed into the group as it is made. */
export class RecordBatch {
  readonly records: StateRecord[] = [];
  constructor(
    readonly g: ConsumerGroup,
    private readonly nowMs: number,
  ) {}
  emit(r: ConsumerRecord): void {
    this.g.replay(r, this.nowMs);
    this.records.push(encodeConsumerRecord(r));
  }
}

function fail(errorCode: number, errorMessage: string | null = null): ConsumerHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
}

/** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid; null when valid. */
export function validateHeartbeat(req: ConsumerHeartbeatRequest): ConsumerHeartbeatResult | null {
  const invalid = (m: string) => fail(ErrorCode.INVALID_REQUEST, m);
  const needsMemberId = req.apiVersion >= CONSUMER_GENERATED_MEMBER_ID_REQUIRED_VERSION || req.memberEpoch !== 0;
  if (needsMemberId && req.memberId === '') return invalid("MemberId can't be empty.");
  if (req.groupId === '') return invalid("GroupId can't be empty.");
  if (req.instanceId === '') return invalid("InstanceId can't be empty.");
  if (req.rackId === '') return invalid("RackId can't be empty.");
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.');
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
      return invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
    }
  } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.instanceId === null) return invalid("InstanceId can't be null.");
  } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    return invalid('MemberEpoch is invalid.');
  }
  if (req.serverAssignor !== null && !ASSIGNORS.has(req.serverAssignor)) {
    return fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...ASSIGNORS.keys()].join(', ')}.`);
  }
  if (req.subscribedTopicRegex !== null) {
    if (req.subscribedTopicRegex.length > SUBSCRIBED_REGEX_CHARS_MAX) return invalid(`SubscribedTopicRegex is longer than ${SUBSCRIBED_REGEX_CHARS_MAX} characters.`);
    const re = compileTopicRegex(req.subscribedTopicRegex);
    if (typeof re === 'string') return fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${req.subscribedTopicRegex}\` is not a valid regular expression: ${re}.`);
  }
  return null;
}

export async function consumerGroupHeartbeat(cx: ConsumerContext, req: ConsumerHeartbeatRequest, topics: TopicImage): Promise<ConsumerHeartbeatResult> {
  const bad = validateHeartbeat(req);
  if (bad) return bad;
  if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return leave(cx, req);
  const pre: StateRecord[] = [];
  const g = cx.groupFor(req.groupId, req.memberEpoch === 0, pre);
  if (!('groupEpoch' in g)) return fail(g.errorCode, g.message);
  const batch = new RecordBatch(g, cx.clock.nowMs());
  batch.records.push(...pre);
  const decided = decide(cx, g, req, topics, batch);
  if ('errorCode' in decided) {
    // Records made before the refusal (an Empty classic group replaced) are already applied.
    if (batch.records.length === 0) cx.dropIfUnused(g);
    else await cx.write(g, batch.records);
    return decided;
  }
  const { before, after, full } = decided;
  cx.armSession(g, after.memberId);
  if (batch.records.length > 0) {
    const written = await cx.write(g, batch.records);
    if (written !== ErrorCode.NONE) return fail(written);
  }
  const changed = before === null || !sameAssignment(before.assigned, after.assigned);
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: after.memberId,
    memberEpoch: after.memberEpoch,
    heartbeatIntervalMs: cx.configFor(g.groupId).consumerHeartbeatIntervalMs,
    assignment: full || changed ? { topicPartitions: toTopicPartitions(after.assigned) } : null,
  };
}

type Decision = { before: ConsumerMember | null; after: ConsumerMember; full: boolean } | ConsumerHeartbeatResult;

/** The synchronous part: every check, then every change as replayed records. */
function decide(cx: ConsumerContext, g: ConsumerGroup, req: ConsumerHeartbeatRequest, topics: TopicImage, batch: RecordBatch): Decision {
  const max = cx.config.consumerMaxSize;
  if (g.members.size >= max && (req.memberId === '' || !g.members.has(req.memberId))) {
    return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${max} members.`);
  }
  const memberId = req.memberId === '' ? cx.uuid() : req.memberId;
  const found = req.instanceId === null ? dynamicMember(g, memberId, req) : staticMember(g, memberId, req.instanceId, req, batch);
  if ('errorCode' in found) return found;
  const member = found;
  const known = [MemberState.STABLE, MemberState.UNREVOKED_PARTITIONS, MemberState.UNRELEASED_PARTITIONS] as number[];
  if (!known.includes(member.state) && (req.topicPartitions === null || req.topicPartitions.length > 0)) {
    return fail(ErrorCode.FENCED_MEMBER_EPOCH, 'The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.');
  }
  const before = g.members.get(member.memberId) ?? null;

  // 1. The member and its subscription; the group epoch.
  const sub: MemberSubscription = {
    instanceId: req.instanceId ?? member.instanceId,
    rackId: req.rackId ?? member.rackId,
    clientId: req.clientId,
    clientHost: req.clientHost,
    subscribedTopicNames: req.subscribedTopicNames ?? member.subscribedTopicNames,
    subscribedTopicRegex: req.subscribedTopicRegex ?? member.subscribedTopicRegex,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs !== -1 ? req.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
    serverAssignor: req.serverAssignor ?? member.serverAssignor,
  };
  let bump = false;
  if (!g.members.has(member.memberId) || !sameSubscription(subscriptionOf(member), sub)) {
    batch.emit({ type: 'memberSubscription', groupId: g.groupId, memberId: member.memberId, value: sub });
    bump = !sameNames(member.subscribedTopicNames, sub.subscribedTopicNames) || member.subscribedTopicRegex !== sub.subscribedTopicRegex;
  }
  if (g.subscribedRegexes.size > 0 && refreshRegexes(g, topics, cx.clock.monotonicMs())) bump = true;
  const metadata = computeSubscriptionMetadata(g, topics);
  if (!sameMetadata(g.subscriptionMetadata, metadata)) {
    batch.emit({ type: 'partitionMetadata', groupId: g.groupId, value: metadata });
    bump = true;
  }
  if (bump) {
    batch.emit({ type: 'groupEpoch', groupId: g.groupId, value: g.groupEpoch + 1 });
    log.info(`group ${g.groupId}: epoch ${g.groupEpoch} (member ${member.memberId})`);
  }

  // 2. The target assignment.
  if (g.groupEpoch > g.assignmentEpoch) for (const r of targetAssignmentRecords(g, g.groupEpoch)) batch.emit(r);

  // 3. One reconciliation step.
  const current = g.members.get(member.memberId)!;
  const next = reconcile(current, {
    targetEpoch: g.assignmentEpoch,
    target: g.targetOf(current.memberId),
    subscribedTopicIds: g.memberTopicIds(current),
    currentPartitionEpoch: (t, p) => g.currentPartitionEpoch(t, p),
    owned: req.topicPartitions,
  });
  if (next !== current && !sameAssignmentState(next, current)) {
    batch.emit({ type: 'currentAssignment', groupId: g.groupId, memberId: next.memberId, value: assignmentStateOf(next) });
  }
  // Kafka sends the whole assignment to a full request: a join, or one that carries every field.
  const full = req.memberEpoch === 0 || (req.rebalanceTimeoutMs !== -1 && req.subscribedTopicNames !== null && req.topicPartitions !== null);
  return { before, after: g.members.get(member.memberId)!, full };
}

function dynamicMember(g: ConsumerGroup, memberId: string, req: ConsumerHeartbeatRequest): ConsumerMember | ConsumerHeartbeatResult {
  const m = g.members.get(memberId);
  if (m === undefined) {
    if (req.memberEpoch !== 0) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${g.groupId}.`);
    log.info(`group ${g.groupId}: member ${memberId} joins`);
    return newMember(memberId);
  }
  return checkEpoch(m, req);
}

/** Kafka's getOrMaybeSubscribeStaticConsumerGroupMember (KIP-345 for the consumer protocol). */
function staticMember(g: ConsumerGroup, memberId: string, instanceId: string, req: ConsumerHeartbeatRequest, batch: RecordBatch): ConsumerMember | ConsumerHeartbeatResult {
  const existingId = g.staticMembers.get(instanceId);
  const existing = existingId === undefined ? undefined : g.members.get(existingId);
  if (req.memberEpoch !== 0) {
    if (existing === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (existing.memberId !== memberId) return fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`);
    return checkEpoch(existing, req);
  }
  if (existing === undefined) return g.members.get(memberId) ?? newMember(memberId);
  // The same member coming back with epoch 0 (it was fenced, or lost its answer) rejoins as is.
  if (existing.memberId === memberId) return existing;
  if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    return fail(
      ErrorCode.UNRELEASED_INSTANCE_ID,
      `Static member ${memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
    );
  }
  // The instance is back under a new member id: it takes over the old member's assignment,
  // without a new group epoch (no rebalance), as in Kafka's replaceMember.
  const replacement: ConsumerMember = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
  const target = g.targetOf(existing.memberId);
  removeMemberRecords(batch, existing.memberId);
  batch.emit({ type: 'memberSubscription', groupId: g.groupId, memberId, value: subscriptionOf(replacement) });
  batch.emit({ type: 'targetMember', groupId: g.groupId, memberId, value: target });
  batch.emit({ type: 'currentAssignment', groupId: g.groupId, memberId, value: assignmentStateOf(replacement) });
  log.info(`group ${g.groupId}: static member ${instanceId} rejoins as ${memberId}, replacing ${existing.memberId}`);
  return g.members.get(memberId)!;
}

/** Kafka's throwIfConsumerGroupMemberEpochIsInvalid, with epoch 0 always a rejoin (KAFKA-19233). */
function checkEpoch(m: ConsumerMember, req: ConsumerHeartbeatRequest): ConsumerMember | ConsumerHeartbeatResult {
  const received = req.memberEpoch;
  if (received === 0) return m;
  const fenced = (what: string) => fail(ErrorCode.FENCED_MEMBER_EPOCH,
    `The consumer group member has a ${what} member epoch (${received}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  if (received > m.memberEpoch) return fenced('greater');
  // The previous epoch with a subset of the assignment: the answer that bumped it was lost.
  if (received < m.memberEpoch && (received !== m.previousMemberEpoch || !isSubset(req.topicPartitions, m))) return fenced('smaller');
  return m;
}

function isSubset(owned: OwnedPartitions, m: ConsumerMember): boolean {
  if (owned === null) return false;
  return owned.every((tp) => {
    const ps = m.assigned.get(tp.topicId);
    return ps !== undefined && tp.partitions.every((p) => ps.has(p));
  });
}

function removeMemberRecords(batch: RecordBatch, memberId: string): void {
  const groupId = batch.g.groupId;
  batch.emit({ type: 'currentAssignment', groupId, memberId, value: null });
  batch.emit({ type: 'targetMember', groupId, memberId, value: null });
  batch.emit({ type: 'memberSubscription', groupId, memberId, value: null });
}

/** Removes a member: its records, the metadata of topics nobody subscribes to now, a new epoch. */
export function fenceMember(batch: RecordBatch, memberId: string): void {
  const g = batch.g;
  removeMemberRecords(batch, memberId);
  const metadata = retainSubscribedMetadata(g);
  if (!sameMetadata(g.subscriptionMetadata, metadata)) batch.emit({ type: 'partitionMetadata', groupId: g.groupId, value: metadata });
  batch.emit({ type: 'groupEpoch', groupId: g.groupId, value: g.groupEpoch + 1 });
}

/** Kafka's consumerGroupLeave: -1 leaves; -2 is a static member leaving for a while. */
async function leave(cx: ConsumerContext, req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
  const g = cx.groupFor(req.groupId, false, []);
  if (!('groupEpoch' in g)) return fail(g.errorCode, g.message);
  const batch = new RecordBatch(g, cx.clock.nowMs());
  let epoch = req.memberEpoch;
  if (req.instanceId === null) {
    if (!g.members.has(req.memberId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${g.groupId}.`);
    log.info(`group ${g.groupId}: member ${req.memberId} leaves`);
    fenceMember(batch, req.memberId);
  } else {
    const id = g.staticMembers.get(req.instanceId);
    const m = id === undefined ? undefined : g.members.get(id);
    if (m === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (m.memberId !== req.memberId) return fail(ErrorCode.FENCED_INSTANCE_ID, `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${m.memberId}.`);
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // Its partitions stay its own (epoch -2) until it comes back or its session expires.
      log.info(`group ${g.groupId}: static member ${req.instanceId} leaves for now`);
      // Its assignment epochs go to 0 (KIP-1251, Kafka's resetAssignedPartitionsEpochsToZero):
      // the instance comes back under a new member id at epoch 0 and holds them from then on.
      const value = { ...assignmentStateOf(m), memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, pendingRevocation: new Map(), assignmentEpochs: epochsAt(m.assigned, 0) };
      batch.emit({ type: 'currentAssignment', groupId: g.groupId, memberId: m.memberId, value });
    } else {
      log.info(`group ${g.groupId}: static member ${req.instanceId} leaves`);
      fenceMember(batch, m.memberId);
    }
    epoch = req.memberEpoch;
  }
  const written = await cx.write(g, batch.records);
  if (written !== ErrorCode.NONE) return fail(written);
  return { errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: epoch, heartbeatIntervalMs: 0, assignment: null };
}
