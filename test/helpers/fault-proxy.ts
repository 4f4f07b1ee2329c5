// A fault-injecting TCP proxy between the nodes of a test cluster (loopback only), for the chaos
// tests: it cuts a node off (every link to and from it), cuts one direction of one link, delays
// a link, and heals.
//
// Design: one proxy listener in front of each node's RPC listener. The seed list (and each
// node's --advertise-rpc-addr) names the proxies, each node's --rpc-addr its real port, so
// every node-to-node connection goes through the proxy of the node dialed. A proxy in front of
// a listener sees who it is connected to but not who is connecting; it learns that from the
// first frame of the connection, the RPC hello, which names the dialer's node id (src/rpc
// frame.ts and handshake.ts, decoded with their codecs). So each byte of a connection belongs
// to a directed link: dialer -> dialed for what the dialer writes, dialed -> dialer for the
// answers, and a fault on a link applies to exactly those bytes, on connections already open
// and new ones alike.
//
// A cut DROPS bytes silently, as a partition does (no FIN, no RST: the nodes find out from
// their own timeouts, as they would in production). A connection that lost bytes carries
// nothing more in that direction (what follows a gap would be a torn frame), and is closed at
// heal, so the nodes redial cleanly; a connection whose hello arrives while its link is cut is
// black-holed the same way (never dialed through). Delayed bytes are HELD, in order, and
// released when due or at heal. Holding instead of dropping would model TCP retransmission
// across a short partition, but it hands a node a burst of stale messages at heal, which the
// RPC's own write-stall timeout already prevents in production; dropping is the fault the
// product must survive.

import type { Socket, TCPSocketListener } from 'bun';
import { FRAME_HEADER_BYTES, FRAME_PREFIX_BYTES, FrameKind } from '../../src/rpc/frame.ts';
import { decodeHello } from '../../src/rpc/handshake.ts';
import { claimPort } from './ports.ts';

/** Bytes waiting in one direction of one connection (slow reader or delay) before it is closed. */
export const PROXY_PENDING_BYTES_MAX = 64 * 1024 * 1024;
/** The hello frame at most (the RPC's helloFrameBytesMax): a longer first frame is not an RPC hello. */
export const PROXY_HELLO_BYTES_MAX = 64 * 1024;
/** Connections one proxy holds at once. */
export const PROXY_CONNECTIONS_MAX = 1_024;

const HOST = '127.0.0.1';
/** Listens before giving up on a port this process has not handed out (a repeat is rare). */
const LISTEN_ATTEMPTS_MAX = 10;

export interface LinkStats {
  /** Bytes delivered on the directed link `from>to`. */
  forwarded: number;
  /** Bytes dropped by a cut. */
  dropped: number;
}

export interface FaultProxyStats {
  readonly links: ReadonlyMap<string, LinkStats>;
  /** Connections closed at heal because they lost bytes or were black-holed. */
  readonly closedAtHeal: number;
  /** Connections whose first frame was not an RPC hello (closed). */
  readonly notRpc: number;
  /** Chunks held by a delay right now. */
  readonly held: number;
}

type Side = { socket: Socket<Conn> | null; pending: Uint8Array[]; pendingBytes: number };

/** One direction of a connection: bytes from `from` for `to`. */
class Direction {
  damaged = false;
  readonly held: { releaseAtMs: number; bytes: Uint8Array }[] = [];
  timer: ReturnType<typeof setTimeout> | null = null;
  constructor(readonly out: Side) {}
}

class Conn {
  dialer: number | null = null;
  helloBytes: Uint8Array[] = [];
  helloLength = 0;
  blackHoled = false;
  closed = false;
  readonly client: Side = { socket: null, pending: [], pendingBytes: 0 };
  readonly server: Side = { socket: null, pending: [], pendingBytes: 0 };
  readonly forward = new Direction(this.server); // dialer -> dialed
  readonly backward = new Direction(this.client); // dialed -> dialer
  constructor(readonly dialed: number) {}
}

const linkKey = (from: number, to: number) => `${from}>${to}`;

export class FaultProxy {
  private readonly listeners = new Map<number, { listener: TCPSocketListener<Conn>; upstreamPort: number }>();
  private readonly conns = new Set<Conn>();
  private readonly isolated = new Set<number>();
  private readonly cutLinks = new Set<string>();
  private readonly delays = new Map<string, number>();
  private readonly links = new Map<string, LinkStats>();
  private closedAtHeal = 0;
  private notRpc = 0;

