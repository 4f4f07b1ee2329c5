// The reassignment step function (src/cluster/replica/reassignment.ts): every transition, a
// cancelled move, a leader the target leaves out, a learner not caught up yet; and a walk of
// 1,000 random moves through a model of the group and the controller, checked at every step
// (single-server changes, the leader a voter, promotions only when caught up, the target
// reached in its order), shown catching two broken step functions.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../../src/base/prng.ts';
import { hostsReplica } from '../../../../src/broker/metadata-reconciler.ts';
import { nextReassignmentStep, type ReassignmentStep, type ReassignmentView } from '../../../../src/cluster/replica/reassignment.ts';
import { applyChange, membership, type NodeId } from '../../../../src/raft/core/index.ts';

const view = (v: Partial<ReassignmentView>): ReassignmentView => ({
  self: 1,
  voters: [1, 2, 3],
  learners: [],
  settled: true,
  replicas: [1, 2, 3],
  targetReplicas: null,
  caughtUp: new Set(),
  ...v,
});

describe('the next step', () => {
  test('no move and the controller knows the voters: idle', () => {
    expect(nextReassignmentStep(view({}))).toEqual({ type: 'idle' });
  });

  test('an uncommitted change, a leader without a committed entry of its term or a transfer in flight: wait', () => {
    expect(nextReassignmentStep(view({ settled: false, targetReplicas: [1, 2, 4] }))).toEqual({ type: 'wait', why: 'membership_unsettled' });
  });

  test('voters the controller does not know yet are reported before anything else', () => {
    expect(nextReassignmentStep(view({ voters: [1, 2, 3, 4], targetReplicas: [1, 2, 4] }))).toEqual({ type: 'report', voters: [1, 2, 3, 4] });
    // The same set in another order is known: the controller keeps its order.
    expect(nextReassignmentStep(view({ voters: [3, 2, 1] }))).toEqual({ type: 'idle' });
  });

  test('a target adds its new replicas as learners first, all of them before any promotion, in the target order', () => {
    expect(nextReassignmentStep(view({ targetReplicas: [5, 4, 1] }))).toEqual({ type: 'change', change: { type: 'add_learner', node: 5 } });
    expect(nextReassignmentStep(view({ learners: [5], targetReplicas: [5, 4, 1], caughtUp: new Set([5]) }))).toEqual({
      type: 'change',
      change: { type: 'add_learner', node: 4 },
    });
  });

  test('a learner not caught up yet: wait; caught up: promoted', () => {
    expect(nextReassignmentStep(view({ learners: [4], targetReplicas: [1, 2, 4] }))).toEqual({ type: 'wait', why: 'learner_behind' });
    expect(nextReassignmentStep(view({ learners: [4], targetReplicas: [1, 2, 4], caughtUp: new Set([4]) }))).toEqual({
      type: 'change',
      change: { type: 'promote_learner', node: 4 },
    });
    // One caught up and one not: the caught-up one is promoted, whatever its place.
    expect(nextReassignmentStep(view({ learners: [4, 5], targetReplicas: [5, 4, 1], caughtUp: new Set([4]) }))).toEqual({
      type: 'change',
      change: { type: 'promote_learner', node: 4 },
    });
  });

  test('the old voters are removed once every new one votes, others before the leader', () => {
    const v = { voters: [1, 2, 3, 4], replicas: [1, 2, 3, 4], targetReplicas: [2, 4] };
    expect(nextReassignmentStep(view(v))).toEqual({ type: 'change', change: { type: 'remove_member', node: 3 } });
  });

  test('a leader the target leaves out hands over to the first voter of the target (the preferred leader)', () => {
    const v = { voters: [1, 2, 4], replicas: [1, 2, 4], targetReplicas: [4, 2] };
    expect(nextReassignmentStep(view(v))).toEqual({ type: 'transfer', to: 4 });
    // The new leader then removes the old one.
    expect(nextReassignmentStep(view({ ...v, self: 4 }))).toEqual({ type: 'change', change: { type: 'remove_member', node: 1 } });
  });

  test('voters equal to the target while the controller still holds it: the ending report is sent again', () => {
    // reportPartitionVoters ends the move when the voters are the target; this is a lost report.
    expect(nextReassignmentStep(view({ targetReplicas: [3, 2, 1] }))).toEqual({ type: 'report', voters: [1, 2, 3] });
  });

  test('a cancelled move stays where it is: learners leave, the voters reached are reported and kept', () => {
    expect(nextReassignmentStep(view({ learners: [4] }))).toEqual({ type: 'change', change: { type: 'remove_member', node: 4 } });
    expect(nextReassignmentStep(view({ voters: [1, 2, 3, 4] }))).toEqual({ type: 'report', voters: [1, 2, 3, 4] });
    expect(nextReassignmentStep(view({ voters: [1, 2, 3, 4], replicas: [1, 2, 3, 4] }))).toEqual({ type: 'idle' });
  });

  test('a redirected move drops the learners the new target does not name', () => {
    expect(nextReassignmentStep(view({ learners: [4], targetReplicas: [1, 2, 5] }))).toEqual({ type: 'change', change: { type: 'remove_member', node: 4 } });
  });
});

