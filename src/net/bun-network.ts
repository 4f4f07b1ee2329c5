// The real Network (base/network.ts): TCP through Bun.listen and Bun.connect. A thin adapter:
// each Bun socket is wrapped once, at open, and its events are forwarded to the SocketEvents
// its owner gave; write() is Bun's, so BUN-NOTES' rules hold unchanged (a partial write is
// normal, 0 means the buffer is full, -1 the socket ended; keep the tail and resend it on drain).

import type * as NodeDns from 'node:dns/promises';
import type * as NodeNet from 'node:net';
import type { Socket } from 'bun';
import { type HostPort, NetError, type NetListener, type NetSocket, type Network, type SocketEvents } from '../base/network.ts';

class BunSocket implements NetSocket {
  constructor(private readonly s: Socket<Attached>) {}
  get remoteAddress(): string {
    return this.s.remoteAddress;
  }
  write(bytes: Uint8Array): number {
    return this.s.write(bytes);
  }
  end(): void {
    this.s.end();
  }
  pause(): void {
    this.s.pause();
  }
  resume(): void {
    this.s.resume();
  }
  timeout(seconds: number): void {
    this.s.timeout(seconds);
  }
}

/** What a Bun socket carries (socket.data): its owner's events, null once refused. */
interface Attached {
  events: SocketEvents | null;
}

/** Bun's error with its code and its message unchanged (callers put the address in their words). */
function netError(e: unknown): NetError {
  const code = (e as { code?: string }).code ?? null;
  return new NetError(code, e instanceof Error ? e.message : String(e));
}

// node:net and node:dns are Bun's JavaScript over node:stream: imported at start they cost a node
// ~6 MB and ~2 MB of resident memory (compiled executables that import only one of them, against
// one that imports neither; bench/README.md, "Startup"), for a node whose listeners and clients
// name literal IPv4 addresses (127.0.0.1 in --dev, the CI-sidecar case). So a dotted-quad address
// is recognised here and the two modules are loaded (require() at first use: a static import is
// hoisted and evaluated at start by the bundler) only for any other host.

/** An IPv4 address as node:net's isIP accepts it: four decimal octets 0-255, no leading zero
 *  (Node's lib/internal/net.js, v4Seg and v4Str). */
const IPV4_LITERAL = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;

/** Whether node:net's isIP(host) is non-zero, loading node:net only for a host that is not IPv4. */
export function isIpLiteral(host: string): boolean {
  if (IPV4_LITERAL.test(host)) return true;
  return (require('node:net') as typeof NodeNet).isIP(host) !== 0;
}

/** Forwards Bun's socket callbacks to the events attached to each socket. */
const FORWARD = {
  data: (s: Socket<Attached>, bytes: Uint8Array) => s.data?.events?.data(bytes),
  drain: (s: Socket<Attached>) => s.data?.events?.drain(),
  close: (s: Socket<Attached>) => s.data?.events?.close(),
  timeout: (s: Socket<Attached>) => s.data?.events?.timeout?.(),
  error: (s: Socket<Attached>, err: Error) => s.data?.events?.error?.(err),
};

export const bunNetwork: Network = {
  async resolve(host: string): Promise<string> {
    if (isIpLiteral(host)) return host;
    try {
      return (await (require('node:dns/promises') as typeof NodeDns).lookup(host)).address;
    } catch (e) {
      throw netError(e);
    }
  },

  listen(address: HostPort, accept: (socket: NetSocket) => SocketEvents | null): NetListener {
    let listener;
    try {
      listener = Bun.listen<Attached>({
        hostname: address.host,
        port: address.port,
        socket: {
          ...FORWARD,
          open(s) {
            s.setNoDelay(true);
            const events = accept(new BunSocket(s));
            s.data = { events };
            if (events === null) s.end();
          },
        },
      });
    } catch (e) {
      throw netError(e);
    }
    const bound = listener;
    return {
      address: { host: bound.hostname, port: bound.port },
      stop: (closeActive) => bound.stop(closeActive),
    };
  },

  async connect(address: HostPort, events: SocketEvents): Promise<NetSocket> {
    try {
      const s = await Bun.connect<Attached>({
        hostname: address.host,
        port: address.port,
        data: { events },
        socket: FORWARD,
      });
      return new BunSocket(s);
    } catch (e) {
      throw netError(e);
    }
  },
};
