// The quorum checks of a chaos run against observations whose truth is known: real log lines
// parsed, a clean run passing, and each broken one caught (two leaders in a term, a term going
// back, a follower's fault deposing the leader, no convergence, a cut-off leader that does not
// step down or is not replaced).

import { describe, expect, test } from 'bun:test';
import { ClaimLog, checkQuorum, claimsInLog, type FaultOutcome, type LeaderClaim, steppedDownInLog } from './quorum-watch.ts';

const LOG = [
  '2026-12-07T03:00:00.000Z INFO  cluster: node 2 is voter of the controller quorum (voters 1,2,3, learners -); term 0, log 1..0',
  '2026-12-07T03:00:01.000Z INFO  cluster: controller leader is node 1 (term 1)',
  '2026-12-07T03:00:05.000Z INFO  cluster: controller leader unknown (term 1, this node follower)',
  '2026-12-07T03:00:06.000Z INFO  cluster: controller leader is this node (term 2)',
].join('\n');

const kinds = (claims: readonly LeaderClaim[], outcomes: readonly FaultOutcome[] = []) => checkQuorum(claims, outcomes).map((v) => v.kind);

describe('quorum watch', () => {
  test('reads the leader claims and a step-down from real log lines', () => {
    expect(claimsInLog(2, LOG)).toEqual([
      { observer: 'node 2', term: 1, leaderId: 1 },
      { observer: 'node 2', term: 2, leaderId: 2 },
    ]);
    expect(steppedDownInLog(LOG)).toBe(false);
    expect(steppedDownInLog(`${LOG}\n2026-12-07T03:00:09.000Z INFO  cluster: controller leader unknown (term 2, this node follower)`)).toBe(true);
    expect(steppedDownInLog(`${LOG}\n2026-12-07T03:00:09.000Z INFO  cluster: controller leader is node 3 (term 3)`)).toBe(true);
  });

  test('a clean run passes; claims are deduplicated', () => {
    const log = new ClaimLog();
    for (const c of [...claimsInLog(2, LOG), ...claimsInLog(2, LOG), { observer: 'info via 3', term: 2, leaderId: 2 }]) log.add(c);
    expect(log.claims.length).toBe(3);
    const follower: FaultOutcome = { kind: 'isolate', nodeId: 3, before: { leaderId: 2, term: 2 }, after: { leaderId: 2, term: 2 } };
    const leader: FaultOutcome = {
      kind: 'isolate',
      nodeId: 2,
      before: { leaderId: 2, term: 2 },
      after: { leaderId: 1, term: 3 },
      replacement: { leaderId: 1, term: 3 },
      steppedDown: true,
    };
    expect(kinds(log.claims, [follower, leader])).toEqual([]);
  });

  test('two leaders in one term are caught, across observers', () => {
    expect(kinds([...claimsInLog(2, LOG), { observer: 'node 3', term: 2, leaderId: 3 }])).toEqual(['two_leaders']);
  });

  test("a node's term going back is caught", () => {
    expect(kinds([...claimsInLog(2, LOG), { observer: 'node 2', term: 1, leaderId: 1 }])).toEqual(['term_regressed']);
  });

  test('a fault on a follower that changes the leader or term is a disruption; on the leader it is not, but for a one-way cut', () => {
    const before = { leaderId: 2, term: 2 };
    expect(kinds([], [{ kind: 'pause', nodeId: 3, before, after: { leaderId: 2, term: 3 } }])).toEqual(['disrupted']);
    expect(kinds([], [{ kind: 'kill9', nodeId: 3, before, after: { leaderId: 1, term: 3 } }])).toEqual(['disrupted']);
    expect(kinds([], [{ kind: 'kill9', nodeId: 2, before, after: { leaderId: 1, term: 3 } }])).toEqual([]);
    // A one-way cut must not move the leader, whichever end the victim is.
    expect(kinds([], [{ kind: 'cut', nodeId: 2, before, after: { leaderId: 1, term: 3 } }])).toEqual(['disrupted']);
    expect(kinds([], [{ kind: 'cut', nodeId: 2, before, after: before }])).toEqual([]);
  });

  test('no settled quorum after a fault is caught', () => {
    expect(kinds([], [{ kind: 'isolate', nodeId: 3, before: { leaderId: 2, term: 2 }, after: null }])).toEqual(['not_converged']);
  });

  test('a cut-off leader that does not step down is caught; a leader killed or cut off and not replaced in a higher term is caught', () => {
    const base = { kind: 'isolate' as const, nodeId: 2, before: { leaderId: 2, term: 2 }, after: { leaderId: 1, term: 3 } };
    expect(kinds([], [{ ...base, replacement: { leaderId: 1, term: 3 }, steppedDown: false }])).toEqual(['no_check_quorum']);
    expect(kinds([], [{ ...base, replacement: null, steppedDown: true }])).toEqual(['no_failover']);
    expect(kinds([], [{ ...base, replacement: { leaderId: 2, term: 3 }, steppedDown: true }])).toEqual(['no_failover']);
    expect(kinds([], [{ ...base, kind: 'kill9', replacement: { leaderId: 1, term: 2 } }])).toEqual(['no_failover']);
    expect(kinds([], [{ ...base, kind: 'kill9', replacement: { leaderId: 3, term: 3 } }])).toEqual([]);
  });

  test('a partition leader unknown before its fault, or killed or cut off and not replaced in a higher epoch, is caught', () => {
    const base = { kind: 'kill9' as const, nodeId: 3, before: { leaderId: 2, term: 2 }, after: { leaderId: 2, term: 2 } };
    const partitionBefore = { partition: 1, leaderId: 3, leaderEpoch: 4 };
    expect(kinds([], [{ ...base, partitionBefore: null }])).toEqual(['no_partition_leader']);
    expect(kinds([], [{ ...base, partitionBefore, partitionReplacement: null }])).toEqual(['no_partition_failover']);
    expect(kinds([], [{ ...base, partitionBefore, partitionReplacement: { ...partitionBefore, leaderEpoch: 5 } }])).toEqual(['no_partition_failover']);
    expect(kinds([], [{ ...base, partitionBefore, partitionReplacement: { ...partitionBefore, leaderId: 1, leaderEpoch: 4 } }])).toEqual(['no_partition_failover']);
    expect(kinds([], [{ ...base, partitionBefore, partitionReplacement: { ...partitionBefore, leaderId: 1, leaderEpoch: 5 } }])).toEqual([]);
    // A pause may end before any election timeout: no replacement is asked of it.
    expect(kinds([], [{ ...base, kind: 'pause', partitionBefore }])).toEqual([]);
  });
});