describe('the nodes hosting a replica (the reconciler desired set)', () => {
  test('a replica, a node the target adds, not a node in neither list', () => {
    const p = { replicas: [1, 2], targetReplicas: [2, 3], partitionEpoch: 3 };
    expect([1, 2, 3, 4].map((n) => hostsReplica(p, n))).toEqual([true, true, true, false]);
    expect([1, 2, 3].map((n) => hostsReplica({ ...p, targetReplicas: null }, n))).toEqual([true, true, false]);
  });
});

// ---- a walk through a model of the group and the controller ----

type StepFn = (v: ReassignmentView) => ReassignmentStep;

/**
 * Steps a move from `from` (leader `leader`) to `target` until idle; throws on the first broken
 * rule. With `cancelAt`, the move is cancelled before that step as the controller cancels it
 * (the nodes it was adding stay in the replicas until a report). Returns the steps taken.
 */
function walk(step: StepFn, from: NodeId[], target: NodeId[], leader: NodeId, rng: Prng, cancelAt = -1): number {
  let m = membership(from);
  let replicas = [...from];
  let targetReplicas: NodeId[] | null = target;
  let self = leader;
  const caughtUp = new Set<NodeId>();
  let cancelled = false;
  for (let steps = 0; steps < 100; steps++) {
    if (steps === cancelAt && targetReplicas !== null) {
      replicas = [...replicas, ...targetReplicas.filter((id) => !replicas.includes(id))];
      targetReplicas = null;
      cancelled = true;
    }
    const s = step({ self, voters: m.voters, learners: m.learners, settled: true, replicas, targetReplicas, caughtUp });
    if (!m.voters.includes(self)) throw new Error(`the leader ${self} is not a voter of ${m.voters}`);
    switch (s.type) {
      case 'idle':
        if (targetReplicas !== null || m.learners.length > 0) throw new Error(`idle with target ${targetReplicas} and learners ${m.learners}`);
        if (cancelled) {
          // Stopped where it was: the controller lists the voters the group has.
          if (replicas.toSorted((a, b) => a - b).join() !== m.voters.join()) throw new Error(`cancelled at voters ${m.voters}, listed as ${replicas}`);
          return steps;
        }
        if (replicas.join() !== target.join()) throw new Error(`ended at ${replicas}, not the target ${target}`);
        return steps;
      case 'wait':
        for (const l of m.learners) if (rng.chance(0.5)) caughtUp.add(l);
        break;
      case 'report': {
        // The controller's rule (reportPartitionVoters): voters equal to the target end the move in its order.
        const ends = targetReplicas !== null && s.voters.length === targetReplicas.length && s.voters.every((id) => targetReplicas!.includes(id));
        replicas = ends ? [...targetReplicas!] : [...s.voters];
        if (ends) targetReplicas = null;
        break;
      }
      case 'change': {
        const c = s.change;
        if (c.type === 'remove_member' && c.node === self) throw new Error('the leader removed itself without handing over');
        // A voter whose node the controller no longer lists has lost its replica (hostsReplica).
        const listed = [...replicas, ...(targetReplicas ?? [])];
        for (const v of m.voters) if (!listed.includes(v)) throw new Error(`voter ${v} is in neither the replicas ${replicas} nor the target: its node dropped its log`);
        if (c.type === 'promote_learner' && !caughtUp.has(c.node)) throw new Error(`learner ${c.node} promoted before it caught up`);
        if (replicas.toSorted((a, b) => a - b).join() !== m.voters.join()) throw new Error('a change before the controller knew the voters');
        const next = applyChange(m, c);
        if (!next.ok) throw new Error(next.reason);
        m = next.membership;
        break;
      }
      case 'transfer':
        if (!m.voters.includes(s.to) || !target.includes(s.to)) throw new Error(`transfer to ${s.to}, not a voter of the target`);
        self = s.to;
        break;
    }
  }
  throw new Error(`no end after 100 steps from ${from} to ${target}`);
}

