// Free loopback ports for test processes. The kernel picks a free port for a listener on port 0;
// we close it and hand the number to the child. Another process may take it in between, so
// callers that start a server retry on "address in use" (see broker.ts).
//
// The kernel may give a port just closed to the next listener on port 0, so two freePort() calls
// before either child binds could name the same port (a cluster test picks every node's RPC and
// Kafka ports up front): a port is handed out once per test process.

import { createServer } from 'node:net';

/** Ports handed out by this process: never handed out twice. */
const handedOut = new Set<number>();
/** Kernel picks before giving up; a repeat is rare, so a few suffice. */
const PICKS_MAX = 20;

export async function freePort(): Promise<number> {
  for (let pick = 1; pick <= PICKS_MAX; pick++) {
    const port = await kernelPickedPort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`freePort: the kernel named ports handed out already ${PICKS_MAX} times`);
}

/** Marks a port a listener of this process holds (the fault proxy's) as handed out; false if it already was. */
export function claimPort(port: number): boolean {
  if (handedOut.has(port)) return false;
  handedOut.add(port);
  return true;
}

async function kernelPickedPort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: listener has no port'));
        return;
      }
      const port = address.port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves true once host:port accepts a TCP connection, false if one attempt is refused. */
export async function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(socket) {
          socket.end();
          settle(true);
        },
        data() {},
        error() {
          settle(false);
        },
        connectError() {
          settle(false);
        },
      },
    }).catch(() => settle(false));
  });
}
