// A bounded cache of open segment files. Each segment's `.log` is a LogFile that holds a file
// descriptor only while it is used: past `maxOpen` open files, the least recently used one is
// closed, and reopened by path on its next use. A node with tens of thousands of partitions
// (and segments) then runs within the process's fd limit: Kafka keeps every segment open and
// asks operators for a huge `ulimit -n`; Redpanda bounds its open segments with a similar
// cache (storage::fd_limiter). Busy partitions stay open because they are recently used.
//
// Rules that keep a descriptor from being closed under its user:
// - Nobody keeps a raw Fd across a call that may open another LogFile: the descriptor may be
//   closed by then and its number reused for another file. LogFile's methods take the
//   descriptor and use it at once (reads are synchronous).
// - An fsync holds its descriptor across an await: while it runs, the file is not evicted.
//   At most `syncsMax` fsyncs run at once (the threadpool runs a few anyway); later ones queue
//   without a descriptor, so pinned descriptors stay bounded however many partitions flush.
// - close() waits for the fsyncs asked for before it. A file whose close is pending and that
//   is not open when its queued fsync comes up is not reopened, and an fsync of a closed file
//   does nothing: the file was deleted, or its log closed after its last flush (or after a
//   failure that fails every later flush anyway), so nothing is left to make durable.
// - A file is reopened only if it still exists: a vanished segment is an error, never an
//   empty file created in its place; a closed LogFile refuses every use.
// - A file may be created on its first write (createOnFirstWrite): until then it is empty, costs
//   no syscall, and its directory need not exist. A node then creates 10,000 partitions without
//   20,000 directory and file creations (about a millisecond each on a busy virtual disk).

import { dirname } from 'node:path';
import type { Fd, StorageFs } from './fs.ts';
import { NodeStorageFs } from './fs.ts';
import { logger } from '../base/log.ts';

const log = logger('storage');

/** Open files when nothing says otherwise (unit tests, one log on its own). */
export const OPEN_FILES_DEFAULT = 1024;
/** The most segment files a node keeps open, whatever its fd limit. */
export const OPEN_FILES_MAX = 16_384;
/** The least, however low the fd limit: below this every Fetch would reopen files. */
export const OPEN_FILES_MIN = 64;
/** fsyncs of segment and index files running at once; more wait for a slot. */
export const FSYNCS_IN_FLIGHT_MAX = 32;

/**
 * Segment files to keep open under an fd limit: half of it, the rest left to connections, index
 * and checkpoint writes, fsyncs in flight, and the runtime itself.
 */
export function openFilesFor(fdLimit: number): number {
  return Math.max(OPEN_FILES_MIN, Math.min(OPEN_FILES_MAX, Math.floor(fdLimit / 2)));
}

