// A node's RPC endpoint: the listener on --rpc-addr, one outbound Peer per known node, the
// registry of message types and their handlers. It carries bytes for its users (Raft, the
// controller) and knows none of them: a user registers a MessageKind with a handler, and sends
// bodies it encodes itself, in the version the handshake agreed with that peer.
//
// Connections have one direction of traffic each, as etcd's rafthttp streams and Kafka's
// inter-broker channels do: a node sends messages and requests on the connection it dialed, and
// answers requests on the connection it accepted. So a pair of nodes holds two connections,
// each made and remade by the side that needs it, and neither side ever has to decide which of
// two crossing dials wins. Of several accepted connections from one node id, the newest wins
// (the older one is closed: left over from before the peer restarted).

import { assert } from '../base/assert.ts';
import { logger } from '../base/log.ts';
import { LogSummary } from '../base/log-summary.ts';
import type { HostPort, NetListener, NetSocket, Network, SocketEvents } from '../base/network.ts';
import type { Random } from '../base/random.ts';
import type { Scheduler } from '../base/scheduler.ts';
import { DecodeError, type Writer } from '../protocol/primitives.ts';
import { type CloseInfo, Connection, type ConnectionOwner } from './connection.ts';
import { type Frame, FrameEncoder, FrameKind, TYPE_MAX, VERSION_MAX } from './frame.ts';
import { FRAMING_VERSION, type Hello, KIND_NAME_BYTES_MAX, type MessageKind, NODE_ID_MAX, type Refusal, RefusalCode } from './handshake.ts';
import { RPC_LIMITS, type RpcLimits } from './limits.ts';
import { Peer, type PeerContext, type PeerState } from './peer.ts';
import { type BodyWriter, type MessageHandler, newStats, type NodeId, type RequestHandler, ResponseStatus, type RpcResult, type RpcStats, type SendOutcome } from './types.ts';

const log = logger('rpc');

export interface RpcEndpointOptions {
  readonly nodeId: NodeId;
  /** Connections from nodes presenting another cluster id are refused. */
  readonly clusterId: string;
  readonly network: Network;
  readonly scheduler: Scheduler;
  /** Draws the reconnect jitter. */
  readonly random: Random;
  readonly limits?: RpcLimits;
  /** Admission beyond the cluster check: a reason to refuse this node id, or null to accept. */
  readonly admit?: (nodeId: NodeId) => string | null;
  /** Where peer-caused events are logged (first of a kind at info, then counted); tests capture it. */
  readonly logSummary?: LogSummary;
}

type Handler = { readonly kind: MessageKind; readonly message?: MessageHandler; readonly request?: RequestHandler };

export class RpcEndpoint {
  readonly nodeId: NodeId;
  readonly limits: RpcLimits;
  readonly stats: RpcStats = newStats();
  private readonly handlers = new Map<number, Handler>();
  private readonly peers = new Map<NodeId, Peer>();
  private readonly inbound = new Set<Connection>();
  /** The newest handshaken inbound connection per node. */
  private readonly inboundByNode = new Map<NodeId, Connection>();
  /** Requests being served per inbound connection (servedRequestsMax). */
  private readonly serving = new Map<Connection, number>();
  private readonly summary: LogSummary;
  private readonly ownsSummary: boolean;
  private readonly encoder: FrameEncoder;
  private readonly ctx: PeerContext;
  private readonly inboundOwner: ConnectionOwner;
  private listener: NetListener | null = null;
  /** The hello is fixed once the first connection is made (registration closes). */
  private helloNow: Hello | null = null;
  private stopped = false;

  constructor(private readonly options: RpcEndpointOptions) {
    assert(Number.isInteger(options.nodeId) && options.nodeId >= 0 && options.nodeId <= NODE_ID_MAX, `rpc: bad node id ${options.nodeId}`);
    this.nodeId = options.nodeId;
    this.limits = options.limits ?? RPC_LIMITS;
    this.ownsSummary = options.logSummary === undefined;
    this.summary = options.logSummary ?? new LogSummary(options.scheduler);
    this.encoder = new FrameEncoder(this.limits.scratchBytesKeep);
    const self = this;
    this.ctx = {
      network: options.network,
      scheduler: options.scheduler,
      random: options.random,
      limits: this.limits,
      get hello() {
        return self.hello;
      },
      encoder: this.encoder,
      stats: this.stats,
      connected: (peer) => this.summary.event(`rpc: connected to node ${peer.nodeId}`, peer.label),
      connectFailed: (peer, detail) => this.summary.event(`rpc: cannot connect to node ${peer.nodeId}`, `${peer.label}: ${detail}`),
      closed: (conn, info) => this.noteClosed(conn, info),
    };
    this.inboundOwner = {
      admit: (_conn, peer) => this.admitInbound(peer),
      ready: (conn) => this.inboundReady(conn),
      frame: (conn, f) => this.inboundFrame(conn, f),
      closed: (conn, info) => this.inboundClosed(conn, info),
    };
  }

