// The filesystem as the partition log sees it: a handful of calls, so that a simulated twin
// (sim-fs.ts) can stand in for it and inject crashes, torn writes and bit flips.
//
// Everything is synchronous except fsync: appends go to the page cache and cost microseconds,
// while an fsync costs milliseconds and must run on the threadpool so the event loop keeps
// serving other partitions meanwhile (group commit, see partition-log.ts).

import * as nodeFs from 'node:fs';

export type Fd = number;

export interface StorageFs {
  mkdirp(path: string): void;
  /** Names (not paths) of the entries of a directory. */
  readdir(path: string): string[];
  exists(path: string): boolean;
  /** Whole file, or null when it does not exist. For small files (checkpoints, indexes). */
  readFile(path: string): Uint8Array | null;
  /** Opens for reading and appending, creating the file when missing. */
  openAppend(path: string): Fd;
  close(fd: Fd): void;
  /** Appends all of `buf` at the end of the file. */
  append(fd: Fd, buf: Uint8Array): void;
  /** Reads up to `len` bytes at file position `pos` into `buf` at `bufOffset`; returns bytes read. */
  pread(fd: Fd, buf: Uint8Array, bufOffset: number, len: number, pos: number): number;
  size(fd: Fd): number;
  truncate(fd: Fd, len: number): void;
  /** Makes the file's data durable (fdatasync). Runs off the event loop. */
  fsync(fd: Fd): Promise<void>;
  fsyncSync(fd: Fd): void;
  /** Makes the directory's entries (creations, renames, unlinks) durable. */
  fsyncDir(path: string): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a directory and everything below it. */
  removeTree(path: string): void;
}

/** The real filesystem, on node:fs (which Bun implements natively). */
export class NodeStorageFs implements StorageFs {
  mkdirp(path: string): void {
    nodeFs.mkdirSync(path, { recursive: true });
  }
  readdir(path: string): string[] {
    return nodeFs.readdirSync(path);
  }
  exists(path: string): boolean {
    return nodeFs.existsSync(path);
  }
  readFile(path: string): Uint8Array | null {
    try {
      return new Uint8Array(nodeFs.readFileSync(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  openAppend(path: string): Fd {
    // 'a+' is O_APPEND|O_CREAT|O_RDWR: writes land at the end, preads and ftruncate work.
    return nodeFs.openSync(path, 'a+');
  }
  close(fd: Fd): void {
    nodeFs.closeSync(fd);
  }
  append(fd: Fd, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) done += nodeFs.writeSync(fd, buf, done, buf.length - done);
  }
  pread(fd: Fd, buf: Uint8Array, bufOffset: number, len: number, pos: number): number {
    return nodeFs.readSync(fd, buf, bufOffset, len, pos);
  }
  size(fd: Fd): number {
    return nodeFs.fstatSync(fd).size;
  }
  truncate(fd: Fd, len: number): void {
    nodeFs.ftruncateSync(fd, len);
  }
  fsync(fd: Fd): Promise<void> {
    return new Promise((resolve, reject) => {
      nodeFs.fdatasync(fd, (err) => (err ? reject(err) : resolve()));
    });
  }
  fsyncSync(fd: Fd): void {
    nodeFs.fdatasyncSync(fd);
  }
  fsyncDir(path: string): void {
    const fd = nodeFs.openSync(path, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }
  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }
  unlink(path: string): void {
    nodeFs.unlinkSync(path);
  }
  removeTree(path: string): void {
    nodeFs.rmSync(path, { recursive: true, force: true });
  }
}
