// What a simulated Kafka client process of the cluster simulation knows and how it talks: its
// own KafkaClient (the project's client: bootstrap, broker map, one connection per broker)
// on its own host of the simulated network, built without driving the loop (its calls are
// promises the simulation's steps settle), and its view of each partition's leader and leader
// epoch from Metadata, refreshed when an answer says it is stale (as the Java client's
// Metadata.requestUpdate) and on a period.

import { ProcessScheduler } from '../../../src/base/scheduler.ts';
import { KafkaClient } from '../../../src/client/client.ts';
import type { Connection } from '../../../src/client/connection.ts';
import type { SimWorld } from '../node/sim-node.ts';

/** A request without an answer this long fails (the client's request.timeout.ms); a partition holds bytes forever. */
export const CLIENT_REQUEST_TIMEOUT_MS = 1_500;
/** A connection attempt to a cut-off node gives up after this long. */
const CLIENT_CONNECT_TIMEOUT_MS = 500;
/** metadata.max.age.ms, short: leaders move often under churn. */
const METADATA_MAX_AGE_MS = 1_000;

export interface PartitionRoute {
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** One client process: its KafkaClient and what Metadata last told it of one topic. */
export class ClientProcess {
  readonly client: KafkaClient;
  private readonly routes = new Map<number, PartitionRoute>();
  private refreshing = false;
  private refreshedAtMs = -Infinity;
  /** Metadata requests sent. */
  metadataRequests = 0;

  constructor(
    private readonly world: SimWorld,
    readonly host: string,
    bootstrap: readonly string[],
    private readonly topic: string,
  ) {
    const io = { network: world.net.host(host), clock: world.clock, scheduler: new ProcessScheduler(world.scheduler) };
    this.client = new KafkaClient({ io, bootstrap, clientId: host, requestTimeoutMs: CLIENT_REQUEST_TIMEOUT_MS, connectTimeoutMs: CLIENT_CONNECT_TIMEOUT_MS });
  }

  /** The partition's leader and epoch as last learned; asks again when unknown or old. */
  route(partition: number): PartitionRoute | undefined {
    if (this.world.loop.nowMs - this.refreshedAtMs > METADATA_MAX_AGE_MS) this.refresh();
    const r = this.routes.get(partition);
    if (r === undefined) this.refresh();
    return r;
  }

  /** An answer said the route is stale: forget it and ask Metadata again (one request at a time). */
  stale(partition: number): void {
    this.routes.delete(partition);
    this.refresh();
  }

  /** KIP-951: a NOT_LEADER_OR_FOLLOWER or FENCED answer named the new leader. */
  learned(partition: number, leaderId: number, leaderEpoch: number): void {
    if (leaderId < 0) return this.stale(partition);
    const known = this.routes.get(partition);
    if (known === undefined || leaderEpoch > known.leaderEpoch) this.routes.set(partition, { leaderId, leaderEpoch });
  }

  /** A connection to broker `nodeId` (the broker map from Metadata). */
  node(nodeId: number): Promise<Connection> {
    return this.client.node(nodeId);
  }

  refresh(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.metadataRequests++;
    this.client.metadata([this.topic]).then(
      (md) => {
        this.refreshing = false;
        this.refreshedAtMs = this.world.loop.nowMs;
        const t = md.topics.find((x) => x.name === this.topic);
        if (t === undefined || t.error !== null) return;
        for (const p of t.partitions) {
          // An answer from a node that has not heard of a newer leader is not taken (KIP-320:
          // the Java client keeps the metadata with the higher leader epoch).
          const known = this.routes.get(p.partition);
          if (p.error === null && p.leader >= 0 && (known === undefined || p.leaderEpoch >= known.leaderEpoch)) this.routes.set(p.partition, { leaderId: p.leader, leaderEpoch: p.leaderEpoch });
        }
      },
      () => {
        this.refreshing = false; // no broker reachable now: the next use asks again
      },
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