function randomSet(rng: Prng, nodes: number): NodeId[] {
  const all = [1, 2, 3, 4, 5, 6];
  const out: NodeId[] = [];
  while (out.length < nodes) {
    const n = rng.pick(all.filter((id) => !out.includes(id)));
    out.push(n);
  }
  return out;
}

function sweep(step: StepFn, seeds: number, cancels = false): void {
  for (let seed = 1; seed <= seeds; seed++) {
    const rng = new Prng(seed);
    const from = randomSet(rng, rng.int(1, 4));
    const target = randomSet(rng, rng.int(1, 4));
    try {
      walk(step, from, target, rng.pick(from), rng, cancels ? rng.int(0, 12) : -1);
    } catch (e) {
      throw new Error(`seed ${seed} (${from} -> ${target}): ${(e as Error).message}`);
    }
  }
}

describe('random moves through a model of the group and the controller', () => {
  test('1,000 moves of 1-4 replicas over 6 nodes reach their target, one server at a time, the leader always a voter', () => {
    sweep(nextReassignmentStep, 1_000);
    // [1,2,3] -> [1,2,4] led by 3: add 4, promote it, report, hand over, remove 3, report.
    expect(walk(nextReassignmentStep, [1, 2, 3], [1, 2, 4], 3, new Prng(7))).toBeGreaterThanOrEqual(6);
  });

  test('1,000 moves cancelled at a random step stop where they are: no learner left, the voters listed, no voter unlisted on the way', () => {
    sweep(nextReassignmentStep, 1_000, true);
  });

  test('the walk catches a step function that changes the group before reporting (a voter the controller does not list)', () => {
    const hasty: StepFn = (v) => {
      const s = nextReassignmentStep(v);
      return s.type === 'report' ? nextReassignmentStep({ ...v, replicas: v.voters }) : s;
    };
    expect(() => sweep(hasty, 1_000, true)).toThrow(/before the controller knew the voters|neither the replicas/);
  });

  test('the walk catches a step function that promotes a learner before it caught up', () => {
    const eager: StepFn = (v) => nextReassignmentStep({ ...v, caughtUp: new Set(v.learners) });
    expect(() => sweep(eager, 1_000)).toThrow(/promoted before it caught up/);
  });

  test('the walk catches a step function that lets the leader remove itself', () => {
    const selfRemoving: StepFn = (v) => {
      const s = nextReassignmentStep(v);
      return s.type === 'transfer' ? { type: 'change', change: { type: 'remove_member', node: v.self } } : s;
    };
    expect(() => sweep(selfRemoving, 1_000)).toThrow(/removed itself/);
  });
});
