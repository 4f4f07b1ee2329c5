// Membership changes one server at a time (dissertation 4.1-4.3), with learners (4.2.1): add a
// replica as a learner, promote it, remove one, move one; a removed leader steps down.

import { describe, expect, test } from 'bun:test';
import { membership, type MembershipChange } from '../../../src/raft/core/index.ts';
import { Cluster, dataEntry, drain, soloNode, storageWith } from './harness.ts';

function leaderOf3(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  c.tickAll(1);
  return c;
}

/** Proposes a change on `leader` and lets the cluster commit it. */
function change(c: Cluster, leader: number, ch: MembershipChange) {
  const r = c.node(leader).proposeMembershipChange(ch);
  c.settle();
  c.tickAll(2);
  return r;
}

describe('membership (dissertation 4.1-4.3)', () => {
  test('a learner receives the log but counts in no quorum', () => {
    const c = leaderOf3();
    c.propose(1, 'before');
    c.addPeer(4);
    expect(change(c, 1, { type: 'add_learner', node: 4 })).toMatchObject({ ok: true });
    expect(c.node(4).membership).toEqual(membership([1, 2, 3], [4]));
    expect(c.appliedData(4)).toEqual(['before']);
    c.isolate(2);
    c.isolate(3);
    c.propose(1, 'needs a voter');
    c.tickAll(3);
    expect(c.appliedData(1)).toEqual(['before']);
    expect(c.peer(4).storage.lastIndex()).toBe(c.node(1).lastIndex);
  });

  test('a promoted learner votes and counts: the quorum grows with it', () => {
    const c = leaderOf3();
    c.addPeer(4);
    change(c, 1, { type: 'add_learner', node: 4 });
    expect(change(c, 1, { type: 'promote_learner', node: 4 })).toMatchObject({ ok: true });
    for (const id of [1, 2, 3, 4]) expect(c.node(id).membership).toEqual(membership([1, 2, 3, 4]));
    // Four voters: 1 and 4 are no majority.
    c.isolate(2);
    c.isolate(3);
    c.propose(1, 'x');
    c.tick(1, 3);
    expect(c.appliedData(1)).toEqual([]);
    c.heal();
    c.tickAll(3);
    expect(c.appliedData(4)).toEqual(['x']);
  });

  test('a learner that has not caught up is not promoted', () => {
    const c = leaderOf3();
    c.addPeer(4);
    change(c, 1, { type: 'add_learner', node: 4 });
    c.isolate(4);
    c.propose(1, 'missed');
    expect(c.node(1).proposeMembershipChange({ type: 'promote_learner', node: 4 })).toEqual({ ok: false, reason: 'learner_behind' });
  });

  test('one change at a time: the next waits until the previous is committed', () => {
    const c = leaderOf3();
    c.isolate(2);
    c.isolate(3);
    c.addPeer(4);
    expect(c.node(1).proposeMembershipChange({ type: 'add_learner', node: 4 })).toMatchObject({ ok: true });
    expect(c.node(1).proposeMembershipChange({ type: 'remove_member', node: 3 })).toEqual({ ok: false, reason: 'change_in_progress' });
  });

  test("a new leader changes nothing before it has committed an entry of its own term (Ongaro's 2015 fix)", () => {
    const c = new Cluster([1, 2, 3]);
    c.holdIf = (m) => m.type === 'append_entries_response';
    c.campaign(1);
    expect(c.node(1).role).toBe('leader');
    expect(c.node(1).proposeMembershipChange({ type: 'remove_member', node: 3 })).toEqual({ ok: false, reason: 'leader_not_ready' });
    c.holdIf = null;
    c.release();
    expect(c.node(1).proposeMembershipChange({ type: 'remove_member', node: 3 })).toMatchObject({ ok: true });
  });

  test('invalid changes are refused as values', () => {
    const c = leaderOf3();
    expect(c.node(1).proposeMembershipChange({ type: 'add_learner', node: 2 })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(c.node(1).proposeMembershipChange({ type: 'promote_learner', node: 2 })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(c.node(1).proposeMembershipChange({ type: 'remove_member', node: 7 })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(c.node(2).proposeMembershipChange({ type: 'remove_member', node: 3 })).toMatchObject({ ok: false, reason: 'not_leader' });
  });

  test('a removed follower no longer counts: the other two commit without it', () => {
    const c = leaderOf3();
    expect(change(c, 1, { type: 'remove_member', node: 3 })).toMatchObject({ ok: true });
    expect(c.node(1).membership).toEqual(membership([1, 2]));
    c.isolate(3);
    c.propose(1, 'two of two');
    c.tickAll(2);
    expect(c.appliedData(2)).toEqual(['two of two']);
  });

  test('a removed leader leads until the change commits, then steps down and hands over (4.2.2)', () => {
    const c = leaderOf3();
    expect(change(c, 1, { type: 'remove_member', node: 1 })).toMatchObject({ ok: true });
    expect(c.node(1).role).toBe('follower');
    const [leader] = c.leaders();
    expect([2, 3]).toContain(leader);
    expect(c.node(leader).membership).toEqual(membership([2, 3]));
    c.propose(leader, 'after');
    c.tickAll(2);
    expect(c.appliedData(2)).toEqual(['after']);
    expect(c.appliedData(3)).toEqual(['after']);
    // The removed node campaigns no more.
    c.tickAll(50);
    expect(c.leaders()).toEqual([leader]);
  });

  test('move a replica: add 4 as a learner, promote it, remove 1 (the leader)', () => {
    const c = leaderOf3();
    c.propose(1, 'a');
    c.addPeer(4);
    change(c, 1, { type: 'add_learner', node: 4 });
    change(c, 1, { type: 'promote_learner', node: 4 });
    change(c, 1, { type: 'remove_member', node: 1 });
    const [leader] = c.leaders();
    expect([2, 3, 4]).toContain(leader);
    expect(c.node(leader).membership).toEqual(membership([2, 3, 4]));
    c.propose(leader, 'b');
    c.tickAll(2);
    for (const id of [2, 3, 4]) expect(c.appliedData(id)).toEqual(['a', 'b']);
  });

  test('a membership takes effect when appended, and is undone when that entry is cut from the log (4.1)', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1)], { term: 1, commit: 0 });
    const node = soloNode(2, storage);
    const add4 = { kind: 'control' as const, firstIndex: 1, lastIndex: 1, term: 2, control: { type: 'membership' as const, membership: membership([1, 2, 3, 4]) } };
    node.step({ type: 'append_entries', from: 1, to: 2, term: 2, prevIndex: 0, prevTerm: 1, entries: [add4], commit: 0 });
    expect(node.membership).toEqual(membership([1, 2, 3, 4]));
    drain(node, storage);
    node.step({ type: 'append_entries', from: 3, to: 2, term: 3, prevIndex: 0, prevTerm: 1, entries: [dataEntry(1, 1, 3)], commit: 0 });
    expect(node.membership).toEqual(membership([1, 2, 3]));
  });

  test('a restarted node recovers its membership from the log, uncommitted changes included', () => {
    const c = leaderOf3();
    c.addPeer(4);
    c.isolate(3);
    c.cutLink(1, 2);
    change(c, 1, { type: 'add_learner', node: 4 });
    expect(c.node(1).commit).toBeLessThan(c.node(1).lastIndex);
    c.crash(1);
    c.restart(1);
    expect(c.node(1).membership).toEqual(membership([1, 2, 3], [4]));
  });

  test('a leader that removed itself and crashed before anyone else got the change can still be elected, and hands over', () => {
    // Nodes 1 and 3; 3 leads and removes itself, the entry reaches only its own log.
    const c = new Cluster([1, 3]);
    c.campaign(3);
    c.tickAll(1);
    c.isolate(3);
    expect(c.node(3).proposeMembershipChange({ type: 'remove_member', node: 3 })).toMatchObject({ ok: true });
    c.settle();
    c.crash(3);
    c.restart(3);
    c.heal();
    // Node 1 (membership {1,3}) cannot win without 3, and 3 refuses: its log is longer. Node 3
    // is a voter of the committed membership, so it campaigns, wins with 1's vote, commits
    // its removal, and hands over to 1.
    c.tickAll(60);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).membership).toEqual(membership([1]));
  });
});
