// One conformance suite for both RaftStorage implementations: the in-memory reference
// (core/memory-storage.ts) and the PartitionLog adapter (partition-raft-log.ts) take the same
// random writes (appends, divergent suffixes cut by a new term, compactions, snapshot installs,
// clean restarts through the quorum-state journal) and must answer every read the core makes
// the same way: first and last index, the term of every index, whole entries under a byte
// limit, the snapshot point and the initial state (hard state and memberships).

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import {
  emptySnapshot,
  type Entry,
  type HardState,
  membership,
  type Membership,
  MemoryRaftStorage,
  type RaftStorage,
  type SnapshotMeta,
} from '../../../src/raft/core/index.ts';
import { PartitionRaftLog } from '../../../src/raft/partition-raft-log.ts';
import { QuorumStateJournal } from '../../../src/raft/quorum-state.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const DIR = '/n/data/kafka/t/0';
const JOURNAL_DIR = '/n/data/raft';
const GROUP = 't:0';
const BOOT = membership([1, 2, 3]);

/** A model of a Raft log the random writes follow: terms never go back, a cut takes a new term. */
interface Model {
  snapshot: SnapshotMeta;
  entries: Entry[];
  commit: number;
  maxTerm: number;
}

function lastOf(m: Model): number {
  return m.entries.length === 0 ? m.snapshot.index : m.entries[m.entries.length - 1].lastIndex;
}

function makeEntries(rand: Prng, from: number, term: number, count: number): Entry[] {
  const out: Entry[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    const roll = rand.int(0, 9);
    if (roll === 0) {
      out.push({ kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'leader_change', leaderId: rand.int(1, 3), voters: [1, 2, 3] } });
      at++;
    } else if (roll === 1) {
      const voters = [1, 2, 3].filter(() => rand.chance(0.7));
      const m = membership(voters.length > 0 ? voters : [1], rand.chance(0.5) ? [4] : []);
      out.push({ kind: 'control', firstIndex: at, lastIndex: at, term, control: { type: 'membership', membership: m } });
      at++;
    } else {
      const n = rand.int(1, 3);
      const payload = buildBatch({ baseOffset: at, partitionLeaderEpoch: term, records: Array.from({ length: n }, (_, k) => ({ value: `v${at + k}` })) });
      out.push({ kind: 'data', firstIndex: at, lastIndex: at + n - 1, term, payload });
      at += n;
    }
  }
  return out;
}

class Pair {
  readonly memory: MemoryRaftStorage;
  adapter: PartitionRaftLog;
  readonly fs = new SimStorageFs();
  journal: QuorumStateJournal;
  hard: HardState = { term: 0, vote: null, commit: -1 };

  constructor() {
    this.memory = MemoryRaftStorage.bootstrap(BOOT);
    this.journal = QuorumStateJournal.open(this.fs, JOURNAL_DIR);
    this.adapter = PartitionRaftLog.open(this.openLog(), undefined, BOOT);
  }

  openLog(): PartitionLog {
    return PartitionLog.open(DIR, { segmentBytes: 300 }, { fs: this.fs, clock: new ManualClock(), crc32c });
  }

  write(entries: Entry[]): void {
    this.memory.append(entries);
    this.adapter.persist(entries);
  }

  setHard(h: HardState): void {
    this.hard = h;
    this.memory.setHardState(h);
    this.adapter.setHardState(h);
  }

  async compact(index: number): Promise<void> {
    this.memory.compact(index);
    await this.adapter.log.flush();
    const meta = this.adapter.beginCompaction(index)!;
    this.journal.stage(GROUP, this.adapter.journalState());
    await this.journal.sync();
    this.adapter.finishCompaction(meta);
  }

  async install(meta: SnapshotMeta): Promise<void> {
    this.memory.installSnapshot(meta);
    this.adapter.prepareInstall(meta);
    this.journal.stage(GROUP, this.adapter.journalState());
    await this.journal.sync();
    this.adapter.installSnapshot(meta);
  }

  /** A clean restart: the log flushed, the journal synced, the machine crashed, both reopened. */
  async restart(): Promise<void> {
    await this.adapter.log.flush();
    this.adapter.truncationsDurable();
    this.journal.stage(GROUP, this.adapter.journalState());
    await this.journal.sync();
    this.fs.crash();
    this.journal = QuorumStateJournal.open(this.fs, JOURNAL_DIR);
    this.adapter = PartitionRaftLog.open(this.openLog(), this.journal.stored(GROUP), BOOT);
  }
}

