// Node-level liveness for quiet groups (src/raft/node-liveness.ts): counted in ticks, a peer is
// reported once when it has been silent an election timeout, and an empty frame goes only to
// peers nothing else went to during the tick.

import { describe, expect, test } from 'bun:test';
import { NodeLiveness, PEERS_MAX } from '../../../src/raft/node-liveness.ts';

describe('node liveness', () => {
  test('a peer silent for unreachableAfterTicks ticks is reported once; hearing from it again re-arms the report', () => {
    const l = new NodeLiveness(1, 3);
    l.know(2);
    expect(l.tick().newlyUnreachable).toEqual([]);
    expect(l.tick().newlyUnreachable).toEqual([]);
    expect(l.tick().newlyUnreachable).toEqual([2]);
    expect(l.isUnreachable(2)).toBe(true);
    expect(l.tick().newlyUnreachable).toEqual([]);
    l.heard(2);
    expect(l.isUnreachable(2)).toBe(false);
    expect(l.tick().newlyUnreachable).toEqual([]);
    expect(l.tick().newlyUnreachable).toEqual([]);
    expect(l.tick().newlyUnreachable).toEqual([2]);
  });

  test('a peer heard every tick is never reported', () => {
    const l = new NodeLiveness(1, 2);
    for (let i = 0; i < 100; i++) {
      l.heard(2);
      expect(l.tick().newlyUnreachable).toEqual([]);
    }
  });

  test('the empty frame goes to the peers nothing else went to during the tick', () => {
    const l = new NodeLiveness(1, 10);
    l.know(2);
    l.know(3);
    l.sent(2);
    expect(l.tick().heartbeatTo).toEqual([3]);
    expect(l.tick().heartbeatTo).toEqual([2, 3]);
  });

  test('itself is never a peer; peers are learned from traffic, up to PEERS_MAX', () => {
    const l = new NodeLiveness(1, 10);
    l.know(1);
    l.heard(7);
    expect(l.tick().heartbeatTo).toEqual([7]);
    const many = new NodeLiveness(0, 10);
    for (let id = 1; id <= PEERS_MAX + 10; id++) many.know(id);
    expect(many.tick().heartbeatTo.length).toBe(PEERS_MAX);
  });
});
