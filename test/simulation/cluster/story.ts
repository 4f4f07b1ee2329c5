// The story one seed tells with a ClusterSim; what the seed decides: the order and gaps in which
// the seeds start, the leader's crash time, which minority is cut off and for how long, when the
// learner starts. Every step names what must happen and how long it may take (simulated time);
// a step that times out is a LivenessFailure, a property broken on the way an InvariantViolation.
//
//   1. formation: fewer than a majority up elect no one (for 2.5 s, past the longest election
//      timeout); the majority-th seed up, a leader within 5 s; all up, every node agrees on the
//      controller and knows every broker's address (registration);
//   2. the leader crashes (kill -9, power cut): a new one, in a higher term, within 5 s;
//   3. the crashed node restarts on its disk and catches up with the commit it missed;
//   4. a minority is cut off, then healed. With the leader in it: the majority elects another
//      and the old one steps down (CheckQuorum); without it: the leader keeps its term through
//      the cut and the heal (PreVote: a node cut off and back must not depose it);
//   5. a node not in the seeds starts with the same --seeds and joins as a learner: the leader
//      lists it and it applies the log;
//   6. churn for 2-4 s (by default): every 100-500 ms a random crash (of at most a minority of the voters at
//      a time; the learner too), restart, minority cut or heal; then everything heals and restarts;
//   7. writes stop; every member applies everything; the checker's final check; the state
//      machines agree; every topic the admin clients (from formation on: creates, deletes and
//      config changes through random nodes, admin-clients.ts) were told exists is on every
//      node, none they were told was deleted is; a Kafka client asking a node that is not the
//      leader gets, through the forwarded DescribeQuorum, every voter and the learner at the
//      leader's log end, and Metadata lists every broker with the leader as controller, and
//      every topic of the metadata with each partition led by the replica its group elected.
//   With Kafka clients (kafka-clients.ts), from formation on they produce and consume on a
//   topic of replication factor 3; at 7 they stop making batches and must have every batch
//   acknowledged, and then read every partition in full through the brokers for the final check.

import { isMember } from '../../../src/raft/core/index.ts';
import { type ClusterSim, DEFAULT_CHURN, LivenessFailure } from './cluster-sim.ts';
import { KAFKA_PORT, type SimClusterNode } from './sim-cluster-node.ts';

/** Longest randomized election timeout (2 x 1 s) and a margin: a minority must stay leaderless this long. */
const MINORITY_WAIT_MS = 2_500;
const ELECT_MS_MAX = 5_000;
const AGREE_MS_MAX = 6_000;
const CATCH_UP_MS_MAX = 5_000;
const JOIN_MS_MAX = 6_000;
const CONVERGE_MS_MAX = 6_000;
/** A partition group's election (its timeout is at most 2 s) and the publication of its leader (200 ms), with a margin. */
const LEADERS_KNOWN_MS_MAX = 5_000;
const METADATA_RETRY_MS = 250;
/** CheckQuorum: a leader cut off from its majority steps down within an election timeout (plus a tick). */
const STEP_DOWN_MS_MAX = 2_500;

export async function tellStory(sim: ClusterSim): Promise<void> {
  await formation(sim);
  sim.startWriting();
  sim.admins.start();
  sim.clients?.start();
  const crashed = await leaderCrash(sim);
  await restart(sim, crashed);
  await cutOffMinority(sim);
  await learnerJoins(sim);
  await churn(sim);
  await converge(sim);
  await sim.clients?.finalCheck();
  await clientView(sim);
}

async function formation(sim: ClusterSim): Promise<void> {
  const voters = sim.options.voters;
  const majority = Math.floor(voters / 2) + 1;
  const order = shuffled(sim, Array.from({ length: voters }, (_, i) => i + 1));
  for (const id of order.slice(0, majority - 1)) {
    await sim.holds(() => null, sim.prng.int(0, 300));
    await sim.start(sim.node(id));
  }
  sim.trace(`a minority (${majority - 1} of ${voters}) is up`);
  await sim.holds(() => (sim.leader() === null ? null : `a minority elected n${sim.leader()!.id}`), MINORITY_WAIT_MS);
  await sim.start(sim.node(order[majority - 1]));
  await sim.until(() => sim.leader() !== null, ELECT_MS_MAX, 'a leader once a majority is up');
  for (const id of order.slice(majority)) {
    await sim.holds(() => null, sim.prng.int(0, 300));
    await sim.start(sim.node(id));
  }
  await sim.until(() => agreed(sim, voters), AGREE_MS_MAX, 'every seed agreeing on the controller and knowing every broker');
}