/** Entries with their payload as plain arrays, so two reads compare by value. */
function plain(es: readonly Entry[]): unknown[] {
  return es.map((e) => (e.kind === 'data' ? { ...e, payload: [...e.payload] } : e));
}

function expectSameAnswers(a: RaftStorage, b: RaftStorage, rand: Prng, what: string): void {
  expect([b.firstIndex(), b.lastIndex()], what).toEqual([a.firstIndex(), a.lastIndex()]);
  expect(b.snapshot(), what).toEqual(a.snapshot());
  for (let i = a.firstIndex() - 2; i <= a.lastIndex() + 1; i++) expect(b.term(i), `${what}: term(${i})`).toBe(a.term(i));
  if (a.lastIndex() >= a.firstIndex()) {
    for (let k = 0; k < 4; k++) {
      const from = rand.int(a.firstIndex(), a.lastIndex());
      const bytesMax = rand.pick([0, 50, 200, 100_000]);
      expect(plain(b.entries(from, bytesMax)), `${what}: entries(${from}, ${bytesMax})`).toEqual(plain(a.entries(from, bytesMax)));
    }
  }
  expect(b.initialState(), what).toEqual(a.initialState());
}

describe('RaftStorage conformance: PartitionRaftLog answers as MemoryRaftStorage does', () => {
  for (let seed = 1; seed <= 30; seed++) {
    test(`seed ${seed}`, async () => {
      const rand = new Prng(seed);
      const p = new Pair();
      const m: Model = { snapshot: emptySnapshot(BOOT), entries: [], commit: -1, maxTerm: 1 };
      let restarts = 0;
      for (let step = 0; step < 60; step++) {
        const roll = rand.int(0, 19);
        if (roll < 9) {
          // Append at the end in the current term.
          const es = makeEntries(rand, lastOf(m) + 1, m.maxTerm, rand.int(1, 4));
          m.entries.push(...es);
          p.write(es);
        } else if (roll < 12 && m.entries.length > 0) {
          // A new leader cuts a divergent suffix (never at or below the commit).
          const cuttable = m.entries.filter((e) => e.firstIndex > m.commit);
          if (cuttable.length === 0) continue;
          const at = rand.pick(cuttable).firstIndex;
          m.maxTerm++;
          const es = makeEntries(rand, at, m.maxTerm, rand.int(1, 3));
          m.entries = m.entries.filter((e) => e.firstIndex < at).concat(es);
          p.write(es);
        } else if (roll < 14 && m.entries.length > 0) {
          // Commit up to a batch end; compact below it now and then.
          const ends = m.entries.map((e) => e.lastIndex);
          m.commit = Math.max(m.commit, rand.pick(ends));
          p.setHard({ term: m.maxTerm, vote: rand.pick([null, 1, 2]), commit: m.commit });
          if (rand.chance(0.5) && m.commit > m.snapshot.index) {
            await p.compact(m.commit);
            const kept = m.entries.filter((e) => e.firstIndex > m.commit);
            const dropped = m.entries.filter((e) => e.firstIndex <= m.commit);
            const last = dropped[dropped.length - 1];
            m.snapshot = { index: m.commit, term: last.term, membership: latestMembership(dropped) ?? m.snapshot.membership };
            m.entries = kept;
          }
        } else if (roll < 15) {
          // The leader's snapshot point, past everything this log holds.
          m.maxTerm++;
          const meta: SnapshotMeta = { index: lastOf(m) + rand.int(1, 5), term: m.maxTerm, membership: membership([1, 2], [3]) };
          await p.install(meta);
          m.snapshot = meta;
          m.entries = [];
          m.commit = meta.index;
          p.setHard({ term: m.maxTerm, vote: null, commit: m.commit });
        } else if (roll < 17) {
          await p.restart();
          restarts++;
        }
        expectSameAnswers(p.memory, p.adapter, rand, `seed ${seed} step ${step}`);
      }
      expect(restarts).toBeGreaterThan(0);
    });
  }
});

function latestMembership(es: readonly Entry[]): Membership | null {
  for (let i = es.length - 1; i >= 0; i--) {
    const e = es[i];
    if (e.kind === 'control' && e.control.type === 'membership') return e.control.membership;
  }
  return null;
}
