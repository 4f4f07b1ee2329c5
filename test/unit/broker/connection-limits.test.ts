// A Connection driven by a fake socket: long polls leave no listener behind (10,000 of them on
// one connection), request bytes count against the node's budget until answered, a
// connection over the budget stops reading and resumes when memory frees, and drain answers a
// waiting request at once.

import { describe, expect, test } from 'bun:test';
import { systemClock } from '../../../src/base/clock.ts';
import { LogSummary } from '../../../src/base/log-summary.ts';
import { MetricsRegistry } from '../../../src/base/metrics.ts';
import type { NetSocket } from '../../../src/base/network.ts';
import { systemScheduler } from '../../../src/base/scheduler.ts';
import type { Broker } from '../../../src/broker/broker.ts';
import { Connection, type ConnectionShared } from '../../../src/broker/connection.ts';
import { type AnyHandler, handler } from '../../../src/broker/handler.ts';
import { KafkaMetrics } from '../../../src/broker/kafka-metrics.ts';
import { REQUEST_BYTES_FLOOR, RequestMemoryBudget } from '../../../src/broker/request-memory.ts';

const KIB = 1024;
import { type ProgressSource, waitForProgress } from '../../../src/broker/wait.ts';
import { ApiVersions } from '../../../src/protocol/messages/index.ts';

