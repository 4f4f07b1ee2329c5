// Compaction of a replicated log (storage/compaction.ts "Replicated logs", cluster/replica/
// cleaning.ts), on a PartitionRaftLog written as Raft writes it: keyed data batches of an
// idempotent producer, leader changes and membership entries as control batches, terms rising.
// - the safe range: nothing in a segment reaching the bound (the commit index + 1, capped at
//   the flushed log) changes; below it, superseded records go;
// - the control-batch rule: every control batch stays byte for byte;
// - what Raft needs: every batch keeps its offsets, term and producer fields (emptied, not
//   removed), so every index has its term, entries come back with the same bounds, a reopened
//   log (journal checked against it) reads the same, and a follower that appends the compacted
//   leader's entries holds the same batches;
// - idempotence: the producer state replayed from the compacted log still finds a retry of the
//   producer's last batches a duplicate;
// - the read path: a read that meets only emptied batches up to a segment's end goes on into the
//   next segment (kafkajs fetches the same offset forever when answered with no record).
// Each rule is also shown failing: the lone node's cleaner (no replicated rules) breaks them.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../../src/base/clock.ts';
import { compress, decompress } from '../../../../src/compression/index.ts';
import { replicaCleaning } from '../../../../src/cluster/replica/cleaning.ts';
import { replayEntry } from '../../../../src/cluster/replica/producer-replay.ts';
import { BatchHeader } from '../../../../src/protocol/records/batch.ts';
import { crc32c } from '../../../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import { type Entry, membership } from '../../../../src/raft/core/index.ts';
import { PartitionRaftLog } from '../../../../src/raft/partition-raft-log.ts';
import { QuorumStateJournal } from '../../../../src/raft/quorum-state.ts';
import { compactLog, type ReplicatedCleaning } from '../../../../src/storage/compaction.ts';
import { LogCleaner } from '../../../../src/storage/cleaner.ts';
import { SimScheduler } from '../../../../src/base/scheduler.ts';
import type { Codec } from '../../../../src/storage/compaction-records.ts';
import { PartitionLog } from '../../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../../src/storage/sim-fs.ts';
import { ProducerState } from '../../../../src/transactions/producer-state.ts';
import { checkCleaned, imageOf } from '../../../simulation/partitions/compaction-checker.ts';

const DIR = '/n/data/kafka/t/0';
const JDIR = '/n/data/raft';
const G = 't:0';
const BOOT = membership([1, 2, 3]);
const PRODUCER = 42;
const KEYS = 3;
const codec: Codec = { compress, decompress: (type, bytes) => decompress(type, bytes, 1 << 26) };
const CONFIG = { deleteRetentionMs: 1_000, minCompactionLagMs: 0, minCleanableDirtyRatio: 0 };

/** A data entry of one keyed record of the idempotent producer, sequence = offset. */
function update(at: number, term: number): Entry {
  const payload = buildBatch({
    baseOffset: at, partitionLeaderEpoch: term, producerId: PRODUCER, producerEpoch: 0, baseSequence: at,
    records: [{ key: `k${at % KEYS}`, value: `v${at}-${'x'.repeat(40)}`, timestamp: 1_000 }],
  });
  return { kind: 'data', firstIndex: at, lastIndex: at, term, payload };
}

function leaderChange(at: number, term: number, leaderId: number): Entry {
  return { kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'leader_change', leaderId, voters: [1, 2, 3] } };
}

function member(at: number, term: number, voters: number[]): Entry {
  return { kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'membership', membership: membership(voters) } };
}

/** 3 terms, each opened by its leader's LEADER_CHANGE; a membership entry in term 2. */
function history(): Entry[] {
  const out: Entry[] = [];
  let at = 0;
  for (let term = 1; term <= 3; term++) {
    out.push(leaderChange(at++, term, term));
    if (term === 2) out.push(member(at++, term, [1, 2]));
    for (let i = 0; i < 20; i++) out.push(update(at++, term));
  }
  return out;
}

class Replica {
  readonly fs = new SimStorageFs();
  journal = QuorumStateJournal.open(this.fs, JDIR);
  raftLog = PartitionRaftLog.open(this.openLog(), undefined, BOOT);

  openLog(): PartitionLog {
    return PartitionLog.open(DIR, { segmentBytes: 400 }, { fs: this.fs, clock: new ManualClock(), crc32c });
  }

  get log(): PartitionLog {
    return this.raftLog.log;
  }

