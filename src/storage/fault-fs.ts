// FRESHET_TEST_FAULTS: storage faults the real executable injects when told to, so that tests
// driving the compiled binary can fill the disk without root or mount (Redpanda's named
// fault-injection points in storage do the same job). Never set in production: the broker logs
// a loud warning at start when it is.
//
//   FRESHET_TEST_FAULTS=disk-full:<file>[,fsync-fails:<file>]
//
// - disk-full:<file>   while <file> exists, appends write half their bytes and then fail with
//                      ENOSPC, and creating a file fails with ENOSPC (a disk that has filled up);
// - fsync-fails:<file> while <file> exists, fsyncs fail with ENOSPC (space refused at writeback,
//                      as thin-provisioned or network storage does).
//
// Deleting the file is the space coming back. The node's one StorageFs is wrapped, so metadata
// files, snapshots and checkpoints meet the same faults as segments.

import type { Fd, FsSpace, StorageFs } from '../base/fs.ts';

export const TEST_FAULTS_ENV = 'FRESHET_TEST_FAULTS';

export interface StorageFaults {
  /** While this file exists, writes fail with ENOSPC. */
  diskFullWhile?: string;
  /** While this file exists, fsyncs fail with ENOSPC. */
  fsyncFailsWhile?: string;
}

/** The faults named by FRESHET_TEST_FAULTS, null when unset; throws on a spec it cannot read. */
export function parseTestFaults(spec: string | undefined): StorageFaults | null {
  if (spec === undefined || spec.trim() === '') return null;
  const faults: StorageFaults = {};
  for (const part of spec.split(',')) {
    const at = part.indexOf(':');
    const kind = at < 0 ? part : part.slice(0, at);
    const file = at < 0 ? '' : part.slice(at + 1);
    if (file === '') throw new Error(`${TEST_FAULTS_ENV}: '${part}' names no file`);
    if (kind === 'disk-full') faults.diskFullWhile = file;
    else if (kind === 'fsync-fails') faults.fsyncFailsWhile = file;
    else throw new Error(`${TEST_FAULTS_ENV}: unknown fault '${kind}' (disk-full, fsync-fails)`);
  }
  return faults;
}

function noSpace(what: string): Error {
  const e = new Error(`ENOSPC: no space left on device (injected by ${TEST_FAULTS_ENV}), ${what}`) as NodeJS.ErrnoException;
  e.code = 'ENOSPC';
  return e;
}

/** A StorageFs that fails as `faults` say and otherwise does what `inner` does. */
export class FaultInjectingFs implements StorageFs {
  constructor(
    private readonly inner: StorageFs,
    private readonly faults: StorageFaults,
  ) {}

  // The trigger files are looked up on the wrapped file system (the real one in the executable).
  private diskFull(): boolean {
    return this.faults.diskFullWhile !== undefined && this.inner.exists(this.faults.diskFullWhile);
  }

  private fsyncFails(): boolean {
    return this.faults.fsyncFailsWhile !== undefined && this.inner.exists(this.faults.fsyncFailsWhile);
  }

  append(fd: Fd, buf: Uint8Array): void {
    if (!this.diskFull()) return this.inner.append(fd, buf);
    this.inner.append(fd, buf.subarray(0, buf.length >> 1));
    throw noSpace(`append to fd ${fd}`);
  }
  openAppend(path: string): Fd {
    if (this.diskFull() && !this.inner.exists(path)) throw noSpace(`create ${path}`);
    return this.inner.openAppend(path);
  }
  fsync(fd: Fd): Promise<void> {
    return this.fsyncFails() ? Promise.reject(noSpace(`fsync of fd ${fd}`)) : this.inner.fsync(fd);
  }
  fsyncSync(fd: Fd): void {
    if (this.fsyncFails()) throw noSpace(`fsync of fd ${fd}`);
    this.inner.fsyncSync(fd);
  }

  mkdirp(path: string): void {
    this.inner.mkdirp(path);
  }
  readdir(path: string): string[] {
    return this.inner.readdir(path);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  readFile(path: string): Uint8Array | null {
    return this.inner.readFile(path);
  }
  close(fd: Fd): void {
    this.inner.close(fd);
  }
  pread(fd: Fd, buf: Uint8Array, bufOffset: number, len: number, pos: number): number {
    return this.inner.pread(fd, buf, bufOffset, len, pos);
  }
  size(fd: Fd): number {
    return this.inner.size(fd);
  }
  truncate(fd: Fd, len: number): void {
    this.inner.truncate(fd, len);
  }
  fsyncDir(path: string): void {
    this.inner.fsyncDir(path);
  }
  fsyncDirAsync(path: string): Promise<void> {
    return this.inner.fsyncDirAsync(path);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }
  unlink(path: string): void {
    this.inner.unlink(path);
  }
  removeTree(path: string): void {
    this.inner.removeTree(path);
  }
  space(path: string): FsSpace {
    return this.inner.space(path);
  }
}
