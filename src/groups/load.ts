// Rebuilding the coordinator from __consumer_offsets on start: every record from log start to
// end, last write wins, a null value deletes. A classic group comes back as its last
// GroupMetadata record left it, as Kafka's GroupMetadataManager.loadGroup does: with members it
// is Stable in its generation, with the leader, protocol, each member's subscription and
// assignment, and every member's session timer started afresh (a member that keeps
// heartbeating carries on, with no rebalance; one that is gone expires after its session
// timeout). Without members it is Empty, its generation and protocol type kept, so a new
// generation never repeats an old number. Members that were never synced (a rebalance in
// progress) are not in any record: they rejoin, as in Kafka.

import { logger } from '../base/log.ts';
import type { Reader } from '../protocol/primitives.ts';
import { ClassicGroup, ClassicMember } from './classic-group.ts';
import { scheduleHeartbeat } from './classic-rebalance.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, type GroupMetadataValueData, type StateRecord } from './records.ts';

const log = logger('groups');

/** A loader for another group type's records (KIP-848 keys, version 3+). */
export type RecordLoader = (key: Reader, value: Uint8Array | null) => void;

/** Loads records into `c`; returns how many were read. Malformed records are skipped, logged. */
export function loadState(c: GroupCoordinator, records: Iterable<StateRecord>, loaders: ReadonlyMap<number, RecordLoader>): number {
  const metadata = new Map<string, GroupMetadataValueData | null>();
  let n = 0;
  let skipped = 0;
  for (const rec of records) {
    n++;
    try {
      const key = decodeKey(rec.key);
      if (key.kind === 'offset') {
        const { group, topic, partition } = key.key;
        if (rec.value === null) c.offsets.delete(group, topic, partition);
        else {
          const v = decodeOffsetCommitValue(rec.value);
          c.offsets.set(group, topic, partition, { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestamp });
        }
      } else if (key.kind === 'group') {
        metadata.set(key.group, rec.value === null ? null : decodeGroupMetadataValue(rec.value));
      } else {
        const loader = loaders.get(key.version);
        if (loader) loader(key.reader, rec.value);
      }
    } catch (e) {
      skipped++;
      if (skipped <= 10) log.warn(`__consumer_offsets: skipping a malformed record: ${e}`);
    }
  }
  const now = c.deps.clock.nowMs();
  for (const [groupId, v] of metadata) {
    if (v === null || c.groups.has(groupId)) continue;
    const g = new ClassicGroup(groupId, now);
    g.generationId = v.generation;
    g.protocolType = v.protocolType === '' ? null : v.protocolType;
    c.groups.set(groupId, g);
    if (v.members.length > 0 && v.protocol !== null) restoreMembers(c, g, v, v.protocol, now);
  }
  for (const groupId of c.offsets.groups()) {
    if (!c.groups.has(groupId)) c.groups.set(groupId, new ClassicGroup(groupId, now));
  }
  return n;
}

/** A Stable group's members from its GroupMetadata record, each with a fresh session timer. */
function restoreMembers(c: GroupCoordinator, g: ClassicGroup, v: GroupMetadataValueData, protocol: string, nowMs: number): void {
  g.protocolName = protocol;
  for (const r of v.members) {
    const m = new ClassicMember(r.memberId, r.groupInstanceId, r.clientId, r.clientHost, r.rebalanceTimeout, r.sessionTimeout, v.protocolType, [
      { name: protocol, metadata: r.subscription },
    ]);
    m.assignment = r.assignment;
    m.isNew = false;
    g.add(m);
  }
  if (v.leader !== null && g.members.has(v.leader)) g.leaderId = v.leader;
  g.transition('Stable', nowMs);
  for (const m of g.members.values()) scheduleHeartbeat(c.classic, g, m);
}
