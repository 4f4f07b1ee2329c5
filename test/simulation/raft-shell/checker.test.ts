// The shell simulation's checker catches broken shells (the checker's own hand-made histories
// are in raft-core/checker.test.ts): a shell that sends its votes and answers before its term
// and vote are durable elects two leaders in a term after crashes; a shell whose log flushes
// complete without reaching the disk acknowledges batches a crash then loses (the checker sees
// a leader without a committed batch; in other seeds the core's own assertion fires first).

import { afterEach, expect, test } from 'bun:test';
import { GroupDriver } from '../../../src/raft/group-driver.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { runShellSeeds } from './seeds.ts';

const originalMustSync = (GroupDriver.prototype as unknown as { mustSyncHardState: unknown }).mustSyncHardState;
const originalFlush = PartitionLog.prototype.flush;
afterEach(() => {
  (GroupDriver.prototype as unknown as { mustSyncHardState: unknown }).mustSyncHardState = originalMustSync;
  PartitionLog.prototype.flush = originalFlush;
});

/** The first failure among seeds 1..max with frequent crashes, or null. */
async function firstFailure(max: number): Promise<string | null> {
  for (let seed = 1; seed <= max; seed++) {
    const r = await runShellSeeds(seed, 1, { params: { chaosIntervalMs: 10, downMsMax: 5 } });
    if (r.failures.length > 0) return r.failures[0].error;
  }
  return null;
}

test('a shell that sends before its vote is durable elects two leaders in one term, and the checker says so', async () => {
  (GroupDriver.prototype as unknown as { mustSyncHardState: () => boolean }).mustSyncHardState = () => false;
  expect(await firstFailure(300)).toMatch(/InvariantViolation: election safety/);
}, 120_000);

test('a shell that acknowledges entries its log has not fsynced loses acknowledged batches, and the checker says so', async () => {
  PartitionLog.prototype.flush = () => Promise.resolve();
  const r = await runShellSeeds(1, 40, { params: { chaosIntervalMs: 10, downMsMax: 5 } });
  const byChecker = r.failures.filter((f) => /InvariantViolation: (acknowledged entry lost|leader completeness|state machine safety|log matching)/.test(f.error));
  expect(byChecker.length).toBeGreaterThan(0);
  // Every other seed trips the core's own assertion first: a follower told to commit entries
  // it acknowledged and then lost in a crash.
  const rest = r.failures.filter((f) => !byChecker.includes(f));
  expect(rest.every((f) => /AssertionError: commit \d+ past the log end/.test(f.error))).toBe(true);
  expect(r.failures.length).toBeGreaterThan(30);
}, 120_000);

test('the same seeds pass on the real shell', async () => {
  const r = await runShellSeeds(1, 20, { params: { chaosIntervalMs: 10, downMsMax: 5 } });
  expect(r.failures).toEqual([]);
}, 120_000);
