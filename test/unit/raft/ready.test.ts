// The Ready contract (etcd's RawNode): what to persist, what to send only after persisting,
// what to apply; one Ready at a time; step() and tick() allowed while one is being written.

import { describe, expect, test } from 'bun:test';
import { describeEntries } from '../../../src/raft/core/index.ts';
import { dataEntry, drain, ofType, soloNode, storageWith } from './harness.ts';

describe('the Ready contract', () => {
  test('an acknowledgement comes out in the same Ready as the entries and hard state it promises', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1)], { term: 1, commit: 0 });
    const node = soloNode(2, storage, { appliedIndex: 0 });
    node.step({ type: 'append_entries', from: 1, to: 2, term: 2, prevIndex: 0, prevTerm: 1, entries: [dataEntry(1, 2, 2)], commit: 2 });
    const rd = node.ready();
    expect(rd.entries.map((e) => e.firstIndex)).toEqual([1]);
    expect(rd.hardState).toEqual({ term: 2, vote: null, commit: 2 });
    expect(ofType(rd.messages, 'append_entries_response')).toMatchObject([{ matchIndex: 2 }]);
    expect(rd.committedEntries.map((e) => e.firstIndex)).toEqual([1]);
    expect(rd.softState).toEqual({ role: 'follower', leaderId: 1 });
  });

  test('nothing to do means no Ready; hard and soft state only when they changed', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1)], { term: 1, commit: 0 });
    const node = soloNode(2, storage, { appliedIndex: 0 });
    expect(node.hasReady()).toBe(false);
    node.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0 });
    const rd = node.ready();
    expect(rd.hardState).toBeNull();
    expect(rd.softState).toEqual({ role: 'follower', leaderId: 1 });
    node.advance(rd);
    node.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0 });
    const again = node.ready();
    expect([again.hardState, again.softState, again.messages.length]).toEqual([null, null, 1]);
  });

  test('one Ready at a time: hasReady is false while one is out, and ready() throws', () => {
    const storage = storageWith([1, 2, 3], []);
    const node = soloNode(2, storage);
    node.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: -1 });
    const rd = node.ready();
    node.step({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: -1 });
    expect(node.hasReady()).toBe(false);
    expect(() => node.ready()).toThrow('advance');
    storage.setHardState(rd.hardState!);
    node.advance(rd);
    expect(ofType(node.ready().messages, 'heartbeat_response').length).toBe(1);
  });

  test('entries replaced while their Ready was being written come out again in the next one', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1)], { term: 1, commit: 0 });
    const node = soloNode(2, storage);
    node.step({ type: 'append_entries', from: 1, to: 2, term: 2, prevIndex: 0, prevTerm: 1, entries: [dataEntry(1, 1, 2), dataEntry(2, 3, 2)], commit: 0 });
    const first = node.ready();
    // While the shell writes, a leader of term 3 replaces offsets 2.. .
    node.step({ type: 'append_entries', from: 3, to: 2, term: 3, prevIndex: 1, prevTerm: 2, entries: [dataEntry(2, 2, 3)], commit: 0 });
    storage.append(first.entries);
    storage.setHardState(first.hardState!);
    node.advance(first);
    const second = node.ready();
    expect(describeEntries(second.entries)).toBe('[2@t3(1B)]');
    storage.append(second.entries);
    node.advance(second);
    expect(describeEntries(storage.allEntries())).toBe('[0@t1(1B) 1@t2(1B) 2@t3(1B)]');
    expect(node.hasReady()).toBe(false);
  });

  test('a vote is in the hard state of the Ready that carries the grant', () => {
    const storage = storageWith([1, 2, 3], []);
    const node = soloNode(2, storage);
    node.step({ type: 'request_vote', from: 1, to: 2, term: 4, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 });
    const rd = node.ready();
    expect(rd.hardState).toEqual({ term: 4, vote: 1, commit: -1 });
    expect(ofType(rd.messages, 'request_vote_response')).toMatchObject([{ granted: true }]);
    drain(node, storage);
  });
});
