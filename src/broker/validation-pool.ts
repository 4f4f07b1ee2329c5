// Produce validation on threads: the first piece of the multi-core model (docs/multicore.md).
// Validation (CRC32C, the record walk, decompression and recompression: validateProduced) is a
// pure function of a partition's bytes and its topic's settings, so any thread may run it; what
// depends on a partition's state (the idempotent-producer checks, the append) stays on the event
// loop, in request order (append-order.ts). One request is one job: its parts' bytes move to a
// thread in one ArrayBuffer and back (transferred, not copied), and the thread's answers are
// applied as if validateProduced had run on the event loop.
//
// - Threads start on the first large request, not with the node: a node that never sees one
//   (a CI sidecar, a consumer-only node) pays neither their start (8-16 ms each) nor their memory
//   (~3 MiB each; docs/multicore.md "Measured building blocks").
// - Only large requests that need a codec go to a thread (`takes`): below
//   VALIDATION_THREAD_MIN_BYTES posting costs more than checking, and an uncompressed request's
//   checks are cheap enough that moving them costs more CPU than it saves the event loop.
// - A thread that dies or fails to load (a bug or a broken build) fails the requests it held
//   with KAFKA_STORAGE_ERROR, retriable: their bytes went with it, never appended; the node logs
//   it once and validates on the event loop from then on.

import { logger } from '../base/log.ts';
import type { ThreadPort, Threads } from '../base/threads.ts';
import { concatBytes } from '../base/bytes.ts';
import { ATTRIBUTES, BatchHeader, Compression } from '../protocol/records/batch.ts';
import type { Validated, ValidationConfig } from './produce-append.ts';
import { type JobAnswer, type JobPart, type ValidationJob, validatedOf } from './validation-job.ts';

const log = logger('kafka');

/** Records in a request from which it validates on a thread (a produce request of librdkafka's default batch.size is 1 MB). */
export const VALIDATION_THREAD_MIN_BYTES = 64 * 1024;

/**
 * The thread's module. In the compiled executable every module shares the entry's URL (the
 * root of the embedded file system, where src/ is), so the path is from src/ there.
 */
export const VALIDATION_WORKER_ENTRY: URL = import.meta.url.startsWith('file:///$bunfs/')
  ? new URL('./broker/validation-worker.ts', import.meta.url)
  : new URL('./validation-worker.ts', import.meta.url);

/** A thread's validation failed or the thread is gone: the request's bytes were not appended. */
export class ValidationThreadError extends Error {}

export interface PartToValidate {
  readonly config: ValidationConfig;
  readonly topicPartition: string;
  readonly records: Uint8Array;
}

interface Thread {
  readonly port: ThreadPort;
  inFlight: number;
}

interface Waiting {
  readonly thread: Thread;
  resolve(v: Validated[]): void;
  reject(e: Error): void;
}

export class ValidationPool {
  private threadsStarted: Thread[] | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  /** Why threads are no longer used; null while they are. */
  private brokenBecause: string | null = null;

  constructor(
    private readonly threads: Threads | undefined,
    /** produce.validation.threads; 0 validates everything inline. */
    private readonly count: number,
    private readonly entry: URL = VALIDATION_WORKER_ENTRY,
  ) {}

  /**
   * Whether a request validates on a thread: threads are on and working, it holds at least
   * VALIDATION_THREAD_MIN_BYTES of records, and some part needs a codec (a compressed batch, or
   * a topic that recompresses). An uncompressed request is not worth it: its CRC32C and record
   * walk cost the thread ~0.45 CPU-s per GiB and saved the event loop 0.08-0.16 (bench/README.md
   * "Produce ceiling").
   */
  takes(parts: readonly PartToValidate[]): boolean {
    if (this.threads === undefined || this.count === 0 || this.brokenBecause !== null) return false;
    let bytes = 0;
    let codec = false;
    for (const p of parts) {
      bytes += p.records.length;
      codec ||= needsCodec(p);
    }
    return codec && bytes >= VALIDATION_THREAD_MIN_BYTES;
  }

  /** Threads running now (0 before the first large request). */
  get running(): number {
    return this.threadsStarted?.length ?? 0;
  }

