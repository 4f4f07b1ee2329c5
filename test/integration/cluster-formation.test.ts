// Three real dist/freshet processes on 127.0.0.1 (their own Kafka and RPC ports and data
// directories, the same --seeds) form the controller quorum; kafkajs's describeCluster names the
// controller and every broker; kill -9 of the controller leader brings another within seconds
// (the figure is printed, not asserted); the killed node restarts and catches up; a fourth node
// with the same seeds joins as a learner, and stops and restarts cleanly; a node given other seeds is refused with both cluster
// ids named; a node without seeds still runs alone, with no Raft state on disk. A follower
// killed -9 is fenced once the controller has not heard from it for broker.session.timeout.ms:
// Metadata (kafkajs, kcat) stops listing it, and lists it again once it is back. Kafka's own
// Admin client (KIP-853, as kafka-metadata-quorum.sh add-controller / remove-controller) makes
// the learner a voter and removes the leader: the remaining voters elect and serve; the removed
// node, still running, is a learner again, and `freshet cluster add-voter` makes it a voter.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { type ClusterInfo, type ClusterNodeProc, clusterInfo, leadershipTakenMs, seedsFor, startClusterNode, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { freePort } from '../helpers/ports.ts';
import { JAVA_CLIENT, javaJson } from '../helpers/java.ts';
import { KCAT_TOOL, kcat, run } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

const SEED_IDS = [1, 2, 3];
/** Liveness bounds of the waits below (generous for a loaded machine); the times taken are printed. */
const FORM_MS_MAX = 20_000;
const FAILOVER_MS_MAX = 20_000;
/** broker.session.timeout.ms of these nodes: a third of Kafka's 9 s, so the fencing test is short. */
const SESSION_TIMEOUT_MS = 3_000;

let seeds = '';
let ports = new Map<number, number>();
let learnerRpcPort = 0;
const nodes = new Map<number, ClusterNodeProc>();
let learner: ClusterNodeProc | undefined;

beforeAll(async () => {
  ({ ports, seeds } = await seedsFor(SEED_IDS));
  learnerRpcPort = await freePort();
  const started = await startClusterNodes(SEED_IDS, ports, seeds, ['--set', `broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`]);
  for (const n of started) nodes.set(n.id, n);
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values(), learner]);
});

const bootstrapOf = (id: number): string => nodes.get(id)!.broker.bootstrap;

/** cluster info through `via` once it shows a leader and every one of `voters` caught up (lag 0). */
function settled(via: number | string, voters: readonly number[], learners: readonly number[] = []): () => Promise<ClusterInfo | null> {
  return async () => {
    const info = await clusterInfo(typeof via === 'string' ? via : bootstrapOf(via));
    if (info === null || info.quorum === null) return null;
    const role = (id: number) => info.members.find((m) => m.nodeId === id);
    const ok = voters.every((id) => ['leader', 'voter'].includes(role(id)?.role ?? '') && role(id)?.lag === 0) && learners.every((id) => role(id)?.role === 'learner' && role(id)?.lag === 0);
    return ok ? info : null;
  };
}

