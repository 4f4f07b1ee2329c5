// Every limit of the internal RPC, named, with its reason. An endpoint takes its limits as one
// object (tests shrink them to reach the edges quickly); a node uses RPC_LIMITS.

export interface RpcLimits {
  /**
   * Largest frame accepted or sent after the handshake (length prefix excluded). Above Kafka's
   * socket.request.max.bytes (100 MiB), so any record batch a producer may send fits in one
   * Raft append. A peer announcing more is cut off before anything is allocated for it.
   */
  readonly frameBytesMax: number;
  /**
   * Largest frame accepted before the handshake completes: a hello is a few hundred bytes, and
   * a stranger that has not said who it is gets no more than this of our memory.
   */
  readonly helloFrameBytesMax: number;
  /**
   * Bytes queued for a peer that the network has not taken yet. Past it, one-way sends are
   * dropped and counted (Raft tolerates loss and retries; etcd's rafthttp drops the same way
   * when its stream buffer is full) and requests fail as `overloaded`. A frame is always
   * accepted into an empty queue, whatever its size (up to frameBytesMax).
   */
  readonly peerQueuedBytesMax: number;
  /** Requests of ours waiting for an answer (or for a connection) per peer. */
  readonly peerRequestsMax: number;
  /** Requests from one connection being served at once; more are answered `overloaded`. */
  readonly servedRequestsMax: number;
  /** Accepted connections held at once (handshaken or not); more are refused at accept. */
  readonly inboundConnectionsMax: number;
  /** A connect that has not completed by then is abandoned (then backoff, then retry). */
  readonly connectTimeoutMs: number;
  /** Both sides give the hello / welcome exchange this long, from the TCP connect. */
  readonly handshakeTimeoutMs: number;
  /** Default wait for an answer (from the request call, connection wait included). */
  readonly requestTimeoutMs: number;
  /**
   * Bytes waiting to be written with no progress for this long: the peer does not read (paused,
   * wedged, or a link holding our bytes). The connection is closed and made again, so a peer
   * that comes back is not first fed a backlog of stale messages.
   */
  readonly writeStallTimeoutMs: number;
  /** Reconnect backoff (Kafka's reconnect.backoff.ms, reconnect.backoff.max.ms and jitter). */
  readonly reconnectBackoffMinMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly reconnectBackoffJitter: number;
  /** Encoding buffer kept between sends; one that grew past this is let go after the send. */
  readonly scratchBytesKeep: number;
}

const MiB = 1024 * 1024;

export const RPC_LIMITS: RpcLimits = {
  frameBytesMax: 128 * MiB,
  helloFrameBytesMax: 64 * 1024,
  peerQueuedBytesMax: 64 * MiB,
  peerRequestsMax: 1024,
  servedRequestsMax: 256,
  inboundConnectionsMax: 1024,
  connectTimeoutMs: 5_000,
  handshakeTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  writeStallTimeoutMs: 10_000,
  // Kafka's client defaults (CommonClientConfigs: 50 ms, 1 s, jitter 0.2): a restarted peer
  // is reached again within about a second, and a dead one costs a connect a second.
  reconnectBackoffMinMs: 50,
  reconnectBackoffMaxMs: 1_000,
  reconnectBackoffJitter: 0.2,
  scratchBytesKeep: 4 * MiB,
};

export function rpcLimits(overrides: Partial<RpcLimits> = {}): RpcLimits {
  const l = { ...RPC_LIMITS, ...overrides };
  for (const [k, v] of Object.entries(l)) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new RangeError(`rpc limit ${k} must be a finite number >= 0, got ${v}`);
  }
  if (l.helloFrameBytesMax > l.frameBytesMax) throw new RangeError('rpc limit helloFrameBytesMax must not exceed frameBytesMax');
  if (l.reconnectBackoffJitter >= 1) throw new RangeError('rpc limit reconnectBackoffJitter must be below 1');
  return l;
}