  /**
   * Validates the parts on a thread, as validateProduced would here. `ownedFrame` is the
   * request frame's buffer when nothing else shares it (connection.ts): if every part lies in
   * it, it moves to the thread and back, detached meanwhile; otherwise the parts are copied
   * into a buffer of their own.
   */
  validate(parts: readonly PartToValidate[], nowMs: number, produceVersion: number, ownedFrame?: ArrayBuffer): Promise<Validated[]> {
    const threads = this.start();
    const { buffer, ranges } = jobBytes(parts, ownedFrame);
    const thread = threads.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    const job: ValidationJob = {
      id,
      buffer,
      nowMs,
      produceVersion,
      parts: parts.map((p, i): JobPart => ({ config: p.config, topicPartition: p.topicPartition, offset: ranges[i], length: p.records.length })),
    };
    return new Promise<Validated[]>((resolve, reject) => {
      this.waiting.set(id, { thread, resolve, reject });
      thread.inFlight++;
      thread.port.post(job, [buffer]);
    });
  }

  /** Stops the threads; requests still on one fail (ValidationThreadError). */
  close(): void {
    for (const t of this.threadsStarted ?? []) t.port.terminate();
    this.failWaiting(() => true, 'the node is stopping');
    this.threadsStarted = [];
    this.brokenBecause ??= 'closed';
  }

  private start(): Thread[] {
    if (this.threadsStarted !== null) return this.threadsStarted;
    const threads = this.threads;
    if (threads === undefined) throw new Error('ValidationPool.validate without threads (takes() said no)');
    this.threadsStarted = Array.from({ length: this.count }, () => {
      const t: Thread = { port: threads.start(this.entry), inFlight: 0 };
      t.port.listen(
        (m) => this.answered(t, m as JobAnswer | { id: number; bug: string }),
        (reason) => this.threadFailed(t, reason),
      );
      return t;
    });
    log.info(`produce validation: ${this.count} thread${this.count === 1 ? '' : 's'} started`);
    return this.threadsStarted;
  }

  private answered(thread: Thread, m: JobAnswer | { id: number; bug: string }): void {
    const w = this.waiting.get(m.id);
    if (w === undefined) return;
    this.waiting.delete(m.id);
    thread.inFlight--;
    if ('bug' in m) {
      // The same bytes would have thrown on the event loop: the handler's bug path (its connection closes).
      w.reject(new Error(`produce validation failed on its thread: ${m.bug}`));
      return;
    }
    w.resolve(m.parts.map((a) => validatedOf(a, m.buffer)));
  }

  private threadFailed(thread: Thread, reason: string): void {
    if (this.brokenBecause === null) {
      this.brokenBecause = reason;
      log.error(`produce validation thread failed (${reason}): validating on the event loop from now on; ` +
        `the requests it held are answered KAFKA_STORAGE_ERROR (retriable)`);
    }
    this.failWaiting((w) => w.thread === thread, reason);
  }

  private failWaiting(which: (w: Waiting) => boolean, reason: string): void {
    for (const [id, w] of this.waiting) {
      if (!which(w)) continue;
      this.waiting.delete(id);
      w.thread.inFlight--;
      w.reject(new ValidationThreadError(`produce validation thread failed: ${reason}`));
    }
  }
}

/** A compressed (first) batch, or a topic whose compression.type makes the broker re-encode. */
function needsCodec(p: PartToValidate): boolean {
  if (p.config.compressionType !== 'producer' && p.config.compressionType !== 'uncompressed') return true;
  return p.records.length >= ATTRIBUTES + 2 && new BatchHeader(p.records).compression !== Compression.None;
}

/** The job's buffer and each part's offset in it: the owned frame as it is, or the parts copied. */
function jobBytes(parts: readonly PartToValidate[], ownedFrame: ArrayBuffer | undefined): { buffer: ArrayBuffer; ranges: number[] } {
  if (ownedFrame !== undefined && parts.every((p) => p.records.buffer === ownedFrame)) {
    return { buffer: ownedFrame, ranges: parts.map((p) => p.records.byteOffset) };
  }
  // A copy of its own even for one part (concatBytes hands a lone part back as it is): the
  // buffer moves to the thread, and the part's may be shared with other frames. Not .slice():
  // on a Buffer (what socket reads are) that is a view, not a copy.
  const records = parts.map((p) => p.records);
  const bytes = records.length === 1 ? new Uint8Array(records[0]) : concatBytes(records);
  const ranges: number[] = [];
  let at = 0;
  for (const r of records) {
    ranges.push(at);
    at += r.length;
  }
  return { buffer: bytes.buffer as ArrayBuffer, ranges };
}
