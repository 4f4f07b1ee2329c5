// The quorum-state journal (src/raft/quorum-state.ts): the state of many groups made durable
// by one record and one fsync per turn; what was synced survives a crash, a torn last record
// is cut and never read as a state; removals; compaction keeps the file bounded.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { membership } from '../../../src/raft/core/index.ts';
import { type GroupState, COMPACT_BYTES_MIN, QUORUM_STATE_FILE, QuorumStateJournal, replay } from '../../../src/raft/quorum-state.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';

const DIR = '/data/raft';

function state(term: number, vote: number | null = null, extra: Partial<GroupState> = {}): GroupState {
  return {
    term,
    vote,
    commit: term * 10,
    snapshot: { index: 4, term: 1, membership: membership([1, 2, 3]) },
    memberships: [{ index: 20, term, membership: membership([1, 2, 3], [4]) }],
    ...extra,
  };
}

describe('the quorum-state journal', () => {
  test('the states of many groups staged in one turn cost one record and one fsync, and come back on open', async () => {
    const fs = new SimStorageFs();
    const j = QuorumStateJournal.open(fs, DIR);
    const before = fs.fsyncCalls;
    const syncs: Promise<void>[] = [];
    for (let g = 0; g < 1000; g++) {
      j.stage(`t:${g}`, state(g + 1, g % 3));
      syncs.push(j.sync());
    }
    await Promise.all(syncs);
    expect(fs.fsyncCalls - before).toBe(1);
    expect(j.stats.records).toBe(1);
    fs.crash();
    const again = QuorumStateJournal.open(fs, DIR);
    expect(again.groupCount).toBe(1000);
    expect(again.stored('t:7')).toEqual(state(8, 7 % 3));
    expect(again.stored('t:999')!.vote).toBe(0);
  });

  test('the last record naming a group wins; a removal forgets it', async () => {
    const fs = new SimStorageFs();
    const j = QuorumStateJournal.open(fs, DIR);
    j.stage('a', state(1));
    j.stage('b', state(1));
    await j.sync();
    j.stage('a', state(2, 3));
    j.stageRemoval('b');
    await j.sync();
    fs.crash();
    const again = QuorumStateJournal.open(fs, DIR);
    expect(again.stored('a')).toEqual(state(2, 3));
    expect(again.stored('b')).toBeUndefined();
  });

  test('a crash before the fsync completes keeps the earlier turn and either all or none of the last: a torn record is cut, never misread', async () => {
    const outcomes = new Set<number>();
    let torn = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const rand = new Prng(seed);
      const fs = new SimStorageFs();
      const j = QuorumStateJournal.open(fs, DIR);
      j.stage('g', state(5, 1));
      await j.sync();
      j.stage('g', state(6, 2, { memberships: [] }));
      void j.sync().catch(() => {});
      await Promise.resolve(); // the record is appended; its fsync has not completed
      fs.crash({ tornTail: true, random: () => rand.next() });
      const again = QuorumStateJournal.open(fs, DIR);
      expect([state(5, 1), state(6, 2, { memberships: [] })]).toContainEqual(again.stored('g')!);
      outcomes.add(again.stored('g')!.term);
      if (again.stats.tornBytes > 0) torn++;
    }
    expect([...outcomes].sort()).toEqual([5, 6]); // both a lost and a surviving last record were seen
    expect(torn).toBeGreaterThan(0); // and a part of one, cut
  });

  test('replay stops at a record whose bytes do not match its CRC', async () => {
    const fs = new SimStorageFs();
    const j = QuorumStateJournal.open(fs, DIR);
    j.stage('g', state(2));
    await j.sync();
    j.stage('g', state(3));
    await j.sync();
    const bytes = fs.readFile(`${DIR}/${QUORUM_STATE_FILE}`)!;
    expect(replay(bytes).states.get('g')).toEqual(state(3));
    const flipped = bytes.slice();
    flipped[flipped.length - 3] ^= 1;
    const r = replay(flipped);
    expect(r.states.get('g')).toEqual(state(2));
    expect(r.validBytes).toBeLessThan(bytes.length);
  });

  test('compaction keeps the file a small multiple of the state, and loses nothing', async () => {
    const fs = new SimStorageFs();
    const j = QuorumStateJournal.open(fs, DIR);
    const groups = 200;
    for (let turn = 1; turn <= 200; turn++) {
      for (let g = 0; g < groups; g++) j.stage(`t:${g}`, state(turn, g % 5));
      await j.sync();
    }
    expect(j.stats.compactions).toBeGreaterThan(1); // the one at open, then at least one more
    const size = fs.readFile(`${DIR}/${QUORUM_STATE_FILE}`)!.length;
    expect(size).toBeLessThan(COMPACT_BYTES_MIN + 2 * 100 * groups);
    fs.crash();
    const again = QuorumStateJournal.open(fs, DIR);
    expect(again.groupCount).toBe(groups);
    expect(again.stored('t:3')).toEqual(state(200, 3));
  });

  test('a failed fsync fails the journal: later syncs are refused (the node must stop)', async () => {
    const fs = new SimStorageFs();
    const j = QuorumStateJournal.open(fs, DIR);
    fs.failFsyncs = 1;
    j.stage('g', state(1));
    await expect(j.sync()).rejects.toThrow('EIO');
    j.stage('g', state(2));
    await expect(j.sync()).rejects.toThrow('EIO');
  });
});
