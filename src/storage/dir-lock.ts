// One process per data directory (DESIGN section 4): an exclusive flock(2) on `<data>/.lock`,
// taken before anything else in the directory is opened or created, and held (the descriptor
// stays open) for the life of the process. Kafka's LogManager locks a `.lock` file in each log
// directory the same way (FileLock.tryLock). Two brokers on one directory would hand out the
// same offsets and overwrite each other's segments, so a second one must not start at all.
//
// flock, not a pid file: the kernel releases the lock when the holder dies, kill -9 included,
// so a crash never leaves a stale lock behind. The holder's pid is written into the file only
// so that the process refused can name it.
//
// node:fs has no flock; we call libc's through bun:ffi (it works inside the compiled
// executable). Where no libc can be loaded the start fails loudly rather than running
// unlocked: the lock is what keeps acknowledged writes from vanishing.

import { dlopen, FFIType, type Pointer, read } from 'bun:ffi';
import * as fs from 'node:fs';
import { join } from 'node:path';

/** The lock file's name, Kafka's. */
export const LOCK_FILE = '.lock';

const LOCK_EX = 2;
const LOCK_NB = 4;

interface Libc {
  flock(fd: number, op: number): number;
  errno(): number;
  /** errno when another process holds the lock (EWOULDBLOCK). */
  wouldBlock: number;
}

/** The data directory is locked by another process. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly holderPid: number | null,
  ) {
    const holder = holderPid === null ? 'another process (pid not known yet)' : `another process (pid ${holderPid})`;
    super(`data directory ${dir} is in use by ${holder}: only one freshet may run on a data directory; stop it or choose another --data-dir`);
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Releases the lock (tests; a process holds its lock until it exits). */
  release(): void;
}

/** Locks held by this process, so their descriptors are never collected or closed by accident. */
const held = new Map<string, number>();

/**
 * Takes the exclusive lock on `dir` (created if missing) or throws DataDirLockedError naming
 * the holder's pid. Call before anything else in the directory is opened.
 */
export function lockDataDir(dir: string): DataDirLock {
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const libc = loadLibc();
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const errno = libc.errno();
    fs.closeSync(fd);
    if (errno === libc.wouldBlock) throw new DataDirLockedError(dir, readPid(path));
    throw new Error(`cannot lock data directory ${dir}: flock(${path}) failed with errno ${errno}`);
  }
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, `${process.pid}\n`, 0);
  held.set(path, fd);
  return {
    path,
    release() {
      if (held.get(path) !== fd) return;
      held.delete(path);
      fs.closeSync(fd); // closing the last descriptor of the open file releases the flock
    },
  };
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

let libc: Libc | null = null;

function loadLibc(): Libc {
  if (libc !== null) return libc;
  const mac = process.platform === 'darwin';
  const name = mac ? 'libSystem.B.dylib' : 'libc.so.6';
  const errnoSymbol = mac ? '__error' : '__errno_location';
  let lib;
  try {
    lib = dlopen(name, {
      flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      [errnoSymbol]: { args: [], returns: FFIType.ptr },
    });
  } catch (e) {
    throw new Error(`cannot lock the data directory: flock is not available (${name}: ${e instanceof Error ? e.message : e})`);
  }
  const symbols = lib.symbols as Record<string, (...args: number[]) => unknown>;
  libc = {
    flock: (fd, op) => symbols.flock(fd, op) as number,
    errno: () => read.i32(symbols[errnoSymbol]() as Pointer, 0),
    wouldBlock: mac ? 35 : 11,
  };
  return libc;
}
