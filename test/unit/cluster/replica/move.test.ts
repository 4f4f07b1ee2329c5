// A partition moved between real Raft groups while a producer writes: 4 nodes in one process
// (the shell simulation's nodes: real PartitionLogs on simulated disks, each node's RaftGroups,
// the seeded network with loss, duplication and delays), each hosting its replicas through a
// ReplicaBackend fed from a controller image as the reconciler feeds it (hostsReplica), each
// running a Reassigner whose voters reports go to the controller's own reportPartitionVoters.
// The move [3,1,2] -> [4,1,2] takes the leader (node 3, the preferred replica) out: node 4
// joins as a learner, is promoted, the leadership is handed to it, node 3 is removed. Checked:
// the move ends (the image holds [4,1,2], no target), node 3's replica and directory are gone,
// and every acknowledged record is in the new replicas' committed logs exactly once, in order.
// The same move cancelled at a random point stops where it is, with nothing lost; and the move
// again while one node at a time crashes (kill -9 and torn writes) and restarts.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { log } from '../../../../src/base/log.ts';
import { ManualClock } from '../../../../src/base/clock.ts';
import { Prng } from '../../../../src/base/prng.ts';
import { SimScheduler } from '../../../../src/base/scheduler.ts';
import { hostsReplica } from '../../../../src/broker/metadata-reconciler.ts';
import { alterPartitionReassignments, type MetadataImage, reportPartitionVoters } from '../../../../src/cluster/controller/index.ts';
import { REASSIGNMENT_STEP_MS, Reassigner } from '../../../../src/cluster/replica/reassigner.ts';
import { type DesiredReplica, ReplicaBackend } from '../../../../src/cluster/replica/replica-backend.ts';
import type { ReplicatedPartition } from '../../../../src/cluster/replica/replicated-partition.ts';
import { effectiveTopicConfig } from '../../../../src/config/topic-config.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { crc32c } from '../../../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../../../src/protocol/records/records.ts';
import { shellParamsFor } from '../../../simulation/raft-shell/params.ts';
import { ShellNode, type World } from '../../../simulation/raft-shell/shell-node.ts';
import { SimRaftNet } from '../../../simulation/raft-shell/sim-transport.ts';
import { recordsOf } from '../../../simulation/partitions/clients.ts';
import { SimLoop } from '../../../simulation/sim-loop.ts';
import { cluster, inputs, mustCreate } from '../controller/harness.ts';

const NODES = [1, 2, 3, 4];
/** Seeds per scenario; FRESHET_MOVE_SEEDS=300 (with --timeout 400000) is the long mode. */
const SEEDS = Number(process.env.FRESHET_MOVE_SEEDS ?? 12);
/** Simulated time a move may take before the test calls it stuck. */
const MOVE_MS_MAX = 30_000;
const READ_BYTES = 64 * 1024;

interface Node {
  readonly shell: ShellNode;
  /** Null while the node is down (crashed). */
  backend: ReplicaBackend | null;
}

/** How long the crash test crashes nodes after the move starts (simulated ms). */
const CHAOS_MS = 2_000;
/** A produce not answered within this is sent again (the same sequence: the replica deduplicates). */
const PRODUCE_TIMEOUT_MS = 300;

class MoveRun {
  readonly clock = new ManualClock();
  readonly scheduler = new SimScheduler(this.clock);
  readonly loop = new SimLoop(this.scheduler);
  readonly nodes = new Map<number, Node>();
  readonly image: MetadataImage;
  readonly topicId: string;
  readonly acknowledged: string[] = [];
  private readonly config = effectiveTopicConfig({ 'min.insync.replicas': '2' }, new Map());
  private sequence = 0;
  private producing = true;
  private inFlight = false;
  /** The attempt whose answer counts (a timed-out one may still answer). */
  private attempt = 0;
  private readonly segmentBytes: number;
  reports = 0;

