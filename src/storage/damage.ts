// What recovery found, for the broker to log: torn tails it cut above the recovery point, gaps
// it accepted, and damage below the recovery point, which it never cuts.
//
// Damage: a batch that fails its checks in bytes known flushed (below the recovery point) is
// disk corruption, not a crash artefact. Truncating there would delete every intact record after
// it, so the segment is renamed `<base>.log.damaged` (bytes kept whole, index files dropped:
// they are rebuilt from the log) and the partition stays offline until an operator decides
// (README.md, "Damaged segments"). The aside file is the marker: while one is in the partition
// directory, the log is not opened and nothing there is changed.

import { join } from 'node:path';
import type { StorageFs } from './fs.ts';
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX } from './segment.ts';

/** Appended to a damaged segment's `.log` name when it is moved aside. */
export const DAMAGED_SUFFIX = '.damaged';

export interface LogDamage {
  /** The segment file that failed its check (its name before it was moved aside). */
  file: string;
  /** The first offset that could not be read back (the damaged batch's expected base), or -1 when not known. */
  offset: number;
  /** Byte position of the damaged batch in the file (-1 when not known), and the file's size. */
  position: number;
  sizeBytes: number;
  /** The recovery point: every offset below it had been flushed. -1 when not known. */
  recoveryPoint: number;
  /** What is wrong with the bytes there. */
  problem: string;
  /** True when found by this start; false when an earlier start set the file aside. */
  foundNow: boolean;
}

/** A torn tail cut above the recovery point. */
export interface TornTail {
  file: string;
  /** The first offset dropped. */
  offset: number;
  /** Where the file was cut. */
  position: number;
  /** Bytes dropped: the tail of this file and any later segments. */
  bytesDropped: number;
}

export interface RecoveryReport {
  truncations: TornTail[];
  /** Offset ranges [from, to) below the recovery point whose segment files are gone. */
  gaps: Array<{ from: number; to: number }>;
  /** Bytes read and checked batch by batch. */
  scannedBytes: number;
  recoveryPoint: number;
}

export function asideName(file: string): string {
  return file + DAMAGED_SUFFIX;
}

/** Renames the damaged segment aside and drops its index files (derived data). */
export function moveAside(fs: StorageFs, damage: LogDamage): void {
  const dir = damage.file.slice(0, damage.file.lastIndexOf('/'));
  fs.rename(damage.file, asideName(damage.file));
  const stem = damage.file.slice(0, -LOG_SUFFIX.length);
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    if (fs.exists(stem + suffix)) fs.unlink(stem + suffix);
  }
  fs.fsyncDir(dir);
}

/** The `.log` path of the segment an earlier start set aside in `dir`, or null when there is none. */
export function segmentSetAside(fs: StorageFs, dir: string): string | null {
  const aside = fs.readdir(dir).find((name) => name.endsWith(LOG_SUFFIX + DAMAGED_SUFFIX));
  return aside === undefined ? null : join(dir, aside.slice(0, -DAMAGED_SUFFIX.length));
}

/** The operator's choices, as `freshet` prints them in its ERROR line. */
export function operatorActions(damage: LogDamage): string {
  const file = damage.file;
  const aside = asideName(file);
  const keepIntact = damage.position >= 0 ? `\`truncate -s ${damage.position} ${aside} && mv ${aside} ${file}\`` : null;
  return [
    `To bring the partition back, stop freshet and either restore a good copy of the segment as ${file} and delete ${aside}`,
    keepIntact ? `, or keep the intact records before the damage and give up the rest of that segment: ${keepIntact}` : '',
    `, or give up the whole segment: \`rm ${aside}\`; then start freshet again.`,
    ' Offsets given up are skipped, never reused.',
  ].join('');
}

/** One line describing the damage (without the operator's choices). */
export function describeDamage(damage: LogDamage): string {
  if (!damage.foundNow) {
    const where = damage.position >= 0 ? `: at offset ${damage.offset} (byte ${damage.position}) ${damage.problem}` : '';
    return `${asideName(damage.file)} (${damage.sizeBytes} bytes) was set aside as damaged by an earlier start${where}; nothing was deleted.`;
  }
  return (
    `${damage.file} is damaged at offset ${damage.offset} (byte ${damage.position} of ${damage.sizeBytes}), below the ` +
    `recovery point ${damage.recoveryPoint} (data known flushed): ${damage.problem}. This is disk corruption, not a torn ` +
    `write; nothing was truncated: the segment was moved aside whole to ${asideName(damage.file)}.`
  );
}
