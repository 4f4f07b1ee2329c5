// `freshet cluster info` names the quorum's leader even when one of the nodes it may ask is cut
// off from the others: three real processes behind the fault proxy (test/helpers/fault-proxy.ts);
// node 1 is isolated (whatever its role), it soon knows no leader, and cluster info asked through
// a healthy node, or through node 1 and a healthy node, shows the leader the others have. Found by
// the chaos round: the client asked the first broker Metadata had listed (node 1, cut off) rather
// than the node named in --brokers, and reported "no leader" for as long as the cut lasted.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type ChaosTarget, startTarget } from '../chaos/targets.ts';
import { describeQuorumVia, type QuorumView } from '../chaos/quorum-faults.ts';
import { clusterInfo, waitFor } from '../helpers/cluster.ts';

/** Liveness bounds (generous for a loaded machine); nothing here measures time. */
const SETTLE_MS_MAX = 30_000;
/** The node Metadata lists first (brokers in id order), which the client used to ask first. */
const CUT_OFF = 1;

let target: ChaosTarget;

beforeAll(async () => {
  target = await startTarget('quorum');
}, 60_000);

afterAll(async () => {
  await target?.dispose();
});

const portOf = (id: number): number => target.broker(id).port;

describe('cluster info with a node cut off', () => {
  test('asked through a healthy node, or the cut-off node and a healthy one, it shows the leader the others have', async () => {
    const first = await waitFor(() => describeQuorumVia(portOf(CUT_OFF)), SETTLE_MS_MAX, 'a leader seen by node 1');
    const [a, b] = target.nodeIds.filter((id) => id !== CUT_OFF);
    target.proxy!.isolate(CUT_OFF);
    try {
      // The others keep (or, if node 1 led, elect) a leader; node 1 soon knows none: a follower
      // times out into PreVote, a leader steps down once it misses a quorum (CheckQuorum).
      const others: QuorumView = await waitFor(
        async () => {
          const v = await describeQuorumVia(portOf(a));
          return v !== null && v.leaderId !== CUT_OFF && v.term >= first.term ? v : null;
        },
        SETTLE_MS_MAX,
        'a leader among the others',
      );
      await waitFor(async () => ((await describeQuorumVia(portOf(CUT_OFF))) === null ? true : null), SETTLE_MS_MAX, 'node 1 knowing no leader');

      const viaHealthy = await clusterInfo(target.broker(b).bootstrap);
      expect(viaHealthy?.quorum?.leaderId).toBe(others.leaderId);
      expect(viaHealthy?.members.map((m) => m.nodeId).sort()).toEqual([...target.nodeIds].sort());

      const viaCutOffFirst = await clusterInfo(`${target.broker(CUT_OFF).bootstrap},${target.broker(b).bootstrap}`);
      expect(viaCutOffFirst?.quorum?.leaderId).toBe(others.leaderId);
    } finally {
      target.proxy!.heal();
    }
  }, 120_000);
});
