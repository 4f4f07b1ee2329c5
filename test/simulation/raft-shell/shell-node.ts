// One simulated node of the shell simulation: its disk (a SimStorageFs that outlives crashes),
// and, while it runs, its process (timers that die with it), its quorum-state journal, a real
// PartitionLog per group and the node's RaftGroups, built as a real node will build them.
// A crash is kill -9 and a power cut at once: timers and in-flight fsyncs die, frames to it
// are dropped, the disk keeps what was durable plus a torn prefix of the rest.

import type { ManualClock } from '../../../src/base/clock.ts';
import type { Prng } from '../../../src/base/prng.ts';
import { ProcessScheduler, type SimScheduler } from '../../../src/base/scheduler.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import type { Membership, NodeId } from '../../../src/raft/core/index.ts';
import type { GroupListener } from '../../../src/raft/group-driver.ts';
import { QuorumStateJournal } from '../../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../../src/raft/raft-groups.ts';
import type { GroupId } from '../../../src/raft/transport.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import type { ShellSimParams } from './params.ts';
import type { SimRaftNet } from './sim-transport.ts';

export interface World {
  readonly scheduler: SimScheduler;
  readonly clock: ManualClock;
  readonly prng: Prng;
  readonly net: SimRaftNet;
  readonly params: Pick<ShellSimParams, 'tickMs' | 'core' | 'fsyncMsMax' | 'segmentBytes' | 'stream'>;
}

export class ShellNode {
  /** Bumped by every start: what an earlier life asked for is not this one's. */
  incarnation = 0;
  groups: RaftGroups | null = null;
  private streamedChunksBefore = 0;
  private process: ProcessScheduler | null = null;
  readonly disk: SimStorageFs;
  /** Per group: the last index this node's state machine applied since it (re)started. */
  readonly applied = new Map<GroupId, number>();

  constructor(
    readonly id: NodeId,
    private readonly world: World,
  ) {
    this.disk = new SimStorageFs({ fsyncLatencyMs: { min: 0, max: world.params.fsyncMsMax, random: world.prng } });
  }

  get alive(): boolean {
    return this.groups !== null;
  }

  static logDir(node: NodeId, group: GroupId): string {
    return `/n${node}/data/kafka/${group.replace(':', '/')}`;
  }

  /** Starts a new incarnation on the node's disk, hosting `groups`. */
  start(groups: readonly GroupId[], bootstrap: (group: GroupId) => Membership, listener: (group: GroupId) => GroupListener): RaftGroups {
    const w = this.world;
    const raftGroups = this.boot();
    for (const g of groups) {
      const log = PartitionLog.open(ShellNode.logDir(this.id, g), { segmentBytes: w.params.segmentBytes }, { fs: this.disk, clock: w.clock, crc32c });
      raftGroups.add(g, log, bootstrap(g), listener(g));
    }
    raftGroups.start();
    return raftGroups;
  }

  /**
   * Starts a new incarnation with its process, journal and RaftGroups, hosting no group yet:
   * the caller adds them (the partition simulation through its ReplicaBackend) and starts the
   * groups' timer.
   */
  boot(): RaftGroups {
    const w = this.world;
    this.incarnation++;
    const process = new ProcessScheduler(w.scheduler);
    this.disk.attach(process);
    const journal = QuorumStateJournal.open(this.disk, `/n${this.id}/data/raft`);
    const raftGroups = new RaftGroups({
      nodeId: this.id,
      scheduler: process,
      random: w.prng,
      transport: w.net.transport(this.id),
      journal,
      tickMs: w.params.tickMs[this.id - 1],
      core: w.params.core,
      stream: w.params.stream,
    });
    this.process = process;
    this.groups = raftGroups;
    this.applied.clear();
    return raftGroups;
  }

  /** Chunks this node's followers streamed and wrote, over all its lives. */
  get streamedChunks(): number {
    return this.streamedChunksBefore + (this.groups?.streamer?.stats.chunks ?? 0);
  }

  crash(): void {
    this.streamedChunksBefore += this.groups?.streamer?.stats.chunks ?? 0;
    this.process?.kill();
    this.groups?.stop();
    this.world.net.detach(this.id);
    this.disk.crash({ tornTail: true, random: () => this.world.prng.next() });
    this.groups = null;
    this.process = null;
  }
}
