// The disk limit: append to a file and make it durable after every commit, with the calls the
// broker's storage makes (src/storage/fs.ts): open 'a+', fs.writeSync of the whole commit, then
// fs.fdatasync on libuv's threadpool, awaited before the next commit. One commit in flight at a
// time, as one partition's group commit has: the result is the throughput an fsync-bound log
// can reach at that commit size, and the fsync latency distribution the broker's acks=all
// answers wait on.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentiles, type Percentiles } from './stats.ts';

export type DiskResult = {
  commitBytes: number;
  commits: number;
  seconds: number;
  mbPerS: number;
  fsyncsPerS: number;
  fsyncMs: Percentiles;
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
  return {
    commitBytes,
    commits,
    seconds: secs,
    mbPerS: (commits * commitBytes) / 1e6 / secs,
    fsyncsPerS: commits / secs,
    fsyncMs: percentiles(latencies),
  };
}
