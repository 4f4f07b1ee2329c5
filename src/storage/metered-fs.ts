// A StorageFs that times every fsync into the node's metrics and passes everything else through
// unchanged. fsync is where the disk shows (BUN-NOTES: p99 2.8 ms quiet, 16 ms busy), and every
// durable write of the node (segments, indexes, checkpoints, Raft's journal) goes through the
// one StorageFs, so wrapping it measures them all without touching their code. The shell wraps
// the real file system (cli/node-deps.ts); a simulation may wrap its SimStorageFs the same way.

import type { Clock } from '../base/clock.ts';
import type { Fd, StorageFs } from '../base/fs.ts';
import { LATENCY_BUCKETS_SECONDS, type MetricsRegistry } from '../base/metrics.ts';

export function meteredFs(inner: StorageFs, clock: Clock, registry: MetricsRegistry): StorageFs {
  const latency = registry.histogram({
    name: 'freshet_storage_fsync_latency_seconds',
    help: 'Duration of fsyncs of files (fdatasync: segments, indexes, checkpoints, journals), failed ones included.',
    buckets: LATENCY_BUCKETS_SECONDS,
    public: true,
  }).labels();
  const failures = registry.counter({ name: 'freshet_storage_fsync_errors_total', help: 'fsyncs that failed (the data they covered is not durable).' }).labels();
  const done = (started: number, failed: boolean): void => {
    if (failed) failures.inc();
    latency.observe((clock.monotonicMs() - started) / 1000);
  };
  const timed = <T>(run: () => T): T => {
    const started = clock.monotonicMs();
    let failed = true;
    try {
      const r = run();
      failed = false;
      return r;
    } finally {
      done(started, failed);
    }
  };
  const timedAsync = async (run: () => Promise<void>): Promise<void> => {
    const started = clock.monotonicMs();
    let failed = true;
    try {
      await run();
      failed = false;
    } finally {
      done(started, failed);
    }
  };
  return {
    mkdirp: (path) => inner.mkdirp(path),
    readdir: (path) => inner.readdir(path),
    exists: (path) => inner.exists(path),
    readFile: (path) => inner.readFile(path),
    openAppend: (path) => inner.openAppend(path),
    close: (fd) => inner.close(fd),
    append: (fd, buf) => inner.append(fd, buf),
    pread: (fd, buf, bufOffset, len, pos) => inner.pread(fd, buf, bufOffset, len, pos),
    size: (fd) => inner.size(fd),
    truncate: (fd, len) => inner.truncate(fd, len),
    fsync: (fd) => timedAsync(() => inner.fsync(fd)),
    fsyncSync: (fd) => timed(() => inner.fsyncSync(fd)),
    fsyncDir: (path) => timed(() => inner.fsyncDir(path)),
    fsyncDirAsync: (path) => timedAsync(() => inner.fsyncDirAsync(path)),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    removeTree: (path) => inner.removeTree(path),
    space: (path) => inner.space(path),
  };
}
