// The values the RPC hands its users: outcomes of sends, results of requests, handlers, counters.
// Expected failures are values, never exceptions (STYLE.md: errors as values).

import type { Writer } from '../protocol/primitives.ts';

/** A node of the cluster, as the handshake names it (rpc knows nothing else of nodes). */
export type NodeId = number;

/** Writes a frame's body in the version agreed with that peer. */
export type BodyWriter = (w: Writer, version: number) => void;

/** Called with each one-way message of a type, in arrival order; throw DecodeError for bad input. */
export type MessageHandler = (from: NodeId, version: number, body: Uint8Array) => void;

/** Serves a request; the answer is written in the request's version. A rejection is answered as `remote_failed`. */
export type RequestHandler = (from: NodeId, version: number, body: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** What became of a one-way send. Anything but `sent` means the message is gone (and counted). */
export type SendOutcome =
  | 'sent'
  /** No address is known for that node (setPeer was never called). */
  | 'unknown_peer'
  /** No handshaken connection to it right now (connecting, backing off). */
  | 'not_connected'
  /** The peer does not speak this type. */
  | 'unsupported'
  /** Over peerQueuedBytesMax (or peerRequestsMax for requests). */
  | 'overloaded'
  /** The frame would exceed frameBytesMax. */
  | 'too_large';

export type RpcError =
  | Exclude<SendOutcome, 'sent' | 'not_connected'>
  /** No connection came up before the timeout: the request was never sent. */
  | 'unreachable'
  /** Sent, unanswered within the timeout. It may or may not have been served. */
  | 'timeout'
  /** Sent, then the connection closed before the answer. It may or may not have been served. */
  | 'closed'
  /** The peer was too busy to serve it (servedRequestsMax): not served. */
  | 'remote_overloaded'
  /** The peer's handler failed (a bug there); the message says how. */
  | 'remote_failed'
  /** This endpoint or peer was stopped. */
  | 'stopped';

export type RpcResult = { readonly ok: true; readonly version: number; readonly body: Uint8Array } | { readonly ok: false; readonly error: RpcError; readonly message: string };

/** The first byte of a response body. */
export const ResponseStatus = { ok: 0, overloaded: 1, failed: 2 } as const;

/** Counters of one endpoint (all peers), for tests, logs and metrics. */
export interface RpcStats {
  messagesSent: number;
  requestsSent: number;
  bytesSent: number;
  messagesReceived: number;
  requestsServed: number;
  bytesReceived: number;
  /** One-way sends lost at this end, by why. */
  readonly dropped: Record<Exclude<SendOutcome, 'sent'>, number>;
  /** Handshakes completed on connections we dialed, and dial attempts that failed. */
  connected: number;
  connectFailures: number;
  accepted: number;
  /** Connections closed for a peer's bad input, a refused handshake, a write stall. */
  badInput: number;
  refused: number;
  stalls: number;
  /** Connections closed because a bug of ours threw while handling them (logged as errors). */
  internalErrors: number;
}

export function newStats(): RpcStats {
  return {
    messagesSent: 0,
    requestsSent: 0,
    bytesSent: 0,
    messagesReceived: 0,
    requestsServed: 0,
    bytesReceived: 0,
    dropped: { unknown_peer: 0, not_connected: 0, unsupported: 0, overloaded: 0, too_large: 0 },
    connected: 0,
    connectFailures: 0,
    accepted: 0,
    badInput: 0,
    refused: 0,
    stalls: 0,
    internalErrors: 0,
  };
}
