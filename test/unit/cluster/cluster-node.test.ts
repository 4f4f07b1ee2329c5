// ClusterNode on simulated dependencies, one behaviour per test: the RPC listener's failures are
// named before the data directory is touched; a node presenting another cluster id is refused
// with both ids in the log, and never registers; a one-seed cluster elects itself and admits a
// learner, which then answers DescribeQuorum by forwarding it to the leader; a restart on the
// same disk reads its journal and controller log back at the same term and log end.

import { MetricsRegistry } from '../../../src/base/metrics.ts';
import { clusterFeatures } from '../../../src/broker/features.ts';
import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test';
import type { NodeDeps } from '../../../src/base/deps.ts';
import { log } from '../../../src/base/log.ts';
import { ProcessScheduler } from '../../../src/base/scheduler.ts';
import { ClusterListenError, ClusterNode } from '../../../src/cluster/quorum/cluster-node.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { SimWorld } from '../../simulation/node/sim-node.ts';

beforeAll(() => log.setLevel('info'));
afterAll(() => log.setLevel('info'));

function depsFor(world: SimWorld, host: string, disk = new SimStorageFs()): NodeDeps {
  const process = new ProcessScheduler(world.scheduler);
  disk.attach(process);
  return { clock: world.clock, scheduler: process, fs: disk, network: world.net.host(host), random: world.prng, fdSoftLimit: 1024, metrics: new MetricsRegistry() };
}

function configFor(id: number, seeds: string) {
  return buildNodeConfig({ 'node-id': String(id), 'data-dir': `/n${id}/data`, 'kafka-addr': `n${id}:9092`, 'rpc-addr': `n${id}:33145`, seeds });
}

async function bound(world: SimWorld, id: number, seeds: string, clusterId = 'C', disk?: SimStorageFs): Promise<ClusterNode> {
  return world.loop.run(ClusterNode.bind({ config: configFor(id, seeds), clusterId, deps: depsFor(world, `n${id}`, disk), features: clusterFeatures() }), 1_000, 'bind');
}

describe('ClusterNode', () => {
  test('an RPC address in use is a ClusterListenError naming it, and the data directory is left untouched', async () => {
    const world = new SimWorld(1);
    const first = await bound(world, 1, '1@n1:33145');
    const disk = new SimStorageFs();
    const twin = world.loop.run(ClusterNode.bind({ config: configFor(1, '1@n1:33145'), clusterId: 'C', deps: depsFor(world, 'n1', disk), features: clusterFeatures() }), 1_000);
    expect(twin).rejects.toThrow(ClusterListenError);
    expect(twin).rejects.toThrow(/cannot listen on n1:33145 \(--rpc-addr\): address already in use: another process listens on this port \(EADDRINUSE\)/);
    await twin.catch(() => {});
    expect(disk.exists('/n1')).toBe(false);
    first.abort();
  });

  test('a node of another cluster is refused with both cluster ids named, and never registers', async () => {
    const world = new SimWorld(2);
    const lines: string[] = [];
    const spy = spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      lines.push(String(s));
      return true;
    });
    try {
      const a = await bound(world, 1, '1@n1:33145', 'cluster-A');
      const b = await bound(world, 2, '1@n1:33145', 'cluster-B');
      a.open();
      b.open();
      await world.loop.advance(5_000);
      expect(a.controllerId()).toBe(1);
      expect(b.controller!.raft.membership.learners).toEqual([]);
      expect(b.registrar.registered).toBe(false);
      expect(a.brokers().map((x) => x.nodeId)).toEqual([1]);
      expect(lines.join('')).toContain("node 2 is in cluster 'cluster-B', this node 1 in 'cluster-A'");
      a.abort();
      b.abort();
    } finally {
      spy.mockRestore();
    }
  });

  test('one seed elects itself; a learner joins, learns the leader and answers DescribeQuorum through it', async () => {
    const world = new SimWorld(3);
    log.setLevel('error');
    const seed = await bound(world, 1, '1@n1:33145');
    const learner = await bound(world, 7, '1@n1:33145');
    seed.open();
    learner.open();
    await world.loop.until(() => learner.controller!.raft.membership.learners.includes(7) && learner.controllerId() === 1, 10_000, 'the learner joining');
    expect(seed.controller!.raft.membership).toEqual({ voters: [1], learners: [7] });
    // The brokers listed are the metadata's registrations, which commit through the controller.
    await world.loop.until(() => learner.stateMachine.image.brokers().length === 2, 5_000, 'both registered in the metadata');
    expect(learner.stateMachine.image.broker(7)!.incarnationId).toBe(learner.incarnationId);
    expect(learner.brokers().map((b) => [b.nodeId, b.host, b.port])).toEqual([
      [1, 'n1', 9092],
      [7, 'n7', 9092],
    ]);
    await world.loop.advance(500);
    const answer = await world.loop.run(learner.describeQuorum(), 5_000);
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    const leo = seed.controller!.status().lastIndex + 1;
    expect(answer.quorum).toMatchObject({ leaderId: 1, voters: [{ nodeId: 1, logEndOffset: leo }], observers: [{ nodeId: 7, logEndOffset: leo }] });
    expect(answer.quorum.observers[0].lastFetchTimestampMs).toBeGreaterThan(world.clock.nowMs() - 500);
    seed.abort();
    learner.abort();
  });

  test('a restart on the same disk (after a close and a power cut) comes back at the same term and log end', async () => {
    const world = new SimWorld(4);
    const disk = new SimStorageFs();
    const node = await bound(world, 1, '1@n1:33145', 'C', disk);
    node.open();
    await world.loop.until(() => node.controllerId() === 1, 10_000, 'an election');
    const { term, lastIndex } = node.controller!.status();
    await world.loop.run(node.close(), 5_000);
    disk.crash({ tornTail: false });
    const again = await bound(world, 1, '1@n1:33145', 'C', disk);
    again.open();
    expect(again.controller!.term).toBe(term);
    expect(again.controller!.storage.lastIndex()).toBe(lastIndex);
    again.abort();
    log.setLevel('info');
  });
});
