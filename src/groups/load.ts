// Rebuilding the coordinator from __consumer_offsets on start: every record from log start to
// end, last write wins, a null value deletes. Groups come back Empty (their members must
// rejoin, as after a coordinator move in Kafka once the session timeouts pass) with their
// generation and protocol type kept, so a new generation never repeats an old number.

import { log } from '../base/log.ts';
import type { Reader } from '../protocol/primitives.ts';
import { ClassicGroup } from './classic-group.ts';
import type { GroupCoordinator } from './coordinator.ts';
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue, type GroupMetadataValueData, type StateRecord } from './records.ts';

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
  }
  for (const groupId of c.offsets.groups()) {
    if (!c.groups.has(groupId)) c.groups.set(groupId, new ClassicGroup(groupId, now));
  }
  return n;
}
