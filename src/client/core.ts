// The client's shared core: bootstrap, the broker map learned from Metadata, one connection per
// broker (reopened when it fails), and routing (any broker, the controller, a partition's
// leader, a group's coordinator). The typed calls (admin.ts, data.ts, groups.ts) build on it.
//
// Today a cluster is one node, but nothing here assumes it: leaders and coordinators are looked
// up by node id and reached at the address the broker advertises.

import { sleep } from '../base/scheduler.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { FindCoordinator } from '../protocol/messages/10-find-coordinator.ts';
import { Metadata } from '../protocol/messages/03-metadata.ts';
import type { Connection, ConnectionOptions } from './connection.ts';
import { ClientError, type KafkaErr, kafkaErr } from './errors.ts';
import { COORDINATOR_RETRIES_MAX, COORDINATOR_RETRY_BACKOFF_MS } from './limits.ts';
import { type ClientIo, connectTcp, formatHostPort, type HostPort, parseHostPort } from './tcp.ts';

export type { ClientIo };

export interface ClientOptions extends Omit<ConnectionOptions, 'address' | 'timers'> {
  /** Network, clock and timers: the system's from the CLI (cli/node-deps.ts SYSTEM_IO), a simulation's in one. */
  io: ClientIo;
  /** Bootstrap addresses, "host:port"; tried in order until one answers. */
  bootstrap: readonly string[];
  connectTimeoutMs?: number;
}

export interface BrokerInfo extends HostPort {
  readonly nodeId: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  error: KafkaErr | null;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  isInternal: boolean;
  error: KafkaErr | null;
  partitions: PartitionMetadata[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicMetadata[];
}

/** Coordinator answers after which Kafka clients look the coordinator up again and retry. */
const COORDINATOR_RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

export class ClientCore {
  readonly brokers = new Map<number, BrokerInfo>();
  controllerId = -1;
  clusterId: string | null = null;
  private readonly bootstrap: HostPort[];
  /** Open (or opening) connections by "host:port". */
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(readonly options: ClientOptions) {
    this.bootstrap = options.bootstrap.map((s) => {
      const a = parseHostPort(s);
      if (a === null) throw new ClientError('connect', `bad broker address '${s}' (expected HOST:PORT)`);
      return a;
    });
    if (this.bootstrap.length === 0) throw new ClientError('connect', 'no bootstrap address given');
  }

