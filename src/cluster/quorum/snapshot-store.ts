// The controller's snapshot files on disk: `<data>/raft/__cluster_metadata-snapshots/`, one
// `<endOffset>-<epoch>.checkpoint` per snapshot (controller/snapshot-file.ts), as KRaft keeps
// them beside its metadata log (KIP-630). Everything goes through the node's StorageFs, so the
// cluster simulation crashes and tears these files like any other.
//
// - A snapshot is written atomically (temporary file, fsync, rename, fsync of the directory:
//   storage/atomic-file.ts): a crash leaves the old set or the new one, plus at most a
//   temporary file, which the next write starts over.
// - The store never trusts a name: `newestValid` reads and checks each file (CRC, header against
//   its name) from the newest down, skipping a bad one with a WARN.
// - What may be deleted is the caller's rule (metadata-snapshots.ts): the store only lists,
//   reads, writes and removes.

import * as path from 'node:path';
import type { StorageFs } from '../../base/fs.ts';
import { logger } from '../../base/log.ts';
import { DecodeError } from '../../protocol/primitives.ts';
import type { Index } from '../../raft/core/index.ts';
import { writeFileAtomic } from '../../storage/atomic-file.ts';
import { decodeSnapshotFile, encodeSnapshotFile, parseSnapshotFileName, SNAPSHOT_FILE_BYTES_MAX, type SnapshotFile, snapshotFileName } from '../controller/snapshot-file.ts';

const log = logger('cluster');

/** The directory of the snapshots, under the node's raft directory. */
export const SNAPSHOT_DIR = '__cluster_metadata-snapshots';

export interface SnapshotId {
  readonly index: Index;
  readonly term: number;
}

export class SnapshotStore {
  constructor(
    private readonly fs: StorageFs,
    /** The snapshot directory (created on the first write). */
    readonly dir: string,
  ) {}

  /** Every snapshot file by its name, oldest first (what the names say; not read). */
  list(): SnapshotId[] {
    if (!this.fs.exists(this.dir)) return [];
    const ids: SnapshotId[] = [];
    for (const name of this.fs.readdir(this.dir)) {
      const id = parseSnapshotFileName(name);
      if (id !== null) ids.push(id);
    }
    return ids.sort((a, b) => a.index - b.index);
  }

  /** The file of the snapshot at `index`, if its name is listed. */
  find(index: Index): SnapshotId | null {
    return this.list().find((s) => s.index === index) ?? null;
  }

  /** The raw bytes of a listed snapshot (what FetchSnapshot serves), or null when it is gone. */
  readBytes(id: SnapshotId): Uint8Array | null {
    return this.fs.readFile(this.fileOf(id));
  }

  /** A listed snapshot read and checked, or the reason it is refused. */
  read(id: SnapshotId): SnapshotFile | { error: string } {
    const bytes = this.readBytes(id);
    if (bytes === null) return { error: 'gone' };
    try {
      const s = decodeSnapshotFile(bytes);
      if (s.index !== id.index || s.term !== id.term) return { error: `holds ${s.index}-${s.term}, its name says ${id.index}-${id.term}` };
      return s;
    } catch (e) {
      if (e instanceof DecodeError) return { error: e.message };
      throw e;
    }
  }

  /**
   * The newest snapshot at `minIndex` or later that reads back whole; bad ones are skipped with
   * a WARN (a torn write, a corrupt disk block), so the older one or the log is used.
   * `check` may refuse a file whose bytes are sound but whose state is not (it throws DecodeError).
   */
  newestValid(minIndex: Index, check: (s: SnapshotFile) => void = () => {}): SnapshotFile | null {
    for (const id of this.list().reverse()) {
      if (id.index < minIndex) break;
      const s = this.read(id);
      if ('error' in s) {
        log.warn(`controller snapshot ${snapshotFileName(id.index, id.term)} skipped: ${s.error}`);
        continue;
      }
      try {
        check(s);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        log.warn(`controller snapshot ${snapshotFileName(id.index, id.term)} skipped: its records do not decode: ${e.message}`);
        continue;
      }
      return s;
    }
    return null;
  }

  /** Writes `s` atomically (fsync of the file and of the directory). */
  write(s: SnapshotFile): void {
    const bytes = encodeSnapshotFile(s);
    // A file no node would read back (decodeSnapshotFile refuses it) is not written at all.
    if (bytes.length > SNAPSHOT_FILE_BYTES_MAX) throw new Error(`a snapshot of ${bytes.length} bytes exceeds SNAPSHOT_FILE_BYTES_MAX (${SNAPSHOT_FILE_BYTES_MAX})`);
    this.writeBytes(s, bytes);
  }

  /** Writes bytes already encoded (a snapshot fetched from the leader, checked by the caller). */
  writeBytes(id: SnapshotId, bytes: Uint8Array): void {
    if (!this.fs.exists(this.dir)) {
      // The new directory's entry is durable only once its parent is synced.
      this.fs.mkdirp(this.dir);
      this.fs.fsyncDir(path.dirname(this.dir));
    }
    writeFileAtomic(this.fs, this.fileOf(id), bytes);
  }

  remove(id: SnapshotId): void {
    this.fs.unlink(this.fileOf(id));
  }

  private fileOf(id: SnapshotId): string {
    return path.join(this.dir, snapshotFileName(id.index, id.term));
  }
}
