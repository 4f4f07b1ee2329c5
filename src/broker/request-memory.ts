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
// read (socket.pause) and queues here. The floor lets every connection keep reading small
// requests (Metadata, heartbeats, commits, small produces), so a node whose budget is held by
// a few large partial frames still serves well-behaved clients. What the floors let through is
// capped too: past the budget plus REQUEST_BYTES_OVERDRAFT, every connection stops reading,
// new ones before their first read. When bytes are released and the budget has room again,
// every queued connection resumes, in the order it queued, and is paused again if its next
// read overdraws.
// Bound: budget + overdraft + one socket read per connection reading at that moment (Bun
// delivers at most 512 KiB per data callback; a pause takes effect before the next read).
//
// Kafka refuses a pool smaller than one request (SimpleMemoryPool's constructor); the config
// check does the same (node-config.ts), so a request of socket.request.max.bytes can always be
// read when nothing else is held.

import { assert } from '../base/assert.ts';
import type { Clock } from '../base/clock.ts';
import type { LogSummary } from '../base/log-summary.ts';
import type { Scheduler } from '../base/scheduler.ts';

/** Bytes a connection may hold while the budget is spent: room for an ordinary small request. */
export const REQUEST_BYTES_FLOOR = 64 * 1024;
/** How far the floors together may take the node past its budget before every read stops. */
export const REQUEST_BYTES_OVERDRAFT = 16 * 1024 * 1024;

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

/** Bun's full collection, timed by the node's clock and timers. */
export function gcCollector(clock: Clock, scheduler: Scheduler): Collector {
  return {
    collect: () => Bun.gc(true),
    nowMs: () => clock.monotonicMs(),
    later: (fn, ms) => void scheduler.after(ms, fn),
  };
}

/** Without a collector (budgets in tests) dropped input is left to the ordinary collections. */
const NO_COLLECTION: Collector = {
  collect: () => {},
  nowMs: () => 0,
  later: () => {},
};

/** A connection as the budget sees it: it can be told to stop and to resume reading. */
export interface MemoryWaiter {
  pauseForMemory(): void;
  onMemoryAvailable(): void;
}

export class RequestMemoryBudget {
  private heldBytes = 0;
  private readonly members = new Set<MemoryWaiter>();
  /** Insertion order is queue order. */
  private readonly waiters = new Set<MemoryWaiter>();
  private droppedBytes = 0;
  private collectScheduled = false;
  private lastCollectMs = -Infinity;

  readonly overdraftBytes: number;
  private readonly collector: Collector;
  /** Where pauses are reported: a peer can cause many, so summarized (base/log-summary.ts). */
  private readonly events: LogSummary | null;

  constructor(
    readonly capacityBytes: number,
    options: { overdraftBytes?: number; collector?: Collector; events?: LogSummary } = {},
  ) {
    this.overdraftBytes = options.overdraftBytes ?? REQUEST_BYTES_OVERDRAFT;
    this.collector = options.collector ?? NO_COLLECTION;
    this.events = options.events ?? null;
  }

  get usedBytes(): number {
    return this.heldBytes;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  get exhausted(): boolean {
    return this.heldBytes >= this.capacityBytes;
  }

  private get overdrawn(): boolean {
    return this.heldBytes >= this.capacityBytes + this.overdraftBytes;
  }

  /** A new connection; past the overdraft it does not read at all until memory frees. */
  join(w: MemoryWaiter): void {
    this.members.add(w);
    if (this.overdrawn) this.park(w);
  }

  leave(w: MemoryWaiter): void {
    this.members.delete(w);
    this.waiters.delete(w);
  }

  /** `w` read `bytes` and now holds `connectionBytes`; pauses it, or everyone, when due. */
  acquire(w: MemoryWaiter, bytes: number, connectionBytes: number): void {
    this.heldBytes += bytes;
    if (this.overdrawn) {
      this.events?.event('request memory overdrawn', `${this.heldBytes} bytes held: reading paused on all ${this.members.size} connections`);
      for (const m of this.members) this.park(m);
    } else if (this.exhausted && connectionBytes > REQUEST_BYTES_FLOOR) {
      this.events?.event(
        'queued.max.request.bytes reached',
        `${this.heldBytes} of ${this.capacityBytes} bytes held: a connection holding ${connectionBytes} waits for memory`,
      );
      this.park(w);
    }
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

  private park(w: MemoryWaiter): void {
    if (this.waiters.has(w)) return;
    this.waiters.add(w);
    w.pauseForMemory();
  }
}