  /** Puts a proxy in front of node `nodeId`'s RPC listener on `upstreamPort`; returns the proxy's port. */
  addNode(nodeId: number, upstreamPort: number): number {
    if (this.listeners.has(nodeId)) throw new Error(`fault proxy: node ${nodeId} already has a proxy`);
    // The kernel may name a port this process handed to a node that has not bound it yet: listen again.
    for (let attempt = 1; ; attempt++) {
      const listener = Bun.listen<Conn>({
        hostname: HOST,
        port: 0,
        socket: {
          open: (socket) => this.accepted(socket, nodeId),
          data: (socket, chunk) => this.fromClient(socket.data, new Uint8Array(chunk).slice()),
          drain: (socket) => flush(socket.data.client),
          close: (socket) => this.end(socket.data),
          error: (socket) => this.end(socket.data),
        },
      });
      if (!claimPort(listener.port)) {
        listener.stop(true);
        if (attempt >= LISTEN_ATTEMPTS_MAX) throw new Error(`fault proxy: the kernel named ports handed out already ${attempt} times`);
        continue;
      }
      this.listeners.set(nodeId, { listener, upstreamPort });
      return listener.port;
    }
  }

  /** Cuts `nodeId` off: every link to and from it, with every node, known or not. */
  isolate(nodeId: number): void {
    this.isolated.add(nodeId);
  }

  /** Cuts one direction: bytes from `from` to `to` are dropped; `to` -> `from` still flows. */
  cut(from: number, to: number): void {
    this.cutLinks.add(linkKey(from, to));
  }

  /** Holds bytes from `from` to `to` for `delayMs` (in order) before delivering them. */
  delay(from: number, to: number, delayMs: number): void {
    this.delays.set(linkKey(from, to), delayMs);
  }

  /** Ends every fault: held bytes are delivered now; connections that lost bytes are closed (nodes redial). */
  heal(): void {
    this.isolated.clear();
    this.cutLinks.clear();
    this.delays.clear();
    for (const c of [...this.conns]) {
      if (c.blackHoled || c.forward.damaged || c.backward.damaged) {
        this.closedAtHeal++;
        this.end(c);
        continue;
      }
      this.release(c, c.forward, true);
      this.release(c, c.backward, true);
    }
  }

  isCut(from: number, to: number): boolean {
    return this.isolated.has(from) || this.isolated.has(to) || this.cutLinks.has(linkKey(from, to));
  }

  stats(): FaultProxyStats {
    let held = 0;
    for (const c of this.conns) held += c.forward.held.length + c.backward.held.length;
    return { links: new Map(this.links), closedAtHeal: this.closedAtHeal, notRpc: this.notRpc, held };
  }

  close(): void {
    for (const c of [...this.conns]) this.end(c);
    for (const { listener } of this.listeners.values()) listener.stop(true);
    this.listeners.clear();
  }

  private accepted(socket: Socket<Conn>, nodeId: number): void {
    if (this.conns.size >= PROXY_CONNECTIONS_MAX) {
      socket.end();
      return;
    }
    const c = new Conn(nodeId);
    c.client.socket = socket;
    socket.data = c;
    this.conns.add(c);
  }

  private fromClient(c: Conn, chunk: Uint8Array): void {
    if (c.closed) return;
    if (c.dialer === null) {
      this.readHello(c, chunk);
      return;
    }
    this.carry(c, c.forward, c.dialer, c.dialed, chunk);
  }

  /** Gathers the first frame; once whole, names the dialer and dials the node behind us. */
  private readHello(c: Conn, chunk: Uint8Array): void {
    c.helloBytes.push(chunk);
    c.helloLength += chunk.length;
    const all = concat(c.helloBytes, c.helloLength);
    if (all.length < FRAME_PREFIX_BYTES) return;
    const frameBytes = FRAME_PREFIX_BYTES + new DataView(all.buffer, all.byteOffset).getUint32(0);
    if (frameBytes > PROXY_HELLO_BYTES_MAX || frameBytes < FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES) return this.rejectNotRpc(c);
    if (all.length < frameBytes) return;
    if (all[FRAME_PREFIX_BYTES] !== FrameKind.hello) return this.rejectNotRpc(c);
    let dialer: number;
    try {
      dialer = decodeHello(all.subarray(FRAME_PREFIX_BYTES + FRAME_HEADER_BYTES, frameBytes)).nodeId;
    } catch {
      return this.rejectNotRpc(c);
    }
    c.dialer = dialer;
    c.helloBytes = [];
    if (this.isCut(dialer, c.dialed)) {
      c.blackHoled = true; // as a SYN into a partition: the dialer's handshake times out
      this.countLink(dialer, c.dialed).dropped += all.length;
      return;
    }
    this.dialUpstream(c);
    this.carry(c, c.forward, dialer, c.dialed, all);
  }

