// The disk limit: append to a file and make it durable after every commit, with the calls the
// broker's storage makes (src/storage/fs.ts): open 'a+', fs.writeSync of the whole commit, then
// fs.fdatasync on libuv's threadpool, awaited before the next commit. One commit in flight at a
// time, as one partition's group commit has: the result is the throughput an fsync-bound log
// can reach at that commit size, and the fsync latency distribution the broker's acks=all
// answers wait on.
//
// Each run also reports its CPU cost per GiB: user+sys of this process (process.cpuUsage(),
// i.e. getrusage(RUSAGE_SELF), which covers every thread, so the threadpool's fdatasyncs are
// included) around the append loop. measureBufferedAppend() gives the kernel's own cost of
// taking bytes into the page cache (writeSync 1 MiB chunks, no fsync) and of reading them back
// from a warm cache (readSync 1 MiB chunks): the floor under the broker's CPU per GiB.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { GiB, MiB, percentiles, type Percentiles } from './stats.ts';

/** CPU-seconds this process spent, split, and per GiB of bytes moved. */
export type CpuCost = { userS: number; sysS: number; cpuS: number; perGiB: number };

function cpuSince(start: NodeJS.CpuUsage, bytes: number): CpuCost {
  const d = process.cpuUsage(start);
  const userS = d.user / 1e6;
  const sysS = d.system / 1e6;
  return { userS, sysS, cpuS: userS + sysS, perGiB: bytes > 0 ? (userS + sysS) / (bytes / GiB) : 0 };
}

export type DiskResult = {
  commitBytes: number;
  commits: number;
  seconds: number;
  mbPerS: number;
  fsyncsPerS: number;
  fsyncMs: Percentiles;
  /** this process's CPU around the append loop (writes + fdatasyncs), per GiB appended */
  cpu: CpuCost;
};

const FILE_BYTES_MAX = 4 * 1024 ** 3; // start a new file past this, as the broker rolls segments

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Appends `commitBytes`-sized commits with an fdatasync after each for `seconds`, in `dir`. */
export async function measureAppendFsync(dir: string, commitBytes: number, seconds: number): Promise<DiskResult> {
  const file = path.join(dir, `disk-${commitBytes}.log`);
  const buf = new Uint8Array(commitBytes);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31) & 0xff;
  const latencies: number[] = [];
  let fd = fs.openSync(file, 'a+');
  let fileBytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  try {
    while (performance.now() < until) {
      let done = 0;
      while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
      const s = performance.now();
      await fdatasync(fd);
      latencies.push(performance.now() - s);
      fileBytes += commitBytes;
      if (fileBytes >= FILE_BYTES_MAX) {
        fs.closeSync(fd);
        fs.unlinkSync(file);
        fd = fs.openSync(file, 'a+');
        fileBytes = 0;
      }
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
  const secs = (performance.now() - t0) / 1000;
  const commits = latencies.length;
  const cpu = cpuSince(cpu0, commits * commitBytes);
  return {
    commitBytes,
    commits,
    seconds: secs,
    mbPerS: (commits * commitBytes) / 1e6 / secs,
    fsyncsPerS: commits / secs,
    fsyncMs: percentiles(latencies),
    cpu,
  };
}

export type BufferedIoResult = {
  bytes: number;
  chunkBytes: number;
  /** writeSync of `chunkBytes` chunks to a fresh file, no fsync */
  append: { seconds: number; mbPerS: number; cpu: CpuCost };
  /** readSync of the same file in `chunkBytes` chunks after one unmeasured pass (warm cache) */
  read: { seconds: number; mbPerS: number; cpu: CpuCost };
};

function appendOnce(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}

function readAll(fd: number, buf: Uint8Array, bytes: number): number {
  let pos = 0;
  while (pos < bytes) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, bytes - pos), pos);
    if (n <= 0) break;
    pos += n;
  }
  return pos;
}

/** The machine's own CPU cost of file I/O per GiB, in `dir`'s filesystem: appends `bytes` in
 *  `chunkBytes` writeSync calls to a new file (page cache only: no fsync), then reads it back
 *  with readSync twice, measuring the second (warm) pass. The file is deleted after, which
 *  drops its dirty pages without writing them back. */
export function measureBufferedAppend(dir: string, bytes = GiB, chunkBytes = MiB): BufferedIoResult {
  const file = path.join(dir, 'disk-buffered.log');
  const buf = new Uint8Array(chunkBytes);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31) & 0xff;
  const chunks = Math.max(1, Math.round(bytes / chunkBytes));
  const total = chunks * chunkBytes;
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, 'a+');
  try {
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    for (let i = 0; i < chunks; i++) appendOnce(fd, buf);
    const appendS = (performance.now() - t0) / 1000;
    const append = { seconds: appendS, mbPerS: total / 1e6 / appendS, cpu: cpuSince(cpu0, total) };
    readAll(fd, buf, total); // warm the cache (pages still there from the writes, unless evicted)
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const got = readAll(fd, buf, total);
    const readS = (performance.now() - t0) / 1000;
    const read = { seconds: readS, mbPerS: got / 1e6 / readS, cpu: cpuSince(cpu0, got) };
    return { bytes: total, chunkBytes, append, read };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}
