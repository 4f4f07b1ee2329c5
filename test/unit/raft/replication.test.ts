// Log replication (paper 5.3) over the log model: an entry is a batch of records covering a
// range of offsets; a divergent suffix is cut at a batch start; the commit index never moves
// past what an append proved.

import { describe, expect, test } from 'bun:test';
import { describeEntries, type Entry } from '../../../src/raft/core/index.ts';
import { Cluster, dataEntry, drain, ofType, soloNode, storageWith } from './harness.ts';

function leaderOf3(overrides = {}): Cluster {
  const c = new Cluster([1, 2, 3], overrides);
  c.campaign(1);
  return c;
}

const ranges = (es: readonly Entry[]) => es.map((e) => [e.firstIndex, e.lastIndex, e.term]);

describe('log replication (paper 5.3)', () => {
  test('a proposal gets its offsets at once; once a majority holds it durably it commits and every node applies it', () => {
    const c = leaderOf3();
    expect(c.propose(1, 'a', 2)).toEqual({ ok: true, firstIndex: 1, lastIndex: 2, term: 1 });
    expect(c.propose(1, 'b', 1)).toEqual({ ok: true, firstIndex: 3, lastIndex: 3, term: 1 });
    expect(c.propose(1, 'c', 5)).toEqual({ ok: true, firstIndex: 4, lastIndex: 8, term: 1 });
    c.tickAll(2);
    for (const id of [1, 2, 3]) {
      expect(c.appliedData(id)).toEqual(['a', 'b', 'c']);
      expect(c.node(id).commit).toBe(8);
      expect(ranges(c.peer(id).storage.allEntries())).toEqual([
        [0, 0, 1],
        [1, 2, 1],
        [3, 3, 1],
        [4, 8, 1],
      ]);
    }
  });

  test('a group of one commits what its only node has persisted', () => {
    const c = new Cluster([1]);
    c.campaign(1);
    expect(c.leaders()).toEqual([1]);
    const r = c.node(1).propose(new TextEncoder().encode('solo'), 2);
    expect(r).toMatchObject({ ok: true, firstIndex: 1, lastIndex: 2 });
    expect(c.node(1).commit).toBe(0);
    c.settle();
    expect(c.node(1).commit).toBe(2);
    expect(c.appliedData(1)).toEqual(['solo']);
  });

  test('a follower refuses a proposal with an error value naming the leader', () => {
    const c = leaderOf3();
    expect(c.node(2).propose(new Uint8Array(1), 1)).toEqual({ ok: false, reason: 'not_leader', leaderId: 1 });
  });

  test('nothing commits without a majority', () => {
    const c = leaderOf3();
    c.isolate(2);
    c.isolate(3);
    c.propose(1, 'lonely');
    c.tick(1, 5);
    expect(c.node(1).commit).toBe(0);
    c.heal();
    c.tickAll(2);
    expect(c.node(1).commit).toBe(1);
  });

  test("the leader's own copy counts toward the quorum only once persisted (acks=all means on disk)", () => {
    const storage = storageWith([1, 2, 3], []);
    const leader = soloNode(1, storage);
    leader.campaign();
    drain(leader, storage);
    leader.step({ type: 'request_vote_response', from: 2, to: 1, term: 1, preVote: true, granted: true });
    drain(leader, storage);
    leader.step({ type: 'request_vote_response', from: 2, to: 1, term: 1, preVote: false, granted: true });
    drain(leader, storage);
    leader.step({ type: 'append_entries_response', from: 2, to: 1, term: 1, reject: false, matchIndex: 0 });
    drain(leader, storage);
    expect(leader.commit).toBe(0);
    leader.propose(new Uint8Array(3), 1);
    const rd = leader.ready();
    leader.step({ type: 'append_entries_response', from: 2, to: 1, term: 1, reject: false, matchIndex: 1 });
    expect(leader.commit).toBe(0);
    storage.append(rd.entries);
    leader.advance(rd);
    expect(leader.commit).toBe(1);
  });
});

