// The Kafka listener: binds, accepts TCP connections and hands each to a Connection.
// Enforces max.connections, max.connections.per.ip, connections.max.idle.ms and the node-wide
// queued.max.request.bytes budget (request-memory.ts); everything else is per connection.
//
// Start-up binds first (listen), before the Broker opens or creates the data directory, so a
// port in use or a bad host fails with nothing on disk touched; connections are served once
// the broker is attached (serve). Stopping (shutdown) stops accepting, lets each connection
// answer what it has in flight for a bounded time, and closes the rest.

import type { NodeDeps } from '../base/deps.ts';
import { logger } from '../base/log.ts';
import { LogSummary } from '../base/log-summary.ts';
import { describeListenFailure, NetError, type NetListener, type NetSocket, type SocketEvents } from '../base/network.ts';
import { type HostPort, intProp, type NodeConfig } from '../config/node-config.ts';
import type { Broker } from './broker.ts';
import { Connection, type ConnectionLimits, type ConnectionShared } from './connection.ts';
import { KafkaMetrics } from './kafka-metrics.ts';
import { gcCollector, RequestMemoryBudget } from './request-memory.ts';

const log = logger('kafka');

/** What the listener needs of the node's dependencies: it binds before the Broker exists. */
export type ServerDeps = Pick<NodeDeps, 'network' | 'clock' | 'scheduler' | 'metrics'>;

export class ListenError extends Error {
  override name = 'ListenError';
}

export class KafkaServer {
  private listener: NetListener | null = null;
  private broker: Broker | null = null;
  private nextId = 1;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly shared: ConnectionShared;
  /** Connections refused or paused at a limit: the peer decides how many, so they are summarized. */
  private readonly refusals: LogSummary;
  private readonly limits: ConnectionLimits;
  private readonly idleSeconds: number;

  constructor(
    private readonly config: NodeConfig,
    private readonly deps: ServerDeps,
  ) {
    this.refusals = new LogSummary(deps.scheduler);
    this.shared = {
      memory: new RequestMemoryBudget(intProp(config, 'queued.max.request.bytes'), {
        events: this.refusals,
        collector: gcCollector(deps.clock, deps.scheduler),
      }),
      protocolErrors: new LogSummary(deps.scheduler),
      metrics: new KafkaMetrics(deps.metrics, deps.clock),
    };
    this.limits = {
      requestMaxBytes: intProp(config, 'socket.request.max.bytes'),
      queuedMaxRequests: intProp(config, 'queued.max.requests.per.connection'),
    };
    this.idleSeconds = Math.max(1, Math.ceil(intProp(config, 'connections.max.idle.ms') / 1000));
  }

  /** The Kafka API's metrics (a topic's series go when it is deleted). */
  get metrics(): KafkaMetrics {
    return this.shared.metrics;
  }

  /** The node's request memory budget (tests and status read it). */
  get memory(): RequestMemoryBudget {
    return this.shared.memory;
  }

  /** Resolves the host and binds the Kafka listener; throws ListenError naming the address. */
  async listen(): Promise<HostPort> {
    const { host, port } = this.config.kafkaAddr;
    const where = `${host.includes(':') ? `[${host}]` : host}:${port} (--kafka-addr)`;
    let address: string;
    try {
      address = await this.deps.network.resolve(host);
    } catch (e) {
      const code = (e instanceof NetError ? e.code : null) ?? 'lookup failed';
      throw new ListenError(`cannot listen on ${where}: host '${host}' does not resolve (${code})`);
    }
    try {
      this.listener = this.deps.network.listen({ host: address, port }, (socket) => this.accept(socket));
    } catch (e) {
      throw new ListenError(`cannot listen on ${where}: ${describeListenFailure(e)}`);
    }
    return this.listener.address;
  }

  /** Starts serving the connections the listener accepts. */
  serve(broker: Broker): void {
    this.broker = broker;
  }

  /** A new connection: refused (null) before the broker serves or past a limit, else served. */
  private accept(socket: NetSocket): SocketEvents | null {
    const broker = this.broker;
    const ip = socket.remoteAddress;
    if (broker === null || this.listener === null) return null;
    if (!this.admit(ip)) {
      this.shared.metrics.connectionsRefused.inc();
      return null;
    }
    socket.timeout(this.idleSeconds);
    const conn = new Connection(this.nextId++, socket, broker, broker.handlers, this.limits, this.shared);
    this.connections.add(conn);
    const metrics = this.shared.metrics;
    metrics.connectionsAccepted.inc();
    metrics.connectionsOpen.inc();
    return {
      data: (data) => {
        socket.timeout(this.idleSeconds);
        conn.onData(data);
      },
      drain: () => conn.onDrain(),
      close: () => {
        if (!this.connections.delete(conn)) return;
        metrics.connectionsClosed.inc();
        metrics.connectionsOpen.dec();
        this.forget(ip);
        conn.onClose();
      },
      timeout: () => conn.close('idle longer than connections.max.idle.ms'),
      error: (err) => log.debug(`connection ${conn.id}: ${err.message}`),
    };
  }

  /** Counts a new connection against max.connections and max.connections.per.ip (Kafka's
   *  ConnectionQuotas: a connection over either limit is closed as soon as it is accepted). */
  private admit(ip: string): boolean {
    const maxConnections = intProp(this.config, 'max.connections');
    const maxPerIp = intProp(this.config, 'max.connections.per.ip');
    if (this.connections.size >= maxConnections) {
      this.refusals.event('connection refused', `max.connections=${maxConnections} reached (from ${ip})`);
      return false;
    }
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= maxPerIp) {
      this.refusals.event('connection refused', `max.connections.per.ip=${maxPerIp} reached for ${ip}`);
      return false;
    }
    this.perIp.set(ip, fromIp + 1);
    return true;
  }

  private forget(ip: string): void {
    const n = (this.perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  /**
   * Stops accepting, asks every connection to answer what it has in flight and close, waits up
   * to `drainMs` for them, then closes the rest. Returns how many were cut with work left.
   */
  async shutdown(drainMs: number): Promise<{ cut: number }> {
    this.listener?.stop(false);
    this.listener = null;
    const drained = Promise.all([...this.connections].map((c) => c.drain()));
    let cancel = (): void => {};
    await Promise.race([drained, new Promise<void>((r) => (cancel = this.deps.scheduler.after(drainMs, r)))]);
    cancel();
    let cut = 0;
    for (const c of this.connections) {
      if (c.busy) cut++;
      c.close('node stopping: in-flight requests did not finish in time');
    }
    this.refusals.stop();
    this.shared.protocolErrors.stop();
    return { cut };
  }

  /** Closes the listener at once (start-up failed after listen). */
  close(): void {
    this.listener?.stop(true);
    this.listener = null;
  }
}
