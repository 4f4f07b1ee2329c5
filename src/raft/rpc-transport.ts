// RaftTransport over the internal RPC: each send() is one frame of the `raft.messages` type to
// that node (wire.ts encodes it), so the heartbeats of every group between two nodes in one
// turn cost one frame, one write and one data event at the other end (issue 7: "an idle tick
// costs one message per peer"). A send bigger than RAFT_FRAME_BYTES_TARGET (appends carrying
// many MiB of batches) is cut into several frames at message boundaries, in order, on the same
// connection, so nothing is reordered; once one of them is dropped the rest of that call is
// dropped too (what follows a lost append is refused by the follower anyway).
//
// Received frames are checked against the handshake: the batch must be from the node that
// connection belongs to and addressed to this node, or the connection is closed as bad input
// (the core asserts `to` is itself; a peer's bytes must never reach that assertion).

import { assert } from '../base/assert.ts';
import { DecodeError } from '../protocol/primitives.ts';
import type { RpcEndpoint } from '../rpc/endpoint.ts';
import type { MessageKind } from '../rpc/handshake.ts';
import type { SendOutcome } from '../rpc/types.ts';
import type { NodeId } from './core/index.ts';
import { RANGE_BYTES_MAX, type RangeAnswer, type RangeRequest, readRangeAnswer, readRangeRequest, writeRangeAnswer, writeRangeRequest } from './stream/protocol.ts';
import type { GroupMessage, RaftTransport } from './transport.ts';
import { Reader, Writer } from '../protocol/primitives.ts';
import { decodeRaftBatch, encodeRaftBatch, groupMessageBytesEstimate, RAFT_WIRE_VERSIONS } from './wire.ts';

/** The RPC message type of Raft traffic (one-way). */
export const RAFT_MESSAGES: MessageKind = { type: 1, name: 'raft.messages', versions: RAFT_WIRE_VERSIONS };

/** Segment streaming's range request (stream/protocol.ts). Type 10: 6, 8 and 9 are left for other cluster requests. */
export const RAFT_SEGMENT_RANGE: MessageKind = { type: 10, name: 'raft.segment_range', versions: { min: 1, max: 1 } };
/** A range request unanswered this long is given up (the streamer asks again or leaves it to Raft's normal path). */
export const RANGE_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A send is cut into frames of about this many bytes: small enough that a receiver holds
 * little at once and a frame is never near the RPC's frameBytesMax with 1 MiB appends (the
 * core's appendBytesMax), big enough that heartbeats of tens of thousands of groups stay one
 * frame. A single message larger than this travels alone.
 */
export const RAFT_FRAME_BYTES_TARGET = 8 * 1024 * 1024;

export interface RaftTransportStats {
  framesSent: number;
  messagesSent: number;
  /** Messages lost at this end, by why (the RPC's send outcome). */
  readonly messagesDropped: Record<Exclude<SendOutcome, 'sent'>, number>;
  framesReceived: number;
  messagesReceived: number;
}

export class RpcRaftTransport implements RaftTransport {
  readonly stats: RaftTransportStats = {
    framesSent: 0,
    messagesSent: 0,
    messagesDropped: { unknown_peer: 0, not_connected: 0, unsupported: 0, overloaded: 0, too_large: 0 },
    framesReceived: 0,
    messagesReceived: 0,
  };
  private handler: ((from: NodeId, messages: readonly GroupMessage[]) => void) | null = null;
  private rangeHandler: ((from: NodeId, request: RangeRequest) => RangeAnswer) | null = null;

  /** Registers the Raft message type on `rpc`, which must not have connected yet. */
  constructor(
    private readonly rpc: RpcEndpoint,
    private readonly frameBytesTarget = RAFT_FRAME_BYTES_TARGET,
  ) {
    rpc.onMessage(RAFT_MESSAGES, (from, version, body) => this.receive(from, version, body));
    rpc.onRequest(RAFT_SEGMENT_RANGE, (from, _version, body) => this.serveRange(from, body));
  }

  async fetchRange(to: NodeId, request: RangeRequest): Promise<RangeAnswer | null> {
    const r = await this.rpc.request(to, RAFT_SEGMENT_RANGE, (w) => writeRangeRequest(w, request), RANGE_REQUEST_TIMEOUT_MS);
    if (!r.ok) return null;
    try {
      return readRangeAnswer(new Reader(r.body), RANGE_BYTES_MAX);
    } catch (e) {
      if (e instanceof DecodeError) return null;
      throw e;
    }
  }

  onRangeRequest(handler: (from: NodeId, request: RangeRequest) => RangeAnswer): void {
    assert(this.rangeHandler === null, 'raft transport: one range handler');
    this.rangeHandler = handler;
  }

  private serveRange(from: NodeId, body: Uint8Array): Uint8Array {
    const request = readRangeRequest(new Reader(body));
    const answer = this.rangeHandler?.(from, request) ?? { status: 'unknown_group', end: -1, bytes: new Uint8Array(0) };
    const w = new Writer(answer.bytes.length + 32);
    writeRangeAnswer(w, answer);
    return w.bytes();
  }

  send(to: NodeId, messages: readonly GroupMessage[]): void {
    let start = 0;
    // do-while: an empty send is one empty frame, the node-level heartbeat (core/quiescence.ts).
    do {
      let end = start;
      let bytes = 0;
      while (end < messages.length && (end === start || bytes + groupMessageBytesEstimate(messages[end]) <= this.frameBytesTarget)) {
        bytes += groupMessageBytesEstimate(messages[end]);
        end++;
      }
      const batch = { from: this.rpc.nodeId, to, messages: messages.slice(start, end) };
      const outcome = this.rpc.send(to, RAFT_MESSAGES, (w, version) => encodeRaftBatch(w, batch, version), bytes);
      if (outcome !== 'sent') {
        this.stats.messagesDropped[outcome] += messages.length - start;
        return;
      }
      this.stats.framesSent++;
      this.stats.messagesSent += end - start;
      start = end;
    } while (start < messages.length);
  }

  onMessages(handler: (from: NodeId, messages: readonly GroupMessage[]) => void): void {
    assert(this.handler === null, 'raft transport: one handler');
    this.handler = handler;
  }

  private receive(from: NodeId, version: number, body: Uint8Array): void {
    const batch = decodeRaftBatch(body, version);
    if (batch.from !== from || batch.to !== this.rpc.nodeId) {
      throw new DecodeError(`raft messages ${batch.from}->${batch.to} on the connection from node ${from} to node ${this.rpc.nodeId}`);
    }
    this.stats.framesReceived++;
    this.stats.messagesReceived += batch.messages.length;
    this.handler?.(from, batch.messages);
  }
}
