// The I/O shell around Connection: a connection opened through the client's Network (TCP in a
// process, the simulated network in a simulation), with the socket's events forwarded to the
// pure core. Nothing else in the client touches a socket.

import type { Clock } from '../base/clock.ts';
import type { HostPort, Network } from '../base/network.ts';
import type { Scheduler } from '../base/scheduler.ts';
import { Connection, type ConnectionOptions, schedulerTimers } from './connection.ts';
import { ClientError } from './errors.ts';
import { CONNECT_TIMEOUT_MS } from './limits.ts';

export type { HostPort };

/** What the client needs from its environment: given by the shell (cli) or a simulation. */
export interface ClientIo {
  readonly network: Network;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
}

/** "host:port" (IPv6 as "[::1]:9092") to a HostPort; null when malformed. */
export function parseHostPort(s: string): HostPort | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:\s]+):(\d+)$/.exec(s);
  if (m === null) return null;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1], port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Opens a connection and wraps it; throws ClientError 'connect' on failure or timeout. */
export async function connectTcp(
  io: ClientIo,
  address: HostPort,
  options: Omit<ConnectionOptions, 'timers'> & { connectTimeoutMs?: number } = {},
): Promise<Connection> {
  const label = formatHostPort(address);
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  let conn: Connection | null = null;
  let cancelTimer = (): void => {};
  const connecting = io.network.connect(address, {
    data: (data) => conn?.onData(data),
    drain: () => conn?.onDrain(),
    close: () => conn?.onClose(),
    error: () => conn?.onClose(),
  });
  const timeout = new Promise<never>((_, reject) => {
    cancelTimer = io.scheduler.after(timeoutMs, () =>
      reject(new ClientError('connect', `could not connect to ${label}: no answer within ${timeoutMs} ms`)),
    );
  });
  try {
    const socket = await Promise.race([connecting, timeout]);
    conn = new Connection(socket, { ...options, address: label, timers: schedulerTimers(io.scheduler) });
    return conn;
  } catch (e) {
    // A socket that connects after the timeout must not linger.
    void connecting.then((s) => s.end()).catch(() => {});
    if (e instanceof ClientError) throw e;
    throw new ClientError('connect', `could not connect to ${label}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    cancelTimer();
  }
}
