// The file system as the node sees it: a handful of calls, so that a simulated twin
// (storage/sim-fs.ts) can stand in for the real one (storage/fs.ts) and inject crashes, torn
// writes, fsync failures and bit flips into everything the node writes: segments, indexes,
// checkpoints, topic metadata, producer ids and snapshots, dynamic configs.
//
// The interface lives in base (the bottom layer) so that every layer that writes (storage, the
// Raft shell, cluster, groups, broker) imports it downward; the implementations live in storage.
//
// Everything is synchronous except fsync: appends go to the page cache and cost microseconds,
// while an fsync costs milliseconds and must run on the threadpool so the event loop keeps
// serving other partitions meanwhile (group commit, see storage/partition-log.ts).

export type Fd = number;

/** Size of the file system holding a path (statfs). */
export interface FsSpace {
  totalBytes: number;
  /** Bytes an unprivileged writer may still use (statfs f_bavail * f_bsize). */
  availableBytes: number;
}

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
  /** fsyncDir off the event loop: what the directory held when called is durable once it resolves. */
  fsyncDirAsync(path: string): Promise<void>;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  /** Removes a directory and everything below it. */
  removeTree(path: string): void;
  /** Total and available bytes of the file system holding `path` (statfs); throws when it cannot tell. */
  space(path: string): FsSpace;
}
