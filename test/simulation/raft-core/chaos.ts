// The faults and operator actions of the chaos phase, one drawn at random per chaos event.

import type { NodeId } from '../../../src/raft/core/index.ts';
import type { RaftCoreSim } from './sim.ts';

export function chaosAction(sim: RaftCoreSim): void {
  const prng = sim.prng;
  const started = [...sim.started];
  switch (prng.int(0, 11)) {
    case 0: {
      const groups: NodeId[][] = [[], []];
      for (const id of started) groups[prng.int(0, 1)].push(id);
      sim.network.partition(groups);
      sim.trace(`partition {${groups[0].join(',')}} | {${groups[1].join(',')}}`);
      return;
    }
    case 1: {
      const id = prng.pick(started);
      sim.network.isolate(id, started);
      sim.trace(`isolate n${id}`);
      return;
    }
    case 2: {
      const from = prng.pick(started);
      const to = prng.pick(started);
      if (from === to) return;
      sim.network.cut(from, to);
      sim.trace(`cut n${from} -> n${to} (one way)`);
      return;
    }
    case 3:
    case 4:
      sim.network.heal();
      sim.trace('network healed');
      return;
    case 5:
    case 6: {
      const live = sim.nodes.filter((n) => n.alive);
      if (live.length === 0) return;
      // Half the time, a node in the middle of a write: the torn-write case.
      const writing = live.filter((n) => n.pending !== null && n.pending.entries.length > 0);
      const n = writing.length > 0 && prng.chance(0.5) ? prng.pick(writing) : prng.pick(live);
      sim.crashNode(n);
      sim.queue.schedule(sim.queue.nowMs + prng.int(1, sim.params.downMsMax), { type: 'restart', node: n.id });
      return;
    }
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

function membershipChange(sim: RaftCoreSim): void {
  const leader = sim.currentLeader();
  if (leader === null) return;
  const prng = sim.prng;
  const m = leader.raft!.membership;
  const outside = sim.nodes.map((n) => n.id).filter((id) => !m.voters.includes(id) && !m.learners.includes(id));
  // A learner is usually promoted (a replica being added); groups drift between 1 and 7 voters.
  if (m.learners.length > 0 && prng.chance(0.7)) sim.changeMembership({ type: 'promote_learner', node: prng.pick(m.learners) });
  else if (outside.length > 0 && prng.chance(0.5)) sim.changeMembership({ type: 'add_learner', node: prng.pick(outside) });
  else sim.changeMembership({ type: 'remove_member', node: prng.pick([...m.voters, ...m.learners]) });
}

function transfer(sim: RaftCoreSim): void {
  const leader = sim.currentLeader();
  if (leader === null) return;
  const others = leader.raft!.membership.voters.filter((id) => id !== leader.id);
  if (others.length === 0) return;
  const to = sim.prng.pick(others);
  const r = leader.raft!.transferLeadership(to);
  sim.trace(`n${leader.id} transfers leadership to n${to}: ${r.ok ? 'started' : r.reason}`);
  sim.afterInput(leader);
}

/** Retention: a node drops the log up to what it has applied, so lagging nodes need snapshots. */
function compact(sim: RaftCoreSim): void {
  const live = sim.nodes.filter((n) => n.alive && n.appliedIndex > n.storage.snapshot().index);
  if (live.length === 0) return;
  const n = sim.prng.pick(live);
  n.storage.compact(n.appliedIndex);
  sim.trace(`n${n.id} compacts its log up to ${n.appliedIndex}`);
}
