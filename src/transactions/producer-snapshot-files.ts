// Choosing and loading producer-state snapshot files on start, with reading injected.
// Files are named like Kafka's: `<20-digit end offset>.snapshot` in the partition directory
// (LogFileUtils.producerSnapshotFile). Writing one is the storage shell's job: write to a
// temporary name, fsync, rename, fsync the directory, so a crash leaves the old file or the new.

import { ProducerState, type ProducerStateOptions } from './producer-state.ts';

export const SNAPSHOT_SUFFIX = '.snapshot';
const OFFSET_DIGITS = 20;

export function snapshotFileName(endOffset: number): string {
  return String(endOffset).padStart(OFFSET_DIGITS, '0') + SNAPSHOT_SUFFIX;
}

/** The end offset a snapshot file name stands for, or null for any other file. */
export function parseSnapshotFileName(name: string): number | null {
  if (name.length !== OFFSET_DIGITS + SNAPSHOT_SUFFIX.length || !name.endsWith(SNAPSHOT_SUFFIX)) return null;
  const digits = name.slice(0, OFFSET_DIGITS);
  if (!/^[0-9]+$/.test(digits)) return null;
  const offset = Number(digits);
  return Number.isSafeInteger(offset) ? offset : null;
}

export interface SnapshotRecovery {
  /** Loaded from the newest good snapshot at or below the recovery point; empty at logStartOffset if none. */
  readonly state: ProducerState;
  /** Snapshot files that failed to decode, for the shell to delete (as Kafka does). */
  readonly corrupt: string[];
}

/**
 * Loads the newest snapshot whose end offset is at or below `recoveryPoint` (a snapshot above it
 * covers batches the log may not have kept), falling back to older ones when a file is corrupt.
 * The caller then replays the log's batch headers from `state.endOffset`.
 */
export function loadNewestSnapshot(
  fileNames: readonly string[],
  recoveryPoint: number,
  logStartOffset: number,
  read: (fileName: string) => Uint8Array,
  options: ProducerStateOptions,
): SnapshotRecovery {
  const candidates = fileNames
    .map((name) => ({ name, offset: parseSnapshotFileName(name) }))
    .filter((c): c is { name: string; offset: number } => c.offset !== null && c.offset <= recoveryPoint)
    .sort((a, b) => b.offset - a.offset);
  const corrupt: string[] = [];
  for (const c of candidates) {
    const loaded = ProducerState.fromSnapshot(read(c.name), options);
    if (loaded.ok && loaded.state.endOffset === c.offset) return { state: loaded.state, corrupt };
    corrupt.push(c.name);
  }
  return { state: new ProducerState(options, logStartOffset), corrupt };
}
