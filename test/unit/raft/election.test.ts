// Leader election (paper 5.2, 5.4.1), as etcd's raft_paper_test.go does it: one rule per test.

import { describe, expect, test } from 'bun:test';
import { membership } from '../../../src/raft/core/index.ts';
import { Cluster, dataEntry, drain, ofType, soloNode, storageWith } from './harness.ts';

describe('leader election (paper 5.2)', () => {
  test('a follower that hears from no leader for its election timeout campaigns, PreVote first, and wins with a majority', () => {
    const c = new Cluster([1, 2, 3]);
    c.tick(1, 20);
    expect(c.leaders()).toEqual([1]);
    const votes = ofType(c.sent, 'request_vote').filter((m) => m.from === 1);
    expect(votes.map((m) => [m.preVote, m.term])).toEqual([
      [true, 1],
      [true, 1],
      [false, 1],
      [false, 1],
    ]);
    for (const id of [2, 3]) expect(c.node(id).status()).toMatchObject({ role: 'follower', term: 1, vote: 1, leaderId: 1 });
  });

  test('the election timeout is drawn from [T, 2T) by the random source it is given', () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const storage = storageWith([1, 2, 3], []);
      const node = soloNode(1, storage, {}, seed);
      let ticks = 0;
      while (ofType(drain(node, storage), 'request_vote').length === 0) {
        node.tick();
        ticks++;
      }
      timeouts.add(ticks);
    }
    for (const t of timeouts) expect(t >= 10 && t < 20).toBe(true);
    expect(timeouts.size).toBeGreaterThan(3);
  });

  test('a node votes at most once per term, first come first served, and the vote is persisted with its answer', () => {
    const storage = storageWith([1, 2, 3], []);
    const node = soloNode(3, storage);
    node.step({ type: 'request_vote', from: 1, to: 3, term: 1, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    const rd = node.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 1, commit: -1 });
    expect(ofType(rd.messages, 'request_vote_response')).toMatchObject([{ to: 1, granted: true, term: 1 }]);
    storage.setHardState(rd.hardState!);
    node.advance(rd);
    node.step({ type: 'request_vote', from: 2, to: 3, term: 1, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    expect(ofType(drain(node, storage), 'request_vote_response')).toMatchObject([{ to: 2, granted: false }]);
    // The same candidate asking again (a retry) gets the same answer.
    node.step({ type: 'request_vote', from: 1, to: 3, term: 1, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    expect(ofType(drain(node, storage), 'request_vote_response')).toMatchObject([{ to: 1, granted: true }]);
  });

  test('split vote: nobody wins a term, and a later election with new random timeouts does', () => {
    const c = new Cluster([1, 2, 3, 4]);
    c.holdIf = () => true;
    c.campaign(1);
    c.campaign(2);
    // Pre-votes bind nobody: both pass them and become candidates in term 1.
    c.release((m) => m.type === 'request_vote' && m.preVote);
    c.release((m) => m.type === 'request_vote_response');
    expect([c.node(1).role, c.node(2).role]).toEqual(['candidate', 'candidate']);
    // 3 hears from 1 first, 4 from 2 first: two votes each, three needed.
    c.release((m) => m.type === 'request_vote' && ((m.from === 1 && m.to === 3) || (m.from === 2 && m.to === 4)));
    c.release((m) => m.type === 'request_vote');
    c.release(() => true);
    expect(c.leaders()).toEqual([]);
    expect([c.node(1).role, c.node(2).role]).toEqual(['follower', 'follower']);
    c.holdIf = null;
    c.tickAll(40);
    expect(c.leaders().length).toBe(1);
    expect(c.node(c.leaders()[0]).term).toBeGreaterThanOrEqual(2);
  });

  test('a candidate that hears from a leader of its own term steps back to follower', () => {
    const storage = storageWith([1, 2, 3], []);
    const node = soloNode(1, storage);
    node.campaign();
    node.step({ type: 'request_vote_response', from: 2, to: 1, term: 1, preVote: true, granted: true });
    expect(node.role).toBe('candidate');
    node.step({ type: 'append_entries', from: 3, to: 1, term: 1, prevIndex: -1, prevTerm: 0, entries: [], commit: -1 });
    expect(node.status()).toMatchObject({ role: 'follower', term: 1, leaderId: 3 });
  });

  test('learners and nodes outside the membership never campaign', () => {
    for (const m of [membership([2, 3], [1]), membership([2, 3])]) {
      const storage = storageWith([], []);
      storage.installSnapshot({ index: -1, term: 0, membership: m });
      const node = soloNode(1, storage);
      for (let i = 0; i < 100; i++) node.tick();
      expect(ofType(drain(node, storage), 'request_vote')).toEqual([]);
    }
  });
});

describe('election restriction (paper 5.4.1)', () => {
  // The voter's log: 0@t1, 1..2@t2.
  const log = () => storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 2, 2)], { term: 2 });

  const cases: [string, number, number, boolean][] = [
    ['a longer log of an older last term', 5, 1, false],
    ['a shorter log of the same last term', 1, 2, false],
    ['the same last index and term', 2, 2, true],
    ['a shorter log of a newer last term', 0, 3, true],
  ];
  for (const [what, lastIndex, lastTerm, granted] of cases) {
    test(`a candidate with ${what} is ${granted ? 'granted' : 'refused'} the vote`, () => {
      const storage = log();
      const node = soloNode(3, storage);
      node.step({ type: 'request_vote', from: 1, to: 3, term: 3, preVote: false, transfer: false, lastIndex, lastTerm });
      expect(ofType(drain(node, storage), 'request_vote_response')).toMatchObject([{ granted }]);
    });
  }
});