/** Every live node names the live leader as controller and lists `brokers` brokers. */
function agreed(sim: ClusterSim, brokers: number): boolean {
  const leader = sim.leader();
  if (leader === null) return false;
  return sim.live().every((n) => n.cluster!.controllerId() === leader.id && n.cluster!.brokers().length === brokers);
}

async function leaderCrash(sim: ClusterSim): Promise<SimClusterNode> {
  await sim.holds(() => null, sim.prng.int(200, 1_500));
  const old = sim.leader()!;
  const term = old.controller!.term;
  sim.crash(old);
  await sim.until(() => (sim.leader()?.controller!.term ?? 0) > term, ELECT_MS_MAX, `a new leader after n${old.id} crashed`);
  sim.trace(`n${sim.leader()!.id} took over from n${old.id}`);
  return old;
}

async function restart(sim: ClusterSim, n: SimClusterNode): Promise<void> {
  await sim.holds(() => null, sim.prng.int(0, 1_000));
  await sim.start(n);
  await sim.until(() => sim.leader() !== null, ELECT_MS_MAX, 'a leader');
  const target = sim.leader()!.controller!.status().commit;
  await sim.until(() => n.applied >= target, CATCH_UP_MS_MAX, `n${n.id} catching up to ${target}`);
  sim.trace(`n${n.id} caught up to ${n.applied}`);
}

async function cutOffMinority(sim: ClusterSim): Promise<void> {
  await sim.until(() => sim.leader() !== null, ELECT_MS_MAX, 'a leader');
  const voters = sim.live();
  const leader = sim.leader()!;
  const withLeader = sim.prng.int(0, 1) === 1;
  const size = sim.prng.int(1, Math.floor((voters.length - 1) / 2));
  const followers = shuffled(sim, voters.filter((n) => n !== leader));
  const cut = withLeader ? [leader, ...followers.slice(0, size - 1)] : followers.slice(0, size);
  const rest = voters.filter((n) => !cut.includes(n));
  const term = leader.controller!.term;
  sim.world.net.partition(cut.map((n) => n.host), rest.map((n) => n.host));
  sim.stats.partitions++;
  sim.trace(`cut off: ${cut.map((n) => `n${n.id}`).join(' ')} (the leader ${withLeader ? 'among them' : 'not'})`);
  if (withLeader) {
    await sim.until(() => rest.some((n) => n.controller!.role === 'leader'), ELECT_MS_MAX, 'the majority electing a new leader');
    await sim.until(() => leader.controller!.role !== 'leader', STEP_DOWN_MS_MAX, `n${leader.id}, cut off, stepping down (CheckQuorum)`);
    await sim.holds(() => null, sim.prng.int(0, 1_000));
  } else {
    const keepsTerm = () => (leader.controller!.role === 'leader' && leader.controller!.term === term ? null : `n${leader.id} lost term ${term} to a cut-off follower`);
    await sim.holds(keepsTerm, sim.prng.int(1_500, 3_000));
  }
  sim.world.net.heal();
  sim.trace('healed');
  if (!withLeader) {
    const keepsTerm = () => (leader.controller!.term === term ? null : `n${leader.id} lost term ${term} when the cut healed (PreVote)`);
    await sim.holds(keepsTerm, 2_000);
  }
}

