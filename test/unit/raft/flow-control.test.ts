// Flow control, each limit named in RaftConfig: bytes per AppendEntries, appends in flight per
// follower (probe: one; replicate: a window), uncommitted bytes on the leader, bytes applied
// per Ready; and heartbeats as their own small message.

import { describe, expect, test } from 'bun:test';
import { type Entry, entryBytes } from '../../../src/raft/core/index.ts';
import { Cluster, ofType } from './harness.ts';
import type { ConfigOverrides } from './harness.ts';

function leaderOf3(overrides: ConfigOverrides = {}): Cluster {
  const c = new Cluster([1, 2, 3], overrides);
  c.campaign(1);
  c.tickAll(1);
  return c;
}

const bytes = (es: readonly Entry[]) => es.reduce((n, e) => n + entryBytes(e), 0);

describe('flow control', () => {
  test('an AppendEntries carries at most appendBytesMax of entries, or a single entry', () => {
    const c = leaderOf3({ appendBytesMax: 10 });
    c.isolate(3);
    for (let i = 0; i < 10; i++) c.propose(1, 'abcd');
    c.heal();
    c.tickAll(20);
    const appends = ofType(c.sent, 'append_entries').filter((m) => m.to === 3 && m.entries.length > 0);
    expect(appends.some((m) => m.entries.length > 1)).toBe(true);
    for (const m of appends) expect(m.entries.length === 1 || bytes(m.entries) <= 10).toBe(true);
    expect(c.appliedData(3).length).toBe(10);
  });

  test('while probing, one append is in flight to a follower until it answers', () => {
    const c = new Cluster([1, 2, 3]);
    // A new leader probes every follower; node 3 answers nothing for now.
    c.holdIf = (m) => m.to === 3;
    c.campaign(1);
    for (let i = 0; i < 5; i++) c.propose(1, 'x');
    c.tick(1, 3);
    expect(c.node(1).status().progress!.get(3)!.state).toBe('probe');
    expect(ofType(c.held, 'append_entries').length).toBe(1);
    c.holdIf = null;
    c.release();
    c.tickAll(2);
    expect(c.node(1).status().progress!.get(3)!.state).toBe('replicate');
    expect(c.appliedData(3).length).toBe(5);
  });

  test('while replicating, at most inflightMessagesMax appends are in flight to a follower', () => {
    const c = leaderOf3({ inflightMessagesMax: 2 });
    c.holdIf = (m) => m.to === 3 && m.type === 'append_entries';
    for (let i = 0; i < 6; i++) c.propose(1, `p${i}`);
    expect(c.node(1).status().progress!.get(3)!.state).toBe('replicate');
    expect(ofType(c.held, 'append_entries').filter((m) => m.entries.length > 0).length).toBe(2);
    c.holdIf = null;
    c.release();
    c.tickAll(3);
    expect(c.appliedData(3)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  test('while replicating, at most about inflightBytesMax of entries are in flight to a follower', () => {
    const c = leaderOf3({ inflightBytesMax: 8, inflightMessagesMax: 100 });
    c.holdIf = (m) => m.to === 3 && m.type === 'append_entries';
    for (let i = 0; i < 6; i++) c.propose(1, 'abcd');
    const inflight = ofType(c.held, 'append_entries').reduce((n, m) => n + bytes(m.entries), 0);
    expect(inflight).toBe(8);
  });

  test('a leader refuses proposals past uncommittedBytesMax, as a value, and takes them again once committed', () => {
    const c = leaderOf3({ uncommittedBytesMax: 10 });
    c.isolate(2);
    c.isolate(3);
    const results = ['abcd', 'efgh', 'ijkl'].map((x) => c.propose(1, x));
    expect(results.map((r) => r.ok)).toEqual([true, true, false]);
    expect(results[2]).toEqual({ ok: false, reason: 'uncommitted_bytes_max' });
    c.heal();
    c.tickAll(2);
    expect(c.propose(1, 'ijkl')).toMatchObject({ ok: true });
  });

  test('committed entries are handed out at most readyApplyBytesMax per Ready (at least one)', () => {
    const c = leaderOf3({ readyApplyBytesMax: 5 });
    c.isolate(2);
    c.isolate(3);
    for (let i = 0; i < 6; i++) c.propose(1, 'abc');
    c.heal();
    c.tickAll(1);
    const p = c.peer(2);
    p.storage.setHardState({ ...p.storage.hardState, commit: 0 });
    c.crash(2);
    c.restart(2);
    // Restarted with a commit of 0, it learns the commit from a heartbeat and applies in steps.
    c.node(2).step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: c.node(1).commit });
    let applying = 0;
    while (c.node(2).hasReady()) {
      const rd = c.node(2).ready();
      if (rd.committedEntries.length > 0) applying++;
      expect(rd.committedEntries.length === 1 || bytes(rd.committedEntries) <= 5).toBe(true);
      c.handleReady(p, rd);
    }
    // The leader_change entry, then the six proposals: one per Ready.
    expect(applying).toBe(7);
    expect(c.appliedData(2).length).toBe(6);
  });

  test('heartbeats are their own message type, carrying a commit index no greater than what the follower holds', () => {
    const c = leaderOf3();
    c.cutLink(1, 3);
    c.propose(1, 'a');
    c.heal();
    c.holdIf = (m) => m.to === 3 && m.type === 'append_entries';
    c.tickAll(3);
    const beats = ofType(c.sent, 'heartbeat').filter((m) => m.to === 3);
    expect(beats.length).toBeGreaterThan(0);
    for (const m of beats) expect(m.commit).toBeLessThanOrEqual(c.node(3).lastIndex);
    expect(Object.keys(beats[0]).sort()).toEqual(['commit', 'from', 'term', 'to', 'type']);
  });
});