  async write(entries: readonly Entry[]): Promise<void> {
    this.journal.stage(G, this.raftLog.journalState(PartitionRaftLog.membershipRecords(entries)));
    await this.journal.sync();
    this.raftLog.persist(entries);
    await this.log.flush();
    this.raftLog.setHardState({ term: 3, vote: null, commit: this.raftLog.lastIndex() });
    this.journal.stage(G, this.raftLog.journalState());
    await this.journal.sync();
  }

  clean(rules: ReplicatedCleaning | undefined) {
    return compactLog(this.log, CONFIG, { codec, nowMs: 10_000, replicated: rules });
  }

  reopen(): void {
    this.log.close();
    this.journal = QuorumStateJournal.open(this.fs, JDIR);
    this.raftLog = PartitionRaftLog.open(this.openLog(), this.journal.stored(G), BOOT);
  }
}

const bounds = (es: readonly Entry[]) => es.map((e) => `${e.kind}[${e.firstIndex}..${e.lastIndex}]@${e.term}`);
const terms = (r: PartitionRaftLog) => Array.from({ length: r.lastIndex() + 1 }, (_, i) => r.term(i));

async function compacted(rulesFor: (r: Replica) => ReplicatedCleaning | undefined = (r) => replicaCleaning(r.log.logEndOffset, r.log.flushedOffset)) {
  const r = new Replica();
  await r.write(history());
  const before = { image: imageOf(r.log), entries: r.raftLog.entries(0, 1 << 20), terms: terms(r.raftLog), bytes: r.log.sizeBytes };
  const result = await r.clean(rulesFor(r));
  return { r, before, result };
}

describe('a replicated log is cleaned only in its safe range', () => {
  test('the bound is the lower of the high watermark and the flushed offset', () => {
    expect(replicaCleaning(100, 80).cleanableEndOffset).toBe(80);
    expect(replicaCleaning(50, 80).cleanableEndOffset).toBe(50);
  });

  test('the cleaner picks a replica only when it has dirty segments below its bound', async () => {
    const r = new Replica();
    await r.write(history());
    const cleaner = new LogCleaner({ codec, clock: new ManualClock(), scheduler: new SimScheduler(new ManualClock()) });
    const target = (bound: number) => ({ name: 't-0', log: r.log, config: CONFIG, replicated: () => ({ cleanableEndOffset: bound }) });
    expect(cleaner.choose([target(0)], 10_000)).toBeNull();
    expect(cleaner.choose([target(r.log.logEndOffset)], 10_000)).not.toBeNull();
  });

  test('segments reaching the bound stay byte for byte; below it superseded records go', async () => {
    const bound = 40;
    const { r, before, result } = await compacted(() => ({ cleanableEndOffset: bound }));
    expect(result.outcome).toBe('cleaned');
    expect(result.recordsRemoved).toBeGreaterThan(0);
    const after = imageOf(r.log);
    checkCleaned(before.image, after, { cleanableEndOffset: bound, nowMs: 10_000, deleteRetentionMs: 1_000 }, 'replica');
    const segs = r.log.compactionView().segments;
    const reaching = segs.filter((s) => s.nextOffset > bound);
    expect(reaching.length).toBeGreaterThan(1);
    // Everything from the first segment reaching the bound reads as before.
    const from = reaching[0].baseOffset;
    expect(after.batches.filter((b) => b.baseOffset >= from)).toEqual(before.image.batches.filter((b) => b.baseOffset >= from));
  });

  test('without the bound (a broken cleaner) records at or above it go, and the checker says so', async () => {
    const bound = 40;
    const { r, before } = await compacted(() => ({ cleanableEndOffset: Infinity }));
    expect(() => checkCleaned(before.image, imageOf(r.log), { cleanableEndOffset: bound, nowMs: 10_000, deleteRetentionMs: 1_000 }, 'replica')).toThrow(/at or above the safe bound 40 was changed/);
  });
});

