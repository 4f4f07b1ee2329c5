// The simulated network: the Network contract (base/network.ts) in memory, for one process that
// runs many nodes and clients from one seed. Every delivery is a timer on the simulation's
// Scheduler and every chance is drawn from its Random, so the same seed replays the same bytes
// in the same chunks at the same simulated times.
//
// Model (TCP as the node sees it):
// - a connection is two directions, each a FIFO of chunks with a delivery time: a write's bytes
//   arrive after a latency drawn from `latencyMs`, never before the chunks written before them,
//   cut into up to `splitPiecesMax` pieces at random places (framing must cope);
// - each direction holds at most `sendBufferBytes` undelivered: past it write() takes part or
//   nothing and drain fires once delivery brings it to half the buffer; a paused receiver holds its direction, so
//   backpressure reaches the sender as with real sockets;
// - faults: a cut link holds its bytes (and new connects) until heal(), as TCP retransmits
//   through a partition; cuts are per direction, so a partition can be asymmetric. A dropped
//   write (`dropChance`) is a loss TCP could not recover: the connection is reset once the bytes
//   before it are delivered. disconnect(host) resets every connection of a host (a crash, a
//   kill, a cable pulled).

import { assert } from '../base/assert.ts';
import type { Clock } from '../base/clock.ts';
import { type HostPort, NetError, type NetListener, type NetSocket, type Network, type SocketEvents } from '../base/network.ts';
import type { Random } from '../base/random.ts';
import type { Cancel, Scheduler } from '../base/scheduler.ts';

export interface SimNetworkOptions {
  /** One-way latency of a write, drawn uniformly in [min, max] ms. */
  latencyMs?: { min: number; max: number };
  /** A write is delivered in 1 to this many data events. */
  splitPiecesMax?: number;
  /** Undelivered bytes per direction before write() is partial (the socket buffers). */
  sendBufferBytes?: number;
}

/** Ports handed out for port 0, per host (Linux's default ephemeral range starts here). */
const EPHEMERAL_PORT_FIRST = 32768;

type Chunk = { kind: 'data'; bytes: Uint8Array; dueMs: number } | { kind: 'fin' | 'reset'; dueMs: number };

/** One direction of a connection: chunks on their way from `from` to `to`. */
class Direction {
  readonly queue: Chunk[] = [];
  inFlightBytes = 0;
  lastDueMs = 0;
  pumping: Cancel | null = null;
  constructor(
    readonly from: SimSocket,
    readonly to: SimSocket,
  ) {}
}

class SimSocket implements NetSocket {
  events: SocketEvents | null = null;
  peer!: SimSocket;
  /** This end's outgoing direction. */
  out!: Direction;
  paused = false;
  /** end() was called or the connection was reset: nothing more is written. */
  ended = false;
  closed = false;
  wantsDrain = false;
  private idleSeconds = 0;
  private idleTimer: Cancel | null = null;

  constructor(
    private readonly net: SimNetwork,
    readonly localHost: string,
    readonly remoteAddress: string,
  ) {}

  write(bytes: Uint8Array): number {
    if (this.ended || this.closed) return -1;
    const room = this.net.sendBufferBytes - this.out.inFlightBytes;
    const n = Math.max(0, Math.min(bytes.length, room));
    if (n < bytes.length) this.wantsDrain = true;
    // Copied: the caller may reuse its buffer once write() returns (pooled read buffers are).
    if (n > 0) this.net.send(this.out, bytes.slice(0, n));
    return n;
  }
  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.net.enqueue(this.out, { kind: 'fin', dueMs: this.net.dueMs(this.out) });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.net.pump(this.peer.out);
  }
  timeout(seconds: number): void {
    this.idleSeconds = seconds;
    this.rearmIdle();
  }

  rearmIdle(): void {
    this.idleTimer?.();
    this.idleTimer = null;
    if (this.idleSeconds <= 0 || this.closed) return;
    this.idleTimer = this.net.scheduler.after(this.idleSeconds * 1000, () => {
      this.idleTimer = null;
      if (!this.closed) this.events?.timeout?.();
    });
  }

  /** Delivers the close event once. */
  closeNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    this.idleTimer?.();
    this.idleTimer = null;
    this.events?.close();
  }
}

interface Listening {
  readonly accept: (socket: NetSocket) => SocketEvents | null;
  readonly accepted: Set<SimSocket>;
}

