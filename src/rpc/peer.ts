// The one outbound connection to one peer node: dialed as soon as the peer is known, kept up
// for as long as it is known, made again after every failure with exponential backoff and
// jitter (backoff.ts). One-way sends go out only on a handshaken connection and are dropped
// otherwise (Raft resends what matters: heartbeats every tick, appends on rejection, votes on
// the next timeout, as etcd's rafthttp drops messages while a peer's stream is down); requests
// wait for the connection until their timeout.
//
// States: connecting (connect() pending, connectTimeoutMs) -> handshaking (hello sent,
// handshakeTimeoutMs) -> ready -> (any failure) backoff -> connecting ...; stopped is final.

import type { HostPort, Network } from '../base/network.ts';
import type { Random } from '../base/random.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';
import { DecodeError, Reader } from '../protocol/primitives.ts';
import { backoffMs } from './backoff.ts';
import { type CloseInfo, Connection, type ConnectionOwner } from './connection.ts';
import { type Frame, FRAME_PREFIX_BYTES, type FrameEncoder, FrameKind } from './frame.ts';
import { type Hello, type MessageKind, type Refusal, RefusalCode } from './handshake.ts';
import type { RpcLimits } from './limits.ts';
import { type BodyWriter, type NodeId, ResponseStatus, type RpcError, type RpcResult, type RpcStats, type SendOutcome } from './types.ts';

/** What a peer shares with its endpoint. */
export interface PeerContext {
  readonly network: Network;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly limits: RpcLimits;
  readonly hello: Hello;
  readonly encoder: FrameEncoder;
  readonly stats: RpcStats;
  /** For the logs and counters: a handshake completed, a connection ended, a dial failed. */
  connected(peer: Peer): void;
  closed(conn: Connection, info: CloseInfo): void;
  connectFailed(peer: Peer, detail: string): void;
}

export type PeerState = 'connecting' | 'handshaking' | 'ready' | 'backoff' | 'stopped';

interface PendingRequest {
  readonly kind: MessageKind;
  readonly writeBody: BodyWriter;
  readonly resolve: (r: RpcResult) => void;
  cancelTimer: Cancel;
  /** Set once written to a connection. */
  sentOn: Connection | null;
  correlationId: number;
}

export class Peer implements ConnectionOwner {
  private stateNow: PeerState = 'connecting';
  private conn: Connection | null = null;
  private timer: Cancel | null = null;
  /** Failed attempts since the last connection that worked: the backoff's exponent. */
  private failures = 0;
  /** Requests waiting for a connection, in order. */
  private waiting: PendingRequest[] = [];
  private readonly inFlight = new Map<number, PendingRequest>();

  constructor(
    readonly nodeId: NodeId,
    private addressNow: HostPort,
    private readonly ctx: PeerContext,
  ) {
    this.connect();
  }

  get state(): PeerState {
    return this.stateNow;
  }

  get address(): HostPort {
    return this.addressNow;
  }

  get label(): string {
    return `node ${this.nodeId} at ${this.addressNow.host}:${this.addressNow.port}`;
  }

  /** Bytes queued on the connection (0 when there is none). */
  get queuedBytes(): number {
    return this.conn?.queuedBytes ?? 0;
  }

  /** The version agreed for `kind`, or null (not connected, or not spoken by the peer). */
  versionOf(kind: MessageKind): number | null {
    return this.conn?.isReady ? (this.conn.versions.get(kind.type) ?? null) : null;
  }

  /** The peer moved: the connection to the old address is closed and the new one dialed. */
  moveTo(address: HostPort): void {
    if (this.stateNow === 'stopped') return;
    this.addressNow = address;
    this.conn?.close('local', `node ${this.nodeId} moved`);
    this.timer?.();
    this.timer = null;
    this.failures = 0;
    this.connect();
  }

  stop(): void {
    if (this.stateNow === 'stopped') return;
    this.stateNow = 'stopped';
    this.timer?.();
    this.timer = null;
    for (const p of [...this.waiting, ...this.inFlight.values()]) this.settle(p, fail('stopped', `the connection to ${this.label} was stopped`));
    this.waiting = [];
    this.inFlight.clear();
    this.conn?.close('local', 'stopped');
  }