/** The socket surface Connection uses; counts what it is asked to do. */
class FakeSocket implements NetSocket {
  written: Uint8Array[] = [];
  paused = false;
  ended = false;
  readonly remoteAddress = '127.0.0.1';
  write(b: Uint8Array): number {
    this.written.push(b.slice());
    return b.length;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  timeout(): void {}
  /** Correlation ids of the whole response frames written so far. */
  answers(): number[] {
    const all = Buffer.concat(this.written);
    const ids: number[] = [];
    for (let at = 0; at + 8 <= all.length; at += 4 + all.readInt32BE(at)) ids.push(all.readInt32BE(at + 4));
    return ids;
  }
}

/** A partition that wakes its waiters when the test says so. */
class FakePartition implements ProgressSource {
  private readonly waiters = new Set<() => void>();
  onProgress(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }
  append(): void {
    for (const fn of [...this.waiters]) fn();
  }
  get listenerCount(): number {
    return this.waiters.size;
  }
}

const LONG_POLL_MS = 60_000;

/** ApiVersions v0 whose handler long-polls `partition` first, as Fetch does. */
function longPollHandlers(partition: FakePartition): ReadonlyMap<number, AnyHandler> {
  const h = handler(ApiVersions, async (ctx) => {
    await waitForProgress([partition], LONG_POLL_MS, ctx.wake, systemScheduler);
    return { errorCode: 0, apiKeys: [], throttleTimeMs: 0 };
  });
  return new Map([[ApiVersions.apiKey, h as AnyHandler]]);
}

function apiVersionsV0(correlationId: number, padding = 0): Uint8Array {
  const clientId = Buffer.from('unit');
  const out = Buffer.alloc(4 + 10 + clientId.length + padding);
  out.writeInt32BE(out.length - 4, 0);
  out.writeInt16BE(18, 4);
  out.writeInt16BE(0, 6);
  out.writeInt32BE(correlationId, 8);
  out.writeInt16BE(clientId.length, 12);
  clientId.copy(out, 14);
  return out;
}

function connection(socket: FakeSocket, handlers: ReadonlyMap<number, AnyHandler>, memory: RequestMemoryBudget): Connection {
  const quiet = new LogSummary(systemScheduler, 60_000, () => {}, () => {});
  const shared: ConnectionShared = { memory, protocolErrors: quiet, metrics: new KafkaMetrics(new MetricsRegistry(), systemClock) };
  const limits = { requestMaxBytes: 100 * 1024 * 1024, queuedMaxRequests: 100 };
  return new Connection(1, socket, {} as Broker, handlers, limits, shared);
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('long polls', () => {
  test('10,000 long polls on one connection leave no listener behind', async () => {
    const partition = new FakePartition();
    const socket = new FakeSocket();
    const memory = new RequestMemoryBudget(1024 * 1024);
    const conn = connection(socket, longPollHandlers(partition), memory);
    let maxListeners = 0;
    for (let i = 1; i <= 10_000; i++) {
      conn.onData(apiVersionsV0(i));
      maxListeners = Math.max(maxListeners, conn.wake.listenerCount);
      expect(partition.listenerCount).toBe(1);
      partition.append();
      await tick();
      // Each poll's wake listener is gone once it answered: the count stays flat.
      expect(conn.wake.listenerCount).toBe(0);
    }
    expect(maxListeners).toBe(1);
    expect(socket.answers().length).toBe(10_000);
    expect(memory.usedBytes).toBe(0);
  });

  test('a long poll answers at once when the connection drains for a stop', async () => {
    const partition = new FakePartition();
    const socket = new FakeSocket();
    const conn = connection(socket, longPollHandlers(partition), new RequestMemoryBudget(1024 * 1024));
    conn.onData(apiVersionsV0(42));
    const drained = conn.drain();
    await tick();
    expect(socket.answers()).toEqual([42]);
    expect(socket.ended).toBe(true);
    conn.onClose();
    await drained;
    expect(partition.listenerCount).toBe(0);
  });
});

describe('request memory', () => {
  test('bytes count until answered; past the budget reading pauses, and resumes when memory frees', async () => {
    const memory = new RequestMemoryBudget(256 * 1024);
    const partition = new FakePartition();
    const hog = new FakeSocket();
    const hogConn = connection(hog, longPollHandlers(partition), memory);
    // A partial frame bigger than the budget: it is held, and the connection stops reading.
    const big = apiVersionsV0(1, 300 * 1024);
    hogConn.onData(big.subarray(0, 280 * 1024));
    expect(memory.usedBytes).toBe(280 * 1024);
    expect(hog.paused).toBe(true);
    // Another connection holding less than the floor still reads and is answered.
    const small = new FakeSocket();
    const smallConn = connection(small, longPollHandlers(partition), memory);
    smallConn.onData(apiVersionsV0(2));
    expect(small.paused).toBe(false);
    partition.append();
    await tick();
    expect(small.answers()).toEqual([2]);
    // The hog's peer leaves: its bytes are released and nothing stays counted.
    hogConn.onClose();
    expect(memory.usedBytes).toBe(0);
    expect(memory.waiting).toBe(0);
  });

  test('a paused connection resumes when another one releases memory', async () => {
    const memory = new RequestMemoryBudget(128 * 1024);
    const partition = new FakePartition();
    const holder = new FakeSocket();
    const holderConn = connection(holder, longPollHandlers(partition), memory);
    // A whole frame in flight (waiting in its long poll) holds 100 KiB.
    holderConn.onData(apiVersionsV0(1, 100 * 1024));
    const waiter = new FakeSocket();
    const waiterConn = connection(waiter, longPollHandlers(partition), memory);
    waiterConn.onData(apiVersionsV0(2, 120 * 1024).subarray(0, REQUEST_BYTES_FLOOR + 1));
    expect(waiter.paused).toBe(true);
    expect(memory.waiting).toBe(1);
    partition.append(); // the holder's poll answers: its frame is released
    await tick();
    expect(holder.answers()).toEqual([1]);
    expect(waiter.paused).toBe(false);
    waiterConn.onClose();
    holderConn.onClose();
    expect(memory.usedBytes).toBe(0);
  });

  test('the floors together may overdraw the budget only by the overdraft; then every connection stops reading', () => {
    const memory = new RequestMemoryBudget(256 * KIB, { overdraftBytes: 128 * KIB });
    const partition = new FakePartition();
    const hog = new FakeSocket();
    connection(hog, longPollHandlers(partition), memory).onData(apiVersionsV0(1, 400 * KIB).subarray(0, 256 * KIB));
    expect(hog.paused).toBe(true);
    // Each of these holds less than the floor, so reads on while the overdraft lasts.
    const smalls = Array.from({ length: 4 }, () => new FakeSocket());
    const conns = smalls.map((sock) => connection(sock, longPollHandlers(partition), memory));
    conns[0].onData(apiVersionsV0(2, 60 * KIB).subarray(0, 50 * KIB));
    conns[1].onData(apiVersionsV0(3, 60 * KIB).subarray(0, 50 * KIB));
    expect(smalls.map((sock) => sock.paused)).toEqual([false, false, false, false]);
    conns[2].onData(apiVersionsV0(4, 60 * KIB).subarray(0, 50 * KIB));
    // 256 + 150 KiB >= 256 + 128 KiB: nobody reads, not even the connections holding nothing.
    expect(smalls.map((sock) => sock.paused)).toEqual([true, true, true, true]);
    expect(memory.waiting).toBe(5);
    // A connection opened now does not read its first bytes either.
    const late = new FakeSocket();
    connection(late, longPollHandlers(partition), memory);
    expect(late.paused).toBe(true);
  });
});

describe('answer writes', () => {
  /** ApiVersions v0 answered synchronously, as an acks=1 Produce is. */
  const syncHandlers = (): ReadonlyMap<number, AnyHandler> =>
    new Map([[ApiVersions.apiKey, handler(ApiVersions, () => ({ errorCode: 0, apiKeys: [], throttleTimeMs: 0 })) as AnyHandler]]);

  test('requests that arrive together and are answered at once go out in one write, in order', () => {
    const socket = new FakeSocket();
    const conn = connection(socket, syncHandlers(), new RequestMemoryBudget(1024 * 1024));
    conn.onData(Buffer.concat([1, 2, 3, 4, 5].map((id) => apiVersionsV0(id))));
    expect(socket.answers()).toEqual([1, 2, 3, 4, 5]);
    expect(socket.written.length).toBe(1);
    conn.onData(apiVersionsV0(6));
    expect(socket.answers()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(socket.written.length).toBe(2);
  });

  test('past the in-flight window the held-back frames are dispatched once the answers before them are written', () => {
    const socket = new FakeSocket();
    const quiet = new LogSummary(systemScheduler, 60_000, () => {}, () => {});
    const shared: ConnectionShared = { memory: new RequestMemoryBudget(1024 * 1024), protocolErrors: quiet, metrics: new KafkaMetrics(new MetricsRegistry(), systemClock) };
    const conn = new Connection(1, socket, {} as Broker, syncHandlers(), { requestMaxBytes: 1024 * 1024, queuedMaxRequests: 2 }, shared);
    const ids = Array.from({ length: 7 }, (_, i) => i + 1);
    conn.onData(Buffer.concat(ids.map((id) => apiVersionsV0(id))));
    expect(socket.answers()).toEqual(ids);
    // Two at a time: 7 answers in 4 writes.
    expect(socket.written.length).toBe(4);
    expect(shared.memory.usedBytes).toBe(0);
  });
});

describe('frame ownership (RequestContext.ownedFrame)', () => {
  /** ApiVersions whose handler records what it was given of the frame. */
  function recording(seen: Array<ArrayBuffer | undefined>): ReadonlyMap<number, AnyHandler> {
    const h = handler(ApiVersions, (ctx) => {
      seen.push(ctx.ownedFrame);
      return { errorCode: 0, apiKeys: [], throttleTimeMs: 0 };
    });
    return new Map([[ApiVersions.apiKey, h as AnyHandler]]);
  }

  test('a frame assembled from several reads owns its buffer; one read whole in a chunk does not', () => {
    const seen: Array<ArrayBuffer | undefined> = [];
    const socket = new FakeSocket();
    const conn = connection(socket, recording(seen), new RequestMemoryBudget(1024 * 1024));
    const frame = apiVersionsV0(7, 10 * KIB);
    // In one read with another frame after it: a view of that read, shared.
    conn.onData(Buffer.concat([frame, apiVersionsV0(8)]));
    // Across two reads: copied out into a buffer of its own, exactly the frame.
    conn.onData(frame.subarray(0, 100));
    conn.onData(frame.subarray(100));
    expect(seen.length).toBe(3);
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toBeUndefined();
    expect(seen[2]).toBeInstanceOf(ArrayBuffer);
    expect(seen[2]?.byteLength).toBe(frame.length);
    expect(socket.answers()).toEqual([7, 8, 7]);
  });
});