  /** Speaks `kind` and delivers its one-way messages to `handler`. Before listen/setPeer. */
  onMessage(kind: MessageKind, handler: MessageHandler): void {
    this.register({ kind, message: handler });
  }

  /** Speaks `kind` and serves its requests with `handler`. Before listen/setPeer. */
  onRequest(kind: MessageKind, handler: RequestHandler): void {
    this.register({ kind, request: handler });
  }

  /** Accepts peers on `address` (port 0: any free port); throws NetError (EADDRINUSE, ...). */
  listen(address: HostPort): HostPort {
    assert(this.listener === null && !this.stopped, 'rpc: listen once, before stop');
    this.listener = this.options.network.listen(address, (socket) => this.accept(socket));
    return this.listener.address;
  }

  /** Knows node `nodeId` at `address` (connecting now), or at a new address. */
  setPeer(nodeId: NodeId, address: HostPort): void {
    assert(!this.stopped, 'rpc: setPeer after stop');
    assert(nodeId !== this.nodeId, `rpc: node ${nodeId} is this node`);
    const peer = this.peers.get(nodeId);
    if (peer === undefined) this.peers.set(nodeId, new Peer(nodeId, address, this.ctx));
    else if (peer.address.host !== address.host || peer.address.port !== address.port) peer.moveTo(address);
  }

  /** Forgets a node: its connection closes, its waiting requests fail as `stopped`. */
  removePeer(nodeId: NodeId): void {
    this.peers.get(nodeId)?.stop();
    this.peers.delete(nodeId);
  }

  /**
   * Sends a one-way message: never blocks, never throws; anything but `sent` means it was
   * dropped, and it is counted in `stats.dropped`.
   */
  send(to: NodeId, kind: MessageKind, writeBody: BodyWriter, bodyBytesHint = 0): SendOutcome {
    this.assertRegistered(kind);
    const peer = this.peers.get(to);
    const outcome = peer === undefined ? 'unknown_peer' : peer.send(kind, writeBody, bodyBytesHint);
    if (outcome !== 'sent') this.stats.dropped[outcome]++;
    return outcome;
  }

  /** Sends a request and resolves with the answer or why there is none (never rejects). */
  request(to: NodeId, kind: MessageKind, writeBody: BodyWriter, timeoutMs = this.limits.requestTimeoutMs): Promise<RpcResult> {
    this.assertRegistered(kind);
    const peer = this.peers.get(to);
    if (peer === undefined) return Promise.resolve({ ok: false, error: 'unknown_peer', message: `no address is known for node ${to}` });
    return peer.request(kind, writeBody, timeoutMs);
  }

  /** The version of `kind` agreed with `to`, or null when there is no connection or it does not speak it. */
  versionFor(to: NodeId, kind: MessageKind): number | null {
    return this.peers.get(to)?.versionOf(kind) ?? null;
  }

  peerState(to: NodeId): { state: PeerState; queuedBytes: number } | null {
    const p = this.peers.get(to);
    return p === undefined ? null : { state: p.state, queuedBytes: p.queuedBytes };
  }

  /** Accepted connections held now (handshaken or not). */
  get inboundCount(): number {
    return this.inbound.size;
  }

