// Leadership transfer (dissertation 3.10): the leader brings the target up to date, then sends
// TimeoutNow; the target campaigns at once and wins the next term.

import { describe, expect, test } from 'bun:test';
import { Cluster, ofType } from './harness.ts';

function leaderOf3(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  c.propose(1, 'a');
  return c;
}

describe('leadership transfer (dissertation 3.10)', () => {
  test('to an up-to-date voter: TimeoutNow at once, and the target leads the next term', () => {
    const c = leaderOf3();
    expect(c.node(1).transferLeadership(2)).toEqual({ ok: true });
    c.settle();
    expect(ofType(c.sent, 'timeout_now')).toMatchObject([{ from: 1, to: 2, term: 1 }]);
    expect(c.leaders()).toEqual([2]);
    expect(c.node(2).term).toBe(2);
    expect(c.propose(2, 'b')).toMatchObject({ ok: true });
    c.tickAll(2);
    for (const id of [1, 2, 3]) expect(c.appliedData(id)).toEqual(['a', 'b']);
  });

  test('to a voter that lags: TimeoutNow only once it has caught up', () => {
    const c = leaderOf3();
    c.cutLink(1, 3);
    c.propose(1, 'b');
    c.propose(1, 'c');
    c.node(1).transferLeadership(3);
    c.settle();
    expect(ofType(c.sent, 'timeout_now')).toEqual([]);
    c.heal();
    c.tickAll(2);
    expect(ofType(c.sent, 'timeout_now')).toMatchObject([{ to: 3 }]);
    expect(c.leaders()).toEqual([3]);
    expect(c.appliedData(3)).toEqual(['a', 'b', 'c']);
  });

  test('proposals are refused while a transfer is in progress', () => {
    const c = leaderOf3();
    c.isolate(3);
    c.node(1).transferLeadership(3);
    expect(c.node(1).propose(new Uint8Array(1), 1)).toEqual({ ok: false, reason: 'transfer_in_progress' });
  });

  test('a transfer that has not happened within an election timeout is abandoned', () => {
    const c = leaderOf3();
    c.isolate(3);
    c.node(1).transferLeadership(3);
    c.tick(1, 10);
    expect(c.node(1).status().transferee).toBeNull();
    expect(c.node(1).propose(new Uint8Array(1), 1)).toMatchObject({ ok: true });
    expect(c.leaders()).toEqual([1]);
  });

  test('only to another voter, and only by the leader', () => {
    const c = leaderOf3();
    expect(c.node(1).transferLeadership(1)).toEqual({ ok: false, reason: 'already_leader' });
    expect(c.node(1).transferLeadership(9)).toEqual({ ok: false, reason: 'not_a_voter' });
    expect(c.node(2).transferLeadership(3)).toEqual({ ok: false, reason: 'not_leader', leaderId: 1 });
  });
});
