// Quiescence (src/raft/core/quiescence.ts, after CockroachDB's replica quiescence): an idle
// group goes quiet, anything that asks something of it wakes it, and the shell's node-level
// liveness (nodeUnreachable) stands in for the heartbeats it no longer sends.

import { describe, expect, test } from 'bun:test';
import { Cluster } from './harness.ts';

const QUIET = { quiescence: true, quiesceAfterTicks: 3 } as const;

function quietGroupOf3(): Cluster {
  const c = new Cluster([1, 2, 3], QUIET);
  c.campaign(1);
  c.tickAll(8);
  return c;
}

const quiet = (c: Cluster) => [1, 2, 3].map((id) => c.node(id).quiesced);

describe('quiescence', () => {
  test('an idle group goes quiet: no message at all for many election timeouts, and no election', () => {
    const c = quietGroupOf3();
    expect(quiet(c)).toEqual([true, true, true]);
    const sent = c.sent.length;
    c.tickAll(200);
    expect(c.sent.length).toBe(sent);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(2).term).toBe(1);
  });

  test('off by default: the paper behaviour, a heartbeat every interval', () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.tickAll(20);
    expect(quiet(c)).toEqual([false, false, false]);
    const sent = c.sent.length;
    c.tickAll(10);
    expect(c.sent.length - sent).toBe(40);
  });

  test('a proposal wakes the leader; it commits everywhere, and the group goes quiet again', () => {
    const c = quietGroupOf3();
    const r = c.propose(1, 'x');
    expect(r.ok).toBe(true);
    expect(c.node(1).quiesced).toBe(false);
    expect(c.appliedData(2)).toEqual(['x']);
    c.tickAll(8);
    expect(quiet(c)).toEqual([true, true, true]);
    expect(c.appliedData(3)).toEqual(['x']);
  });

  test("followers whose leader's node is unreachable wake and elect a new leader", () => {
    const c = quietGroupOf3();
    c.isolate(1);
    c.node(2).nodeUnreachable(1);
    c.node(3).nodeUnreachable(1);
    c.tickAll(20);
    const leaders = c.leaders().filter((id) => id !== 1);
    expect(leaders.length).toBe(1);
    expect(c.node(leaders[0]).term).toBe(2);
  });

  test('after the report a follower campaigns within the rest of a randomized timeout, and the others vote at once', () => {
    let firstRoundWins = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const c = new Cluster([1, 2, 3], QUIET, seed);
      c.campaign(1);
      c.tickAll(8);
      c.isolate(1);
      c.node(2).nodeUnreachable(1);
      c.node(3).nodeUnreachable(1);
      // The rest of a randomized timeout, at least a tick: [1, electionTimeoutTicks] ticks.
      c.tickAll(10);
      const leaders = c.leaders().filter((id) => id !== 1);
      // Only a split vote (both campaigning on the same tick) may need another round.
      if (leaders.length === 1 && c.node(leaders[0]).term === 2) firstRoundWins++;
      else expect(c.node(2).term).toBe(c.node(3).term);
    }
    expect(firstRoundWins).toBeGreaterThanOrEqual(15);
  });

  test('an awake follower (woken by a vote request, its lease restarted) also has its lease ended by the report', () => {
    const c = quietGroupOf3();
    c.isolate(1);
    const vote = { type: 'request_vote', from: 3, to: 2, term: 2, preVote: true, transfer: false, lastIndex: 99, lastTerm: 1 } as const;
    c.node(2).step(vote);
    expect(c.node(2).quiesced).toBe(false);
    const refused = c.node(2).ready();
    expect(refused.messages.filter((m) => m.type === 'request_vote_response')).toEqual([]);
    c.node(2).advance(refused);
    c.node(2).nodeUnreachable(1);
    c.node(2).step(vote);
    expect(c.node(2).ready().messages.filter((m) => m.type === 'request_vote_response')).toMatchObject([{ granted: true }]);
  });

  test('a report about a node that is not the leader leaves a quiet follower quiet', () => {
    const c = quietGroupOf3();
    c.node(2).nodeUnreachable(3);
    expect(c.node(2).quiesced).toBe(true);
  });

  test('without the liveness report a cut-off leader is never replaced: the report is what keeps the group live', () => {
    const c = quietGroupOf3();
    c.isolate(1);
    c.tickAll(100);
    expect(c.node(2).term).toBe(1);
    expect(c.leaders()).toEqual([1]);
  });

  test('a quiet leader whose followers are unreachable wakes and steps down after one CheckQuorum round (dissertation 6.2)', () => {
    const c = quietGroupOf3();
    c.isolate(1);
    c.node(1).nodeUnreachable(2);
    c.node(1).nodeUnreachable(3);
    expect(c.node(1).quiesced).toBe(false);
    c.tick(1, 9);
    expect(c.node(1).role).toBe('leader');
    c.tick(1, 1);
    expect(c.node(1).role).toBe('follower');
  });

  test('a quiet leader whose follower is reported unreachable but answers again stays leader', () => {
    const c = quietGroupOf3();
    c.node(1).nodeUnreachable(2);
    c.node(1).nodeUnreachable(3);
    c.tickAll(25);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(2).term).toBe(1);
  });

  test('a follower reported unreachable is no longer recently active on the leader (the ISR reads it)', () => {
    const c = quietGroupOf3();
    expect(c.node(1).status().progress!.get(2)!.recentActive).toBe(true);
    c.node(1).nodeUnreachable(2);
    expect(c.node(1).status().progress!.get(2)!.recentActive).toBe(false);
    expect(c.node(1).role).toBe('leader');
  });

  test('a vote request from another node wakes a quiet follower, which refuses it (its lease holds) and wakes its leader', () => {
    const c = quietGroupOf3();
    c.node(2).step({ type: 'request_vote', from: 3, to: 2, term: 2, preVote: true, transfer: false, lastIndex: 99, lastTerm: 1 });
    expect(c.node(2).quiesced).toBe(false);
    const rd = c.node(2).ready();
    expect(rd.messages).toEqual([{ type: 'heartbeat_response', from: 2, to: 1, term: 1, wake: true }]);
  });

  test('a follower that wrongly finds its leader silent (the leader stalled) wakes the leader, which keeps leading', () => {
    const c = quietGroupOf3();
    c.node(2).nodeUnreachable(1);
    c.settle();
    expect(c.node(1).quiesced).toBe(false);
    c.tickAll(30);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(2).term).toBe(1);
  });

  test('a restarted leader campaigns and its quiet followers vote for it: its own vote request ends their lease', () => {
    const c = quietGroupOf3();
    c.crash(1);
    c.restart(1);
    c.tickAll(30);
    expect(c.leaders().length).toBe(1);
    expect(c.node(2).term).toBeGreaterThan(1);
  });

  test('a learner restarted while its group is quiet asks to be heard: the quiet leader wakes, heartbeats it, and the group goes quiet again', () => {
    const c = quietGroupOf3();
    c.addPeer(4);
    expect(c.node(1).proposeMembershipChange({ type: 'add_learner', node: 4 })).toMatchObject({ ok: true });
    c.settle();
    c.tickAll(8);
    expect([...quiet(c), c.node(4).quiesced]).toEqual([true, true, true, true]);
    c.crash(4);
    c.restart(4);
    expect(c.node(4).leaderId).toBeNull();
    // A learner never campaigns; without asking, nothing would ever wake the quiet leader.
    c.tickAll(25);
    expect(c.node(4).leaderId).toBe(1);
    expect(c.node(4).term).toBe(c.node(1).term);
    c.tickAll(10);
    expect([...quiet(c), c.node(4).quiesced]).toEqual([true, true, true, true]);
    expect(c.leaders()).toEqual([1]);
  });

  test('late plain heartbeat answers do not wake a quiet leader; a wake answer does', () => {
    const c = quietGroupOf3();
    c.node(1).step({ type: 'heartbeat_response', from: 2, to: 1, term: 1 });
    expect(c.node(1).quiesced).toBe(true);
    c.node(1).step({ type: 'heartbeat_response', from: 2, to: 1, term: 1, wake: true });
    expect(c.node(1).quiesced).toBe(false);
  });

  test('a follower that cannot quiesce (its log is not the committed one) answers wake', () => {
    const c = new Cluster([1, 2, 3], QUIET);
    c.campaign(1);
    c.tickAll(2);
    const n2 = c.node(2);
    n2.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: n2.lastIndex - 1, quiesce: true });
    expect(n2.quiesced).toBe(false);
    const rd = n2.ready();
    expect(rd.messages).toContainEqual({ type: 'heartbeat_response', from: 2, to: 1, term: 1, wake: true });
  });

  test('a follower woken by another node wakes its leader too', () => {
    const c = quietGroupOf3();
    // An append of the leader's term from a node that is not the leader cannot happen; a
    // timeout_now from the leader is the leader's own: use a request of the same term.
    c.node(2).step({ type: 'request_vote', from: 3, to: 2, term: 1, preVote: false, transfer: false, lastIndex: 0, lastTerm: 1 });
    expect(c.node(2).quiesced).toBe(false);
    c.settle();
    expect(c.node(1).quiesced).toBe(false);
  });
});
