// The Worker side of bench/multicore-probe.ts (issue 11, docs/multicore.md), and the pieces both
// sides share: the probe's frame layout, the partition work (CRC32C check and append) and a
// per-partition group commit. Not part of `npm run bench`.
//
// Inside `bun build --compile` this file must be an extra entry point next to the probe
// (BUN-NOTES: "Worker files must be passed ... as extra entry points"); the probe imports it too,
// so the handler below is installed only when it runs as a Worker.

import { crc32c } from '@node-rs/crc32';
import * as fs from 'node:fs';
import { join } from 'node:path';

// ---- Frame layout (the probe's stand-in for a Produce request) ----
//
// int32 size | int32 partCount | partCount x (int32 partition | int32 length | length bytes)
// Each part's bytes are one Kafka v2 record batch: CRC32C (big-endian uint32 at byte 17) of
// bytes [21, end), as in the Kafka protocol's RecordBatch (https://kafka.apache.org/documentation/#recordbatch).

export const BATCH_CRC_OFFSET = 17;
export const BATCH_CRC_START = 21;
/** The smallest record batch: the v2 header is 61 bytes. */
export const BATCH_HEADER_BYTES = 61;

export type PartRef = { partition: number; offset: number; length: number };

/**
 * The parts of a frame body (the bytes after the int32 size) at `base` in `buf`, or a string
 * saying why the layout is wrong. Pure: offsets are absolute positions in `buf`.
 */
export function parseParts(buf: Uint8Array, base: number, bodyLength: number, partitionCountMax: number): PartRef[] | string {
  if (bodyLength < 4) return `body of ${bodyLength} bytes has no part count`;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const end = base + bodyLength;
  const count = view.getInt32(base);
  if (count < 0 || count > partitionCountMax) return `part count ${count} outside [0, ${partitionCountMax}]`;
  const parts: PartRef[] = [];
  let at = base + 4;
  for (let i = 0; i < count; i++) {
    if (at + 8 > end) return `part ${i} header past the body`;
    const partition = view.getInt32(at);
    const length = view.getInt32(at + 4);
    at += 8;
    if (partition < 0 || partition >= partitionCountMax) return `partition ${partition} outside [0, ${partitionCountMax})`;
    if (length < BATCH_HEADER_BYTES || at + length > end) return `part ${i} length ${length} does not fit`;
    parts.push({ partition, offset: at, length });
    at += length;
  }
  if (at !== end) return `${end - at} bytes after the last part`;
  return parts;
}

/** Writes a valid record batch's CRC32C into `batch` (the sender's side). */
export function sealBatch(batch: Uint8Array): void {
  batch[16] = 2; // magic
  const crc = crc32c(batch.subarray(BATCH_CRC_START), 0) >>> 0;
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setUint32(BATCH_CRC_OFFSET, crc);
}

/** True when the batch's stored CRC32C matches its bytes (the broker's check). */
export function batchCrcOk(batch: Uint8Array): boolean {
  const stored = new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getUint32(BATCH_CRC_OFFSET);
  return (crc32c(batch.subarray(BATCH_CRC_START), 0) >>> 0) === stored;
}

/** FIFO allocator over a connection's ring: frames are freed in the order their acks leave. */
export class RingFifo {
  private head = 0;
  private readonly regions: { start: number; end: number }[] = [];
  constructor(readonly capacity: number) {}
  /** Start of `size` free bytes, or -1 when the ring is full. */
  alloc(size: number): number {
    if (size > this.capacity) return -1;
    let start: number;
    if (this.regions.length === 0) start = 0;
    else {
      const tail = this.regions[0]!.start;
      if (this.head > tail) start = this.head + size <= this.capacity ? this.head : size < tail ? 0 : -1;
      else start = this.head + size < tail ? this.head : -1;
    }
    if (start < 0) return -1;
    this.head = start + size;
    this.regions.push({ start, end: this.head });
    return start;
  }
  /** Frees the oldest region. */
  free(): void {
    this.regions.shift();
    if (this.regions.length === 0) this.head = 0;
  }
  /** Frames allocated and not yet freed. */
  get live(): number {
    return this.regions.length;
  }
}