  send(kind: MessageKind, writeBody: BodyWriter, bodyBytesHint: number): SendOutcome {
    const conn = this.conn;
    if (conn === null || !conn.isReady) return 'not_connected';
    const version = conn.versions.get(kind.type);
    if (version === undefined) return 'unsupported';
    if (this.overQueue(bodyBytesHint)) return 'overloaded';
    const frame = this.ctx.encoder.encode({ kind: FrameKind.message, type: kind.type, version, correlationId: 0 }, (w) => writeBody(w, version), bodyBytesHint);
    const outcome = this.checkFrame(frame);
    if (outcome !== 'sent') return outcome;
    if (!conn.write(frame, true)) return 'not_connected';
    this.ctx.stats.messagesSent++;
    this.ctx.stats.bytesSent += frame.length;
    return 'sent';
  }

  request(kind: MessageKind, writeBody: BodyWriter, timeoutMs: number): Promise<RpcResult> {
    if (this.stateNow === 'stopped') return Promise.resolve(fail('stopped', `the connection to ${this.label} was stopped`));
    if (this.waiting.length + this.inFlight.size >= this.ctx.limits.peerRequestsMax) {
      return Promise.resolve(fail('overloaded', `${this.ctx.limits.peerRequestsMax} requests to ${this.label} are already waiting`));
    }
    return new Promise((resolve) => {
      const p: PendingRequest = { kind, writeBody, resolve, cancelTimer: () => {}, sentOn: null, correlationId: 0 };
      p.cancelTimer = this.ctx.scheduler.after(timeoutMs, () => this.expire(p, timeoutMs));
      if (this.conn?.isReady) this.dispatch(p);
      else this.waiting.push(p);
    });
  }

  // ---- ConnectionOwner ----

  admit(_conn: Connection, peer: Hello): Refusal | null {
    if (peer.nodeId === this.nodeId) return null;
    return { code: RefusalCode.not_admitted, message: `dialed node ${this.nodeId} at ${this.addressNow.host}:${this.addressNow.port} but node ${peer.nodeId} answered` };
  }

  ready(conn: Connection): void {
    if (conn !== this.conn) return;
    this.stateNow = 'ready';
    this.ctx.stats.connected++;
    this.ctx.connected(this);
    const waiting = this.waiting;
    this.waiting = [];
    for (const p of waiting) this.dispatch(p);
  }

  frame(_conn: Connection, f: Frame): void {
    if (f.kind !== FrameKind.response) throw new DecodeError(`frame kind ${f.kind} on a connection we dialed (only responses come back)`);
    const p = this.inFlight.get(f.correlationId);
    if (p === undefined) return; // answered after its timeout: nobody waits for it any more
    this.inFlight.delete(f.correlationId);
    if (f.type !== p.kind.type) throw new DecodeError(`response ${f.correlationId} is of type ${f.type}, its request of ${p.kind.type}`);
    this.settle(p, responseResult(f, this.label));
  }

  closed(conn: Connection, info: CloseInfo): void {
    if (conn !== this.conn) {
      this.ctx.closed(conn, info);
      return;
    }
    const wasReady = this.stateNow === 'ready';
    this.conn = null;
    for (const p of this.inFlight.values()) this.settle(p, fail('closed', `the connection to ${this.label} closed before the answer: ${info.detail}`));
    this.inFlight.clear();
    this.ctx.closed(conn, info);
    if (this.stateNow === 'stopped') return;
    if (!wasReady) this.ctx.stats.connectFailures++;
    // A connection that worked and then ended (the peer restarted, a network blip) is dialed
    // again at once, from the shortest backoff. One the peer broke right after the handshake
    // keeps growing the backoff: a broken peer must not earn a reconnect every 50 ms.
    if (wasReady && info.cause !== 'bad_input' && info.cause !== 'internal') this.failures = 0;
    this.failures++;
    this.stateNow = 'backoff';
    const delayMs = backoffMs({ minMs: this.ctx.limits.reconnectBackoffMinMs, maxMs: this.ctx.limits.reconnectBackoffMaxMs, jitter: this.ctx.limits.reconnectBackoffJitter }, this.failures, this.ctx.random);
    this.timer = this.ctx.scheduler.after(delayMs, () => {
      this.timer = null;
      if (this.stateNow === 'backoff') this.connect();
    });
  }

  // ---- internals ----

