// The pure parts of a replicated partition: the leader-epoch rules (Kafka's
// Partition.checkCurrentLeaderEpoch and LeaderEpochFileCache.endOffsetFor), the ISR rule
// (Replica.updateFetchStateOrThrow's caught-up time against replica.lag.time.max.ms), the acks
// decisions (min.insync.replicas before and after the append) and the commit waiters.

import { describe, expect, test } from 'bun:test';
import { checkAfterCommit, checkBeforeAppend, CommitWaiters } from '../../../../src/cluster/replica/acks.ts';
import { InSyncTracker, LOG_END_SAMPLES_MAX } from '../../../../src/cluster/replica/isr.ts';
import { checkCurrentLeaderEpoch, epochEndOffset, NO_LEADER_EPOCH } from '../../../../src/cluster/replica/leader-epoch.ts';
import { splitBatches } from '../../../../src/cluster/replica/types.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import type { Entry } from '../../../../src/raft/core/index.ts';
import { EpochCache } from '../../../../src/storage/epoch-cache.ts';

describe('leader epochs', () => {
  test("a client's older epoch is FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH, -1 and the same pass", () => {
    expect(checkCurrentLeaderEpoch(4, 5)).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(checkCurrentLeaderEpoch(6, 5)).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect(checkCurrentLeaderEpoch(5, 5)).toBeNull();
    expect(checkCurrentLeaderEpoch(NO_LEADER_EPOCH, 5)).toBeNull();
  });

  test("OffsetForLeaderEpoch: an epoch's end is the next epoch's start; the leader's own term ends at its log end even before its first batch", () => {
    // Epoch 1 from offset 0, epoch 3 from 10, epoch 4 from 25; log end 30; the leader is in term 6.
    const cache = new EpochCache([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }, { epoch: 4, startOffset: 25 }]);
    const log = { logEndOffset: 30, endOffsetForEpoch: (e: number) => cache.endOffsetFor(e, 30) };
    expect(epochEndOffset(1, 6, log)).toEqual({ epoch: 1, endOffset: 10 });
    expect(epochEndOffset(2, 6, log)).toEqual({ epoch: 1, endOffset: 10 }); // no epoch 2: the largest below it
    expect(epochEndOffset(3, 6, log)).toEqual({ epoch: 3, endOffset: 25 });
    expect(epochEndOffset(4, 6, log)).toEqual({ epoch: 4, endOffset: 30 });
    expect(epochEndOffset(6, 6, log)).toEqual({ epoch: 6, endOffset: 30 }); // the current term, no batch of it yet
    expect(epochEndOffset(7, 6, log)).toEqual({ epoch: -1, endOffset: -1 });
    expect(epochEndOffset(0, 6, log)).toEqual({ epoch: 0, endOffset: 0 }); // older than all: the first epoch's start
    expect(epochEndOffset(-1, 6, log)).toEqual({ epoch: -1, endOffset: -1 });
  });
});

