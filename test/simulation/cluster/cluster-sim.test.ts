// Cluster formation under deterministic simulation: 3 and 5 seeds and a learner, each the real
// node wiring (src/cli/node.ts: KafkaServer, Broker, ClusterNode with its RPC endpoint,
// RaftGroups, journal and controller log) on SimNetwork and SimStorageFs, from one seed (see
// story.ts for what every run goes through and must show). A failure names its seed; replay it
// with `bun test/simulation/cluster/run.ts --seed N` (and `--seeds 100000` for the long mode).
// Broken nodes are shown caught: seeds that each bootstrap alone, a node that never registers,
// a leader that never admits a learner, votes sent before they are durable; and broken
// controllers: a service that answers before its batch commits, one that proposes an
// operation's batch twice, state machines that drop topic configs, a broker that does not
// follow the metadata, one whose Metadata names the wrong leaders, one that leaves a deleted
// topic's directories on disk. Kafka clients producing and consuming on a topic of
// replication factor 3 run on some seeds here (kafka-clients.ts; broken-clients.test.ts shows
// what they catch).

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { ClusterNode } from '../../../src/cluster/quorum/cluster-node.ts';
import { Registrar } from '../../../src/cluster/quorum/registrar.ts';
import { ControllerService } from '../../../src/cluster/quorum/controller-service.ts';
import { MetadataRegistration } from '../../../src/cluster/quorum/metadata-registration.ts';
import { MetadataReconciler } from '../../../src/broker/metadata-reconciler.ts';
import { Broker } from '../../../src/broker/broker.ts';
import { MetadataStateMachine } from '../../../src/cluster/quorum/metadata-state-machine.ts';
import { MetadataSnapshots } from '../../../src/cluster/quorum/metadata-snapshots.ts';
import type { Entry } from '../../../src/raft/core/index.ts';
import { decodeMetadataBatch, encodeMetadataBatch } from '../../../src/cluster/controller/index.ts';
import { membership, type Membership } from '../../../src/raft/core/index.ts';
import { GroupDriver } from '../../../src/raft/group-driver.ts';
import { RaftGroups } from '../../../src/raft/raft-groups.ts';
import { withRealSourcesWatched } from '../real-sources.ts';
import { ClusterSim } from './cluster-sim.ts';
import { runClusterSeed, runClusterSeeds } from './seeds.ts';

/**
 * Seeds of the sweep in npm test (odd ones with 3 seeds, even ones with 5). Each seed costs
 * about 1.5x what it did before the nodes ran the real controller (metadata state machines,
 * the broker following them, registration and admin traffic; 100 seeds: 8.9 s against 5.7 s,
 * back to back on the shared machine), so the sweep is 80 seeds (~7 s): 64 without the Kafka
 * clients and 8 with them (a seed with clients costs about 5x one without: ~700 records
 * produced with acks=all through 3 replicas each). The long mode (run.ts) runs them on every seed.
 */
const SEEDS = 64;
const CLIENT_SEEDS = 8;

let restoreLogs: () => void = () => {};
beforeAll(() => {
  restoreLogs = ClusterSim.quietLogs();
});
afterAll(() => restoreLogs());

