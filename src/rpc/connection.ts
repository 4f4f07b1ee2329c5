// One node-to-node connection: framing, the handshake, the send queue and the stall check.
// It knows frames, not what they carry: once the handshake is done, every frame goes to its
// owner (the endpoint for connections it accepted, a Peer for the one it dialed).
//
// Roles: the dialer sends a hello at once; the acceptor's first frame must be a hello, and it
// answers a welcome or a refusal (then closes). Each side gives the other handshakeTimeoutMs.
// Before the handshake a frame may be at most helloFrameBytesMax long, so a stranger cannot
// make us hold more than that. Every socket callback runs guarded: bad input from a peer (any
// DecodeError) closes this connection with cause 'bad_input', and nothing ever throws out of
// the event loop.

import { logger } from '../base/log.ts';
import type { NetSocket, SocketEvents } from '../base/network.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';
import { DecodeError } from '../protocol/primitives.ts';
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from './frame.ts';
import { agree, decodeHello, decodeRefusal, encodeHello, encodeRefusal, FRAMING_VERSION, type Hello, type Refusal, refusalCodeName } from './handshake.ts';
import type { RpcLimits } from './limits.ts';
import { SendQueue } from './send-queue.ts';

const log = logger('rpc');

export type CloseCause =
  /** The peer broke the protocol: garbage, a bad length, a frame it may not send. */
  | 'bad_input'
  /** The handshake failed: refused by us or by the peer. */
  | 'refused'
  /** No completed handshake within handshakeTimeoutMs. */
  | 'handshake_timeout'
  /** Bytes queued and none taken for writeStallTimeoutMs. */
  | 'stall'
  /** The network closed it: the peer ended it, a reset, a crash. */
  | 'peer_closed'
  /** We closed it (stop, peer removed or moved, replaced by a newer connection). */
  | 'local'
  /** A bug of ours surfaced while handling it (logged as an error). */
  | 'internal';

export interface CloseInfo {
  readonly cause: CloseCause;
  readonly detail: string;
}

export interface ConnectionOwner {
  /** After the versions agree: refuse this peer (admission, or the dialer's identity check). */
  admit(conn: Connection, peer: Hello): Refusal | null;
  ready(conn: Connection): void;
  /** A message, request or response frame, after the handshake. Throwing closes the connection. */
  frame(conn: Connection, frame: Frame): void;
  /** Once, whoever closed it. */
  closed(conn: Connection, info: CloseInfo): void;
}

type State = 'handshaking' | 'ready' | 'closed';

export class Connection {
  private state: State = 'handshaking';
  private readonly decoder: FrameDecoder;
  /** Made when the socket is attached. */
  private queue: SendQueue | null = null;
  private socket: NetSocket | null = null;
  private handshakeTimer: Cancel | null = null;
  private stallTimer: Cancel | null = null;
  private stallMark = 0;
  private correlationId = 0;
  /** The peer's hello (or welcome), once agreed. */
  peer: Hello | null = null;
  /** The version agreed per message type, once ready. */
  versions: ReadonlyMap<number, number> = new Map();
  /** Bytes received, for stats. */
  bytesReceived = 0;
  framesReceived = 0;

  /** The events to give the Network for this socket. */
  readonly events: SocketEvents = {
    data: (bytes) => this.guard(() => this.onData(bytes)),
    drain: () => this.guard(() => this.onDrain()),
    close: () => this.guard(() => this.close('peer_closed', 'the connection closed')),
    error: (err) => this.guard(() => this.close('peer_closed', `socket error: ${err.message}`)),
  };

  constructor(
    readonly role: 'dialer' | 'acceptor',
    /** For logs: "node 2 at 10.0.0.2:33145", "10.0.0.7 (inbound)". */
    public label: string,
    private readonly ours: Hello,
    private readonly owner: ConnectionOwner,
    private readonly scheduler: Scheduler,
    private readonly limits: RpcLimits,
  ) {
    this.decoder = new FrameDecoder(limits.helloFrameBytesMax);
  }

