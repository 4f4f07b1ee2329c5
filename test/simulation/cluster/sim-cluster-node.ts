// One node of the cluster simulation, built by the same wiring `freshet start` uses
// (src/cli/node.ts: bindNode, then openNode) on simulated dependencies: its disk (a SimStorageFs
// that outlives crashes) and, per life, its process (timers that die with it), its host on the
// simulated network, the real Broker, KafkaServer and ClusterNode (RPC endpoint, RaftGroups,
// journal, controller log). A crash is kill -9 and a power cut at once.

import { MetricsRegistry } from '../../../src/base/metrics.ts';
import type { NodeDeps } from '../../../src/base/deps.ts';
import { ProcessScheduler } from '../../../src/base/scheduler.ts';
import { bindNode, openNode, type RunningNode } from '../../../src/cli/node.ts';
import type { ClusterNode } from '../../../src/cluster/quorum/cluster-node.ts';
import type { MetadataStateMachine } from '../../../src/cluster/quorum/metadata-state-machine.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import type { GroupDriver, GroupListener } from '../../../src/raft/group-driver.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import type { SimWorld } from '../node/sim-node.ts';

export const RPC_PORT = 33145;
export const KAFKA_PORT = 9092;

export function hostOf(id: number): string {
  return `n${id}`;
}

export class SimClusterNode {
  /** Bumped by every start: what an earlier life asked for is not this one's. */
  incarnation = 0;
  running: RunningNode | null = null;
  private process: ProcessScheduler | null = null;
  readonly disk: SimStorageFs;
  /** The last index this life's state machine applied. */
  applied = -1;

  constructor(
    readonly id: number,
    private readonly world: SimWorld,
    private readonly seeds: string,
    /** Broker properties, as `--set key=value`. */
    private readonly sets: readonly string[] = [],
  ) {
    this.disk = new SimStorageFs({ fsyncLatencyMs: { min: 1, max: 8, random: world.prng } });
  }

  get host(): string {
    return hostOf(this.id);
  }

  get alive(): boolean {
    return this.running !== null;
  }

  get cluster(): ClusterNode | null {
    return this.running?.cluster ?? null;
  }

  get controller(): GroupDriver | null {
    return this.cluster?.controller ?? null;
  }

  get stateMachine(): MetadataStateMachine | null {
    return this.cluster?.stateMachine ?? null;
  }

  /** Starts a new life on the node's disk, as `freshet start --node-id ID --seeds ... --rpc-addr nID:33145` would. */
  async start(observer: GroupListener): Promise<void> {
    const w = this.world;
    this.incarnation++;
    const process = new ProcessScheduler(w.scheduler);
    this.disk.attach(process);
    const deps: NodeDeps = { clock: w.clock, scheduler: process, fs: this.disk, network: w.net.host(this.host), random: w.prng, fdSoftLimit: 1024, metrics: new MetricsRegistry() };
    const config = buildNodeConfig({
      'data-dir': `/${this.host}/data`,
      'kafka-addr': `${this.host}:${KAFKA_PORT}`,
      'node-id': String(this.id),
      'rpc-addr': `${this.host}:${RPC_PORT}`,
      seeds: this.seeds,
      dev: false,
      set: [...this.sets],
    });
    const bound = await w.loop.run(bindNode(config, deps, { observer }), 1_000, `n${this.id} binds`);
    this.process = process;
    this.running = openNode(bound, config, deps);
  }

  /** kill -9 and a power cut: timers die, connections reset, the disk keeps what was durable plus torn tails. */
  crash(): void {
    this.running?.cluster?.abort();
    this.process?.kill();
    this.world.net.crash(this.host);
    this.disk.crash({ tornTail: true, random: () => this.world.prng.next() });
    this.process = null;
    this.running = null;
  }
}