  private dialUpstream(c: Conn): void {
    const upstream = this.listeners.get(c.dialed);
    if (upstream === undefined) return this.end(c);
    Bun.connect<Conn>({
      hostname: HOST,
      port: upstream.upstreamPort,
      data: c,
      socket: {
        open: (socket) => {
          if (c.closed) return void socket.end();
          c.server.socket = socket;
          flush(c.server);
        },
        data: (_socket, chunk) => this.carry(c, c.backward, c.dialed, c.dialer!, new Uint8Array(chunk).slice()),
        drain: () => flush(c.server),
        close: () => this.end(c),
        error: () => this.end(c),
      },
    }).catch(() => this.end(c)); // the node is down: the dialer sees its connection end, as a refused dial
  }

  /** Applies the link's faults to bytes from `from` to `to`. */
  private carry(c: Conn, d: Direction, from: number, to: number, chunk: Uint8Array): void {
    const link = this.countLink(from, to);
    if (d.damaged || c.blackHoled || this.isCut(from, to)) {
      d.damaged = d.damaged || !c.blackHoled;
      link.dropped += chunk.length;
      return;
    }
    const delayMs = this.delays.get(linkKey(from, to)) ?? 0;
    if (delayMs === 0 && d.held.length === 0) {
      link.forwarded += chunk.length;
      this.write(c, d.out, chunk);
      return;
    }
    const last = d.held[d.held.length - 1]?.releaseAtMs ?? 0;
    d.held.push({ releaseAtMs: Math.max(performance.now() + delayMs, last), bytes: chunk.slice() });
    this.release(c, d, false);
  }

  /** Delivers the held chunks that are due (all of them when `all`), then waits for the next. */
  private release(c: Conn, d: Direction, all: boolean): void {
    if (d.timer !== null) clearTimeout(d.timer);
    d.timer = null;
    const nowMs = performance.now();
    while (d.held.length > 0 && (all || d.held[0].releaseAtMs <= nowMs)) {
      const { bytes } = d.held.shift()!;
      const [from, to] = d === c.forward ? [c.dialer!, c.dialed] : [c.dialed, c.dialer!];
      if (this.isCut(from, to)) {
        d.damaged = true; // cut while held: lost, as bytes in flight across a partition
        this.countLink(from, to).dropped += bytes.length;
        continue;
      }
      this.countLink(from, to).forwarded += bytes.length;
      this.write(c, d.out, bytes);
    }
    if (d.held.length > 0 && !c.closed) d.timer = setTimeout(() => this.release(c, d, false), Math.max(1, d.held[0].releaseAtMs - nowMs));
  }

  private write(c: Conn, side: Side, bytes: Uint8Array): void {
    side.pending.push(bytes.slice());
    side.pendingBytes += bytes.length;
    if (side.pendingBytes > PROXY_PENDING_BYTES_MAX) return this.end(c);
    flush(side);
  }

  private rejectNotRpc(c: Conn): void {
    this.notRpc++;
    this.end(c);
  }

  private countLink(from: number, to: number): LinkStats {
    const key = linkKey(from, to);
    let s = this.links.get(key);
    if (s === undefined) this.links.set(key, (s = { forwarded: 0, dropped: 0 }));
    return s;
  }

  private end(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    this.conns.delete(c);
    for (const d of [c.forward, c.backward]) if (d.timer !== null) clearTimeout(d.timer);
    c.client.socket?.end();
    c.server.socket?.end();
  }
}

/** Writes what the socket takes; keeps the rest for its drain (Bun buffers nothing: BUN-NOTES). */
function flush(side: Side): void {
  const socket = side.socket;
  if (socket === null) return;
  while (side.pending.length > 0) {
    const head = side.pending[0];
    const n = socket.write(head);
    if (n < 0) return;
    side.pendingBytes -= Math.max(0, n);
    if (n < head.length) {
      side.pending[0] = head.subarray(n);
      return;
    }
    side.pending.shift();
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
