// Replacing a small file so that a crash leaves either the old or the new contents: write a
// temporary file, fsync it, rename it over the old one, fsync the directory (the rename is
// durable only then). Checkpoints, topic metadata, producer ids, producer-state snapshots and
// dynamic configs are all written this way, through the node's StorageFs, so a simulation can
// crash any of them.

import { dirname } from 'node:path';
import type { StorageFs } from '../base/fs.ts';

/** Suffix of the temporary file; recovery deletes leftovers in partition directories. */
export const TEMP_SUFFIX = '.tmp';

const encoder = new TextEncoder();

/** Replaces `file` so that a crash leaves either the old or the new contents. */
export function writeFileAtomic(fs: StorageFs, file: string, contents: string | Uint8Array): void {
  const tmp = file + TEMP_SUFFIX;
  const fd = fs.openAppend(tmp);
  try {
    // A crash may have left a temporary file behind: start it over.
    fs.truncate(fd, 0);
    fs.append(fd, typeof contents === 'string' ? encoder.encode(contents) : contents);
    fs.fsyncSync(fd);
  } finally {
    fs.close(fd);
  }
  fs.rename(tmp, file);
  fs.fsyncDir(dirname(file));
}