/**
 * The CPU-bound ceiling of a model, from its CPU per GiB: the main thread can use at most one
 * core, each of W workers at most one (the load split evenly), the process at most `cores`.
 * Wall-clock MB/s on a shared 2-core machine moves 2-3x with the neighbours' load; this does not.
 */
export function ceilingMbPerS(totalCpuPerGiB: number, mainCpuPerGiB: number, workers: number, cores: number): number {
  const workerCpuPerGiB = totalCpuPerGiB - mainCpuPerGiB;
  let gibPerS = Math.min(1 / mainCpuPerGiB, cores / totalCpuPerGiB);
  if (workers > 0 && workerCpuPerGiB > 0) gibPerS = Math.min(gibPerS, workers / workerCpuPerGiB);
  return (gibPerS * 2 ** 30) / 1e6;
}

// ---- Partition files with group commit ----

type FlushState = { fd: number; flushing: boolean; waiting: (() => void)[]; next: (() => void)[] };

/**
 * One append-only file per owned partition. `append` checks the CRC and writes synchronously
 * (fs.writeSync, the call src/storage makes); in durable mode `afterFlush` runs the callback once
 * an fdatasync that began after the write has finished. At most one fdatasync per partition is
 * in flight; writes arriving meanwhile share the next one (group commit, as src/storage does).
 */
export class PartitionFiles {
  private readonly files = new Map<number, FlushState>();

  constructor(private readonly dir: string) {}

  append(partition: number, batch: Uint8Array): void {
    if (!batchCrcOk(batch)) throw new Error(`partition ${partition}: CRC32C mismatch`);
    fs.writeSync(this.fileOf(partition).fd, batch);
  }

  afterFlush(partition: number, done: () => void): void {
    const f = this.fileOf(partition);
    if (f.flushing) {
      f.next.push(done);
      return;
    }
    f.waiting.push(done);
    this.startFlush(f);
  }

  close(): void {
    for (const f of this.files.values()) fs.closeSync(f.fd);
    this.files.clear();
  }

  private startFlush(f: FlushState): void {
    f.flushing = true;
    fs.fdatasync(f.fd, (err) => {
      if (err) throw err;
      const ready = f.waiting;
      f.waiting = f.next;
      f.next = [];
      if (f.waiting.length > 0) this.startFlush(f);
      else f.flushing = false;
      for (const cb of ready) cb();
    });
  }

  private fileOf(partition: number): FlushState {
    let f = this.files.get(partition);
    if (f === undefined) {
      f = { fd: fs.openSync(join(this.dir, `p${partition}.log`), 'a'), flushing: false, waiting: [], next: [] };
      this.files.set(partition, f);
    }
    return f;
  }
}

// ---- Worker messages ----

export type ToWorker =
  | { kind: 'echo'; buf: ArrayBuffer }
  | { kind: 'small'; id: number; parts: number[] }
  | { kind: 'listen'; port: number }
  | { kind: 'writer'; path: string; seconds: number; fsync: boolean }
  /** CRC32C of 1 MiB in a loop for `seconds` (pure CPU: does a Worker run beside the main thread?). */
  | { kind: 'crc'; seconds: number }
  | { kind: 'own'; dir: string; durable: boolean }
  /** A connection's ring of request bytes (shared handoff), read by every worker. */
  | { kind: 'ring'; ringId: number; ring: SharedArrayBuffer }
  /** Shared handoff: [partition, offset, length]* into ring `ringId`. */
  | { kind: 'work'; id: number; ringId: number; parts: number[] }
  /** Transfer handoff: the parts copied back to back into `buf`, [partition, length]*. */
  | { kind: 'work-buf'; id: number; buf: ArrayBuffer; parts: number[] }
  | { kind: 'check-shared'; ring: SharedArrayBuffer; length: number }
  | { kind: 'stop' };

export type FromWorker =
  | { kind: 'echo'; buf: ArrayBuffer }
  | { kind: 'small'; id: number }
  | { kind: 'listening'; port: number }
  | { kind: 'accepted' }
  | { kind: 'writer'; bytes: number; seconds: number }
  | { kind: 'crc'; bytes: number; seconds: number }
  | { kind: 'done'; id: number }
  | { kind: 'check-shared'; crc: number };

