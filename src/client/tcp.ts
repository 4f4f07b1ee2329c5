// The I/O shell around Connection: Bun.connect, with the socket's events forwarded to the pure
// core. Nothing else in the client touches a socket.

import type { Socket } from 'bun';
import { Connection, type ConnectionOptions } from './connection.ts';
import { ClientError } from './errors.ts';
import { CONNECT_TIMEOUT_MS } from './limits.ts';

export interface HostPort {
  readonly host: string;
  readonly port: number;
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

/** Opens a TCP connection and wraps it; throws ClientError 'connect' on failure or timeout. */
export async function connectTcp(
  address: HostPort,
  options: ConnectionOptions & { connectTimeoutMs?: number } = {},
): Promise<Connection> {
  const label = formatHostPort(address);
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  let conn: Connection | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Bun.connect({
    hostname: address.host,
    port: address.port,
    socket: {
      data: (_s: Socket<undefined>, data: Uint8Array) => conn?.onData(data),
      drain: () => conn?.onDrain(),
      close: () => conn?.onClose(),
      error: () => conn?.onClose(),
    },
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ClientError('connect', `could not connect to ${label}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const socket = await Promise.race([connecting, timeout]);
    conn = new Connection(socket, { ...options, address: label });
    return conn;
  } catch (e) {
    // A socket that connects after the timeout must not linger.
    void connecting.then((s) => s.end()).catch(() => {});
    if (e instanceof ClientError) throw e;
    throw new ClientError('connect', `could not connect to ${label}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
