// The PartitionLog adapter's crash rules (partition-raft-log.ts, membership-index.ts), beyond
// the conformance suite: a crash between journaling a snapshot point and moving the log is
// finished on open (compaction: keep what follows; install: restart the log); the journal's
// membership entries are checked against the log (lost or truncated ones drop out, one whose
// truncation was not durable stays); a log the journal does not know is scanned for them;
// write-through appends only right after the core's history; the journaled commit never
// points past the flushed log.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { type Entry, membership } from '../../../src/raft/core/index.ts';
import { PartitionRaftLog } from '../../../src/raft/partition-raft-log.ts';
import { QuorumStateJournal } from '../../../src/raft/quorum-state.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const DIR = '/n/data/kafka/t/0';
const JDIR = '/n/data/raft';
const G = 't:0';
const BOOT = membership([1, 2, 3]);

function data(at: number, term: number, n = 2): Entry {
  const payload = buildBatch({ baseOffset: at, partitionLeaderEpoch: term, records: Array.from({ length: n }, (_, k) => ({ value: `v${at + k}` })) });
  return { kind: 'data', firstIndex: at, lastIndex: at + n - 1, term, payload };
}

function member(at: number, term: number, voters: number[], learners: number[] = []): Entry {
  return { kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'membership', membership: membership(voters, learners) } };
}

class Node {
  readonly fs = new SimStorageFs();
  journal = QuorumStateJournal.open(this.fs, JDIR);
  raftLog = PartitionRaftLog.open(this.openLog(), undefined, BOOT);

  openLog(): PartitionLog {
    return PartitionLog.open(DIR, { segmentBytes: 300 }, { fs: this.fs, clock: new ManualClock(), crc32c });
  }

  async journalNow(extra: Parameters<PartitionRaftLog['journalState']>[0] = []): Promise<void> {
    this.journal.stage(G, this.raftLog.journalState(extra));
    await this.journal.sync();
  }

  crashAndReopen(): PartitionRaftLog {
    this.fs.crash();
    this.journal = QuorumStateJournal.open(this.fs, JDIR);
    this.raftLog = PartitionRaftLog.open(this.openLog(), this.journal.stored(G), BOOT);
    return this.raftLog;
  }
}

describe('a crash between journaling a snapshot point and moving the log', () => {
  test('a compaction is finished on open: the log starts after the point, and what followed it stays', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1), data(2, 1), member(4, 1, [1, 2]), data(5, 2)]);
    await n.raftLog.log.flush();
    n.raftLog.setHardState({ term: 2, vote: null, commit: 4 });
    const meta = n.raftLog.beginCompaction(4)!;
    expect(meta).toEqual({ index: 4, term: 1, membership: membership([1, 2]) });
    await n.journalNow();
    const r = n.crashAndReopen(); // finishCompaction never ran
    expect([r.firstIndex(), r.lastIndex(), r.log.logStartOffset]).toEqual([5, 6, 5]);
    expect(r.snapshot()).toEqual(meta);
    expect(r.term(4)).toBe(1);
    expect(r.entries(5, 1000).map((e) => [e.firstIndex, e.term])).toEqual([[5, 2]]);
  });

  test('a snapshot from the leader is finished on open: the log restarts, empty, after its point', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1), member(2, 1, [1, 2, 3, 4]), data(3, 1)]);
    await n.raftLog.log.flush();
    n.raftLog.setHardState({ term: 5, vote: 2, commit: 1 });
    const meta = { index: 30, term: 4, membership: membership([2, 3], [1]) };
    n.raftLog.prepareInstall(meta);
    await n.journalNow();
    const r = n.crashAndReopen(); // installSnapshot never ran
    expect([r.firstIndex(), r.lastIndex(), r.term(30)]).toEqual([31, 30, 4]);
    expect(r.initialState()).toEqual({ hardState: { term: 5, vote: 2, commit: 30 }, memberships: [{ index: 30, membership: meta.membership }] });
  });
});