  constructor(
    readonly prng: Prng,
    from: number[],
  ) {
    this.image = cluster(NODES).image;
    mustCreate(this.image, [{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: from }] }]);
    this.topicId = this.image.topic('t')!.topicId;
    const params = shellParamsFor(prng);
    this.segmentBytes = params.segmentBytes;
    const net = new SimRaftNet(prng, params.network, this.scheduler);
    const world: World = { scheduler: this.scheduler, clock: this.clock, prng, net, params };
    for (const id of NODES) {
      this.nodes.set(id, { shell: new ShellNode(id, world), backend: null });
      this.start(id);
    }
    this.every(7, () => this.produce());
  }

  /** A new life of node `id`: its groups, its backend (replicas come with the next reconcile) and its Reassigner. */
  start(id: number): void {
    const n = this.nodes.get(id)!;
    const groups = n.shell.boot();
    const backend = new ReplicaBackend({ dataDir: `/n${id}/data`, groups, clock: this.clock, logDeps: { fs: n.shell.disk, clock: this.clock, crc32c }, logConfig: () => ({ segmentBytes: this.segmentBytes }) });
    groups.start();
    n.backend = backend;
    const reassigner = new Reassigner({ nodeId: id, replicas: () => backend.all(), assignmentOf: (g) => backend.assignmentOf(g), report: (r) => this.report(r) });
    const life = n.shell.incarnation;
    const step = () => {
      if (n.shell.incarnation !== life || !n.shell.alive) return; // the timer dies with its process
      reassigner.step();
      this.scheduler.after(REASSIGNMENT_STEP_MS, step);
    };
    this.scheduler.after(REASSIGNMENT_STEP_MS, step);
  }

  /** kill -9 and a power cut (torn writes): the shell simulation's crash. */
  crash(id: number): void {
    const n = this.nodes.get(id)!;
    n.shell.crash();
    n.backend = null;
  }

  /** The controller's image as each node's reconciler makes it a desired set. */
  desired(node: number): DesiredReplica[] {
    const p = this.image.topic('t')!.partitions[0];
    if (!hostsReplica(p, node)) return [];
    return [{ topicId: this.topicId, topicName: 't', partition: 0, replicas: p.replicas, targetReplicas: p.targetReplicas, partitionEpoch: p.partitionEpoch, config: this.config }];
  }

  /** Every live node reconciles to the image (a crashed node's reconcile may never finish: each is its own). */
  async reconcileAll(): Promise<void> {
    await Promise.all([...this.nodes].map(([id, n]) => n.backend?.reconcile(this.desired(id))));
  }

  /**
   * reportPartitionVoters on the image; the nodes reconcile to it, and the answer comes back
   * without waiting for their backends (the broker's channel answers once the image is applied;
   * the backend reconciles after), so a leader may step again on its old assignment.
   */
  private async report(r: { topicId: string; partition: number; partitionEpoch: number; voters: number[] }): Promise<number> {
    this.reports++;
    const { response } = reportPartitionVoters(this.image, r);
    void this.reconcileAll();
    return response?.code ?? ErrorCode.NONE;
  }

  alter(target: number[] | null): void {
    // The cancel of a move that just ended is NO_REASSIGNMENT_IN_PROGRESS; callers check first.
    const r = alterPartitionReassignments(this.image, { timeoutMs: 1000, allowReplicationFactorChange: true, topics: [{ name: 't', partitions: [{ partitionIndex: 0, replicas: target }] }] }, inputs());
    expect(r.response.responses![0]!.partitions![0]!.errorCode).toBe(ErrorCode.NONE);
  }

  leader(): ReplicatedPartition | undefined {
    for (const n of this.nodes.values()) {
      const r = n.backend?.get(this.topicId, 0);
      if (r?.isLeader) return r;
    }
    return undefined;
  }

  /** One idempotent acks=all batch in flight, sent again (same sequence) until acknowledged. */
  private produce(): void {
    if (!this.producing || this.inFlight) return;
    const r = this.leader();
    if (r === undefined) return;
    const value = `v${this.sequence}`;
    const attempt = ++this.attempt;
    this.inFlight = true;
    const answered = (ok: boolean) => {
      if (attempt !== this.attempt) return;
      this.attempt++;
      this.inFlight = false;
      if (!ok) return;
      this.acknowledged.push(value);
      this.sequence++;
    };
    this.scheduler.after(PRODUCE_TIMEOUT_MS, () => answered(false));
    void r.append(buildBatch({ producerId: 9, producerEpoch: 0, baseSequence: this.sequence, records: [{ value }] }), -1).then((a) => answered(a.ok));
  }

  stopProducing(): Promise<void> {
    this.producing = false;
    return this.loop.until(() => !this.inFlight, 10_000, 'the last produce answered');
  }

  private every(ms: number, fn: () => void): void {
    this.scheduler.after(ms, () => {
      fn();
      this.every(ms, fn);
    });
  }

  /**
   * Every acknowledged record once, in the order acknowledged (one batch in flight), and nothing
   * else but the batch in flight when production stopped (a timed-out send may commit after).
   */
  expectAcknowledgedOnce(r: ReplicatedPartition): void {
    const values = this.committedValues(r);
    expect(values.slice(0, this.acknowledged.length)).toEqual(this.acknowledged);
    expect(values.slice(this.acknowledged.length)).toEqual(values.length > this.acknowledged.length ? [`v${this.sequence}`] : []);
  }

  /** The data records a replica holds below its high watermark. */
  committedValues(r: ReplicatedPartition): string[] {
    const out: string[] = [];
    const hw = r.driver.highWatermark;
    for (let from = r.log.logStartOffset; from < hw; ) {
      const read = r.log.read(from, READ_BYTES, { minOneBatch: true, maxOffset: hw });
      if (read.outOfRange || read.nextOffset <= from) throw new Error(`cannot read at ${from} below the high watermark ${hw}`);
      for (const s of recordsOf(read.bytes)) if (s.offset >= from && s.offset < hw && !s.value.startsWith('control@')) out.push(s.value);
      from = read.nextOffset;
    }
    return out;
  }
}

