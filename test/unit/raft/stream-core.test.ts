// The core's two hooks for segment streaming (src/raft/stream): a leader sends no appends to a
// follower in progress state `stream` (its acknowledgements still count), and probes it again
// when the shell says the session ended or after STREAM_IDLE_TICKS without a request; a
// follower whose storage the shell extended with committed entries (`logExtended`) commits
// them and tells its leader they match, and refuses while it has a Ready out.

import { describe, expect, test } from 'bun:test';
import { STREAM_IDLE_TICKS } from '../../../src/raft/core/progress.ts';
import { Cluster, dataEntry, ofType } from './harness.ts';

function leaderOf3(): Cluster {
  const c = new Cluster([1, 2, 3]);
  c.campaign(1);
  c.tickAll(1);
  return c;
}

const appendsTo = (c: Cluster, to: number, from: number) => ofType(c.sent.slice(from), 'append_entries').filter((m) => m.to === to && m.entries.length > 0);

describe('a leader with a streaming follower', () => {
  test('sends it no appends while it streams, and probes it again when the session ends', () => {
    const c = leaderOf3();
    c.node(1).followerStreaming(3, false);
    expect(c.node(1).status().progress!.get(3)!.state).toBe('stream');
    const mark = c.sent.length;
    for (let i = 0; i < 5; i++) c.propose(1, `p${i}`);
    c.settle();
    c.tick(1, 1);
    c.settle();
    expect(appendsTo(c, 3, mark)).toEqual([]);
    expect(appendsTo(c, 2, mark).length).toBeGreaterThan(0);
    const ended = c.sent.length;
    c.node(1).followerStreaming(3, true);
    c.settle();
    expect(appendsTo(c, 3, ended).length).toBeGreaterThan(0);
    expect(c.appliedData(3)).toEqual(c.appliedData(1));
  });

  test(`is probed again after ${STREAM_IDLE_TICKS} ticks without a request`, () => {
    const c = leaderOf3();
    c.node(1).followerStreaming(2, false);
    c.tick(1, STREAM_IDLE_TICKS - 1);
    expect(c.node(1).status().progress!.get(2)!.state).toBe('stream');
    c.node(1).followerStreaming(2, false);
    c.tick(1, STREAM_IDLE_TICKS - 1);
    expect(c.node(1).status().progress!.get(2)!.state).toBe('stream');
    c.tick(1, 1);
    expect(c.node(1).status().progress!.get(2)!.state).toBe('probe');
  });

  test('a follower that is not one (itself, an unknown node) or is being sent a snapshot is left alone', () => {
    const c = leaderOf3();
    c.node(1).followerStreaming(1, false);
    c.node(1).followerStreaming(9, false);
    expect(c.node(1).status().progress!.get(1)!.state).not.toBe('stream');
    c.node(2).followerStreaming(3, false); // not the leader
    expect(c.node(2).status().progress ?? null).toBeNull();
  });
});

describe('a follower whose log the shell extended', () => {
  test('commits the extension and tells its leader it matches (which moves its match while it streams)', () => {
    const c = leaderOf3();
    for (let i = 0; i < 3; i++) c.propose(1, `p${i}`);
    c.settle();
    const f = c.peer(3);
    const before = f.storage.lastIndex();
    // Node 3 misses three commits; then the shell appends them to its storage, as a stream does.
    c.isolate(3);
    for (let i = 0; i < 3; i++) c.propose(1, `q${i}`);
    c.settle();
    const missing = c.peer(1).storage.allEntries().filter((e) => e.firstIndex > f.storage.lastIndex());
    expect(missing.length).toBe(3);
    expect(f.node.canExtendLog).toBe(true);
    // The leader serves it: no appends go to it, and its acknowledgement still counts.
    c.node(1).followerStreaming(3, false);
    f.storage.append(missing);
    const last = missing[missing.length - 1].lastIndex;
    const mark = c.sent.length;
    f.node.logExtended(last);
    c.heal();
    c.settle();
    expect(before).toBeLessThan(last);
    expect(f.node.status().commit).toBeGreaterThanOrEqual(last);
    const acks = ofType(c.sent.slice(mark), 'append_entries_response').flatMap((m) => (m.from === 3 && !m.reject ? [m.matchIndex] : []));
    expect(acks[0]).toBe(last);
    expect(c.node(1).status().progress!.get(3)!.match).toBeGreaterThanOrEqual(last);
    expect(c.node(1).status().progress!.get(3)!.state).toBe('stream');
    c.node(1).followerStreaming(3, true);
    c.settle();
    expect(c.appliedData(3)).toEqual(c.appliedData(1));
  });

  test('refuses with a Ready out or entries unstable (an assertion: the shell must wait)', () => {
    const c = leaderOf3();
    c.isolate(3);
    const f = c.node(3);
    f.step({ type: 'append_entries', from: 1, to: 3, term: c.node(1).term, prevIndex: c.peer(3).storage.lastIndex(), prevTerm: c.peer(3).storage.term(c.peer(3).storage.lastIndex())!, commit: 0, entries: [dataEntry(c.peer(3).storage.lastIndex() + 1, c.peer(3).storage.lastIndex() + 1, c.node(1).term)] });
    expect(f.canExtendLog).toBe(false);
    expect(() => f.logExtended(c.peer(3).storage.lastIndex())).toThrow(/logExtended/);
  });
});
