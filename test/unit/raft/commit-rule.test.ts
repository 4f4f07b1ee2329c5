// The commit rule of paper 5.4.2: a leader commits by counting replicas only entries of its
// own term. Figure 8 shows why: an entry of an older term can sit on a majority and still be
// overwritten by a later leader.

import { describe, expect, test } from 'bun:test';
import { Cluster } from './harness.ts';
import { runFigure8 } from './figure8.ts';

describe('commit rule (paper 5.4.2)', () => {
  test('Figure 8: an entry of an older term on a majority is not committed by counting, so its later loss loses nothing committed', () => {
    const { cluster: c, commitAfterC, holdersOfXAfterC } = runFigure8(new Cluster([1, 2, 3, 4, 5], { appendBytesMax: 16 }));
    expect(holdersOfXAfterC.length).toBeGreaterThanOrEqual(3);
    expect(commitAfterC).toBe(0);
    // (d): S5's entry replaced x at offset 1 on every live node, and nobody ever applied x.
    for (const id of [2, 3, 4, 5]) {
      expect(c.peer(id).storage.term(1)).toBe(2);
      expect(c.appliedData(id)).toEqual([]);
    }
    expect(c.appliedData(1)).toEqual([]);
  });

  test("entries of older terms commit with the first entry of the leader's term (its leader_change entry)", () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    c.isolate(1);
    c.propose(1, 'old');
    c.crash(1);
    c.heal();
    c.restart(1);
    c.isolate(3);
    // Node 1 comes back with 'old' (term 1) uncommitted and wins a later term with node 2's
    // vote (node 2 cannot win: node 1's log is more up-to-date, node 3 is cut off).
    c.tickAll(40);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).term).toBeGreaterThanOrEqual(2);
    expect(c.appliedData(2)).toEqual(['old']);
    expect(c.node(2).commit).toBe(2);
  });
});