async function move(seed: number, from: number[], target: number[]) {
  const run = new MoveRun(new Prng(seed), from);
  await run.reconcileAll();
  await run.loop.until(() => run.leader() !== undefined && run.acknowledged.length >= 20, MOVE_MS_MAX, 'a leader and 20 records acknowledged');
  run.alter(target);
  await run.reconcileAll();
  const p = () => run.image.topic('t')!.partitions[0];
  const leaving = from.filter((id) => !target.includes(id));
  await run.loop.until(
    () => p().targetReplicas === null && leaving.every((id) => run.nodes.get(id)!.backend?.get(run.topicId, 0) === undefined),
    MOVE_MS_MAX,
    `the move ${from} -> ${target}`,
  );
  await run.loop.advance(200);
  await run.stopProducing();
  const replicas = target.map((id) => run.nodes.get(id)!.backend?.get(run.topicId, 0)!);
  await run.loop.until(() => replicas.every((r) => r.driver.highWatermark === replicas[0].log.logEndOffset), MOVE_MS_MAX, 'every new replica applied everything');
  return { run, replicas, p: p(), leaving };
}

describe('a partition moved between real Raft groups under a producer', () => {
  // Each step of each move is logged at info; a dozen moves would bury the test's output.
  beforeAll(() => log.setLevel('warn'));
  afterAll(() => log.setLevel('info'));

  test(`${SEEDS} seeds: [3,1,2] -> [4,1,2] (the leader leaves): the move ends, node 3's replica is gone, every acknowledged record is committed once, in order`, async () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { run, replicas, p, leaving } = await move(seed, [3, 1, 2], [4, 1, 2]);
      expect(p).toMatchObject({ replicas: [4, 1, 2], targetReplicas: null });
      for (const id of leaving) expect(run.nodes.get(id)!.shell.disk.exists(`/n${id}/data/kafka/t/0`)).toBe(false);
      expect(run.acknowledged.length).toBeGreaterThan(20);
      for (const r of replicas) {
        run.expectAcknowledgedOnce(r);
        expect(r.driver.status().membership.voters).toEqual([1, 2, 4]);
      }
    }
  });

  test(`${SEEDS} seeds: [3,1,2] -> [4,1,2] cancelled at a random point: the group stops where it is, the controller lists its voters, only they host replicas, nothing acknowledged is lost`, async () => {
    for (let seed = 201; seed < 201 + SEEDS; seed++) {
      const run = new MoveRun(new Prng(seed), [3, 1, 2]);
      await run.reconcileAll();
      await run.loop.until(() => run.leader() !== undefined && run.acknowledged.length >= 20, MOVE_MS_MAX, 'a leader and 20 records acknowledged');
      run.alter([4, 1, 2]);
      await run.reconcileAll();
      await run.loop.advance(run.prng.int(0, 8) * REASSIGNMENT_STEP_MS);
      if (run.image.topic('t')!.partitions[0].targetReplicas !== null) run.alter(null);
      await run.reconcileAll();
      const settled = () => {
        const p = run.image.topic('t')!.partitions[0];
        const m = run.leader()?.driver.status().membership;
        if (m === undefined || m.learners.length > 0 || p.targetReplicas !== null) return false;
        if (p.replicas.toSorted((a, b) => a - b).join() !== m.voters.join()) return false;
        return NODES.every((id) => (run.nodes.get(id)!.backend?.get(run.topicId, 0) !== undefined) === p.replicas.includes(id));
      };
      await run.loop.until(settled, MOVE_MS_MAX, `seed ${seed}: the cancelled move settled`);
      await run.stopProducing();
      const replicas = run.image.topic('t')!.partitions[0].replicas.map((id) => run.nodes.get(id)!.backend?.get(run.topicId, 0)!);
      await run.loop.until(() => replicas.every((r) => r.driver.highWatermark === replicas[0].log.logEndOffset), MOVE_MS_MAX, 'every replica applied everything');
      for (const r of replicas) run.expectAcknowledgedOnce(r);
    }
  });

  test(`${SEEDS} seeds: [3,1,2] -> [4,1,2] while one node at a time crashes (torn writes) and restarts: the move ends, nothing acknowledged is lost`, async () => {
    for (let seed = 401; seed < 401 + SEEDS; seed++) {
      const run = new MoveRun(new Prng(seed), [3, 1, 2]);
      await run.reconcileAll();
      await run.loop.until(() => run.leader() !== undefined && run.acknowledged.length >= 20, MOVE_MS_MAX, 'a leader and 20 records acknowledged');
      run.alter([4, 1, 2]);
      await run.reconcileAll();
      let down: number | null = null;
      let chaos = true;
      let crashes = 0;
      const fault = () => {
        if (!chaos) return;
        if (down === null && (crashes === 0 || run.prng.chance(0.5))) {
          const id = run.prng.pick(NODES);
          run.crash(id);
          crashes++;
          down = id;
          run.scheduler.after(run.prng.int(20, 400), () => {
            run.start(id);
            down = null;
            void run.reconcileAll();
          });
        }
        run.scheduler.after(run.prng.int(50, 300), fault);
      };
      fault();
      // The crashes stop after CHAOS_MS, as the simulations heal: a learner knocked back by every
      // crash, and fed no faster than the producer writes, may otherwise never catch up (a move
      // needs the new replica to outpace the writes, in Kafka too).
      run.scheduler.after(CHAOS_MS, () => {
        chaos = false;
      });
      const p = () => run.image.topic('t')!.partitions[0];
      await run.loop.until(() => p().targetReplicas === null, MOVE_MS_MAX, `seed ${seed}: the move under crashes`);
      chaos = false;
      await run.loop.until(() => down === null, MOVE_MS_MAX, 'the last node back');
      await run.loop.until(() => run.nodes.get(3)!.backend?.get(run.topicId, 0) === undefined && run.leader() !== undefined, MOVE_MS_MAX, 'node 3 hosts no replica');
      await run.loop.advance(200);
      await run.stopProducing();
      expect(p()).toMatchObject({ replicas: [4, 1, 2], targetReplicas: null });
      const replicas = [4, 1, 2].map((id) => run.nodes.get(id)!.backend!.get(run.topicId, 0)!);
      await run.loop.until(() => replicas.every((r) => r.driver.highWatermark === replicas[0].log.logEndOffset && r.log.logEndOffset === replicas[0].log.logEndOffset), MOVE_MS_MAX, 'every new replica applied everything');
      expect(crashes).toBeGreaterThan(0);
      for (const r of replicas) run.expectAcknowledgedOnce(r);
    }
  });

  test('a move that keeps the leader and grows the set: [1,2] -> [2,3,4] on one seed', async () => {
    const { run, replicas, p } = await move(101, [1, 2], [2, 3, 4]);
    expect(p).toMatchObject({ replicas: [2, 3, 4], targetReplicas: null });
    for (const r of replicas) run.expectAcknowledgedOnce(r);
  });
});