function fileError(code: string, message: string): Error {
  const e = new Error(`${code}: ${message}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export class OpenFiles {
  /** Open files, least recently used first. */
  private readonly lru = new Map<LogFile, Fd>();
  private syncsRunning = 0;
  private readonly syncQueue: Array<() => void> = [];
  private syncQueueHead = 0;
  /** Counters for tests and logs. */
  opens = 0;
  evictions = 0;

  constructor(
    readonly fs: StorageFs = new NodeStorageFs(),
    readonly maxOpen = OPEN_FILES_DEFAULT,
    readonly syncsMax = FSYNCS_IN_FLIGHT_MAX,
  ) {}

  get openCount(): number {
    return this.lru.size;
  }

  /** An existing file, opened on first use. */
  file(path: string): LogFile {
    return new LogFile(this, path);
  }

  /** An empty file that does not exist yet: its first write creates it, and its directory. */
  createOnFirstWrite(path: string): LogFile {
    return new LogFile(this, path, true);
  }

  /** Creates the file if missing and opens it. */
  create(path: string): LogFile {
    const f = new LogFile(this, path);
    this.makeRoom();
    this.lru.set(f, this.open(path));
    return f;
  }

  /** fsyncs the file at `path` (an index file written and closed at seal); a missing file needs none. */
  fsyncPath(path: string): Promise<void> {
    return this.withSyncSlot(async () => {
      if (!this.fs.exists(path)) return;
      const fd = this.open(path);
      try {
        await this.fs.fsync(fd);
      } finally {
        this.fs.close(fd);
      }
    });
  }

  fsyncPathSync(path: string): void {
    if (!this.fs.exists(path)) return;
    const fd = this.open(path);
    try {
      this.fs.fsyncSync(fd);
    } finally {
      this.fs.close(fd);
    }
  }

  // ---- LogFile's side ----

  /** The file's descriptor, opening it (and closing the least recently used) if need be. */
  use(f: LogFile): Fd {
    const fd = this.lru.get(f);
    if (fd !== undefined) {
      this.lru.delete(f);
      this.lru.set(f, fd);
      return fd;
    }
    if (!f.creating && !this.fs.exists(f.path)) throw fileError('ENOENT', `${f.path} is gone`);
    this.makeRoom();
    if (f.creating) this.fs.mkdirp(dirname(f.path));
    const opened = this.open(f.path);
    f.markCreated();
    this.lru.set(f, opened);
    return opened;
  }

  isOpen(f: LogFile): boolean {
    return this.lru.has(f);
  }

  /** Closes the file's descriptor if it has one. */
  release(f: LogFile): void {
    const fd = this.lru.get(f);
    if (fd === undefined) return;
    this.lru.delete(f);
    this.fs.close(fd);
  }

  /** Runs `op` once fewer than syncsMax fsyncs run; starts it in this turn when a slot is free. */
  withSyncSlot(op: () => Promise<void>): Promise<void> {
    const run = (): Promise<void> => {
      let p: Promise<void>;
      try {
        p = op();
      } catch (e) {
        p = Promise.reject(e);
      }
      return p.finally(() => this.releaseSyncSlot());
    };
    if (this.syncsRunning < this.syncsMax) {
      this.syncsRunning++;
      return run();
    }
    return new Promise((resolve, reject) => this.syncQueue.push(() => void run().then(resolve, reject)));
  }

  private releaseSyncSlot(): void {
    if (this.syncQueueHead < this.syncQueue.length) {
      const next = this.syncQueue[this.syncQueueHead++];
      if (this.syncQueueHead * 2 > this.syncQueue.length && this.syncQueueHead > 1024) {
        this.syncQueue.splice(0, this.syncQueueHead);
        this.syncQueueHead = 0;
      }
      next(); // the slot passes to the next in line
      return;
    }
    this.syncQueue.length = this.syncQueueHead = 0;
    this.syncsRunning--;
  }

  /**
   * Opens a file. When the process is out of descriptors (connections took them), the cache gives
   * back half of its own and tries once more, rather than failing the write that needed the file.
   */
  private open(path: string): Fd {
    this.opens++;
    try {
      return this.fs.openAppend(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || this.lru.size === 0) throw e;
      const keep = Math.floor(this.lru.size / 2);
      log.warn(`out of file descriptors (${code}) with ${this.lru.size} segment files open: closing the least recently used down to ${keep}`);
      this.closeIdle(keep);
      return this.fs.openAppend(path);
    }
  }

  /** Closes least recently used files, skipping those an fsync is using, until one more fits. */
  private makeRoom(): void {
    this.closeIdle(this.maxOpen - 1);
  }

  /** Closes least recently used files not in use by an fsync until at most `keep` are open. */
  private closeIdle(keep: number): void {
    if (this.lru.size <= keep) return;
    for (const [f, fd] of this.lru) {
      if (f.syncing) continue;
      this.lru.delete(f);
      this.evictions++;
      try {
        this.fs.close(fd);
      } catch (e) {
        // The descriptor is gone either way; failing the unrelated file being opened would not help.
        log.warn(`closing idle ${f.path} failed: ${e}`);
      }
      if (this.lru.size <= keep) return;
    }
  }
}

/** One segment file, open only while used (see the rules at the top). */
export class LogFile {
  /** fsyncs asked for and not finished; close() waits for them. */
  private syncsPending = 0;
  /** fsyncs holding the descriptor now; the file is not evicted meanwhile. */
  private syncsHolding = 0;
  private closeRequested = false;
  private closed = false;

  constructor(
    private readonly files: OpenFiles,
    /** Where the file is now (compaction renames cleaned segments into place). */
    public path: string,
    /** Not created yet: empty until the first write creates it (createOnFirstWrite). */
    private notCreated = false,
  ) {}

  /** True until the first write creates the file (OpenFiles.use creates it then). */
  get creating(): boolean {
    return this.notCreated;
  }

  markCreated(): void {
    this.notCreated = false;
  }

  get syncing(): boolean {
    return this.syncsHolding > 0;
  }

  get isClosed(): boolean {
    return this.closed || this.closeRequested;
  }

  pread(buf: Uint8Array, bufOffset: number, len: number, pos: number): number {
    if (this.notCreated) return 0;
    return this.files.fs.pread(this.fd(), buf, bufOffset, len, pos);
  }

  append(buf: Uint8Array): void {
    this.files.fs.append(this.fd(), buf);
  }

  size(): number {
    return this.notCreated ? 0 : this.files.fs.size(this.fd());
  }

  truncate(len: number): void {
    if (this.notCreated && len === 0) return;
    this.files.fs.truncate(this.fd(), len);
  }

  fsyncSync(): void {
    if (!this.notCreated) this.files.fs.fsyncSync(this.fd());
  }

  /** Makes the file's data durable, off the event loop (queued behind FSYNCS_IN_FLIGHT_MAX). */
  fsync(): Promise<void> {
    if (this.closed || this.notCreated) return Promise.resolve(); // deleted, or closed after flushing (see the top), or nothing written
    this.syncsPending++;
    return this.files
      .withSyncSlot(async () => {
        if (this.closeRequested && !this.files.isOpen(this)) return; // deleted, or its log closed after flushing
        const fd = this.fd();
        this.syncsHolding++;
        try {
          await this.files.fs.fsync(fd);
        } finally {
          this.syncsHolding--;
        }
      })
      .finally(() => {
        this.syncsPending--;
        if (this.closeRequested && this.syncsPending === 0) this.closeNow();
      });
  }

  /** Closes the file once no fsync asked for before is pending. Further use is an error. */
  close(): void {
    if (this.closed) return;
    this.closeRequested = true;
    if (this.syncsPending === 0) this.closeNow();
  }

  private closeNow(): void {
    this.closed = true;
    this.files.release(this);
  }

  private fd(): Fd {
    if (this.closed) throw fileError('EBADF', `${this.path} is closed`);
    return this.files.use(this);
  }
}
