// A simulated filesystem for tests and whole-cluster simulations: the StorageFs contract in
// memory, with the durability rules of a real disk and knobs to break it.
//
// Model: a file's bytes become durable only by fsync (the snapshot taken when fsync is called
// is durable once it resolves); a directory entry (create, rename, unlink) becomes durable only
// by fsyncDir of its parent. crash() throws away everything that is not durable, optionally
// keeping a random prefix of each file's unsynced appended bytes (a torn write, as a power cut
// leaves some pages of the page cache on disk and not others). flipBit() models media rot.

import type { Fd, FsSpace, StorageFs } from '../base/fs.ts';
import type { Random } from '../base/random.ts';
import { type Scheduler, systemScheduler } from '../base/scheduler.ts';

interface Inode {
  data: Uint8Array;
  len: number;
  /** Content as of the last completed fsync. */
  synced: Uint8Array;
  /** False after a truncation below the synced length: data no longer extends `synced`. */
  extendsSynced: boolean;
  /** fsyncs asked for so far, and the order number of the one whose snapshot `synced` holds. */
  fsyncsAsked: number;
  syncedBy: number;
}

interface OpenFile {
  inode: Inode;
  generation: number;
}

export interface CrashOptions {
  /** Keep a random prefix of each file's unsynced tail instead of dropping all of it. */
  tornTail?: boolean;
  /** Random numbers in [0, 1), from a seeded PRNG so a failure replays. */
  random?: () => number;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function fsError(code: string, path: string): Error {
  const e = new Error(`${code}: ${path}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

export interface SimStorageFsOptions {
  /**
   * Where fsyncs complete: a simulation passes its SimScheduler so that fsync latency is
   * simulated time and the order of completions replays; tests of storage alone use real
   * timers (an fsync then completes on a later macrotask, as a threadpool fsync does).
   */
  scheduler?: Scheduler;
  /** Size of the simulated file system (what space() reports); 1 GiB unless told. */
  totalBytes?: number;
  /** Latency of each fsync, drawn uniformly in [min, max] ms from `random` (0 unless told). */
  fsyncLatencyMs?: { min: number; max: number; random: Random };
}

export class SimStorageFs implements StorageFs {
  private scheduler: Scheduler;
  private readonly fsyncLatencyMs: SimStorageFsOptions['fsyncLatencyMs'];
  /** Size of the simulated file system; available bytes are this less the live files' bytes. */
  totalBytes: number;
  private readonly dirs = new Set<string>(['/']);
  private live = new Map<string, Inode>();
  private durable = new Map<string, Inode>();
  private readonly fds = new Map<Fd, OpenFile>();
  private nextFd = 3;
  /** Bumped by crash(): fsyncs in flight across a crash do not make anything durable. */
  private generation = 0;
  /** Directory syncs asked for, and per directory the latest one applied (fsyncDirAsync). */
  private dirSyncsAsked = 0;
  private dirSyncApplied = new Map<string, number>();

  /** Counters for tests (group commit must coalesce fsyncs). */
  fsyncCalls = 0;
  fsyncDirCalls = 0;
  /** Fault knob: the next n fsyncs reject with EIO. */
  failFsyncs = 0;
  /** Fault knob: the next n appends write half their bytes, then throw ENOSPC (a disk filling up). */
  failAppends = 0;
  /** Timing knob: the next fsyncs take these many milliseconds each (then 0), in call order. */
  fsyncDelaysMs: number[] = [];
  /** Fault knob: opening a file with this many descriptors open fails with EMFILE (ulimit -n). */
  fdLimit = Infinity;

  constructor(options: SimStorageFsOptions = {}) {
    this.scheduler = options.scheduler ?? systemScheduler;
    this.totalBytes = options.totalBytes ?? 1024 * 1024 * 1024;
    this.fsyncLatencyMs = options.fsyncLatencyMs;
  }

  /**
   * The process using this disk from now on (a simulation restarting a node): fsyncs complete on
   * its scheduler, so those a dead process asked for never complete, as after a real crash.
   */
  attach(scheduler: Scheduler): void {
    this.scheduler = scheduler;
  }

  mkdirp(path: string): void {
    let p = path;
    while (p !== '/' && p !== '' && !this.dirs.has(p)) {
      this.dirs.add(p);
      p = parentOf(p);
    }
  }
  readdir(path: string): string[] {
    if (!this.dirs.has(path)) throw fsError('ENOENT', path);
    const names: string[] = [];
    const prefix = path.endsWith('/') ? path : path + '/';
    for (const p of this.live.keys()) if (parentOf(p) === path) names.push(p.slice(prefix.length));
    for (const d of this.dirs) if (d !== path && parentOf(d) === path) names.push(d.slice(prefix.length));
    return names.sort();
  }
  exists(path: string): boolean {
    return this.live.has(path) || this.dirs.has(path);
  }
  readFile(path: string): Uint8Array | null {
    const inode = this.live.get(path);
    return inode ? inode.data.slice(0, inode.len) : null;
  }
  openAppend(path: string): Fd {
    if (this.fds.size >= this.fdLimit) throw fsError('EMFILE', path);
    let inode = this.live.get(path);
    if (!inode) {
      if (!this.dirs.has(parentOf(path))) throw fsError('ENOENT', path);
      inode = { data: new Uint8Array(256), len: 0, synced: new Uint8Array(0), extendsSynced: true, fsyncsAsked: 0, syncedBy: 0 };
      this.live.set(path, inode);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { inode, generation: this.generation });
    return fd;
  }
  close(fd: Fd): void {
    this.file(fd);
    this.fds.delete(fd);
  }
  append(fd: Fd, buf: Uint8Array): void {
    if (this.failAppends > 0) {
      this.failAppends--;
      this.append(fd, buf.subarray(0, buf.length >> 1));
      throw fsError('ENOSPC', `fd ${fd}`);
    }
    const inode = this.file(fd);
    const need = inode.len + buf.length;
    if (need > inode.data.length) {
      const grown = new Uint8Array(Math.max(need, inode.data.length * 2));
      grown.set(inode.data.subarray(0, inode.len));
      inode.data = grown;
    }
    inode.data.set(buf, inode.len);
    inode.len = need;
  }
  pread(fd: Fd, buf: Uint8Array, bufOffset: number, len: number, pos: number): number {
    const inode = this.file(fd);
    const n = Math.max(0, Math.min(len, inode.len - pos));
    buf.set(inode.data.subarray(pos, pos + n), bufOffset);
    return n;
  }
  size(fd: Fd): number {
    return this.file(fd).len;
  }
  truncate(fd: Fd, len: number): void {
    const inode = this.file(fd);
    if (len < inode.len) inode.data.fill(0, len, inode.len);
    else if (len > inode.len) this.append(fd, new Uint8Array(len - inode.len));
    inode.len = len;
    if (len < inode.synced.length) inode.extendsSynced = false;
  }
  async fsync(fd: Fd): Promise<void> {
    const inode = this.file(fd);
    this.fsyncCalls++;
    const snapshot = inode.data.slice(0, inode.len);
    const order = ++inode.fsyncsAsked;
    const generation = this.generation;
    const fail = this.failFsyncs > 0;
    if (fail) this.failFsyncs--;
    // Completes on a later macrotask, as a threadpool fsync does.
    const delayMs = this.fsyncDelaysMs.shift() ?? this.drawFsyncLatency();
    await new Promise<void>((resolve) => this.scheduler.after(delayMs, resolve));
    if (fail) throw fsError('EIO', `fd ${fd}`);
    // The machine crashed meanwhile: nothing became durable, and the process that asked is gone.
    if (generation !== this.generation) throw fsError('EIO', `fd ${fd} (crashed)`);
    this.markSynced(inode, snapshot, order);
  }
  fsyncSync(fd: Fd): void {
    const inode = this.file(fd);
    this.fsyncCalls++;
    this.markSynced(inode, inode.data.slice(0, inode.len), ++inode.fsyncsAsked);
  }
  fsyncDir(path: string): void {
    this.fsyncDirCalls++;
    this.applyDirSync(path, this.dirEntries(path), ++this.dirSyncsAsked);
  }
  async fsyncDirAsync(path: string): Promise<void> {
    this.fsyncDirCalls++;
    // What the directory holds now is what this sync makes durable, when it completes.
    const entries = this.dirEntries(path);
    const generation = this.generation;
    const order = ++this.dirSyncsAsked;
    await new Promise<void>((resolve) => this.scheduler.after(this.drawFsyncLatency(), resolve));
    if (generation !== this.generation) throw fsError('EIO', `${path} (crashed)`);
    // A sync of the same directory asked for later and already applied covers more than this one.
    if ((this.dirSyncApplied.get(path) ?? 0) > order) return;
    this.applyDirSync(path, entries, order);
  }
  /** Each entry of `path` (live or durable) and its live inode now (undefined: removed). */
  private dirEntries(path: string): Map<string, Inode | undefined> {
    const entries = new Map<string, Inode | undefined>();
    for (const p of this.live.keys()) if (parentOf(p) === path) entries.set(p, this.live.get(p));
    for (const p of this.durable.keys()) if (parentOf(p) === path && !entries.has(p)) entries.set(p, undefined);
    return entries;
  }
  private applyDirSync(path: string, entries: Map<string, Inode | undefined>, order: number): void {
    this.dirSyncApplied.set(path, order);
    for (const [p, inode] of entries) {
      if (inode) this.durable.set(p, inode);
      else this.durable.delete(p);
    }
  }
  rename(from: string, to: string): void {
    const inode = this.live.get(from);
    if (!inode) throw fsError('ENOENT', from);
    this.live.delete(from);
    this.live.set(to, inode);
  }
  unlink(path: string): void {
    if (!this.live.delete(path)) throw fsError('ENOENT', path);
  }
  removeTree(path: string): void {
    const under = (p: string) => p === path || p.startsWith(path + '/');
    for (const p of [...this.live.keys()]) if (under(p)) this.live.delete(p);
    for (const p of [...this.durable.keys()]) if (under(p)) this.durable.delete(p);
    for (const d of [...this.dirs]) if (under(d)) this.dirs.delete(d);
  }

  space(path: string): FsSpace {
    if (!this.exists(path)) throw fsError('ENOENT', path);
    let used = 0;
    for (const inode of new Set(this.live.values())) used += inode.len;
    return { totalBytes: this.totalBytes, availableBytes: Math.max(0, this.totalBytes - used) };
  }

  // ---- fault knobs ----

  /** Power cut: open files are gone, and so is everything not made durable. */
  crash(opts: CrashOptions = {}): void {
    this.generation++;
    this.fds.clear();
    this.live = new Map(this.durable);
    for (const inode of new Set(this.live.values())) {
      let keep = inode.synced.length;
      if (opts.tornTail && opts.random && inode.extendsSynced && inode.len > keep) {
        keep += Math.floor(opts.random() * (inode.len - keep + 1));
      }
      const data = new Uint8Array(Math.max(keep, 256));
      data.set(inode.extendsSynced ? inode.data.subarray(0, keep) : inode.synced);
      inode.data = data;
      inode.len = inode.extendsSynced ? keep : inode.synced.length;
      inode.synced = inode.data.slice(0, inode.len);
      inode.extendsSynced = true;
    }
  }

  /** Flips one bit of a file's current and durable content (media corruption). */
  flipBit(path: string, byteIndex: number, bit = 0): void {
    const inode = this.live.get(path);
    if (!inode || byteIndex >= inode.len) throw fsError('EINVAL', path);
    inode.data[byteIndex] ^= 1 << bit;
    if (byteIndex < inode.synced.length) inode.synced[byteIndex] ^= 1 << bit;
  }

  /** Descriptors open now (tests: the open-files cache must bound them). */
  get openFdCount(): number {
    return this.fds.size;
  }

  /** Length of the file at `path` (tests). */
  fileSize(path: string): number {
    return this.live.get(path)?.len ?? -1;
  }

  private drawFsyncLatency(): number {
    const l = this.fsyncLatencyMs;
    return l === undefined ? 0 : l.min + Math.floor(l.random.next() * (l.max - l.min + 1));
  }

  private file(fd: Fd): Inode {
    const f = this.fds.get(fd);
    if (!f || f.generation !== this.generation) throw fsError('EBADF', `fd ${fd}`);
    return f.inode;
  }

  /**
   * An fsync that completes after a later one did makes nothing more durable: the disk already
   * holds the later content (overlapping fsyncs of group commit finish in any order).
   */
  private markSynced(inode: Inode, snapshot: Uint8Array, order: number): void {
    if (order < inode.syncedBy) return;
    inode.syncedBy = order;
    inode.synced = snapshot;
    const len = Math.min(inode.len, snapshot.length);
    let same = true;
    for (let i = 0; i < len && same; i++) same = inode.data[i] === snapshot[i];
    inode.extendsSynced = same && inode.len >= snapshot.length;
  }
}
