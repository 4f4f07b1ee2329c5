// The Kafka clients' checker's view of the replicas of their topic in the cluster simulation:
// after every step, what each live replica holds below its high watermark (Raft's, the
// driver's) and each leader's high watermark, fed to the partition simulation's checker; and
// whether the topic's partitions have converged, and who leads each.

import type { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import type { PartitionChecker } from '../partitions/checker.ts';
import { observeCommitted } from '../partitions/clients.ts';
import type { ClusterSim } from './cluster-sim.ts';
import type { SimClusterNode } from './sim-cluster-node.ts';

/** Bytes a checker read of one replica's committed log asks for at once. */

interface Seen {
  readonly highWatermark: number;
  readonly leaderHighWatermark: number;
  readonly leaderEpoch: number;
}

export class ReplicaView {
  /** What the checker last saw of each replica (a restarted node's replica is a new object). */
  private readonly seen = new WeakMap<ReplicatedPartition, Seen>();

  constructor(
    private readonly sim: ClusterSim,
    private readonly checker: PartitionChecker,
    private readonly topic: string,
  ) {}

  /** Every live replica of partitions 0..partitions-1: what it holds below its high watermark, and a leader's high watermark. */
  observe(partitions: number): void {
    for (const n of this.sim.nodes) {
      const broker = n.running?.broker;
      if (broker === undefined) continue;
      for (let p = 0; p < partitions; p++) {
        const r = broker.replica(this.topic, p);
        if (r === undefined || r.storageFailure !== null) continue;
        // Most steps change no replica: one seen at the same high watermarks, role and epoch was checked already.
        const seen = this.seen.get(r);
        const highWatermark = r.driver.highWatermark;
        const leaderHighWatermark = r.isLeader ? r.highWatermark : -1;
        if (seen !== undefined && seen.highWatermark === highWatermark && seen.leaderHighWatermark === leaderHighWatermark && seen.leaderEpoch === r.leaderEpoch) continue;
        this.seen.set(r, { highWatermark, leaderHighWatermark, leaderEpoch: r.leaderEpoch });
        observeCommitted(this.checker, p, `n${n.id}`, r);
        if (r.isLeader) this.checker.leaderHighWatermark(p, n.id, n.incarnation, r.leaderEpoch, leaderHighWatermark);
      }
    }
  }

  /** The live node whose replica of `p` leads in the highest epoch (a deposed leader may not have heard yet). */
  leaderOf(p: number): SimClusterNode | undefined {
    let best: { node: SimClusterNode; epoch: number } | undefined;
    for (const n of this.sim.live()) {
      const r = n.running!.broker.replica(this.topic, p);
      if (r?.isLeader === true && (best === undefined || r.leaderEpoch > best.epoch)) best = { node: n, epoch: r.leaderEpoch };
    }
    return best?.node;
  }

  /** What keeps partitions 0..partitions-1 from having converged (a leader, all committed, every replica applied all), or null. */
  converged(partitions: number): string | null {
    for (let p = 0; p < partitions; p++) {
      const leader = this.leaderOf(p);
      if (leader === undefined) return `partition ${p}: no leader`;
      const s = leader.running!.broker.replica(this.topic, p)!.driver.status();
      if (s.commit !== s.lastIndex) return `partition ${p}: leader n${leader.id} committed ${s.commit} of ${s.lastIndex}`;
      for (const n of this.sim.nodes) {
        const r = n.running?.broker.replica(this.topic, p);
        if (r !== undefined && r.driver.highWatermark !== s.commit + 1) return `partition ${p}: n${n.id} has not applied ${s.commit}`;
      }
    }
    return null;
  }
}