describe('the membership index across crashes', () => {
  test('an entry journaled first but lost with the unflushed log is not in effect after the crash', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1)]);
    await n.raftLog.log.flush();
    const m = member(2, 1, [1, 2]);
    await n.journalNow(PartitionRaftLog.membershipRecords([m])); // journal first ...
    n.raftLog.persist([m]); // ... then the log, not flushed
    const r = n.crashAndReopen();
    expect(r.lastIndex()).toBe(1);
    expect(r.initialState().memberships).toEqual([{ index: -1, membership: BOOT }]);
  });

  test('an entry a truncation removed stays in effect while the truncation is not durable, and goes once it is', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1), member(2, 1, [1, 2])]);
    await n.raftLog.log.flush();
    await n.journalNow();
    // A new leader cuts at 2; the journal is written (a term change) before the cut is flushed.
    n.raftLog.persist([data(2, 3)]);
    n.raftLog.setHardState({ term: 3, vote: null, commit: 1 });
    await n.journalNow();
    const r = n.crashAndReopen();
    // The cut was not flushed: the log may still hold the entry, and then it is in effect.
    const held = r.lastIndex() >= 2 && r.term(2) === 1;
    expect(r.initialState().memberships.some((x) => x.index === 2)).toBe(held);
    expect(held).toBe(true);

    const n2 = new Node();
    n2.raftLog.persist([data(0, 1), member(2, 1, [1, 2])]);
    await n2.raftLog.log.flush();
    n2.raftLog.persist([data(2, 3)]);
    await n2.raftLog.log.flush();
    n2.raftLog.truncationsDurable();
    n2.raftLog.setHardState({ term: 3, vote: null, commit: 1 });
    await n2.journalNow();
    expect(n2.raftLog.journalState().memberships).toEqual([]);
    expect(n2.crashAndReopen().initialState().memberships).toEqual([{ index: -1, membership: BOOT }]);
  });

  test('a log the journal does not know (written before it was replicated, or the journal lost) is scanned once', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1), member(2, 1, [1, 2], [5]), data(3, 2)]);
    await n.raftLog.log.flush();
    n.fs.crash();
    const r = PartitionRaftLog.open(n.openLog(), undefined, BOOT);
    expect(r.initialState()).toEqual({
      hardState: { term: 2, vote: null, commit: -1 },
      memberships: [{ index: -1, membership: BOOT }, { index: 2, membership: membership([1, 2], [5]) }],
    });
  });
});

describe('writes', () => {
  test('write-through appends only right after the history the core has before it', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1)]);
    const b = (data(2, 2) as Extract<Entry, { kind: 'data' }>).payload;
    expect(n.raftLog.writeThrough(b, 3, 2, 1)).toBe(false); // the log ends at 2, not 3
    expect(n.raftLog.writeThrough(b, 2, 2, 7)).toBe(false); // the core has another term before it
    expect(n.raftLog.writeThrough(b, 2, 2, 1)).toBe(true);
    expect(n.raftLog.lastIndex()).toBe(3);
    // The Ready that carries it finds it held and writes nothing twice.
    n.raftLog.persist([data(2, 2)]);
    expect(n.raftLog.lastIndex()).toBe(3);
  });

  test('the journaled commit never points past the flushed log', async () => {
    const n = new Node();
    n.raftLog.persist([data(0, 1), data(2, 1)]);
    n.raftLog.setHardState({ term: 1, vote: 1, commit: 3 });
    expect(n.raftLog.journalState().commit).toBe(-1);
    await n.raftLog.log.flush();
    expect(n.raftLog.journalState().commit).toBe(3);
  });

  test('journaled before a Ready that replaces a divergent suffix, the commit stops before the cut, so a restart finds a batch end', async () => {
    const n = new Node();
    // Flushed: [0,1]@1 [2]@1; the leader of term 2 replaces [2] with [2,3]@2 and a membership
    // entry (journal first), its commit 3 already known.
    n.raftLog.persist([data(0, 1), data(2, 1, 1)]);
    await n.raftLog.log.flush();
    n.raftLog.setHardState({ term: 2, vote: null, commit: 3 });
    const pending = [data(2, 2), member(4, 2, [1, 2])];
    const state = n.raftLog.journalState(PartitionRaftLog.membershipRecords(pending), pending);
    // 2 is a batch end of the flushed log but inside [2,3]@2 of the new one.
    expect(state.commit).toBe(1);
    n.journal.stage(G, state);
    await n.journal.sync();
    const reopened = n.crashAndReopen();
    expect(reopened.initialState().hardState.commit).toBe(1);
  });
});
