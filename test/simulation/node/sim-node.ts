// One simulated world (clock, scheduler, seeded randomness, network) and the real broker running
// in it as simulated processes: SimBrokerNode is one incarnation of a node, built exactly as
// `freshet start` builds it (KafkaServer, then Broker) but on simulated dependencies, so that a
// crash is a kill of the process (its timers die, its connections reset, its disk loses what was
// not durable) and a restart is a new Broker on the same disk.

import { MetricsRegistry } from '../../../src/base/metrics.ts';
import { ManualClock } from '../../../src/base/clock.ts';
import type { NodeDeps } from '../../../src/base/deps.ts';
import { Prng } from '../../../src/base/prng.ts';
import { ProcessScheduler, SimScheduler } from '../../../src/base/scheduler.ts';
import { Broker } from '../../../src/broker/broker.ts';
import { KafkaServer } from '../../../src/broker/server.ts';
import { KafkaClient } from '../../../src/client/client.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { SimNetwork } from '../../../src/net/sim-network.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { SimLoop } from '../sim-loop.ts';

/** What a simulated world is made of; one seed decides every chance in it. */
export class SimWorld {
  readonly clock = new ManualClock();
  readonly scheduler = new SimScheduler(this.clock);
  readonly loop = new SimLoop(this.scheduler);
  readonly prng: Prng;
  readonly net: SimNetwork;

  constructor(readonly seed: number) {
    this.prng = new Prng(seed);
    this.net = new SimNetwork(this.clock, this.scheduler, this.prng, { latencyMs: { min: 0, max: 3 }, splitPiecesMax: 3 });
  }

  /** A client process on `host`, bootstrapped from `bootstrap`. */
  connectClient(host: string, bootstrap: string): Promise<KafkaClient> {
    const io = { network: this.net.host(host), clock: this.clock, scheduler: new ProcessScheduler(this.scheduler) };
    return this.loop.run(KafkaClient.connect({ io, bootstrap: [bootstrap], clientId: host, requestTimeoutMs: 10_000 }), 30_000, 'client connect');
  }
}

export interface SimNodeSpec {
  host: string;
  nodeId: number;
  /** Broker properties, as `--set key=value`. */
  sets?: string[];
}

export class SimBrokerNode {
  private constructor(
    readonly world: SimWorld,
    readonly spec: SimNodeSpec,
    readonly disk: SimStorageFs,
    readonly process: ProcessScheduler,
    readonly server: KafkaServer,
    readonly broker: Broker,
  ) {}

  get bootstrap(): string {
    return `${this.spec.host}:9092`;
  }

  /** Starts a node on `disk` (a new one for a first start, the same after a crash). */
  static async start(world: SimWorld, spec: SimNodeSpec, disk?: SimStorageFs): Promise<SimBrokerNode> {
    const process = new ProcessScheduler(world.scheduler);
    const fs = disk ?? new SimStorageFs({ scheduler: process, fsyncLatencyMs: { min: 1, max: 8, random: world.prng } });
    fs.attach(process);
    const deps: NodeDeps = {
      clock: world.clock,
      scheduler: process,
      fs,
      network: world.net.host(spec.host),
      random: world.prng,
      fdSoftLimit: 1024,
      metrics: new MetricsRegistry(),
    };
    const config = buildNodeConfig({
      'data-dir': `/${spec.host}/data`,
      'kafka-addr': `${spec.host}:9092`,
      'node-id': String(spec.nodeId),
      dev: false,
      set: spec.sets ?? [],
    });
    const server = new KafkaServer(config, deps);
    await world.loop.run(server.listen(), 1_000, 'listen');
    const broker = new Broker(config, deps);
    server.serve(broker);
    return new SimBrokerNode(world, spec, fs, process, server, broker);
  }

  /**
   * kill -9 and a power cut at once: the process runs nothing more, its connections reset, and
   * the disk keeps only what was made durable (with a torn tail of unsynced bytes per file).
   */
  crash(): SimStorageFs {
    this.process.kill();
    this.world.net.crash(this.spec.host);
    this.disk.crash({ tornTail: true, random: () => this.world.prng.next() });
    return this.disk;
  }
}
