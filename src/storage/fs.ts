// The real file system behind the StorageFs interface (base/fs.ts, where the contract and its
// reasons are written down): node:fs, which Bun implements natively. Its simulated twin is
// sim-fs.ts; fault-fs.ts wraps it for FRESHET_TEST_FAULTS.

import * as nodeFs from 'node:fs';
import type { Fd, FsSpace, StorageFs } from '../base/fs.ts';

export type { Fd, FsSpace, StorageFs };

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
  fsyncDirAsync(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      nodeFs.open(path, 'r', (err, fd) => {
        if (err) return reject(err);
        nodeFs.fsync(fd, (syncErr) => nodeFs.close(fd, () => (syncErr ? reject(syncErr) : resolve())));
      });
    });
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
  space(path: string): FsSpace {
    const s = nodeFs.statfsSync(path);
    return { totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
  }
}
