// Free loopback ports for test processes. We find a port no listener holds, close our probe
// and hand the number to the child. Another process may take it in between, so callers that
// start a server retry on "address in use" (see broker.ts).
//
// Ports come from below the kernel's ephemeral range (Linux's ip_local_port_range is
// 32768-60999 by default, macOS uses 49152-65535): outgoing connections take their local ports
// there, so a port the kernel picked for a listener on port 0 could be taken by any client's or
// node's connect before the child binds it (seen: a cluster node failing with EADDRINUSE on its
// RPC port). Below that range only listeners compete, and each pick is checked by binding it.
//
// A port is handed out once per test process: a cluster test picks every node's RPC and Kafka
// ports up front, before any child binds.

import { createServer } from 'node:net';

/** Ports handed out by this process: never handed out twice. */
const handedOut = new Set<number>();
/** Where test ports come from: under every common ephemeral range, above the well-known ports. */
const TEST_PORTS_FIRST = 20_000;
const TEST_PORTS_LAST = 32_767;
const TEST_PORTS = TEST_PORTS_LAST - TEST_PORTS_FIRST + 1;
/** Ports tried per call before giving up (a port fails only when some listener holds it). */
const PICKS_MAX = 500;
/** Where this process starts: spread by pid so test processes running side by side rarely try the same ports. */
let cursor = (process.pid * 7_919) % TEST_PORTS;

export async function freePort(): Promise<number> {
  for (let pick = 1; pick <= PICKS_MAX; pick++) {
    const port = TEST_PORTS_FIRST + cursor;
    cursor = (cursor + 1) % TEST_PORTS;
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`freePort: ${PICKS_MAX} ports from ${TEST_PORTS_FIRST} to ${TEST_PORTS_LAST} tried, none free`);
}

/** Marks a port a listener of this process holds (the fault proxy's) as handed out; false if it already was. */
export function claimPort(port: number): boolean {
  if (handedOut.has(port)) return false;
  handedOut.add(port);
  return true;
}

/** Whether a listener on 127.0.0.1:port can be opened now (it is closed again before this resolves). */
async function bindable(port: number): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
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