  /** Closes every connection. Calls in flight fail with ClientError 'closed'. */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const c of await Promise.allSettled(all)) if (c.status === 'fulfilled') c.value.close();
  }

  /** A negotiated connection to `address`, reused while it stays open. */
  async connectionTo(address: HostPort): Promise<Connection> {
    const key = formatHostPort(address);
    const existing = this.connections.get(key);
    if (existing !== undefined) {
      const conn = await existing.catch(() => null);
      if (conn !== null && !conn.closed) return conn;
      if (this.connections.get(key) === existing) this.connections.delete(key);
    }
    const opening = (async () => {
      const conn = await connectTcp(this.options.io, address, this.options);
      try {
        await conn.negotiate({ timeoutMs: this.options.connectTimeoutMs });
      } catch (e) {
        conn.close();
        throw e;
      }
      return conn;
    })();
    this.connections.set(key, opening);
    opening.catch(() => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    return opening;
  }

  /** Any reachable broker: a known one first, else the bootstrap list in order. */
  async any(): Promise<Connection> {
    const errors: string[] = [];
    const candidates = [...this.brokers.values(), ...this.bootstrap];
    for (const address of candidates) {
      try {
        return await this.connectionTo(address);
      } catch (e) {
        if (e instanceof ClientError && e.kind === 'unsupported_version') throw e;
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    throw new ClientError('connect', `no broker reachable: ${[...new Set(errors)].join('; ')}`);
  }

  /**
   * Every reachable broker in turn, the bootstrap list first (the nodes the operator named),
   * then the others Metadata listed; unreachable ones are skipped. For questions whose answer
   * depends on the node asked (DescribeQuorum from a node cut off from the leader).
   */
  async *each(): AsyncGenerator<Connection> {
    const seen = new Set<string>();
    for (const address of [...this.bootstrap, ...this.brokers.values()]) {
      const key = `${address.host}:${address.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let conn: Connection;
      try {
        conn = await this.connectionTo(address);
      } catch (e) {
        if (e instanceof ClientError && e.kind === 'unsupported_version') throw e;
        continue;
      }
      yield conn;
    }
  }

  /** The broker with `nodeId`, refreshing the broker map once if it is unknown. */
  async node(nodeId: number): Promise<Connection> {
    if (!this.brokers.has(nodeId)) await this.metadata([]);
    const b = this.brokers.get(nodeId);
    if (b === undefined) throw new ClientError('connect', `broker ${nodeId} is not in the cluster metadata`);
    return this.connectionTo(b);
  }

  /** The controller when known (admin calls go there, as in Kafka), else any broker. */
  async controller(): Promise<Connection> {
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return this.node(this.controllerId);
    return this.any();
  }

  /**
   * Metadata for `topics` (null: every topic; []: none, only brokers). Never auto-creates unless
   * `allowAutoTopicCreation` (Metadata v4+, KIP-204), which a producer sends: the HTTP proxy's
   * produce asks for it, as the Java producer under Confluent's proxy does; the broker creates
   * the topic only where auto.create.topics.enable is on.
   */
  async metadata(topics: readonly string[] | null = null, options: { allowAutoTopicCreation?: boolean } = {}): Promise<ClusterMetadata> {
    const conn = await this.any();
    const res = await conn.request(Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
    });
    this.brokers.clear();
    for (const b of res.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.controllerId = res.controllerId;
    this.clusterId = res.clusterId;
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId,
      brokers: [...this.brokers.values()],
      topics: res.topics.map((t) => ({
        name: t.name ?? '',
        topicId: t.topicId,
        isInternal: t.isInternal,
        error: kafkaErr(t.errorCode),
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas,
            error: kafkaErr(p.errorCode),
          }))
          .sort((a, b) => a.partition - b.partition),
      })),
    };
  }

  /** Groups (topic, partition) pairs by leader; partitions without one come back in `errors`. */
  async leaders<T extends { topic: string; partition: number }>(
    items: readonly T[],
  ): Promise<{ byLeader: Map<number, T[]>; errors: Array<{ item: T; error: KafkaErr }> }> {
    const topics = [...new Set(items.map((i) => i.topic))];
    const md = await this.metadata(topics);
    const byTopic = new Map(md.topics.map((t) => [t.name, t]));
    const byLeader = new Map<number, T[]>();
    const errors: Array<{ item: T; error: KafkaErr }> = [];
    for (const item of items) {
      const t = byTopic.get(item.topic);
      const p = t?.partitions.find((x) => x.partition === item.partition);
      const error = t?.error ?? (p === undefined ? kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) : (p.error ?? (p.leader < 0 ? kafkaErr(ErrorCode.LEADER_NOT_AVAILABLE) : null)));
      if (error !== null || p === undefined) {
        errors.push({ item, error: error ?? kafkaErr(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)! });
        continue;
      }
      const list = byLeader.get(p.leader) ?? [];
      list.push(item);
      byLeader.set(p.leader, list);
    }
    return { byLeader, errors };
  }

  /** FindCoordinator for a group (keyType 0) or transactional id (1). */
  async findCoordinator(key: string, keyType: 0 | 1 = 0): Promise<{ nodeId: number; host: string; port: number; error: KafkaErr | null }> {
    const conn = await this.any();
    const res = await conn.request(FindCoordinator, { key, keyType, coordinatorKeys: [key] });
    // v4+ answers per key in `coordinators`; older versions at the top level.
    const c = res.coordinators.length > 0 ? res.coordinators[0] : res;
    return { nodeId: c.nodeId, host: c.host, port: c.port, error: kafkaErr(c.errorCode, c.errorMessage) };
  }

  /**
   * Runs `call` against the coordinator of `groupId`, looking it up again and retrying while the
   * answer's error (from `errorOf`) says the coordinator moved or is still loading. Returns the
   * last answer; a coordinator that cannot be found is a Kafka error value like any other.
   */
  async withCoordinator<R>(
    groupId: string,
    call: (conn: Connection) => Promise<R>,
    errorOf: (r: R) => number,
    onLookupError: (e: KafkaErr) => R,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const found = await this.findCoordinator(groupId);
      const last = attempt >= COORDINATOR_RETRIES_MAX;
      if (found.error !== null) {
        if (!COORDINATOR_RETRIABLE.has(found.error.code) || last) return onLookupError(found.error);
      } else {
        const conn = await this.connectionTo({ host: found.host, port: found.port });
        const result = await call(conn);
        if (!COORDINATOR_RETRIABLE.has(errorOf(result)) || last) return result;
      }
      await sleep(this.options.io.scheduler, COORDINATOR_RETRY_BACKOFF_MS);
    }
  }
}
