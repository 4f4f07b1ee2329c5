// The metered file system times every fsync (file and directory) on the clock it is given,
// counts the failed ones, and passes everything else through untouched.

import { expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import type { StorageFs } from '../../../src/base/fs.ts';
import { MetricsRegistry } from '../../../src/base/metrics.ts';
import { renderMetrics } from '../../../src/base/metrics-text.ts';
import { meteredFs } from '../../../src/storage/metered-fs.ts';

/** An inner file system whose fsyncs take `ms` on the manual clock; fd 13 fails. */
function slowFs(clock: ManualClock, ms: number): StorageFs {
  const fail = (fd: number): void => {
    if (fd === 13) throw new Error('EIO');
  };
  return {
    fsync: async (fd) => {
      clock.advance(ms);
      fail(fd);
    },
    fsyncSync: (fd) => {
      clock.advance(ms);
      fail(fd);
    },
    fsyncDir: () => clock.advance(ms),
    size: (fd) => fd * 10,
  } as Partial<StorageFs> as StorageFs;
}

test('each fsync is observed with its duration; a failed one is counted too; other calls pass through', async () => {
  const clock = new ManualClock();
  const registry = new MetricsRegistry();
  const fs = meteredFs(slowFs(clock, 3), clock, registry);
  await fs.fsync(1);
  fs.fsyncSync(2);
  fs.fsyncDir('/d');
  await expect(fs.fsync(13)).rejects.toThrow('EIO');
  expect(() => fs.fsyncSync(13)).toThrow('EIO');
  expect(fs.size(4)).toBe(40);
  const text = renderMetrics(registry, 'all', 'prometheus');
  // 5 fsyncs of 3 ms: all in the 2.5 ms < d <= 5 ms bucket.
  expect(text).toContain('freshet_storage_fsync_latency_seconds_bucket{le="0.0025"} 0\n');
  expect(text).toContain('freshet_storage_fsync_latency_seconds_bucket{le="0.005"} 5\n');
  expect(text).toContain('freshet_storage_fsync_latency_seconds_count 5\n');
  expect(text).toContain('freshet_storage_fsync_latency_seconds_sum 0.015\n');
  expect(text).toContain('freshet_storage_fsync_errors_total 2\n');
});