describe('a cluster of three processes', () => {
  test('forms the quorum: 3 voters and a leader in `freshet cluster info`; kafkajs sees the controller and 3 brokers', async () => {
    const t0 = performance.now();
    const info = await waitFor(settled(2, SEED_IDS), FORM_MS_MAX, 'a quorum of 3 voters with a leader');
    console.log(`quorum formed and seen by cluster info ${Math.round(performance.now() - t0)} ms after the 3 nodes served`);
    expect(info.members.filter((m) => m.role === 'leader' || m.role === 'voter').map((m) => m.nodeId)).toEqual(SEED_IDS);
    expect(info.quorum!.leaderId).toBeGreaterThan(0);
    const admin = kafkaFor(bootstrapOf(3)).admin();
    await admin.connect();
    try {
      const cluster = await waitFor(
        async () => {
          const c = await admin.describeCluster();
          return c.brokers.length === 3 && c.controller === info.quorum!.leaderId ? c : null;
        },
        10_000,
        'kafkajs seeing 3 brokers and the controller',
      );
      expect(cluster.brokers.map((b) => `${b.nodeId}:${b.port}`).sort()).toEqual(SEED_IDS.map((id) => `${id}:${nodes.get(id)!.broker.port}`));
      expect(cluster.clusterId).toBe(info.clusterId);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  test('kill -9 of the leader: another node leads within seconds; the killed node restarts and catches up', async () => {
    const before = await waitFor(settled(1, SEED_IDS), FORM_MS_MAX, 'a settled quorum');
    const old = before.quorum!.leaderId;
    const killedAtMs = Date.now();
    await nodes.get(old)!.broker.kill9();
    const survivors = SEED_IDS.filter((id) => id !== old);
    const taken = await waitFor(
      async () => survivors.map((id) => leadershipTakenMs(nodes.get(id)!.broker.logs(), before.quorum!.term)).find((t) => t !== null && t !== undefined) ?? null,
      FAILOVER_MS_MAX,
      `a new leader after node ${old} was killed`,
    );
    console.log(`leader election after kill -9 of node ${old}: ${taken.atMs - killedAtMs} ms (term ${before.quorum!.term} -> ${taken.term})`);
    const after = await waitFor(settled(survivors[0], survivors), FAILOVER_MS_MAX, 'the survivors settled');
    expect(after.quorum!.leaderId).not.toBe(old);
    expect(after.quorum!.term).toBeGreaterThan(before.quorum!.term);
    await nodes.get(old)!.broker.restart();
    const back = await waitFor(settled(old, SEED_IDS), FAILOVER_MS_MAX, `node ${old} back and caught up`);
    expect(back.members.find((m) => m.nodeId === old)!.logEndOffset).toBe(back.members.find((m) => m.role === 'leader')!.logEndOffset);
  }, 90_000);

  testRequiring(KCAT_TOOL, 'a follower killed -9 is fenced after broker.session.timeout.ms: Metadata (kafkajs, kcat) leaves it out; restarted, it is listed again', async () => {
    const before = await waitFor(settled(1, SEED_IDS), FORM_MS_MAX, 'a settled quorum');
    const victim = SEED_IDS.find((id) => id !== before.quorum!.leaderId)!;
    const survivor = SEED_IDS.find((id) => id !== victim)!;
    const admin = kafkaFor(bootstrapOf(survivor)).admin();
    await admin.connect();
    const brokersSeen = async () => (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
    const kcatBrokers = async () => {
      const r = await kcat(['-L', '-b', bootstrapOf(survivor), '-J']);
      return r.exitCode === 0 ? (JSON.parse(r.stdout) as { brokers: { id: number }[] }).brokers.map((b) => b.id).sort() : null;
    };
    try {
      expect(await brokersSeen()).toEqual(SEED_IDS);
      await nodes.get(victim)!.broker.kill9();
      const killedAt = performance.now();
      const others = SEED_IDS.filter((id) => id !== victim);
      await waitFor(async () => (JSON.stringify(await brokersSeen()) === JSON.stringify(others) ? true : null), FAILOVER_MS_MAX, `node ${victim} left out of Metadata`);
      const fencedAfterMs = performance.now() - killedAt;
      console.log(`node ${victim} killed -9: out of Metadata after ${Math.round(fencedAfterMs)} ms (broker.session.timeout.ms ${SESSION_TIMEOUT_MS})`);
      expect(await kcatBrokers()).toEqual(others);
      expect(nodes.get(before.quorum!.leaderId)!.broker.logs()).toMatch(new RegExp(`broker ${victim} fenced: not heard from`));
      await nodes.get(victim)!.broker.restart();
      await waitFor(async () => (JSON.stringify(await brokersSeen()) === JSON.stringify(SEED_IDS) ? true : null), FAILOVER_MS_MAX, `node ${victim} listed again`);
      expect(await kcatBrokers()).toEqual(SEED_IDS);
    } finally {
      await admin.disconnect();
    }
  }, 90_000);

  test('a fourth node started with the same seeds joins as a learner and replicates the metadata log', async () => {
    learner = await startClusterNode(4, learnerRpcPort, seeds);
    // Its Kafka address is listed once its registration has committed in the metadata.
    const caughtUp = settled(learner.broker.bootstrap, SEED_IDS, [4]);
    const info = await waitFor(async () => {
      const i = await caughtUp();
      return i !== null && i.members.find((m) => m.nodeId === 4)?.kafka ? i : null;
    }, FORM_MS_MAX, 'node 4 a caught-up learner with its address registered');
    expect(info.members.map((m) => m.nodeId)).toEqual([1, 2, 3, 4]);
    expect(info.members.find((m) => m.nodeId === 4)!.kafka).toBe(learner.broker.bootstrap);
    const node4 = learner;
    await waitFor(async () => (node4.broker.logs().includes('cluster: registered with the controller leader') ? true : null), 10_000, 'node 4 registered');
  }, 60_000);

  test('SIGTERM stops a clustered node cleanly (exit 0, "stopped"), and it comes back a member at the same place', async () => {
    const node4 = learner!;
    const before = (await clusterInfo(bootstrapOf(1)))!.members.find((m) => m.nodeId === 4)!;
    await node4.broker.stop();
    expect(node4.broker.proc.exitCode, node4.broker.logs()).toBe(0);
    expect(node4.broker.logs()).toMatch(/INFO {2}stopped$/m);
    await node4.broker.restart();
    expect(node4.broker.logs()).toMatch(/cluster: node 4 is a learner of the controller quorum \(voters 1,2,3, learners 4\)/);
    const info = await waitFor(settled(1, SEED_IDS, [4]), FORM_MS_MAX, 'node 4 back, caught up');
    expect(info.members.find((m) => m.nodeId === 4)!.logEndOffset).toBeGreaterThanOrEqual(before.logEndOffset ?? 0);
  }, 60_000);

  testRequiring(JAVA_CLIENT, "Kafka's Admin (KIP-853) makes the learner a voter and removes the leader: the others elect a leader and serve; a duplicate or unknown voter is refused", async () => {
    type Voters = { ok: boolean; exception?: string; message?: string; leaderId: number; voters: number[]; observers: number[] };
    const voters = (via: number | string, ...args: string[]) => javaJson<Voters>('QuorumVoters', [typeof via === 'string' ? via : bootstrapOf(via), ...args], 120_000);
    const node4 = learner!;
    const before = await waitFor(settled(1, SEED_IDS, [4]), FORM_MS_MAX, 'node 4 a caught-up learner');
    const added = await voters(1, 'add', '4', '127.0.0.1', String(learnerRpcPort));
    expect(added).toMatchObject({ ok: true, voters: [1, 2, 3, 4] });
    expect(added.observers).not.toContain(4);
    const again = await voters(2, 'add', '4', '127.0.0.1', String(learnerRpcPort));
    expect([again.ok, again.exception]).toEqual([false, 'org.apache.kafka.common.errors.DuplicateVoterException']);
    const old = before.quorum!.leaderId;
    const removed = await voters(node4.broker.bootstrap, 'remove', String(old));
    expect(removed.ok).toBe(true);
    const remaining = [...SEED_IDS.filter((id) => id !== old), 4];
    expect(removed.voters).toEqual(remaining);
    // The removed leader stepped down once its removal committed (dissertation 4.2.2); the
    // remaining voters elect among themselves and the quorum settles.
    const after = await waitFor(settled(node4.broker.bootstrap, remaining), FAILOVER_MS_MAX, 'a leader among the remaining voters');
    expect(remaining).toContain(after.quorum!.leaderId);
    expect(after.members.find((m) => m.nodeId === old)?.role ?? 'gone').not.toMatch(/leader|voter/);
    const unknown = await voters(node4.broker.bootstrap, 'remove', String(old));
    expect([unknown.ok, unknown.exception]).toEqual([false, 'org.apache.kafka.common.errors.VoterNotFoundException']);
    // The quorum still serves controller operations: a topic created through node 4.
    const admin = kafkaFor(node4.broker.bootstrap).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'after-voter-changes', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    // The removed node still runs: it registers again and is admitted as a learner (a removed
    // KRaft controller stays an observer); the CLI makes it a voter again.
    await waitFor(settled(node4.broker.bootstrap, remaining, [old]), FAILOVER_MS_MAX, `node ${old} a caught-up learner`);
    const cli = (...args: string[]) => run([FRESHET_BIN, 'cluster', ...args, '--brokers', node4.broker.bootstrap], { timeoutMs: 90_000 });
    const back = await cli('add-voter', String(old));
    expect([back.exitCode, back.stdout.trim()]).toEqual([0, `node ${old} is a voter of the controller quorum`]);
    const unknownCli = await cli('remove-voter', '9');
    expect(unknownCli.exitCode).toBe(1);
    expect(unknownCli.stderr).toContain('VOTER_NOT_FOUND');
    await waitFor(settled(node4.broker.bootstrap, [...SEED_IDS, 4]), FAILOVER_MS_MAX, 'four voters, caught up');
  }, 300_000);

  test('a node given other seeds is in another cluster: refused, with both cluster ids in its log', async () => {
    const { ports: p5, seeds: own } = await seedsFor([5]);
    const stranger = await startClusterNode(5, p5.get(5)!, `${seeds},${own}`);
    try {
      const theirs = (await clusterInfo(bootstrapOf(1)))!.clusterId;
      const mine = /, cluster ([^,\s]+)/.exec(stranger.broker.logs().split('\n').find((l) => l.includes(' ready: ')) ?? '')?.[1];
      expect(mine).toBeDefined();
      expect(mine).not.toBe(theirs);
      const naming = (logs: string) => logs.split('\n').find((l) => l.includes(`'${theirs}'`) && l.includes(`'${mine}'`)) ?? null;
      const line = await waitFor(async () => naming(stranger.broker.logs()), 10_000, 'the refusal, naming both cluster ids, in its log');
      expect(line).toMatch(/is in cluster .*, this node \d in /);
      expect(naming(nodes.get(1)!.broker.logs())).not.toBeNull();
      const info = await clusterInfo(bootstrapOf(1));
      expect(info!.members.map((m) => m.nodeId)).not.toContain(5);
    } finally {
      await stranger.broker.dispose();
    }
  }, 60_000);
});

describe('a node without seeds', () => {
  test('runs alone as before: its own controller, no quorum, no Raft state on disk', async () => {
    const lone = await startBroker({ dev: true });
    try {
      const info = await clusterInfo(lone.bootstrap);
      expect(info).not.toBeNull();
      expect(info!.quorum).toBeNull();
      expect(info!.error?.name).toBe('INVALID_REQUEST');
      expect(info!.members.map((m) => [m.nodeId, m.role])).toEqual([[0, null]]);
      const admin = kafkaFor(lone.bootstrap).admin();
      await admin.connect();
      try {
        const c = await admin.describeCluster();
        expect(c.controller).toBe(0);
        expect(c.brokers.map((b) => b.nodeId)).toEqual([0]);
      } finally {
        await admin.disconnect();
      }
      expect(existsSync(join(lone.dataDir, 'raft'))).toBe(false);
      expect(lone.logs()).not.toContain('cluster:');
    } finally {
      await lone.dispose();
    }
  }, 30_000);
});