/** How a run failed, as `Name: message`, or null when it passed. */
async function failureOf(run: Promise<unknown>): Promise<string | null> {
  try {
    await run;
    return null;
  } catch (e) {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

/** Faults every 5-40 ms for 4 s: crashes land inside elections, where durability of votes matters. */
const HARSH_CHURN = { durationMs: [4_000, 4_000], stepMs: [5, 40] } as const;

async function transcript(seed: number, voters?: number, clients = false, snapshotBytes?: number): Promise<string[]> {
  const lines: string[] = [];
  await runClusterSeed(seed, { voters, clients, snapshotBytes, trace: (l) => lines.push(l) });
  return lines;
}

/** Runs without the Kafka clients: the stories the broken nodes below were shown caught in. */
const NO_CLIENTS = { clients: false } as const;

describe('a cluster forms, fails over, heals and grows', () => {
  test('3 seeds: no leader with one up, one once two are; the leader crashes and another takes over; it restarts and catches up; a learner joins', async () => {
    const { result: lines, leaks } = await withRealSourcesWatched(() => transcript(1, 3));
    expect(leaks).toEqual([]);
    const text = lines.join('\n');
    expect(text).toMatch(/a minority \(1 of 3\) is up/);
    expect(text).toMatch(/n\d took over from n\d/);
    expect(text).toMatch(/n\d caught up to \d+/);
    expect(text).toMatch(/n4 is a learner at \d+/);
    expect(text).toMatch(/client via n\d: leader \d term \d+, voters 1@(\d+) 2@\1 3@\1, learner 4/);
  });

  test('5 seeds: a minority of two elects no one; the same story with a learner as node 6', async () => {
    const text = (await transcript(2, 5)).join('\n');
    expect(text).toMatch(/a minority \(2 of 5\) is up/);
    expect(text).toMatch(/n6 is a learner at \d+/);
    expect(text).toMatch(/voters 1@(\d+) 2@\1 3@\1 4@\1 5@\1, learner 6/);
  });

  test(`${SEEDS} seeds: every safety property after every step, every step of the story within its time`, async () => {
    const r = await runClusterSeeds(1, SEEDS, NO_CLIENTS);
    const failed = r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/cluster/run.ts --seed ${f.seed})`);
    expect(failed).toEqual([]);
    // The runs did what they are for.
    expect(r.totals.elections).toBeGreaterThan(2.5 * SEEDS);
    expect(r.totals.crashes).toBeGreaterThan(2 * SEEDS);
    expect(r.totals.partitions).toBeGreaterThan(2 * SEEDS);
    expect(r.totals.acknowledged).toBeGreaterThan(20 * SEEDS);
    expect(r.totals.topicsCreated).toBeGreaterThan(5 * SEEDS);
    expect(r.totals.topicsDeleted).toBeGreaterThan(SEEDS);
    expect(r.totals.configsChanged).toBeGreaterThan(SEEDS / 2);
    expect(r.totals.partitionsAdded).toBeGreaterThan(SEEDS / 2);
    // Every third seed snapshots every few hundred bytes (seeds.ts): logs compacted, nodes back through InstallSnapshot.
    expect(r.totals.snapshotsWritten).toBeGreaterThan(20 * (SEEDS / 3));
    expect(r.totals.compactions).toBeGreaterThan(10 * (SEEDS / 3));
    expect(r.totals.snapshotsInstalled).toBeGreaterThan(SEEDS / 3);
  }, 120_000);

  test('a tiny snapshot threshold: the logs are compacted, the learner and a restarted node catch up through InstallSnapshot and a fetch, under every checker', async () => {
    // 1 byte: every node snapshots after every metadata batch it applies, so the log holds only
    // what follows the second-newest snapshot and anyone behind needs one.
    const { result: lines, leaks } = await withRealSourcesWatched(() => transcript(3, 3, false, 1));
    expect(leaks).toEqual([]);
    const text = lines.join('\n');
    expect(text).toMatch(/n4 installed the leader's snapshot at \d+/);
    expect(text).toMatch(/n4 is a learner at \d+/);
    // A restarted node's log starts after a snapshot point: it loaded a snapshot.
    expect(text).toMatch(/n\d starts \(life 2\): term \d+, log [1-9]\d*\.\./);
  });

  test('metadata.log.max.snapshot.interval.ms alone (bytes never reached): snapshots by time, logs compacted, every checker', async () => {
    const r = await runClusterSeed(5, { voters: 3, snapshotBytes: 1 << 30, snapshotIntervalMs: 1_000, ...NO_CLIENTS });
    expect(r.snapshotsWritten).toBeGreaterThan(10);
    expect(r.compactions).toBeGreaterThan(5);
    // Without the interval, the same seed writes none.
    expect((await runClusterSeed(5, { voters: 3, snapshotBytes: 1 << 30, ...NO_CLIENTS })).snapshotsWritten).toBe(0);
  });

  test('a seed replays exactly: the same transcript, step for step (the Kafka clients\' every send and answer too)', async () => {
    const first = await transcript(7, undefined, true);
    expect(first.length).toBeGreaterThan(200);
    expect(first.join('\n')).toMatch(/producer \d+\/\d+ acknowledged p\d+s\d+\.\. at \d+ by n\d/);
    expect(await transcript(7, undefined, true)).toEqual(first);
    expect(await transcript(8)).not.toEqual(first);
  });
});

describe('Kafka clients on a topic of replication factor 3', () => {
  test('3 seeds: the topic is placed on three nodes; producers get distinct ids; every partition is read in full at the end; no real clock or randomness reached', async () => {
    const { result: lines, leaks } = await withRealSourcesWatched(() => transcript(1, 3, true));
    expect(leaks).toEqual([]);
    const text = lines.join('\n');
    expect(text).toMatch(/clients: topic orders made, [123] partitions? on [1-4],[1-4],[1-4]( [1-4],[1-4],[1-4])*; producers with [15] in flight/);
    expect(text).toMatch(/clients: producer1 is producer \d+/);
    expect(text).toMatch(/clients: partition 0 read in full through n\d: \d+ offsets/);
    expect(text).toMatch(/clients: [1-9]\d* records acknowledged/);
    expect(text).toMatch(/clients: group orders-readers committed 0@\d+/);
  });

  test(`${CLIENT_SEEDS} seeds: no acknowledged record lost, duplicated or reordered; nothing read vanishes; high watermarks never go back`, async () => {
    const r = await runClusterSeeds(1, CLIENT_SEEDS, { clients: true });
    const failed = r.failures.map((f) => `seed ${f.seed}: ${f.error} (replay: bun test/simulation/cluster/run.ts --seed ${f.seed})`);
    expect(failed).toEqual([]);
    // The clients did what they are for: records through failovers, retried.
    expect(r.totals.producedRecords).toBeGreaterThan(300 * CLIENT_SEEDS);
    expect(r.totals.consumedRecords).toBeGreaterThan(300 * CLIENT_SEEDS);
    expect(r.totals.produceRetries).toBeGreaterThan(CLIENT_SEEDS);
    expect(r.totals.crashes).toBeGreaterThan(2 * CLIENT_SEEDS);
  }, 120_000);
});

describe('broken nodes are caught', () => {
  const raftGroupsAdd = RaftGroups.prototype.add;
  const registrarStart = Registrar.prototype.start;
  const serveRegister = (ClusterNode.prototype as unknown as { serveRegister: unknown }).serveRegister;
  const registerInMetadata = (MetadataRegistration.prototype as unknown as { register: unknown }).register;
  const mustSync = (GroupDriver.prototype as unknown as { mustSyncHardState: unknown }).mustSyncHardState;
  afterEach(() => {
    RaftGroups.prototype.add = raftGroupsAdd;
    Registrar.prototype.start = registrarStart;
    (ClusterNode.prototype as unknown as { serveRegister: unknown }).serveRegister = serveRegister;
    (MetadataRegistration.prototype as unknown as { register: unknown }).register = registerInMetadata;
    (GroupDriver.prototype as unknown as { mustSyncHardState: unknown }).mustSyncHardState = mustSync;
  });

  test('seeds that each bootstrap the controller group alone: a minority elects a leader', async () => {
    RaftGroups.prototype.add = function (this: RaftGroups, group, log, _bootstrap: Membership, listener) {
      return raftGroupsAdd.call(this, group, log, membership([this.nodeId]), listener);
    };
    expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^InvariantViolation: a minority elected n\d/);
  });

  test('a node that never registers (in memory nor in the metadata): the seeds never learn its address', async () => {
    Registrar.prototype.start = () => {};
    (MetadataRegistration.prototype as unknown as { register: unknown }).register = async () => {};
    expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^LivenessFailure: .*knowing every broker/);
  });

  test('a leader that never proposes the learner: the learner never joins', async () => {
    (ClusterNode.prototype as unknown as { serveRegister: (from: number, body: Uint8Array) => Uint8Array }).serveRegister = function (
      this: ClusterNode,
      from: number,
      body: Uint8Array,
    ) {
      // Learns the address and answers, but never changes the membership.
      const real = serveRegister as (this: ClusterNode, from: number, body: Uint8Array) => Uint8Array;
      const d = this.controller;
      const propose = d?.proposeMembershipChange;
      if (d !== null && propose !== undefined) d.proposeMembershipChange = () => ({ ok: false, reason: 'change_in_progress' });
      try {
        return real.call(this, from, body);
      } finally {
        if (d !== null && propose !== undefined) d.proposeMembershipChange = propose;
      }
    };
    expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^LivenessFailure: .*n4 joining as a learner/);
  });

  test('votes sent before they are durable: two leaders in one term after crashes, and the checker says so', async () => {
    (GroupDriver.prototype as unknown as { mustSyncHardState: () => boolean }).mustSyncHardState = () => false;
    const r = await runClusterSeeds(1, 20, { churn: HARSH_CHURN, ...NO_CLIENTS });
    expect(r.failures.filter((f) => /^InvariantViolation: election safety: nodes \d and \d both lead term \d+/.test(f.error)).length).toBeGreaterThan(0);
  }, 60_000);

  test('a controller that answers before its batch commits: a client is told of a topic its node has not applied', async () => {
    const proto = ControllerService.prototype as unknown as { propose: (d: unknown, records: unknown, settle: (a: unknown) => void) => void; o: { stateMachine: MetadataStateMachine } };
    const real = proto.propose;
    try {
      proto.propose = function (this: typeof proto, d, records, settle) {
        real.call(this, d, records, () => {});
        settle({ ok: true, response: null, appliedIndex: this.o.stateMachine.appliedIndex });
      };
      expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^InvariantViolation: n\d answered topic t\d+ (created|deleted) before applying it/);
    } finally {
      proto.propose = real;
    }
  });

  test('a controller that proposes an operation twice: the metadata log creates a topic twice, and it is caught', async () => {
    const proto = ControllerService.prototype as unknown as { propose: (d: unknown, records: unknown[], settle: (a: unknown) => void) => void };
    const real = proto.propose;
    try {
      proto.propose = function (this: typeof proto, d, records, settle) {
        real.call(this, d, records, settle);
        if (records.some((r) => (r as { type: string }).type === 'topic')) real.call(this, d, records, () => {});
      };
      expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^InvariantViolation: (topic t\d+ created twice in the log|n\d's controller group stopped: .*topic)/);
    } finally {
      proto.propose = real;
    }
  });

  test("nodes whose state machine drops topic configs: their metadata differs from the others' at the same index", async () => {
    const real = { apply: MetadataStateMachine.prototype.apply, load: MetadataStateMachine.prototype.load };
    // Every other state machine made (one per node life) is broken, so some stay up through churn.
    const broken = new WeakSet<MetadataStateMachine>();
    let made = 0;
    MetadataStateMachine.prototype.load = function (this: MetadataStateMachine, snap, point) {
      if (this.appliedIndex === -1 && made++ % 2 === 1) broken.add(this);
      return real.load.call(this, snap, point);
    };
    MetadataStateMachine.prototype.apply = function (this: MetadataStateMachine, entries: readonly Entry[]) {
      if (!broken.has(this)) return real.apply.call(this, entries);
      const stripped = entries.map((e) => {
        if (e.kind !== 'data') return e;
        const records = decodeMetadataBatch(e.payload)!.records.map((r) => (r.type === 'config' && r.resourceType === 2 ? { type: 'feature_level' as const, name: 'x', level: 0 } : r));
        return { ...e, payload: encodeMetadataBatch(records, 0) };
      });
      return real.apply.call(this, stripped);
    };
    try {
      // A broken node that answered a config change is caught by the answer's check; the
      // prefix check catches the rest.
      const r = await runClusterSeeds(1, 6, NO_CLIENTS);
      for (const f of r.failures) expect(f.error).toMatch(/^InvariantViolation: n\d('s metadata at index \d+ differs from another node's at the same index| answered retention.ms of t\d+ changed before applying it)/);
      expect(r.failures.filter((f) => f.error.includes('differs from another node')).length).toBeGreaterThan(0);
    } finally {
      MetadataStateMachine.prototype.apply = real.apply;
      MetadataStateMachine.prototype.load = real.load;
    }
  });

  test('a broker that does not follow the metadata: its disk lacks the partitions placed on it', async () => {
    const real = MetadataReconciler.prototype.reconcile;
    try {
      MetadataReconciler.prototype.reconcile = () => {};
      expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^InvariantViolation: n\d's partition directories {2}are not the ones the metadata places on it: t/);
    } finally {
      MetadataReconciler.prototype.reconcile = real;
    }
  });

  test("a broker whose Metadata names itself leader of every partition: a Kafka client sees it", async () => {
    const real = Broker.prototype.leaderOf;
    try {
      Broker.prototype.leaderOf = function (this: Broker) {
        return { leaderId: this.config.nodeId, leaderEpoch: 1 };
      };
      expect(await failureOf(runClusterSeed(1, { voters: 3, ...NO_CLIENTS }))).toMatch(/^LivenessFailure: the client via n\d sees: Metadata topics t/);
    } finally {
      Broker.prototype.leaderOf = real;
    }
  });

  test('a broker that leaves a deleted topic it never opened on disk: its partition directories are not the metadata\'s', async () => {
    const real = Broker.prototype.removeLeftoverPartitions;
    try {
      Broker.prototype.removeLeftoverPartitions = () => {};
      // It needs a topic created and deleted while a node that holds it was down: the first
      // seed that has one (the timing decides which seeds do).
      let failure: string | null = null;
      for (let seed = 1; seed <= 20 && failure === null; seed++) failure = await failureOf(runClusterSeed(seed, { voters: 3, ...NO_CLIENTS }));
      expect(failure).toMatch(/^InvariantViolation: n\d's partition directories .* are not the ones the metadata places on it/);
    } finally {
      Broker.prototype.removeLeftoverPartitions = real;
    }
  });

  test('a node that installs the leader\'s snapshot without replacing its image: its metadata differs from the others\'', async () => {
    const proto = MetadataSnapshots.prototype as unknown as { installed: (meta: { index: number }) => void; o: { stateMachine: MetadataStateMachine } };
    const real = proto.installed;
    try {
      proto.installed = function (this: typeof proto, meta) {
        // Takes the snapshot's index as applied, keeps the image it had.
        this.o.stateMachine.appliedIndex = meta.index;
      };
      const r = await runClusterSeeds(3, 3, { snapshotBytes: 1, ...NO_CLIENTS });
      expect(r.failures.length).toBeGreaterThan(0);
      for (const f of r.failures) expect(f.error).toMatch(/^InvariantViolation: n\d('s metadata after installing the snapshot at \d+ differs|'s controller group stopped|'s metadata at index \d+ differs)/);
    } finally {
      proto.installed = real;
    }
  });

  test('a node that compacts its log past what it has snapshotted: a node behind finds no snapshot to fetch and never catches up', async () => {
    type Broken = { compactionTarget: () => number; tick: () => void; wantCompaction: boolean; o: { stateMachine: MetadataStateMachine } };
    const proto = MetadataSnapshots.prototype as unknown as Broken;
    const real = { compactionTarget: proto.compactionTarget, tick: proto.tick };
    try {
      // Compacts to everything applied, on every tick, snapshotted or not (no snapshot is ever
      // written at Kafka's 20 MiB in a run).
      proto.compactionTarget = function (this: Broken) {
        return this.o.stateMachine.appliedIndex;
      };
      proto.tick = function (this: Broken) {
        this.wantCompaction = true;
        real.tick.call(this);
      };
      const r = await runClusterSeeds(3, 3, NO_CLIENTS);
      expect(r.failures.length).toBeGreaterThan(0);
      // A member the leader must send a snapshot to stays in the snapshot state (nothing to
      // fetch), or a node restarts on a log that starts where no snapshot is.
      for (const f of r.failures) expect(f.error).toMatch(/^(LivenessFailure: .*[ ,]\d+:-?\d+\/snapshot|NodeStartError: .*no snapshot at or after it)/);
    } finally {
      proto.compactionTarget = real.compactionTarget;
      proto.tick = real.tick;
    }
  });

  test('a node that does not sweep its topic directories after a snapshot load: a deleted topic compacted into the snapshot stays on its disk', async () => {
    const real = Broker.prototype.sweepTopicDirs;
    try {
      Broker.prototype.sweepTopicDirs = () => {};
      // It needs a node that applied a topic's creation, crashed, and came back behind the
      // leader's log start after the topic was deleted (its own snapshot older than the topic):
      // seed 37 with a snapshot every 600 bytes has one (the timing decides which seeds do:
      // seed 59 did until each node ran the maintenance drain's timer, seed 85 until the
      // directory fsync of a log's flush round went to the threadpool; 37 and 155 of 1-200 now).
      expect(await failureOf(runClusterSeed(37, { snapshotBytes: 600, ...NO_CLIENTS }))).toMatch(/^InvariantViolation: n\d's partition directories .* are not the ones the metadata places on it/);
    } finally {
      Broker.prototype.sweepTopicDirs = real;
    }
    // The same seed passes on the real node.
    expect(await failureOf(runClusterSeed(85, { snapshotBytes: 600, ...NO_CLIENTS }))).toBeNull();
  });

  test('the same harsh seeds pass on the real node', async () => {
    const r = await runClusterSeeds(1, 20, { churn: HARSH_CHURN, ...NO_CLIENTS });
    expect(r.failures).toEqual([]);
  }, 60_000);
});