describe('in-sync replicas', () => {
  const progress = (m: Record<number, number>, silent: number[] = []) =>
    new Map(Object.entries(m).map(([id, match]) => [Number(id), { match, recentActive: !silent.includes(Number(id)) }]));
  /** The leader's log end and its commit index (in its term). */
  const log = (logEndOffset: number, commit: number | null = logEndOffset - 1) => ({ logEndOffset, commitInTerm: commit });

  test('the leader is always in sync; a follower only once this leader saw it caught up', () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10), progress({ 1: 9, 2: -1, 3: 9 }));
    expect(t.inSync(0, [1, 2, 3])).toEqual([1, 3]);
    expect(new InSyncTracker(1, 100).inSync(0, [1, 2, 3])).toEqual([1]);
  });

  test('a follower that stops reaching the log end leaves after replica.lag.time.max.ms, and comes back once it catches up', () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10), progress({ 2: 9, 3: 9 }));
    t.observe(50, log(20), progress({ 2: 19, 3: 9 })); // 3 is behind the new end
    expect(t.inSync(100, [1, 2, 3])).toEqual([1, 2, 3]); // 3 was caught up at 0: 100 ms ago
    expect(t.inSync(101, [1, 2, 3])).toEqual([1, 2]);
    t.observe(150, log(20), progress({ 2: 19, 3: 19 }));
    expect(t.inSync(150, [1, 2, 3])).toEqual([1, 2, 3]);
  });

  test('a follower that stopped answering leaves after the lag time even holding the whole log (an idle partition)', () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10), progress({ 2: 9, 3: 9 }));
    t.observe(80, log(10), progress({ 2: 9, 3: 9 }, [3])); // 3 did not answer in this CheckQuorum round
    t.observe(150, log(10), progress({ 2: 9, 3: 9 }, [3]));
    expect(t.inSync(150, [1, 2, 3])).toEqual([1, 2]);
  });

  test("a follower that reached the leader's earlier log end is caught up as of then (Kafka's lastFetchLeaderLogEndOffset)", () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10, -1), progress({ 2: -1 }));
    t.observe(60, log(20, -1), progress({ 2: -1 }));
    t.observe(90, log(30, 19), progress({ 2: 19 })); // reached the end the leader had at 60, not the one at 90
    expect(t.inSync(160, [1, 2])).toEqual([1, 2]);
    expect(t.inSync(161, [1, 2])).toEqual([1]);
  });

  test('a restarted follower catching up is out of the ISR until its log reached the commit (Partition.isFollowerInSync), however recent the log ends it reached', () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10), progress({ 2: 9, 3: 9 }));
    // 3 is killed: the leader goes on with 2, ten offsets every 10 ms.
    for (let ms = 10; ms <= 500; ms += 10) t.observe(ms, log(10 + ms), progress({ 2: 9 + ms, 3: 9 }, [3]));
    expect(t.inSync(500, [1, 2, 3])).toEqual([1, 2]);
    // 3 restarts and answers at once, holding what it held (its match did not move).
    t.observe(510, log(520), progress({ 2: 519, 3: 9 }));
    expect(t.inSync(510, [1, 2, 3])).toEqual([1, 2]);
    // It reached the log end the leader had at 450, 60 ms ago: within the lag time, but far behind the commit (509).
    t.observe(510, log(520, 509), progress({ 2: 519, 3: 459 }));
    expect(t.inSync(510, [1, 2, 3])).toEqual([1, 2]);
    t.observe(520, log(530, 519), progress({ 2: 529, 3: 519 })); // reached the commit
    expect(t.inSync(520, [1, 2, 3])).toEqual([1, 2, 3]);
  });

  test("a new leader lists nobody else before an entry of its term committed (Kafka's epoch start offset), then whoever holds the commit", () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(11, null), progress({ 2: 10, 3: 10 })); // both hold the leader's log, its term's first entry not committed yet
    expect(t.inSync(0, [1, 2, 3])).toEqual([1]);
    t.observe(10, log(11, 10), progress({ 2: 10, 3: 9 }));
    expect(t.inSync(10, [1, 2, 3])).toEqual([1, 2]);
  });

  test('a member behind the commit stays while it was caught up within the lag time (only time shrinks the ISR)', () => {
    const t = new InSyncTracker(1, 100);
    t.observe(0, log(10), progress({ 2: 9, 3: 9 }));
    t.observe(60, log(40, 39), progress({ 2: 39, 3: 9 }));
    expect(t.inSync(100, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(t.inSync(101, [1, 2, 3])).toEqual([1, 2]);
    // Once out, being caught up as of a recent log end is not enough to come back: the commit is.
    t.observe(110, log(50, 49), progress({ 2: 49, 3: 39 })); // 3 reached the end of 60, within the lag time
    expect(t.inSync(110, [1, 2, 3])).toEqual([1, 2]);
  });

  test('learners and unknown nodes are not replicas in sync; the sample history stays bounded', () => {
    const t = new InSyncTracker(1, 1_000_000);
    for (let i = 0; i < 3 * LOG_END_SAMPLES_MAX; i++) t.observe(i, log(i + 1), progress({ 2: i, 4: i }));
    expect(t.inSync(3 * LOG_END_SAMPLES_MAX, [1, 2])).toEqual([1, 2]);
    expect((t as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(LOG_END_SAMPLES_MAX);
  });
});

describe('acks', () => {
  test('acks=all below min.insync.replicas is NOT_ENOUGH_REPLICAS before the append; acks=0 and 1 do not care', () => {
    expect(checkBeforeAppend(-1, 1, 2)?.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(checkBeforeAppend(-1, 2, 2)).toBeNull();
    expect(checkBeforeAppend(1, 1, 3)).toBeNull();
    expect(checkBeforeAppend(0, 1, 3)).toBeNull();
  });

  test('committed while the ISR is below min.insync.replicas: NOT_ENOUGH_REPLICAS_AFTER_APPEND', () => {
    expect(checkAfterCommit(1, 2)?.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    expect(checkAfterCommit(2, 2)).toBeNull();
  });

  const data = (firstIndex: number, lastIndex: number, term: number): Entry => ({ kind: 'data', firstIndex, lastIndex, term, payload: new Uint8Array(0) });

  test('a waiter settles when its batch is applied in its term; another term at its offset, or a commit past it, fails it', async () => {
    const w = new CommitWaiters();
    const mine = w.wait(4, 2);
    const replaced = w.wait(7, 2);
    const skipped = w.wait(9, 2); // the commit passes 9 with a batch ending elsewhere
    const later = w.wait(20, 2);
    w.applied([data(3, 4, 2)], (resolve) => resolve(null));
    expect(await mine).toBeNull();
    w.applied([data(5, 7, 3), data(8, 10, 3)], (resolve) => resolve(null));
    expect((await replaced)?.code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect((await skipped)?.code).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(w.size).toBe(1);
    w.failAll({ code: ErrorCode.KAFKA_STORAGE_ERROR, message: null });
    expect((await later)?.code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(w.size).toBe(0);
  });

  test("the committed answer is the caller's (the ISR check after the commit)", async () => {
    const w = new CommitWaiters();
    const p = w.wait(0, 1);
    w.applied([data(0, 0, 1)], (resolve) => resolve(checkAfterCommit(1, 2)));
    expect((await p)?.code).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  });
});

describe('the batches of an append', () => {
  const one = buildBatch({ records: [{ value: 'a' }, { value: 'b' }] });
  const two = buildBatch({ records: [{ value: 'c' }] });
  const both = new Uint8Array([...one, ...two]);

  test('whole batches, in order', () => {
    const r = splitBatches(both);
    expect(r.ok && r.headers.map((h) => [h.pos, h.recordCount])).toEqual([[0, 2], [one.length, 1]]);
  });

  test('a cut batch, a cut header, or nothing is refused', () => {
    expect(splitBatches(both.subarray(0, both.length - 1))).toMatchObject({ ok: false });
    expect(splitBatches(both.subarray(0, one.length + 10))).toMatchObject({ ok: false });
    expect(splitBatches(new Uint8Array(0))).toMatchObject({ ok: false });
  });
});
