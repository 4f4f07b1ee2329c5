// The faults and operator actions of the shell simulation's chaos phase, one drawn per event.
// The network faults and crashes are shared with the partition simulation
// (test/simulation/partitions), which drives the same nodes through its replicas.

import type { Prng } from '../../../src/base/prng.ts';
import type { SimScheduler } from '../../../src/base/scheduler.ts';
import type { NodeId } from '../../../src/raft/core/index.ts';
import type { ShellSim } from './shell-sim.ts';
import type { SimRaftNet } from './sim-transport.ts';

/** What the shared faults act on: a simulation's nodes, network and time. */
export interface ChaosTarget<N extends { readonly id: NodeId; readonly alive: boolean }> {
  readonly prng: Prng;
  readonly nodes: readonly N[];
  readonly net: SimRaftNet;
  readonly scheduler: SimScheduler;
  readonly params: { readonly downMsMax: number };
  trace(line: string): void;
  crashNode(n: N): void;
  startNode(n: N): void;
}

/** Network faults and crashes: 7 kinds, drawn by `kind` in [0, 6] (0-4 the network, 5-6 a crash). */
export function faultAction<N extends { readonly id: NodeId; readonly alive: boolean }>(sim: ChaosTarget<N>, kind: number): void {
  const prng = sim.prng;
  const ids = sim.nodes.map((n) => n.id);
  switch (kind) {
    case 0: {
      const sides: NodeId[][] = [[], []];
      for (const id of ids) sides[prng.int(0, 1)].push(id);
      sim.net.network.partition(sides);
      sim.trace(`partition {${sides[0].join(',')}} | {${sides[1].join(',')}}`);
      return;
    }
    case 1: {
      const id = prng.pick(ids);
      sim.net.network.isolate(id, ids);
      sim.trace(`isolate n${id}`);
      return;
    }
    case 2: {
      const from = prng.pick(ids);
      const to = prng.pick(ids);
      if (from === to) return;
      sim.net.network.cut(from, to);
      sim.trace(`cut n${from} -> n${to} (one way)`);
      return;
    }
    case 3:
    case 4:
      sim.net.network.heal();
      sim.trace('network healed');
      return;
    case 5:
    case 6: {
      const live = sim.nodes.filter((n) => n.alive);
      if (live.length === 0) return;
      const n = prng.pick(live);
      sim.crashNode(n);
      sim.scheduler.after(prng.int(1, sim.params.downMsMax), () => {
        if (!n.alive) sim.startNode(n);
      });
      return;
    }
  }
}

export function chaosAction(sim: ShellSim): void {
  const kind = sim.prng.int(0, 11);
  switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
      faultAction(sim, kind);
      return;
    case 7:
    case 8:
      membershipChange(sim);
      return;
    case 9:
      transfer(sim);
      return;
    default:
      compact(sim);
      return;
  }
}

function membershipChange(sim: ShellSim): void {
  const group = sim.prng.pick(sim.groupIds);
  const leader = sim.leaderOf(group);
  if (leader === null) return;
  const d = leader.node.groups!.get(group)!;
  const prng = sim.prng;
  const m = d.raft.membership;
  const outside = sim.nodes.map((n) => n.id).filter((id) => !m.voters.includes(id) && !m.learners.includes(id));
  const change =
    m.learners.length > 0 && prng.chance(0.7)
      ? ({ type: 'promote_learner', node: prng.pick(m.learners) } as const)
      : outside.length > 0 && prng.chance(0.5)
        ? ({ type: 'add_learner', node: prng.pick(outside) } as const)
        : ({ type: 'remove_member', node: prng.pick([...m.voters, ...m.learners]) } as const);
  const r = d.proposeMembershipChange(change);
  if (r.ok) sim.stats.membershipChanges++;
  sim.trace(`n${leader.node.id} ${group} ${change.type} ${change.node}: ${r.ok ? `at ${r.index}` : r.reason}`);
}

function transfer(sim: ShellSim): void {
  const group = sim.prng.pick(sim.groupIds);
  const leader = sim.leaderOf(group);
  if (leader === null) return;
  const d = leader.node.groups!.get(group)!;
  const others = d.raft.membership.voters.filter((id) => id !== leader.node.id);
  if (others.length === 0) return;
  const to = sim.prng.pick(others);
  const r = d.transferLeadership(to);
  sim.trace(`n${leader.node.id} ${group} transfers leadership to n${to}: ${r.ok ? 'started' : r.reason}`);
}

/** Retention: a node moves a group's log start past what it has applied, so laggards need the snapshot point. */
function compact(sim: ShellSim): void {
  const live = sim.nodes.filter((n) => n.alive);
  if (live.length === 0) return;
  const n = sim.prng.pick(live);
  const group = sim.prng.pick(sim.groupIds);
  const d = n.groups!.get(group)!;
  const to = n.applied.get(group) ?? -1;
  void d.compact(to).then((done) => {
    if (!done) return;
    sim.stats.compactions++;
    sim.trace(`n${n.id} ${group} compacts its log up to ${to}`);
  });
}