describe('log matching (paper 5.3) on batches', () => {
  // The follower's log: 0@t1, 1..3@t2, 4..5@t3, 6..8@t3.
  const follower = () => storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 3, 2), dataEntry(4, 5, 3), dataEntry(6, 8, 3)], { term: 3, commit: 3 });

  test('an append whose prevIndex/prevTerm the follower does not hold is refused, with a hint past the divergent term', () => {
    const storage = follower();
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 8, prevTerm: 4, entries: [], commit: 3 });
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 12, prevTerm: 2, entries: [], commit: 3 });
    expect(ofType(drain(node, storage), 'append_entries_response')).toMatchObject([
      // Term 3 <= 4 at 8: the follower's logs may match up to there.
      { reject: true, rejectedIndex: 8, hintIndex: 8, hintTerm: 3 },
      // Past the end, and the last entry with a term <= 2 ends at 3.
      { reject: true, rejectedIndex: 12, hintIndex: 3, hintTerm: 2 },
    ]);
  });

  test('a divergent suffix is cut at the batch where it starts, and the new entries are appended in the same write', () => {
    const storage = follower();
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 3, prevTerm: 2, entries: [dataEntry(4, 6, 4, 'new')], commit: 3 });
    const rd = node.ready();
    expect(ranges(rd.entries)).toEqual([[4, 6, 4]]);
    expect(ofType(rd.messages, 'append_entries_response')).toMatchObject([{ reject: false, matchIndex: 6 }]);
    storage.append(rd.entries);
    node.advance(rd);
    expect(describeEntries(storage.allEntries())).toBe('[0@t1(1B) 1..3@t2(1B) 4..6@t4(3B)]');
  });

  test('a late or duplicate append of entries already held truncates nothing', () => {
    const storage = follower();
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 3, prevIndex: 3, prevTerm: 2, entries: [dataEntry(4, 5, 3)], commit: 3 });
    const messages = drain(node, storage);
    expect(node.lastIndex).toBe(8);
    expect(ofType(messages, 'append_entries_response')).toMatchObject([{ reject: false, matchIndex: 5 }]);
  });

  test("the commit index moves only as far as the append proved the logs match: min(leader's commit, last new entry)", () => {
    const storage = follower();
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 3, prevTerm: 2, entries: [], commit: 8 });
    expect(node.commit).toBe(3);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 3, prevTerm: 2, entries: [dataEntry(4, 5, 3)], commit: 8 });
    expect(node.commit).toBe(5);
  });

  test('an append below the commit index is answered with the commit index, whatever it carries', () => {
    const storage = follower();
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 4, prevIndex: 0, prevTerm: 9, entries: [dataEntry(1, 1, 9)], commit: 0 });
    expect(ofType(drain(node, storage), 'append_entries_response')).toMatchObject([{ reject: false, matchIndex: 3 }]);
    expect(node.lastIndex).toBe(8);
  });

  test('a new leader brings a divergent follower to its log, skipping a whole divergent term in one round', () => {
    const leaderLog = [dataEntry(0, 0, 1), dataEntry(1, 2, 1), dataEntry(3, 5, 3), dataEntry(6, 6, 3)];
    const divergent = [dataEntry(0, 0, 1), dataEntry(1, 2, 1), dataEntry(3, 3, 2), dataEntry(4, 5, 2), dataEntry(6, 7, 2), dataEntry(8, 9, 2)];
    const c = new Cluster([1, 2, 3]);
    for (const [id, log] of [[1, leaderLog], [2, leaderLog], [3, divergent]] as const) c.setStorage(id, storageWith([1, 2, 3], log, { term: 3, commit: 2 }));
    c.campaign(1);
    const rejects = c.sent.filter((m) => m.type === 'append_entries_response' && m.from === 3 && m.reject);
    expect(rejects.length).toBe(1);
    expect(ranges(c.peer(3).storage.allEntries())).toEqual(ranges(c.peer(1).storage.allEntries()));
    expect(c.node(3).commit).toBe(7);
  });
});
