// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete and offsets retention, for every
// group type (Kafka's GroupCoordinator handleCommitOffsets / handleFetchOffsets /
// handleDeleteOffsets and GroupMetadataManager.cleanupGroupMetadata). Topic existence is the
// handler's business; what reaches here names partitions of existing topics.

import { ErrorCode } from '../protocol/errors.ts';
import { ClassicGroup } from './classic-group.ts';
import { scheduleHeartbeat } from './classic-rebalance.ts';
import { OFFSETS_PER_GROUP_MAX } from './config.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { offsetCommitKey, offsetCommitValue, type StateRecord } from './records.ts';

export interface CommitRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  /** Classic generation, or -1 for a commit outside group management. */
  generationIdOrMemberEpoch: number;
  /** The OffsetCommit request version (KIP-848 members must use v9+). */
  apiVersion: number;
  /** `topicId` is the topic's id in the topic table (KIP-1251 checks it against the assignment). */
  offsets: Array<{ topic: string; topicId: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }>;
}

export async function commitOffsets(c: GroupCoordinator, req: CommitRequest): Promise<number[]> {
  const all = (code: number) => req.offsets.map(() => code);
  let g = c.groups.get(req.groupId);
  if (g === undefined) {
    // A commit without group management creates the group (Empty); a member's needs a group.
    if (req.generationIdOrMemberEpoch >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
    const created = c.classicGroup(req.groupId, true);
    if (typeof created === 'number') return all(created);
    g = created;
  }
  const err = g.validateOffsetCommit(req.memberId, req.groupInstanceId, req.generationIdOrMemberEpoch, req.apiVersion, req.offsets);
  if (err !== ErrorCode.NONE) return all(err);
  if (g instanceof ClassicGroup) {
    // A commit is a sign of life (Kafka renews the session on it).
    const m = g.members.get(req.memberId);
    if (m) scheduleHeartbeat(c.classic, g, m);
  }
  const codes = req.offsets.map((o) => {
    // Kafka compares the string's length, as here.
    if (o.metadata !== null && o.metadata.length > c.config.offsetMetadataMaxBytes) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    if (c.offsets.get(req.groupId, o.topic, o.partition) === undefined && c.offsets.count(req.groupId) >= OFFSETS_PER_GROUP_MAX) {
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    }
    return ErrorCode.NONE;
  });
  const now = c.deps.clock.nowMs();
  const accepted = req.offsets.filter((_, i) => codes[i] === ErrorCode.NONE);
  if (accepted.length === 0) return codes;
  const records: StateRecord[] = accepted.map((o) => ({
    key: offsetCommitKey(req.groupId, o.topic, o.partition),
    value: offsetCommitValue({ offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: now }),
  }));
  const groupId = req.groupId;
  const written = await c.write(groupId, records, () => {
    for (const o of accepted) {
      c.offsets.set(groupId, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestampMs: now });
    }
    // The group may have been deleted while this commit was in flight: the log now holds
    // offsets after the tombstones, so the group exists again, as a reload would find it.
    if (!c.groups.has(groupId)) c.classicGroup(groupId, true);
  });
  return codes.map((code) => (code === ErrorCode.NONE ? written : code));
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}
export interface FetchedTopic {
  name: string;
  partitions: FetchedPartition[];
}

/** Kafka's OffsetFetchResponse.INVALID_OFFSET / NO_METADATA for partitions never committed. */
const NO_OFFSET = -1;

export function fetchOffsets(c: GroupCoordinator, groupId: string, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }> | null): FetchedTopic[] {
  if (topics === null) {
    return c.offsets.topicsOf(groupId).map(({ topic, partitions }) => ({
      name: topic,
      partitions: partitions.map(([p, o]) => ({ partitionIndex: p, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE })),
    }));
  }
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      const o = c.offsets.get(groupId, t.name, p);
      return o
        ? { partitionIndex: p, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
        : { partitionIndex: p, committedOffset: NO_OFFSET, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
    }),
  }));
}

export interface OffsetDeleteResult {
  errorCode: number;
  topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
}

export async function deleteOffsets(c: GroupCoordinator, groupId: string, topics: ReadonlyArray<{ name: string; partitions: readonly number[] }>): Promise<OffsetDeleteResult> {
  const g = c.groups.get(groupId);
  if (g === undefined || g.isDead()) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  let subscribed: ReadonlySet<string> = new Set();
  if (!g.isEmpty()) {
    const s = g.subscribedTopics();
    if (s === null) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    subscribed = s;
  }
  const records: StateRecord[] = [];
  const removed: Array<[string, number]> = [];
  const out = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => {
      if (subscribed.has(t.name)) return { partitionIndex: p, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
      if (c.offsets.get(groupId, t.name, p) !== undefined) {
        records.push({ key: offsetCommitKey(groupId, t.name, p), value: null });
        removed.push([t.name, p]);
      }
      return { partitionIndex: p, errorCode: ErrorCode.NONE };
    }),
  }));
  if (records.length === 0) return { errorCode: ErrorCode.NONE, topics: out };
  const written = await c.write(groupId, records, () => {
    for (const [t, p] of removed) c.offsets.delete(groupId, t, p);
  });
  if (written !== ErrorCode.NONE) return { errorCode: written, topics: [] };
  return { errorCode: ErrorCode.NONE, topics: out };
}

/**
 * offsets.retention.minutes (KIP-211): offsets of an Empty group expire `retention` after the
 * group became Empty, or, for a group that never had members (standalone commits), after each
 * offset's commit time. An Empty group with no offsets left is removed (tombstones).
 * Offsets of groups with members are kept (Kafka also expires unsubscribed topics' offsets of
 * Stable consumer groups: not done here).
 */
export function expireOffsets(c: GroupCoordinator): void {
  const now = c.deps.clock.nowMs();
  const retention = c.config.offsetsRetentionMs;
  for (const g of [...c.groups.values()]) {
    if (!g.isEmpty() || g.isDead()) continue;
    if (g instanceof ClassicGroup && g.pendingMembers.size > 0) continue;
    const managed = g.protocolTypeName() !== '';
    const expired: StateRecord[] = [];
    const gone: Array<[string, number]> = [];
    let kept = 0;
    for (const { topic, partitions } of c.offsets.topicsOf(g.groupId)) {
      for (const [p, o] of partitions) {
        const since = managed ? g.stateTimestampMs() : o.commitTimestampMs;
        if (now - since >= retention) {
          expired.push({ key: offsetCommitKey(g.groupId, topic, p), value: null });
          gone.push([topic, p]);
        } else kept++;
      }
    }
    if (kept === 0) {
      void c.removeGroup(g);
      continue;
    }
    if (expired.length === 0) continue;
    void c.write(g.groupId, expired, () => {
      for (const [t, p] of gone) c.offsets.delete(g.groupId, t, p);
    });
  }
}