async function learnerJoins(sim: ClusterSim): Promise<void> {
  const learner = sim.node(sim.options.voters + 1);
  await sim.start(learner);
  await sim.until(
    () => {
      const leader = sim.leader();
      if (leader === null || !leader.controller!.raft.membership.learners.includes(learner.id)) return false;
      return learner.applied >= leader.controller!.status().commit;
    },
    JOIN_MS_MAX,
    `n${learner.id} joining as a learner and applying the log`,
  );
  sim.trace(`n${learner.id} is a learner at ${learner.applied}`);
}

/** Random crashes, restarts, cuts and heals, never with more than a minority of the voters down. */
async function churn(sim: ClusterSim): Promise<void> {
  const voters = sim.options.voters;
  const minority = Math.floor((voters - 1) / 2);
  const { durationMs, stepMs } = sim.options.churn ?? DEFAULT_CHURN;
  const end = sim.nowMs + sim.prng.int(durationMs[0], durationMs[1]);
  while (sim.nowMs < end) {
    await sim.holds(() => null, sim.prng.int(stepMs[0], stepMs[1]));
    const down = sim.nodes.filter((n) => !n.alive);
    const votersDown = down.filter((n) => n.id <= voters).length;
    const action = sim.prng.int(0, 3);
    if (action === 0) {
      const victims = sim.live().filter((n) => n.id > voters || votersDown < minority);
      if (victims.length > 0) sim.crash(sim.prng.pick(victims));
    } else if (action === 1 && down.length > 0) {
      await sim.start(sim.prng.pick(down));
    } else if (action === 2) {
      const cut = shuffled(sim, sim.nodes).slice(0, sim.prng.int(1, minority));
      sim.world.net.partition(cut.map((n) => n.host), sim.nodes.filter((n) => !cut.includes(n)).map((n) => n.host));
      sim.stats.partitions++;
      sim.trace(`cut off: ${cut.map((n) => `n${n.id}`).join(' ')}`);
    } else {
      sim.world.net.heal();
      sim.trace('healed');
    }
  }
  sim.world.net.heal();
  for (const n of sim.nodes) if (!n.alive) await sim.start(n);
  sim.trace('churn over: healed, every node up');
}

async function converge(sim: ClusterSim): Promise<void> {
  sim.stopWriting();
  sim.admins.stop();
  sim.clients?.stopProducing();
  const everyone = sim.options.voters + 1;
  const converged = (): boolean => {
    const leader = sim.leader();
    if (leader === null || !agreed(sim, everyone) || !sim.admins.settled || sim.clients?.settled === false) return false;
    const s = leader.controller!.status();
    if (s.commit !== s.lastIndex) return false;
    // The leader has heard every member's match too (DescribeQuorum reports the leader's view).
    if ([...(s.progress ?? [])].some(([, p]) => p.match !== s.lastIndex)) return false;
    // Every node's registration of this life committed: nothing more is proposed after this.
    // And every node's replicas made the metadata's (removals wait for a journal sync).
    return [...s.membership.voters, ...s.membership.learners].every((id) => {
      const n = sim.node(id);
      return n.alive && n.applied === s.commit && n.cluster!.registration.current && !n.running!.broker.replicasReconciling;
    });
  };
  await sim.until(converged, CONVERGE_MS_MAX, 'every member applying everything');
  const s = sim.leader()!.controller!.status();
  sim.checker.finalCheck(sim.nodes.map((n) => ({ id: n.id, appliedIndex: n.applied })));
  sim.admins.finalCheck();
  const states = sim.nodes.map((n) => `${n.stateMachine!.appliedIndex}/${JSON.stringify(n.stateMachine!.image.toState())}`);
  if (new Set(states).size !== 1) throw new LivenessFailure(`state machines differ: ${states.join(' ')}`);
  for (const n of sim.nodes) if (!isMember(s.membership, n.id)) throw new LivenessFailure(`n${n.id} is not a member: ${JSON.stringify(s.membership)}`);
  sim.trace(`converged: leader n${s.id} term ${s.term}, commit ${s.commit}, voters ${s.membership.voters}, learners ${s.membership.learners}`);
}