  private connect(): void {
    this.stateNow = 'connecting';
    const conn = new Connection('dialer', this.label, this.ctx.hello, this, this.ctx.scheduler, this.ctx.limits);
    this.conn = conn;
    let settled = false;
    const timeoutMs = this.ctx.limits.connectTimeoutMs;
    const cancelTimeout = this.ctx.scheduler.after(timeoutMs, () => {
      if (settled || conn.isClosed) return;
      settled = true;
      this.ctx.connectFailed(this, `no connection within ${timeoutMs} ms`);
      conn.close('peer_closed', `no connection within ${timeoutMs} ms`);
    });
    this.ctx.network.connect(this.addressNow, conn.events).then(
      (socket) => {
        const late = settled || conn.isClosed;
        settled = true;
        cancelTimeout();
        if (late) {
          socket.end(); // connected after its timeout, a stop or a move: not wanted any more
          return;
        }
        this.stateNow = 'handshaking';
        conn.attach(socket);
      },
      (e: unknown) => {
        const late = settled || conn.isClosed;
        settled = true;
        cancelTimeout();
        if (late) return;
        const detail = e instanceof Error ? e.message : String(e);
        this.ctx.connectFailed(this, detail);
        conn.close('peer_closed', detail);
      },
    );
  }

  private dispatch(p: PendingRequest): void {
    const conn = this.conn;
    if (conn === null || !conn.isReady) {
      this.waiting.push(p);
      return;
    }
    const version = conn.versions.get(p.kind.type);
    if (version === undefined) return this.settle(p, fail('unsupported', `${this.label} does not speak ${p.kind.name}`));
    if (this.overQueue(0)) return this.settle(p, fail('overloaded', `over ${this.ctx.limits.peerQueuedBytesMax} bytes queued for ${this.label}`));
    const correlationId = conn.nextCorrelationId();
    const frame = this.ctx.encoder.encode({ kind: FrameKind.request, type: p.kind.type, version, correlationId }, (w) => p.writeBody(w, version));
    const outcome = this.checkFrame(frame);
    if (outcome !== 'sent') return this.settle(p, fail(outcome, `${p.kind.name} request to ${this.label}: ${outcome}`));
    if (!conn.write(frame, true)) {
      this.waiting.push(p); // the connection just ended: wait for the next one
      return;
    }
    p.sentOn = conn;
    p.correlationId = correlationId;
    this.inFlight.set(correlationId, p);
    this.ctx.stats.requestsSent++;
    this.ctx.stats.bytesSent += frame.length;
  }

  private expire(p: PendingRequest, timeoutMs: number): void {
    if (p.sentOn === null) {
      this.waiting = this.waiting.filter((x) => x !== p);
      p.resolve(fail('unreachable', `no connection to ${this.label} within ${timeoutMs} ms`));
      return;
    }
    this.inFlight.delete(p.correlationId);
    p.resolve(fail('timeout', `no answer from ${this.label} within ${timeoutMs} ms`));
  }

  private settle(p: PendingRequest, r: RpcResult): void {
    p.cancelTimer();
    p.resolve(r);
  }

  /** Past the queue limit? (A frame is always taken into an empty queue.) */
  private overQueue(moreBytes: number): boolean {
    const queued = this.queuedBytes;
    return queued > 0 && queued + moreBytes > this.ctx.limits.peerQueuedBytesMax;
  }

  private checkFrame(frame: Uint8Array): 'sent' | 'too_large' | 'overloaded' {
    if (frame.length - FRAME_PREFIX_BYTES > this.ctx.limits.frameBytesMax) return 'too_large';
    if (this.overQueue(frame.length)) return 'overloaded';
    return 'sent';
  }
}

function fail(error: RpcError, message: string): RpcResult {
  return { ok: false, error, message };
}

/** A response frame's body: a status byte, then the answer (ok) or a message (failed). */
function responseResult(f: Frame, label: string): RpcResult {
  const r = new Reader(f.body);
  const status = r.int8();
  if (status === ResponseStatus.ok) return { ok: true, version: f.version, body: f.body.subarray(1) };
  if (status === ResponseStatus.overloaded) return fail('remote_overloaded', `${label} is serving as many requests as it may`);
  if (status === ResponseStatus.failed) return fail('remote_failed', `${label} failed to serve the request: ${r.compactString()}`);
  throw new DecodeError(`unknown response status ${status}`);
}