  /** Closes the listener and every connection; waiting requests fail as `stopped`. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.listener?.stop(true);
    for (const p of this.peers.values()) p.stop();
    this.peers.clear();
    for (const c of [...this.inbound]) c.close('local', 'stopped');
    if (this.ownsSummary) this.summary.stop();
  }

  // ---- registration ----

  private register(h: Handler): void {
    const { type, name, versions } = h.kind;
    assert(this.helloNow === null, `rpc: ${name} registered after the first connection (the hello lists every type)`);
    assert(Number.isInteger(type) && type >= 1 && type <= TYPE_MAX, `rpc: type ${type} of ${name} out of range`);
    assert(versions.min >= 0 && versions.min <= versions.max && versions.max <= VERSION_MAX, `rpc: bad versions of ${name}`);
    assert(name.length > 0 && name.length <= KIND_NAME_BYTES_MAX, `rpc: bad name ${name}`);
    assert(!this.handlers.has(type), `rpc: type ${type} registered twice (${name})`);
    this.handlers.set(type, h);
  }

  private assertRegistered(kind: MessageKind): void {
    assert(this.handlers.get(kind.type)?.kind === kind, `rpc: ${kind.name} is not registered`);
  }

  private get hello(): Hello {
    this.helloNow ??= {
      framing: FRAMING_VERSION,
      nodeId: this.nodeId,
      clusterId: this.options.clusterId,
      kinds: [...this.handlers.values()].map((h) => h.kind),
    };
    return this.helloNow;
  }

  // ---- inbound ----

  private accept(socket: NetSocket): SocketEvents | null {
    if (this.stopped) return null;
    if (this.inbound.size >= this.limits.inboundConnectionsMax) {
      this.summary.event('rpc: connection refused: too many', `${socket.remoteAddress}: ${this.inbound.size} connections held (inboundConnectionsMax)`);
      return null;
    }
    const conn = new Connection('acceptor', `${socket.remoteAddress} (inbound)`, this.hello, this.inboundOwner, this.options.scheduler, this.limits);
    this.inbound.add(conn);
    this.stats.accepted++;
    conn.attach(socket);
    return conn.events;
  }

  private admitInbound(peer: Hello): Refusal | null {
    const reason = this.options.admit?.(peer.nodeId) ?? null;
    return reason === null ? null : { code: RefusalCode.not_admitted, message: reason };
  }

  private inboundReady(conn: Connection): void {
    const from = conn.peer!.nodeId;
    conn.label = `node ${from} (inbound from ${conn.label.replace(' (inbound)', '')})`;
    const older = this.inboundByNode.get(from);
    this.inboundByNode.set(from, conn);
    older?.close('local', `replaced by a newer connection from node ${from}`);
  }

  private inboundFrame(conn: Connection, f: Frame): void {
    const h = this.handlers.get(f.type);
    const from = conn.peer!.nodeId;
    if (h === undefined) throw new DecodeError(`node ${from} sent type ${f.type}, which this node does not speak`);
    if (f.version !== conn.versions.get(f.type)) throw new DecodeError(`node ${from} sent ${h.kind.name} v${f.version}, agreed v${conn.versions.get(f.type)}`);
    this.stats.bytesReceived += f.body.length;
    if (f.kind === FrameKind.message && h.message !== undefined) {
      this.stats.messagesReceived++;
      h.message(from, f.version, f.body);
    } else if (f.kind === FrameKind.request && h.request !== undefined) {
      this.serve(conn, h, f, from);
    } else {
      throw new DecodeError(`node ${from} sent ${h.kind.name} as frame kind ${f.kind}`);
    }
  }

  private serve(conn: Connection, h: Handler, f: Frame, from: NodeId): void {
    const busy = this.serving.get(conn) ?? 0;
    if (busy >= this.limits.servedRequestsMax) {
      this.respond(conn, f, ResponseStatus.overloaded, (w) => w);
      return;
    }
    this.serving.set(conn, busy + 1);
    const done = (): void => {
      const n = (this.serving.get(conn) ?? 1) - 1;
      if (n === 0 || conn.isClosed) this.serving.delete(conn);
      else this.serving.set(conn, n);
    };
    new Promise<Uint8Array>((resolve) => resolve(h.request!(from, f.version, f.body))).then(
      (answer) => {
        done();
        this.stats.requestsServed++;
        this.respond(conn, f, ResponseStatus.ok, (w) => w.raw(answer));
      },
      (e: unknown) => {
        done();
        const detail = e instanceof Error ? e.message : String(e);
        log.warn(`rpc: ${h.kind.name} from node ${from} failed: ${e instanceof Error ? (e.stack ?? detail) : detail}`);
        this.respond(conn, f, ResponseStatus.failed, (w) => w.compactString(detail.slice(0, 1000)));
      },
    );
  }

  private respond(conn: Connection, f: Frame, status: number, writeRest: (w: Writer) => void): void {
    if (conn.isClosed) return;
    const frame = this.encoder.encode({ kind: FrameKind.response, type: f.type, version: f.version, correlationId: f.correlationId }, (w) => {
      w.int8(status);
      writeRest(w);
    });
    if (frame.length - 4 > this.limits.frameBytesMax) {
      log.error(`rpc: answer to ${this.handlers.get(f.type)?.kind.name} of ${frame.length} bytes exceeds frameBytesMax; answering failed`);
      this.respond(conn, f, ResponseStatus.failed, (w) => w.compactString('answer too large'));
      return;
    }
    if (conn.write(frame, true)) this.stats.bytesSent += frame.length;
  }

  private inboundClosed(conn: Connection, info: CloseInfo): void {
    this.inbound.delete(conn);
    this.serving.delete(conn);
    const from = conn.peer?.nodeId;
    if (from !== undefined && this.inboundByNode.get(from) === conn) this.inboundByNode.delete(from);
    this.noteClosed(conn, info);
  }

  /** Logs and counts how a connection ended; peers cause these, so through the summary. */
  private noteClosed(conn: Connection, info: CloseInfo): void {
    switch (info.cause) {
      case 'bad_input':
        this.stats.badInput++;
        this.summary.event('rpc: connection closed for bad input', `${conn.label}: ${info.detail}`);
        break;
      case 'refused':
        this.stats.refused++;
        this.summary.event('rpc: handshake failed', `${conn.label}: ${info.detail}`);
        break;
      case 'stall':
        this.stats.stalls++;
        this.summary.event('rpc: connection closed: peer not reading', `${conn.label}: ${info.detail}`);
        break;
      case 'handshake_timeout':
        this.summary.event('rpc: connection closed: no handshake', `${conn.label}: ${info.detail}`);
        break;
      case 'internal':
        this.stats.internalErrors++;
        log.error(`rpc: ${conn.label}: ${info.detail}`);
        break;
      case 'peer_closed':
        if (conn.peer !== null) this.summary.event('rpc: connection lost', `${conn.label}: ${info.detail}`);
        break;
      case 'local':
        break;
    }
  }
}