/** Through the Kafka API of a node that is not the leader (DescribeQuorum forwarded over the RPC). */
async function clientView(sim: ClusterSim): Promise<void> {
  const leader = sim.leader()!;
  const via = sim.nodes.find((n) => n !== leader)!;
  const client = await sim.world.connectClient('client', `${via.host}:${KAFKA_PORT}`);
  try {
    const q = await sim.world.loop.run(client.describeQuorum(), 5_000, 'DescribeQuorum');
    // Each partition's leader is its group's, elected by the group and published by it to every
    // node (partition-leaders.ts): a partition created late may still be electing, so the
    // client asks again, as a Kafka client does on LEADER_NOT_AVAILABLE, within a bound.
    let md = await sim.world.loop.run(client.metadata(null), 5_000, 'Metadata');
    for (const until = sim.nowMs + LEADERS_KNOWN_MS_MAX; describeTopics(md.topics) !== describeTopics(imageTopics(sim, leader)) && sim.nowMs < until; ) {
      await sim.holds(() => null, METADATA_RETRY_MS);
      md = await sim.world.loop.run(client.metadata(null), 5_000, 'Metadata');
    }
    const leo = leader.controller!.status().lastIndex + 1;
    const voters = q.voters.map((v) => `${v.nodeId}@${v.logEndOffset}`).join(' ');
    const want = Array.from({ length: sim.options.voters }, (_, i) => `${i + 1}@${leo}`).join(' ');
    const problems = [
      q.error !== null ? `error ${q.error.name}: ${q.error.message}` : null,
      q.leaderId !== leader.id ? `leader ${q.leaderId}, not n${leader.id}` : null,
      voters !== want ? `voters ${voters}, want ${want}` : null,
      q.observers.map((o) => `${o.nodeId}@${o.logEndOffset}`).join() !== `${sim.options.voters + 1}@${leo}` ? `observers ${JSON.stringify(q.observers)}` : null,
      md.controllerId !== leader.id ? `Metadata controller ${md.controllerId}` : null,
      md.brokers.map((b) => `${b.nodeId}:${b.host}`).join() !== sim.nodes.map((n) => `${n.id}:${n.host}`).join() ? `Metadata brokers ${JSON.stringify(md.brokers)}` : null,
      // Every topic of the metadata, each partition led by the replica its group elected.
      describeTopics(md.topics) !== describeTopics(imageTopics(sim, leader)) ? `Metadata topics ${describeTopics(md.topics)}, the metadata's ${describeTopics(imageTopics(sim, leader))}` : null,
    ].filter((p) => p !== null);
    if (problems.length > 0) throw new LivenessFailure(`the client via n${via.id} sees: ${problems.join('; ')}`);
    sim.trace(`client via n${via.id}: leader ${q.leaderId} term ${q.leaderEpoch}, voters ${voters}, learner ${q.observers[0].nodeId}`);
  } finally {
    await sim.world.loop.run(client.close(), 5_000, 'client close');
  }
}

interface TopicView {
  readonly name: string;
  readonly partitions: ReadonlyArray<{ readonly partition: number; readonly leader: number }>;
}

/** Every topic of `n`'s metadata, each partition with the replica leading its group (the highest epoch's, if a deposed one has not heard yet), -1 when none. */
function imageTopics(sim: ClusterSim, n: SimClusterNode): TopicView[] {
  const leaderOf = (topic: string, partition: number): number => {
    let best: { id: number; epoch: number } | null = null;
    for (const m of sim.live()) {
      const r = m.running!.broker.replica(topic, partition);
      if (r !== undefined && r.isLeader && (best === null || r.leaderEpoch > best.epoch)) best = { id: m.id, epoch: r.leaderEpoch };
    }
    return best?.id ?? -1;
  };
  return n.stateMachine!.image.topics().map((t) => ({ name: t.name, partitions: t.partitions.map((_, partition) => ({ partition, leader: leaderOf(t.name, partition) })) }));
}

function describeTopics(topics: readonly TopicView[]): string {
  return [...topics]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((t) => `${t.name}[${[...t.partitions].sort((a, b) => a.partition - b.partition).map((p) => p.leader).join(',')}]`)
    .join(' ');
}

function shuffled<T>(sim: ClusterSim, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = sim.prng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