describe('what Raft needs of a compacted log', () => {
  test('control batches stay; every batch keeps its bounds, term and producer fields; the log shrinks', async () => {
    const { r, before } = await compacted();
    const after = imageOf(r.log);
    const shape = (bs: typeof after.batches) => bs.map((b) => [b.baseOffset, b.lastOffset, b.term, b.control, b.producerId, b.baseSequence]);
    expect(shape(after.batches)).toEqual(shape(before.image.batches));
    expect(after.batches.filter((b) => b.control)).toEqual(before.image.batches.filter((b) => b.control));
    expect(after.batches.filter((b) => !b.control && b.recordCount === 0).length).toBeGreaterThan(30);
    expect(r.log.sizeBytes).toBeLessThan(before.bytes * 0.8);
  });

  test('terms and entry bounds read as before, and again after a reopen checked against the journal', async () => {
    const { r, before } = await compacted();
    expect(terms(r.raftLog)).toEqual(before.terms);
    expect(bounds(r.raftLog.entries(0, 1 << 20))).toEqual(bounds(before.entries));
    r.reopen();
    expect(terms(r.raftLog)).toEqual(before.terms);
    expect(bounds(r.raftLog.entries(0, 1 << 20))).toEqual(bounds(before.entries));
    expect(r.raftLog.initialState().memberships.map((m) => m.index)).toContain(22); // the membership entry of term 2
  });

  test('a follower appending the compacted leader\'s entries holds the same batches', async () => {
    const { r } = await compacted();
    const follower = new Replica();
    await follower.write(r.raftLog.entries(0, 1 << 20));
    expect(imageOf(follower.log)).toEqual(imageOf(r.log));
  });

  test('the lone node\'s cleaner (no replicated rules) drops emptied batches: the holes the replicated rules avoid', async () => {
    const { r, before } = await compacted(() => undefined);
    expect(() => checkCleaned(before.image, imageOf(r.log), { cleanableEndOffset: Infinity, nowMs: 10_000, deleteRetentionMs: 1_000 }, 'replica')).toThrow(/a hole in the log|was removed or changed its bounds/);
  });
});

describe('idempotence and reads over a compacted log', () => {
  /** The producer's last 5 batches (what its state retains) that the cleaner emptied, and how a retry of each is answered after a replay of the log. */
  async function retriesOfEmptied(rules: (x: Replica) => ReplicatedCleaning | undefined, emptiedIn: ReturnType<typeof imageOf> | null = null) {
    const { r, before } = await compacted(rules);
    const last = before.image.logEndOffset - 1;
    const shape = emptiedIn ?? imageOf(r.log);
    const emptied = shape.batches.filter((b) => b.producerId === PRODUCER && b.recordCount === 0 && b.baseOffset > last - 5);
    const state = new ProducerState({ clock: new ManualClock() });
    for (const e of r.raftLog.entries(r.raftLog.firstIndex(), 1 << 20)) replayEntry(state, e);
    return { r, emptied, checks: emptied.map((b) => state.check(new BatchHeader((update(b.baseOffset, b.term) as Extract<Entry, { kind: 'data' }>).payload))) };
  }

  test('the producer state replayed from the compacted log finds a retry of an emptied batch a duplicate', async () => {
    const { emptied, checks } = await retriesOfEmptied((x) => ({ cleanableEndOffset: x.log.logEndOffset }));
    expect(emptied.length).toBeGreaterThan(0);
    checks.forEach((c, i) => expect(c).toMatchObject({ kind: 'duplicate', baseOffset: emptied[i].baseOffset }));
  });

  test('with the lone node\'s cleaner (batches dropped) the same retries are not found duplicates', async () => {
    const replicated = await compacted((x) => ({ cleanableEndOffset: x.log.logEndOffset }));
    const { emptied, checks } = await retriesOfEmptied(() => undefined, imageOf(replicated.r.log));
    expect(emptied.length).toBeGreaterThan(0);
    for (const c of checks) expect(c).not.toMatchObject({ kind: 'duplicate' });
  });

  test('a read from an emptied range goes on to the next record, across segments', async () => {
    const { r } = await compacted();
    const after = imageOf(r.log);
    const withRecords = after.batches.filter((b) => b.recordCount > 0 && !b.control).map((b) => b.baseOffset);
    for (let at = 0; at < r.log.logEndOffset; at++) {
      const next = withRecords.find((o) => o >= at);
      const read = r.log.read(at, 1 << 20, { minOneBatch: true });
      const offsets: number[] = [];
      for (let p = 0; p < read.bytes.length; p += new BatchHeader(read.bytes, p).sizeBytes) {
        const h = new BatchHeader(read.bytes, p);
        if (h.recordCount > 0 && !h.isControl) offsets.push(h.baseOffset);
      }
      if (next !== undefined && !after.batches.some((b) => b.control && b.baseOffset >= at && b.baseOffset < next)) expect(offsets).toContain(next);
    }
  });
});
