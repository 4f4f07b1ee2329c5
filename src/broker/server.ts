// The Kafka listener: accepts TCP connections and hands each to a Connection.
// Enforces max.connections and connections.max.idle.ms; everything else is per connection.

import type { Socket, TCPSocketListener } from 'bun';
import { log } from '../base/log.ts';
import { intProp } from '../config/node-config.ts';
import type { Broker } from './broker.ts';
import { Connection } from './connection.ts';

export class KafkaServer {
  private listener: TCPSocketListener<Connection | undefined> | null = null;
  private nextId = 1;
  private open = 0;

  constructor(private readonly broker: Broker) {}

  start(): { host: string; port: number } {
    const cfg = this.broker.config;
    const limits = {
      requestMaxBytes: intProp(cfg, 'socket.request.max.bytes'),
      queuedMaxRequests: intProp(cfg, 'queued.max.requests.per.connection'),
    };
    const maxConnections = intProp(cfg, 'max.connections');
    const idleSeconds = Math.max(1, Math.ceil(intProp(cfg, 'connections.max.idle.ms') / 1000));
    const broker = this.broker;
    this.listener = Bun.listen<Connection | undefined>({
      hostname: cfg.kafkaAddr.host,
      port: cfg.kafkaAddr.port,
      socket: {
        open: (socket: Socket<Connection | undefined>) => {
          if (this.open >= maxConnections) {
            log.warn(`refusing connection: max.connections=${maxConnections} reached`);
            socket.end();
            return;
          }
          this.open++;
          socket.setNoDelay(true);
          socket.timeout(idleSeconds);
          socket.data = new Connection(this.nextId++, socket as Socket<unknown>, broker, broker.handlers, limits);
        },
        data: (socket, data) => {
          socket.timeout(idleSeconds);
          socket.data?.onData(data);
        },
        drain: (socket) => socket.data?.onDrain(),
        close: (socket) => {
          if (socket.data) {
            this.open--;
            socket.data.onClose();
          }
        },
        timeout: (socket) => socket.data?.close('idle longer than connections.max.idle.ms'),
        error: (socket, err) => log.debug(`connection ${socket.data?.id}: ${err.message}`),
      },
    });
    return { host: this.listener.hostname, port: this.listener.port };
  }

  stop(): void {
    this.listener?.stop(true);
    this.listener = null;
  }
}
