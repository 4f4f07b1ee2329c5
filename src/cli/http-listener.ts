// The node's HTTP listeners (the schema registry's and the REST proxy's): bound with Bun.serve
// before the data directory is opened, so a taken port fails the start cleanly with the flag
// that names it (the Kafka listener does the same).

import { formatHostPort, type HostPort } from '../config/values.ts';
import { NodeStartError } from './node.ts';

export type BunServer = ReturnType<typeof Bun.serve>;

export interface HttpListenerSpec {
  readonly address: HostPort;
  /** What listens, for the error ("the schema registry"), and the flag that sets the address. */
  readonly what: string;
  readonly flag: string;
  readonly maxRequestBodySize: number;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  /** The answer when the handler throws (Bun's error hook): a JSON 500 without a stack. */
  readonly error: (e: Error) => Response;
  /** Seconds a connection may go without traffic, an unanswered request included (Bun's
   *  idleTimeout, 10 by default and 255 at most): above the longest a request may wait. */
  readonly idleTimeoutSeconds: number;
}

/** Binds the listener; throws NodeStartError naming the address, the flag and why. */
export function listenHttp(spec: HttpListenerSpec): BunServer {
  try {
    return Bun.serve({
      hostname: spec.address.host,
      port: spec.address.port,
      reusePort: false,
      maxRequestBodySize: spec.maxRequestBodySize,
      idleTimeout: spec.idleTimeoutSeconds,
      fetch: spec.fetch,
      error: spec.error,
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'the address is in use' : code === 'EADDRNOTAVAIL' ? 'no such local address' : e instanceof Error ? e.message : String(e);
    throw new NodeStartError(`cannot listen for ${spec.what} on ${formatHostPort(spec.address)} (${spec.flag}): ${why}`);
  }
}