  /** Attaches the socket (once it exists), sends the hello if we dialed, arms the handshake timer. */
  attach(socket: NetSocket): void {
    this.socket = socket;
    this.queue = new SendQueue(socket);
    this.handshakeTimer = this.scheduler.after(this.limits.handshakeTimeoutMs, () =>
      this.guard(() => this.close('handshake_timeout', `no handshake within ${this.limits.handshakeTimeoutMs} ms`)),
    );
    if (this.role === 'dialer') {
      this.write(encodeFrame({ kind: FrameKind.hello, type: 0, version: FRAMING_VERSION.max, correlationId: 0 }, encodeHello(this.ours)), false);
    }
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get queuedBytes(): number {
    return this.queue?.queuedBytes ?? 0;
  }

  /** A fresh correlation id for a request on this connection (wraps after 2^32). */
  nextCorrelationId(): number {
    this.correlationId = (this.correlationId + 1) >>> 0;
    return this.correlationId;
  }

  /** Queues one encoded frame; false if the connection is gone. `borrowed`: copy what is kept. */
  write(frame: Uint8Array, borrowed: boolean): boolean {
    if (this.state === 'closed' || this.queue === null) return false;
    if (!this.queue.write(frame, borrowed)) {
      this.close('peer_closed', 'the connection ended while writing');
      return false;
    }
    this.watchStall();
    return true;
  }

  /** Ends the connection (bytes already queued to the network still go), telling the owner once. */
  close(cause: CloseCause, detail: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handshakeTimer?.();
    this.stallTimer?.();
    this.handshakeTimer = this.stallTimer = null;
    this.socket?.end();
    this.owner.closed(this, { cause, detail });
  }

  // ---- events ----

  private onData(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    this.bytesReceived += bytes.length;
    for (const frame of this.decoder.push(bytes)) {
      if (this.isClosed) return; // a frame before this one closed it
      this.framesReceived++;
      if (this.state === 'handshaking') this.handshake(frame);
      else if (frame.kind === FrameKind.hello || frame.kind === FrameKind.welcome || frame.kind === FrameKind.refusal) {
        throw new DecodeError(`handshake frame (kind ${frame.kind}) after the handshake`);
      } else this.owner.frame(this, frame);
    }
  }

  private onDrain(): void {
    if (this.state === 'closed' || this.queue === null) return;
    if (!this.queue.flush()) this.close('peer_closed', 'the connection ended while writing');
    else this.watchStall();
  }

  private handshake(frame: Frame): void {
    const expected = this.role === 'acceptor' ? FrameKind.hello : FrameKind.welcome;
    if (this.role === 'dialer' && frame.kind === FrameKind.refusal) {
      const r = decodeRefusal(frame.body);
      this.close('refused', `refused by the peer (${refusalCodeName(r.code)}): ${r.message}`);
      return;
    }
    if (frame.kind !== expected) throw new DecodeError(`expected a ${this.role === 'acceptor' ? 'hello' : 'welcome'} first, got frame kind ${frame.kind}`);
    const peer = decodeHello(frame.body);
    const agreement = agree(this.ours, peer);
    const refusal = agreement.ok ? this.owner.admit(this, peer) : agreement.refusal;
    if (refusal !== null) {
      if (this.role === 'acceptor') this.write(encodeFrame({ kind: FrameKind.refusal, type: 0, version: FRAMING_VERSION.max, correlationId: 0 }, encodeRefusal(refusal)), false);
      this.close('refused', `refused node ${peer.nodeId} (${refusalCodeName(refusal.code)}): ${refusal.message}`);
      return;
    }
    assertAgreed(agreement);
    if (this.role === 'acceptor') {
      this.write(encodeFrame({ kind: FrameKind.welcome, type: 0, version: agreement.framingVersion, correlationId: 0 }, encodeHello(this.ours)), false);
    }
    this.peer = peer;
    this.versions = agreement.versions;
    this.state = 'ready';
    this.decoder.frameBytesMax = this.limits.frameBytesMax;
    this.handshakeTimer?.();
    this.handshakeTimer = null;
    this.owner.ready(this);
  }

  /** Closes a connection whose queued bytes have not moved for writeStallTimeoutMs. */
  private watchStall(): void {
    const q = this.queue;
    if (q === null || this.stallTimer !== null || q.queuedBytes === 0 || this.state === 'closed') return;
    this.stallMark = q.written;
    this.stallTimer = this.scheduler.after(this.limits.writeStallTimeoutMs, () =>
      this.guard(() => {
        this.stallTimer = null;
        if (q.queuedBytes === 0) return;
        if (q.written === this.stallMark) {
          this.close('stall', `${q.queuedBytes} bytes queued and none taken for ${this.limits.writeStallTimeoutMs} ms`);
        } else this.watchStall();
      }),
    );
  }

  /** Runs a callback of the event loop: nothing it throws leaves this connection. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
      if (this.state === 'closed') log.error(`rpc: ${this.label}: after close: ${detail}`);
      else if (e instanceof DecodeError) this.close('bad_input', e.message);
      else this.close('internal', detail);
    }
  }
}

function assertAgreed(a: ReturnType<typeof agree>): asserts a is Extract<ReturnType<typeof agree>, { ok: true }> {
  if (!a.ok) throw new Error('rpc: handshake refused yet continued');
}