/** Bytes the writer test appends per call (the probe's frame size). */
const WRITER_CHUNK_BYTES = 1 << 20;

function runWorker(post: (m: FromWorker, transfer?: ArrayBuffer[]) => void): (m: ToWorker) => void {
  let files: PartitionFiles | null = null;
  const rings = new Map<number, Uint8Array>();
  let durable = false;
  const finish = (id: number, partitions: number[]): void => {
    if (!durable || partitions.length === 0) {
      post({ kind: 'done', id });
      return;
    }
    let left = partitions.length;
    for (const p of partitions) files!.afterFlush(p, () => { if (--left === 0) post({ kind: 'done', id }); });
  };
  return (m) => {
    switch (m.kind) {
      case 'echo':
        post({ kind: 'echo', buf: m.buf }, [m.buf]);
        return;
      case 'small':
        post({ kind: 'small', id: m.id });
        return;
      case 'listen': {
        // reusePort is honoured at run time (BUN-NOTES) but missing from @types/bun 1.4.5's TCP options.
        const options = {
          hostname: '127.0.0.1',
          port: m.port,
          reusePort: true,
          socket: { open: () => post({ kind: 'accepted' }), data: () => {} },
        };
        const server = Bun.listen(options as unknown as Bun.TCPSocketListenOptions<undefined>);
        post({ kind: 'listening', port: server.port });
        return;
      }
      case 'writer': {
        const fd = fs.openSync(m.path, 'a');
        const chunk = new Uint8Array(WRITER_CHUNK_BYTES).fill(7);
        const start = performance.now();
        let bytes = 0;
        while (performance.now() - start < m.seconds * 1000) {
          fs.writeSync(fd, chunk);
          if (m.fsync) fs.fdatasyncSync(fd);
          bytes += chunk.length;
        }
        fs.closeSync(fd);
        post({ kind: 'writer', bytes, seconds: (performance.now() - start) / 1000 });
        return;
      }
      case 'crc': {
        const chunk = new Uint8Array(WRITER_CHUNK_BYTES).fill(3);
        const start = performance.now();
        let bytes = 0;
        while (performance.now() - start < m.seconds * 1000) {
          crc32c(chunk, 0);
          bytes += chunk.length;
        }
        post({ kind: 'crc', bytes, seconds: (performance.now() - start) / 1000 });
        return;
      }
      case 'check-shared':
        post({ kind: 'check-shared', crc: crc32c(new Uint8Array(m.ring, 0, m.length), 0) >>> 0 });
        return;
      case 'own':
        files = new PartitionFiles(m.dir);
        durable = m.durable;
        return;
      case 'ring':
        rings.set(m.ringId, new Uint8Array(m.ring));
        return;
      case 'work': {
        const ring = rings.get(m.ringId)!;
        const touched: number[] = [];
        for (let i = 0; i < m.parts.length; i += 3) {
          files!.append(m.parts[i]!, ring.subarray(m.parts[i + 1]!, m.parts[i + 1]! + m.parts[i + 2]!));
          touched.push(m.parts[i]!);
        }
        finish(m.id, touched);
        return;
      }
      case 'work-buf': {
        const bytes = new Uint8Array(m.buf);
        const touched: number[] = [];
        let at = 0;
        for (let i = 0; i < m.parts.length; i += 2) {
          files!.append(m.parts[i]!, bytes.subarray(at, at + m.parts[i + 1]!));
          at += m.parts[i + 1]!;
          touched.push(m.parts[i]!);
        }
        finish(m.id, touched);
        return;
      }
      case 'stop':
        files?.close();
        files = null;
        return;
    }
  };
}

if (!Bun.isMainThread) {
  const scope = globalThis as unknown as { postMessage(m: unknown, transfer: ArrayBuffer[]): void; onmessage: (e: MessageEvent<ToWorker>) => void };
  const handle = runWorker((m, transfer) => scope.postMessage(m, transfer ?? []));
  scope.onmessage = (e) => handle(e.data);
}
