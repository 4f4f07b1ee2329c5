// The network behind an interface: the Kafka listener, the internal client and (later) the
// node-to-node RPC open and accept byte streams only through a Network, so that a simulation
// can run them over an in-memory network with delays, losses, disconnections and partitions
// (net/sim-network.ts) while a node uses TCP through Bun (net/bun-network.ts).
//
// The contract is TCP's as Bun exposes it (see BUN-NOTES.md):
// - bytes arrive in order, in chunks of any size (a frame can be split anywhere);
// - write() takes what the network accepts now and returns that count; it buffers nothing, so
//   the caller keeps the unsent tail and writes it again on drain (which fires once, when more
//   can be written); -1 means the connection has ended;
// - pause() stops data events until resume(); bytes meanwhile wait in the network, and the
//   sender's writes get partial once its buffers fill (backpressure end to end);
// - close fires once per connection, whoever ended it.

/** A connected byte stream. */
export interface NetSocket {
  /** The peer's address (an IP, or a simulated host name). */
  readonly remoteAddress: string;
  /** Bytes the network took (0 when full: wait for drain), or -1 when the connection ended. */
  write(bytes: Uint8Array): number;
  /** Closes after the bytes already written are sent. */
  end(): void;
  /** Stops data events until resume(). */
  pause(): void;
  resume(): void;
  /** Fires `timeout` after this many seconds without reads (each call rearms it); 0 disables. */
  timeout(seconds: number): void;
}

/** What a connection hears; given by the side that owns the connection. */
export interface SocketEvents {
  data(bytes: Uint8Array): void;
  /** More can be written after a partial write. */
  drain(): void;
  /** The connection ended (by either side, or an error); fires once. */
  close(): void;
  /** No reads for the time set with NetSocket.timeout(). */
  timeout?(): void;
  /** A socket error (close follows); for logs. */
  error?(err: Error): void;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface NetListener {
  /** The bound address (the port chosen when 0 was asked for). */
  readonly address: HostPort;
  /** Stops accepting; with closeActive, also ends every accepted connection. */
  stop(closeActive: boolean): void;
}

/** A network failure with the system's error code (EADDRINUSE, ECONNREFUSED, ENOTFOUND, ...). */
export class NetError extends Error {
  override name = 'NetError';
  constructor(
    /** The system's code; null when the runtime gave none. */
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Why a listener could not be opened, in words an operator acts on. */
const LISTEN_ERRORS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use: another process listens on this port',
  EADDRNOTAVAIL: 'address not available: no network interface of this machine has it',
  EACCES: 'permission denied: ports below 1024 need privileges',
};

/** A failed listen() as an operator reads it: "address already in use: ... (EADDRINUSE)". */
export function describeListenFailure(e: unknown): string {
  const code = e instanceof NetError ? e.code : null;
  if (code === null) return e instanceof Error ? e.message : String(e);
  return `${LISTEN_ERRORS[code] ?? 'cannot bind'} (${code})`;
}

export interface Network {
  /** The address to bind for `host`: itself when it is an IP, else resolved; throws NetError (ENOTFOUND). */
  resolve(host: string): Promise<string>;
  /**
   * Binds and accepts. `accept` is called for each new connection and returns its events, or
   * null to refuse it (the connection is then ended). Throws NetError (EADDRINUSE, ...).
   */
  listen(address: HostPort, accept: (socket: NetSocket) => SocketEvents | null): NetListener;
  /** Opens a connection; `events` receives its traffic once it resolves. Rejects with NetError. */
  connect(address: HostPort, events: SocketEvents): Promise<NetSocket>;
}
