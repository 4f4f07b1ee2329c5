// Small checkpoint files, in the text layout of Kafka's checkpoint files
// (CheckpointFile.java): a version line, a count line, then one entry per line.
//
//   0            version
//   2            entry count
//   3 0          entries: "epoch startOffset" for the leader-epoch cache,
//   5 1200                "offset" for log-start-offset and recovery-point
//
// Written atomically: temp file, fsync, rename over the old one, fsync the directory. A file
// that does not parse is reported as missing, and the caller falls back to a safe default.

import { join } from 'node:path';
import { TEMP_SUFFIX, writeFileAtomic } from './atomic-file.ts';
import type { StorageFs } from './fs.ts';

export const LOG_START_OFFSET_FILE = 'log-start-offset';
export const RECOVERY_POINT_FILE = 'recovery-point';
export const LEADER_EPOCH_FILE = 'leader-epoch-checkpoint';
export { TEMP_SUFFIX };

const CHECKPOINT_VERSION = 0;
/** A checkpoint holds at most this many entries (leader epochs of one partition). */
export const CHECKPOINT_ENTRIES_MAX = 1_000_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function writeCheckpoint(fs: StorageFs, dir: string, name: string, entries: number[][]): void {
  const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => e.join(' '))];
  const bytes = encoder.encode(lines.join('\n') + '\n');
  // Unchanged (a restart, a truncation to where it already pointed): nothing to write. The file
  // is durable already: its writer fsynced it and then its directory, or crashed before the
  // directory fsync, and then recovery fsynced the directory when it opened the log (before any
  // checkpoint is written). Reopening 10,000 partitions writes no file.
  if (sameBytes(fs.readFile(join(dir, name)), bytes)) return;
  writeFileAtomic(fs, join(dir, name), bytes);
}

/** Entries of a checkpoint with `width` numbers per line, or null if missing or malformed. */
export function readCheckpoint(fs: StorageFs, dir: string, name: string, width: number): number[][] | null {
  const bytes = fs.readFile(join(dir, name));
  if (bytes === null) return null;
  const lines = decoder.decode(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 2 || lines[0] !== String(CHECKPOINT_VERSION)) return null;
  const count = parseNonNegative(lines[1]);
  if (count === null || count > CHECKPOINT_ENTRIES_MAX || lines.length !== count + 2) return null;
  const entries: number[][] = [];
  for (let i = 2; i < lines.length; i++) {
    const parts = lines[i].split(' ').map(parseNonNegative);
    if (parts.length !== width || parts.some((p) => p === null)) return null;
    entries.push(parts as number[]);
  }
  return entries;
}

/** A single-offset checkpoint, or null. */
export function readOffsetCheckpoint(fs: StorageFs, dir: string, name: string): number | null {
  const entries = readCheckpoint(fs, dir, name, 1);
  return entries && entries.length === 1 ? entries[0][0] : null;
}

export function writeOffsetCheckpoint(fs: StorageFs, dir: string, name: string, offset: number): void {
  writeCheckpoint(fs, dir, name, [[offset]]);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function parseNonNegative(s: string): number | null {
  if (!/^\d{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}