export class SimNetwork {
  /** Fault knob: one-way latency range of each write. */
  latencyMs: { min: number; max: number };
  /** Fault knob: chance that a write is lost, which resets its connection. */
  dropChance = 0;
  readonly splitPiecesMax: number;
  readonly sendBufferBytes: number;
  /** Counters for tests and reports. */
  readonly stats = { bytesDelivered: 0, connections: 0, resets: 0 };

  private readonly listeners = new Map<string, Listening>();
  private readonly nextPort = new Map<string, number>();
  /** Cut links, "from>to". */
  private readonly cuts = new Set<string>();
  /** Every open connection's two ends (client end first). */
  private readonly open = new Set<SimSocket>();
  /** Connects waiting for a cut link to heal. */
  private held: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    readonly scheduler: Scheduler,
    private readonly random: Random,
    options: SimNetworkOptions = {},
  ) {
    this.latencyMs = options.latencyMs ?? { min: 0, max: 2 };
    this.splitPiecesMax = options.splitPiecesMax ?? 3;
    this.sendBufferBytes = options.sendBufferBytes ?? 1024 * 1024;
    assert(this.splitPiecesMax >= 1 && this.sendBufferBytes >= 1, 'sim network: bad options');
  }

  /** The network as the host `name` sees it (its listeners bind there, its connects come from there). */
  host(name: string): Network {
    return {
      resolve: async (host) => host,
      listen: (address, accept) => this.listen(name, address, accept),
      connect: (address, events) => this.connect(name, address, events),
    };
  }

  // ---- fault knobs ----

  /** Cuts every link between the two groups, both ways. */
  partition(groupA: readonly string[], groupB: readonly string[]): void {
    for (const a of groupA) {
      for (const b of groupB) {
        this.cut(a, b);
        this.cut(b, a);
      }
    }
  }

  /** Cuts one direction: bytes from `from` to `to` wait (an asymmetric partition). */
  cut(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  /** Restores every link; held bytes and connects proceed. */
  heal(): void {
    this.cuts.clear();
    for (const s of this.open) this.pump(s.out);
    const held = this.held;
    this.held = [];
    for (const retry of held) retry();
  }

  /** Resets every connection with an end on `host`. */
  disconnect(host: string): void {
    for (const s of [...this.open]) if (s.localHost === host) this.reset(s);
  }

  /**
   * The process on `host` died: its listeners are gone and its connections reset. Its own ends
   * hear nothing more (a dead process runs no callbacks); the peers see the close.
   */
  crash(host: string): void {
    for (const [key, l] of [...this.listeners]) {
      if (key.startsWith(`${host}:`)) this.listeners.delete(key);
      for (const s of l.accepted) if (s.localHost === host) s.events = null;
    }
    for (const s of [...this.open]) {
      if (s.localHost !== host) continue;
      s.events = null;
      this.reset(s);
    }
  }

  isCut(from: string, to: string): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.open.size / 2;
  }

  // ---- the contract ----

  private listen(hostName: string, address: HostPort, accept: Listening['accept']): NetListener {
    const wildcard = address.host === '0.0.0.0' || address.host === '::';
    if (!wildcard && address.host !== hostName) {
      throw new NetError('EADDRNOTAVAIL', `listen EADDRNOTAVAIL: ${address.host} is not an address of simulated host ${hostName}`);
    }
    const port = address.port === 0 ? this.ephemeralPort(hostName) : address.port;
    const key = `${hostName}:${port}`;
    if (this.listeners.has(key)) throw new NetError('EADDRINUSE', `listen EADDRINUSE: address already in use ${key}`);
    const listening: Listening = { accept, accepted: new Set() };
    this.listeners.set(key, listening);
    return {
      address: { host: hostName, port },
      stop: (closeActive) => {
        if (this.listeners.get(key) === listening) this.listeners.delete(key);
        if (closeActive) for (const s of [...listening.accepted]) this.reset(s);
      },
    };
  }

  private connect(fromHost: string, address: HostPort, events: SocketEvents): Promise<NetSocket> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        if (this.isCut(fromHost, address.host) || this.isCut(address.host, fromHost)) {
          this.held.push(attempt); // the handshake cannot complete until the link heals
          return;
        }
        const listening = this.listeners.get(`${address.host}:${address.port}`);
        if (listening === undefined) {
          reject(new NetError('ECONNREFUSED', `connect ECONNREFUSED ${address.host}:${address.port}`));
          return;
        }
        const client = new SimSocket(this, fromHost, address.host);
        const server = new SimSocket(this, address.host, fromHost);
        this.join(client, server);
        client.events = events;
        this.stats.connections++;
        server.events = listening.accept(server);
        if (server.events === null) server.end();
        else listening.accepted.add(server);
        resolve(client);
      };
      this.scheduler.after(this.latency(), attempt);
    });
  }

  // ---- delivery ----

  send(d: Direction, bytes: Uint8Array): void {
    const dueMs = this.dueMs(d);
    if (this.dropChance > 0 && this.random.next() < this.dropChance) {
      // Lost: TCP would stall, then give up; what was sent before still arrives.
      this.enqueue(d, { kind: 'reset', dueMs });
      return;
    }
    d.inFlightBytes += bytes.length;
    const pieces = this.splitPiecesMax > 1 ? 1 + Math.floor(this.random.next() * this.splitPiecesMax) : 1;
    const cuts = new Set<number>();
    for (let i = 1; i < pieces && bytes.length > 1; i++) cuts.add(1 + Math.floor(this.random.next() * (bytes.length - 1)));
    let at = 0;
    for (const end of [...cuts].sort((a, b) => a - b)) {
      this.enqueue(d, { kind: 'data', bytes: bytes.subarray(at, end), dueMs });
      at = end;
    }
    this.enqueue(d, { kind: 'data', bytes: bytes.subarray(at), dueMs });
  }

  /** When a chunk written now arrives: after a latency, and never before earlier chunks. */
  dueMs(d: Direction): number {
    d.lastDueMs = Math.max(d.lastDueMs, this.clock.monotonicMs() + this.latency());
    return d.lastDueMs;
  }

  enqueue(d: Direction, chunk: Chunk): void {
    d.queue.push(chunk);
    this.pump(d);
  }

  /** Schedules the delivery of the head chunk, unless the link is cut or the receiver paused. */
  pump(d: Direction): void {
    if (d.pumping !== null) return;
    const head = d.queue[0];
    if (head === undefined || this.blocked(d, head)) return;
    d.pumping = this.scheduler.after(Math.max(0, head.dueMs - this.clock.monotonicMs()), () => {
      d.pumping = null;
      this.deliver(d);
    });
  }

  private blocked(d: Direction, head: Chunk): boolean {
    return this.isCut(d.from.localHost, d.to.localHost) || (head.kind === 'data' && d.to.paused);
  }

  private deliver(d: Direction): void {
    const head = d.queue[0];
    if (head === undefined || this.blocked(d, head)) return; // pumped again by heal() or resume()
    d.queue.shift();
    if (head.kind !== 'data') {
      // A FIN: Kafka connections close whole, so the peer sees the close and so does the closer.
      if (head.kind === 'fin') this.close(d.from);
      else this.reset(d.from);
      return;
    }
    d.inFlightBytes -= head.bytes.length;
    this.stats.bytesDelivered += head.bytes.length;
    if (!d.to.closed) {
      d.to.rearmIdle();
      d.to.events?.data(head.bytes);
    }
    // As the kernel does (sk_stream_write_space: writable again below half the send buffer):
    // drain on the first free byte made a sender on a full link write ever smaller pieces.
    if (d.from.wantsDrain && !d.from.closed && d.inFlightBytes <= this.sendBufferBytes / 2) {
      d.from.wantsDrain = false;
      d.from.events?.drain();
    }
    this.pump(d);
  }

  // ---- connection lifecycle ----

  private join(client: SimSocket, server: SimSocket): void {
    client.peer = server;
    server.peer = client;
    client.out = new Direction(client, server);
    server.out = new Direction(server, client);
    this.open.add(client);
    this.open.add(server);
  }

  /** Both ends close after what was queued before: a FIN reached its peer. */
  private close(end: SimSocket): void {
    this.forget(end);
    end.peer.closeNow();
    end.closeNow();
  }

  /** Both ends close now; bytes on their way are lost. */
  private reset(end: SimSocket): void {
    if (!this.open.has(end)) return;
    this.stats.resets++;
    this.forget(end);
    end.closeNow();
    end.peer.closeNow();
  }

  private forget(end: SimSocket): void {
    for (const s of [end, end.peer]) {
      this.open.delete(s);
      s.out.pumping?.();
      s.out.pumping = null;
      s.out.queue.length = 0;
      s.out.inFlightBytes = 0;
      for (const l of this.listeners.values()) l.accepted.delete(s);
    }
  }

  private ephemeralPort(hostName: string): number {
    const port = this.nextPort.get(hostName) ?? EPHEMERAL_PORT_FIRST;
    this.nextPort.set(hostName, port + 1);
    return port;
  }

  private latency(): number {
    const { min, max } = this.latencyMs;
    return min + Math.floor(this.random.next() * (max - min + 1));
  }
}
