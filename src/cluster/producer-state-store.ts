// Where a partition's idempotent-producer state lives between runs: snapshot files
// (`<end offset>.snapshot`, transactions/producer-snapshot-files.ts) in the partition directory,
// plus a replay of the batch headers the log holds past the newest snapshot. A clean stop
// writes a snapshot, so a restart replays nothing; after kill -9 the replay covers what was
// appended since the last periodic snapshot.

import * as path from 'node:path';
import type { Clock } from '../base/clock.ts';
import type { StorageFs } from '../base/fs.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import { ProducerState } from '../transactions/producer-state.ts';
import { loadNewestSnapshot, parseSnapshotFileName, snapshotFileName } from '../transactions/producer-snapshot-files.ts';

/** Bytes read per step while replaying batch headers. */
const REPLAY_READ_BYTES = 4 * 1024 * 1024;
/** Snapshots kept after a new one is written (the newest may be above a truncated tail). */
const SNAPSHOTS_KEPT = 2;
/**
 * The end offset each state was last snapshotted at (written, or loaded with nothing to replay):
 * a state that has not moved since is not written again (stopping a node with 1,000 partitions
 * written before its last restart wrote 1,000 identical snapshots; producers that expired since
 * come back from the older snapshot and expire again).
 */
const snapshotted = new WeakMap<ProducerState, number>();

export function loadProducerState(fs: StorageFs, clock: Clock, dir: string, plog: PartitionLog): ProducerState {
  const names = fs.exists(dir) ? fs.readdir(dir) : [];
  const { state, corrupt } = loadNewestSnapshot(
    names,
    plog.logEndOffset,
    plog.logStartOffset,
    (name) => fs.readFile(path.join(dir, name)) ?? new Uint8Array(0),
    { clock },
  );
  for (const name of corrupt) removeIfPresent(fs, path.join(dir, name));
  const loaded = snapshotFileName(state.endOffset);
  if (names.includes(loaded) && !corrupt.includes(loaded)) snapshotted.set(state, state.endOffset);
  let offset = Math.max(state.endOffset, plog.logStartOffset);
  while (offset < plog.logEndOffset) {
    const bytes = plog.read(offset, REPLAY_READ_BYTES, { minOneBatch: true }).bytes;
    if (bytes.length === 0) break;
    let pos = 0;
    while (pos + 61 <= bytes.length) {
      const h = new BatchHeader(bytes, pos);
      if (pos + h.sizeBytes > bytes.length) break;
      if (h.lastOffset >= offset) {
        state.replay({
          producerId: h.producerId,
          producerEpoch: h.producerEpoch,
          baseSequence: h.baseSequence,
          lastOffsetDelta: h.lastOffsetDelta,
          maxTimestamp: h.maxTimestamp,
          baseOffset: h.baseOffset,
          isControl: h.isControl,
        });
        offset = h.lastOffset + 1;
      }
      pos += h.sizeBytes;
    }
  }
  return state;
}

export function saveProducerState(fs: StorageFs, dir: string, state: ProducerState): void {
  if (!fs.exists(dir)) return;
  // Nothing was ever appended: there is nothing to snapshot nor to replay (stopping a node
  // with 10,000 empty partitions would otherwise write and fsync 10,000 files).
  if (state.endOffset === 0 && state.producerCount === 0) return;
  if (snapshotted.get(state) === state.endOffset) return;
  writeFileAtomic(fs, path.join(dir, snapshotFileName(state.endOffset)), state.snapshot());
  snapshotted.set(state, state.endOffset);
  const old = fs
    .readdir(dir)
    .map((name) => ({ name, offset: parseSnapshotFileName(name) }))
    .filter((s): s is { name: string; offset: number } => s.offset !== null)
    .sort((a, b) => b.offset - a.offset)
    .slice(SNAPSHOTS_KEPT);
  for (const s of old) removeIfPresent(fs, path.join(dir, s.name));
}

function removeIfPresent(fs: StorageFs, file: string): void {
  if (fs.exists(file)) fs.unlink(file);
}
