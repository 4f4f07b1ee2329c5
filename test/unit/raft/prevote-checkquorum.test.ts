// PreVote (dissertation 9.6), CheckQuorum (6.2) and the leader lease on votes (4.2.3): a node
// cut off and back must not depose a healthy leader; a leader cut off from a majority steps down.

import { describe, expect, test } from 'bun:test';
import { Cluster, drain, ofType, soloNode, storageWith } from './harness.ts';

function leaderOf3(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  return c;
}

describe('PreVote (dissertation 9.6)', () => {
  test('a node cut off never raises its term, and when it comes back the leader stays', () => {
    const c = leaderOf3();
    c.isolate(3);
    c.tickAll(100);
    expect(c.node(3).term).toBe(1);
    expect(c.node(3).role).not.toBe('leader');
    c.heal();
    c.tickAll(5);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).term).toBe(1);
  });

  test('granting a pre-vote changes neither term nor vote (nothing to persist)', () => {
    const storage = storageWith([1, 2, 3], []);
    const node = soloNode(3, storage);
    node.step({ type: 'request_vote', from: 1, to: 3, term: 5, preVote: true, transfer: false, lastIndex: -1, lastTerm: 0 });
    const rd = node.ready();
    expect(rd.hardState).toBeNull();
    expect(ofType(rd.messages, 'request_vote_response')).toMatchObject([{ preVote: true, granted: true, term: 5 }]);
    expect(node.status()).toMatchObject({ term: 0, vote: null });
  });

  test('a pre-candidate without a majority of pre-votes starts no election: its term stays', () => {
    const c = leaderOf3();
    c.isolate(3);
    c.campaign(3);
    expect(c.node(3).term).toBe(1);
    expect(ofType(c.sent, 'request_vote').filter((m) => m.from === 3 && !m.preVote)).toEqual([]);
  });

  test('a pre-candidate refused by nodes of a newer term learns that term', () => {
    const storage = storageWith([1, 2, 3], [], { term: 1 });
    const node = soloNode(1, storage);
    node.campaign();
    node.step({ type: 'request_vote_response', from: 2, to: 1, term: 7, preVote: true, granted: false });
    expect(node.status()).toMatchObject({ role: 'follower', term: 7 });
  });
});

describe('CheckQuorum (dissertation 6.2) and the lease on votes (4.2.3)', () => {
  test('a leader that hears from no majority for an election timeout steps down', () => {
    const c = leaderOf3();
    c.isolate(1);
    c.tick(1, 9);
    expect(c.node(1).role).toBe('leader');
    c.tick(1, 11);
    expect(c.node(1).role).toBe('follower');
  });

  test('a leader with a live majority stays, however long one follower is gone', () => {
    const c = leaderOf3();
    c.isolate(3);
    c.tickAll(100);
    expect(c.leaders()).toEqual([1]);
  });

  test('a follower that heard from its leader within the election timeout ignores a vote request of a newer term', () => {
    const c = leaderOf3();
    c.tickAll(1);
    const before = c.node(2).status();
    c.node(2).step({ type: 'request_vote', from: 3, to: 2, term: 9, preVote: false, transfer: false, lastIndex: 100, lastTerm: 9 });
    expect(c.node(2).status()).toMatchObject({ term: before.term, vote: before.vote, leaderId: 1 });
    expect(c.node(2).hasReady()).toBe(false);
  });

  test('... but answers one sent on a leadership transfer', () => {
    const c = leaderOf3();
    c.tickAll(1);
    c.node(2).step({ type: 'request_vote', from: 3, to: 2, term: 9, preVote: false, transfer: true, lastIndex: 100, lastTerm: 9 });
    const messages = drain(c.node(2), c.peer(2).storage);
    expect(ofType(messages, 'request_vote_response')).toMatchObject([{ granted: true, term: 9 }]);
  });

  test('a node that heard from no leader for an election timeout answers votes again', () => {
    const c = leaderOf3();
    c.isolate(2);
    c.tick(2, 10);
    c.node(2).step({ type: 'request_vote', from: 3, to: 2, term: 9, preVote: false, transfer: false, lastIndex: 100, lastTerm: 9 });
    expect(c.node(2).status()).toMatchObject({ term: 9, vote: 3 });
  });
});

test("status() shows which followers answered in the current CheckQuorum round (6.2), for the partition's ISR", () => {
  const c = new Cluster([1, 2, 3], { electionTimeoutTicks: 10 });
  c.campaign(1);
  c.tickAll(1);
  const active = () => [...c.node(1).status().progress!].filter(([, f]) => f.recentActive).map(([id]) => id);
  expect(active()).toEqual([1, 2, 3]);
  c.isolate(3);
  c.tickAll(25); // past two rounds: node 3 answered in neither
  expect(c.node(1).status().role).toBe('leader');
  expect(active()).toEqual([1, 2]);
  c.heal();
  c.tickAll(2);
  expect(active()).toEqual([1, 2, 3]);
});
