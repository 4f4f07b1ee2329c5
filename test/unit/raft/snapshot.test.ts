// A follower behind the leader's log start (dissertation 5.1): the leader sends
// InstallSnapshot with the metadata only (index, term, membership); the shell moves the data.

import { describe, expect, test } from 'bun:test';
import { membership } from '../../../src/raft/core/index.ts';
import { Cluster, dataEntry, drain, ofType, soloNode, storageWith } from './harness.ts';

function leaderWithCompactedLog(overrides = {}): Cluster {
  const c = new Cluster([1, 2, 3], overrides);
  c.campaign(1);
  c.isolate(3);
  for (const x of ['a', 'b', 'c']) c.propose(1, x);
  c.tickAll(1);
  c.peer(1).storage.compact(c.node(1).commit);
  return c;
}

describe('snapshots for followers behind the log start', () => {
  test('the leader sends InstallSnapshot with index, term and membership; the follower then gets the entries after it', () => {
    const c = leaderWithCompactedLog();
    const start = c.node(1).firstIndex;
    c.heal();
    c.propose(1, 'd');
    c.tickAll(2);
    expect(ofType(c.sent, 'install_snapshot')).toMatchObject([{ to: 3, snapshot: { index: start - 1, term: 1, membership: membership([1, 2, 3]) } }]);
    expect(c.peer(3).storage.snapshot().index).toBe(start - 1);
    expect(c.appliedData(3)).toEqual(['d']);
    expect(c.node(3).commit).toBe(c.node(1).commit);
  });

  test('a snapshot whose last entry the follower holds only moves its commit index', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 3, 1)], { term: 1, commit: 0 });
    const node = soloNode(2, storage);
    node.step({ type: 'install_snapshot', from: 1, to: 2, term: 1, snapshot: { index: 3, term: 1, membership: membership([1, 2, 3]) } });
    const rd = node.ready();
    expect(rd.snapshot).toBeNull();
    expect(rd.hardState?.commit).toBe(3);
    expect(ofType(rd.messages, 'append_entries_response')).toMatchObject([{ reject: false, matchIndex: 3 }]);
  });

  test('a snapshot at or below the commit index is answered with the commit index', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 3, 1)], { term: 1, commit: 3 });
    const node = soloNode(2, storage);
    node.step({ type: 'install_snapshot', from: 1, to: 2, term: 1, snapshot: { index: 1, term: 1, membership: membership([1, 2, 3]) } });
    expect(ofType(drain(node, storage), 'append_entries_response')).toMatchObject([{ reject: false, matchIndex: 3 }]);
  });

  test('a snapshot that does not match replaces the log whole, with its membership', () => {
    const storage = storageWith([1, 2, 3], [dataEntry(0, 0, 1), dataEntry(1, 3, 2)], { term: 2, commit: 0 });
    const node = soloNode(2, storage);
    const snap = { index: 9, term: 3, membership: membership([1, 2, 3, 4]) };
    node.step({ type: 'install_snapshot', from: 1, to: 2, term: 3, snapshot: snap });
    const rd = node.ready();
    expect(rd.snapshot).toEqual(snap);
    expect(node.status()).toMatchObject({ firstIndex: 10, lastIndex: 9, commit: 9, membership: snap.membership });
    storage.installSnapshot(rd.snapshot!);
    node.advance(rd);
    expect(node.status().applied).toBe(9);
  });

  test('an InstallSnapshot never answered is sent again after snapshotTimeoutTicks', () => {
    const c = leaderWithCompactedLog({ snapshotTimeoutTicks: 30 });
    c.heal();
    c.holdIf = (m) => m.type === 'install_snapshot';
    while (c.held.length === 0) c.tickAll(1);
    c.held = [];
    c.tickAll(29);
    expect(c.held.length).toBe(0);
    c.tickAll(1);
    expect(c.held.length).toBe(1);
  });
});
