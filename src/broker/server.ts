// The Kafka listener: binds, accepts TCP connections and hands each to a Connection.
// Enforces max.connections, max.connections.per.ip, connections.max.idle.ms and the node-wide
// queued.max.request.bytes budget (request-memory.ts); everything else is per connection.
//
// Start-up binds first (listen), before the Broker opens or creates the data directory, so a
// port in use or a bad host fails with nothing on disk touched; connections are served once
// the broker is attached (serve). Stopping (shutdown) stops accepting, lets each connection
// answer what it has in flight for a bounded time, and closes the rest.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Socket, TCPSocketListener } from 'bun';
import { log } from '../base/log.ts';
import { LogSummary } from '../base/log-summary.ts';
import { type HostPort, intProp, type NodeConfig } from '../config/node-config.ts';
import type { Broker } from './broker.ts';
import { Connection, type ConnectionLimits, type ConnectionShared } from './connection.ts';
import { RequestMemoryBudget } from './request-memory.ts';

/** Why a listener could not be opened, in words an operator acts on. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use: another process listens on this port',
  EADDRNOTAVAIL: 'address not available: no network interface of this machine has it',
  EACCES: 'permission denied: ports below 1024 need privileges',
};

export class ListenError extends Error {
  override name = 'ListenError';
}

export class KafkaServer {
  private listener: TCPSocketListener<Connection | undefined> | null = null;
  private broker: Broker | null = null;
  private nextId = 1;
  private readonly connections = new Set<Connection>();
  private readonly perIp = new Map<string, number>();
  private readonly shared: ConnectionShared;
  /** Connections refused or paused at a limit: the peer decides how many, so they are summarized. */
  private readonly refusals = new LogSummary();

  constructor(private readonly config: NodeConfig) {
    this.shared = {
      memory: new RequestMemoryBudget(intProp(config, 'queued.max.request.bytes'), { events: this.refusals }),
      protocolErrors: new LogSummary(),
    };
  }

  /** The node's request memory budget (tests and status read it). */
  get memory(): RequestMemoryBudget {
    return this.shared.memory;
  }

  /** Resolves the host and binds the Kafka listener; throws ListenError naming the address. */
  async listen(): Promise<HostPort> {
    const { host, port } = this.config.kafkaAddr;
    const where = `${host.includes(':') ? `[${host}]` : host}:${port} (--kafka-addr)`;
    let address = host;
    if (isIP(host) === 0) {
      try {
        address = (await lookup(host)).address;
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'lookup failed';
        throw new ListenError(`cannot listen on ${where}: host '${host}' does not resolve (${code})`);
      }
    }
    try {
      this.listener = Bun.listen<Connection | undefined>({ hostname: address, port, socket: this.handlers() });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === undefined ? (e instanceof Error ? e.message : String(e)) : `${LISTEN_ERRORS[code] ?? 'cannot bind'} (${code})`;
      throw new ListenError(`cannot listen on ${where}: ${why}`);
    }
    return { host: this.listener.hostname, port: this.listener.port };
  }

  /** Starts serving the connections the listener accepts. */
  serve(broker: Broker): void {
    this.broker = broker;
  }

  private handlers() {
    const cfg = this.config;
    const limits: ConnectionLimits = {
      requestMaxBytes: intProp(cfg, 'socket.request.max.bytes'),
      queuedMaxRequests: intProp(cfg, 'queued.max.requests.per.connection'),
    };
    const idleSeconds = Math.max(1, Math.ceil(intProp(cfg, 'connections.max.idle.ms') / 1000));
    return {
      open: (socket: Socket<Connection | undefined>) => {
        const broker = this.broker;
        if (broker === null || this.listener === null || !this.admit(socket.remoteAddress)) {
          socket.end();
          return;
        }
        socket.setNoDelay(true);
        socket.timeout(idleSeconds);
        const conn = new Connection(this.nextId++, socket as Socket<unknown>, broker, broker.handlers, limits, this.shared);
        this.connections.add(conn);
        socket.data = conn;
      },
      data: (socket: Socket<Connection | undefined>, data: Uint8Array) => {
        socket.timeout(idleSeconds);
        socket.data?.onData(data);
      },
      drain: (socket: Socket<Connection | undefined>) => socket.data?.onDrain(),
      close: (socket: Socket<Connection | undefined>) => {
        const conn = socket.data;
        if (conn === undefined || !this.connections.delete(conn)) return;
        this.forget(socket.remoteAddress);
        conn.onClose();
      },
      timeout: (socket: Socket<Connection | undefined>) => socket.data?.close('idle longer than connections.max.idle.ms'),
      error: (socket: Socket<Connection | undefined>, err: Error) => log.debug(`connection ${socket.data?.id}: ${err.message}`),
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))]);
    clearTimeout(timer);
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
