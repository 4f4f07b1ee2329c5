// Restart from persisted state (paper Figure 2, "Persistent state on all servers"): term, vote
// and log survive; what was not persisted through a Ready is gone, and that is safe.

import { describe, expect, test } from 'bun:test';
import { Cluster, drain, ofType, soloNode, storageWith } from './harness.ts';

describe('restart from persisted state', () => {
  test('a restarted node has its term, vote, log and commit back, and applies its committed entries again', () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, 'a');
    c.propose(1, 'b');
    c.tickAll(2);
    const before = c.node(2).status();
    c.crash(2);
    c.restart(2);
    expect(c.node(2).status()).toMatchObject({ term: before.term, vote: before.vote, lastIndex: before.lastIndex, commit: before.commit, role: 'follower' });
    expect(c.appliedData(2)).toEqual([]);
    c.settle();
    expect(c.appliedData(2)).toEqual(['a', 'b']);
  });

  test('a vote survives a restart: no second vote in the same term', () => {
    const storage = storageWith([1, 2, 3], []);
    let node = soloNode(3, storage);
    node.step({ type: 'request_vote', from: 1, to: 3, term: 1, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    drain(node, storage);
    node = soloNode(3, storage);
    node.step({ type: 'request_vote', from: 2, to: 3, term: 1, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    expect(ofType(drain(node, storage), 'request_vote_response')).toMatchObject([{ to: 2, granted: false }]);
  });

  test('a proposal the leader had not persisted is lost in a crash, was never acknowledged, and the group goes on', () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const r = c.node(1).propose(new TextEncoder().encode('unpersisted'), 1);
    expect(r).toMatchObject({ ok: true, firstIndex: 1 });
    c.crash(1);
    c.restart(1);
    expect(c.node(1).lastIndex).toBe(0);
    c.tickAll(40);
    const [leader] = c.leaders();
    c.propose(leader, 'next');
    c.tickAll(2);
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(['next']);
  });

  test("a node whose write was torn (entries durable, hard state not) restarts consistent", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.propose(1, 'a');
    c.tickAll(1);
    // Node 2 persisted the entries but its hard state (commit) is older: the contract allows it.
    const p = c.peer(2);
    p.storage.setHardState({ ...p.storage.hardState, commit: 0 });
    c.crash(2);
    c.restart(2);
    expect(c.node(2).commit).toBe(0);
    c.tickAll(2);
    expect(c.node(2).commit).toBe(1);
    expect(c.appliedData(2)).toEqual(['a']);
  });
});
