// The node-wide budget for request bytes held in memory: Kafka's queued.max.request.bytes
// (KIP-72, SocketServer's MemoryPool). Without it, eight connections each sending most of a
// 99 MiB frame held 555 MB.
//
// What counts: bytes read from sockets and not yet released, i.e. partial frames, complete
// frames waiting to be dispatched, and dispatched frames whose answer is not ready yet (a
// handler may hold views into its request frame until it answers). Bytes are counted as they
// arrive, never from a declared frame size: a peer that announces 100 MiB and sends 4 bytes
// holds 4 bytes of the budget, so no one can take the budget with a few headers.
//
// When the budget is spent, a connection that holds more than REQUEST_BYTES_FLOOR stops being
// read (socket.pause) and queues here; when bytes are released and the budget has room again,
// every queued connection resumes, in the order it queued, and is paused again if its next
// read overdraws. The floor lets every connection keep reading small requests (Metadata,
// heartbeats, small produces), so a node whose budget is held by a few large partial frames
// still serves well-behaved clients. The bound this gives: the budget, plus per open
// connection the floor and one socket read (Bun reads at most 512 KiB per data callback).
// max.connections and max.connections.per.ip bound the connections.
//
// Kafka refuses a pool smaller than one request (SimpleMemoryPool's constructor); the config
// check does the same (node-config.ts), so a request of socket.request.max.bytes can always be
// read when nothing else is held.

import { assert } from '../base/assert.ts';

/** Bytes a connection may hold whatever the budget says: room for any ordinary small request. */
export const REQUEST_BYTES_FLOOR = 64 * 1024;

/** Unread input thrown away by closing connections after which the garbage is collected at
 *  once. JSC returns large buffers to the system only on a full collection, which an idle node
 *  may not run for a long time: without this, memory held by partial frames stays resident
 *  after their senders leave. */
export const DROPPED_BYTES_COLLECT_MIN = 32 * 1024 * 1024;
/** At most one such collection per interval (each is a stop-the-world pause of some ms). */
export const COLLECT_INTERVAL_MIN_MS = 10_000;

export interface Collector {
  /** A full, synchronous garbage collection. */
  collect(): void;
  nowMs(): number;
  later(fn: () => void, ms: number): void;
}

const bunCollector: Collector = {
  collect: () => Bun.gc(true),
  nowMs: () => performance.now(),
  later: (fn, ms) => setTimeout(fn, ms).unref?.(),
};

/** A connection paused for memory; resumed when the budget has room again. */
export interface MemoryWaiter {
  onMemoryAvailable(): void;
}

export class RequestMemoryBudget {
  private heldBytes = 0;
  /** Insertion order is queue order. */
  private readonly waiters = new Set<MemoryWaiter>();
  private droppedBytes = 0;
  private collectScheduled = false;
  private lastCollectMs = -Infinity;

  constructor(
    readonly capacityBytes: number,
    private readonly collector: Collector = bunCollector,
  ) {}

  get usedBytes(): number {
    return this.heldBytes;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  get exhausted(): boolean {
    return this.heldBytes >= this.capacityBytes;
  }

  acquire(bytes: number): void {
    this.heldBytes += bytes;
  }

  release(bytes: number): void {
    this.heldBytes -= bytes;
    assert(this.heldBytes >= 0, `request memory released more than it held (${this.heldBytes})`);
    if (!this.exhausted && this.waiters.size > 0) {
      const resumed = [...this.waiters];
      this.waiters.clear();
      for (const w of resumed) w.onMemoryAvailable();
    }
  }

  /** Releases input a closing connection never read to the end; much of it triggers a collection. */
  releaseDropped(bytes: number): void {
    this.release(bytes);
    this.droppedBytes += bytes;
    if (this.droppedBytes < DROPPED_BYTES_COLLECT_MIN || this.collectScheduled) return;
    this.collectScheduled = true;
    // Later, not now: connections closing together (one peer's many) are collected once.
    const waitMs = Math.max(0, this.lastCollectMs + COLLECT_INTERVAL_MIN_MS - this.collector.nowMs());
    this.collector.later(() => {
      this.collectScheduled = false;
      this.droppedBytes = 0;
      this.lastCollectMs = this.collector.nowMs();
      this.collector.collect();
    }, waitMs);
  }

  /** Whether a connection holding `connectionBytes` must stop reading until memory frees. */
  mustWait(connectionBytes: number): boolean {
    return this.exhausted && connectionBytes > REQUEST_BYTES_FLOOR;
  }

  wait(w: MemoryWaiter): void {
    this.waiters.add(w);
  }

  cancel(w: MemoryWaiter): void {
    this.waiters.delete(w);
  }
}
