// Idempotent acks=all producers, as the Java producer with enable.idempotence, shared by the
// simulations: the partition simulation's producers call replicas directly, the cluster
// simulation's speak the Kafka protocol to the brokers; both keep these rules, through a
// `ProduceTransport` that says where a batch goes and how its answer comes back.
//
// One producer id and epoch, a record sequence per partition, and up to max.in.flight batches
// per partition unacknowledged at once, sent in sequence order. A batch is sent again, the same
// bytes, after NOT_LEADER_OR_FOLLOWER (to the leader the answer names, as KIP-951's
// CurrentLeader lets a client), after any retriable error, when the attempt was lost (its node
// crashed, its connection closed) or after request.timeout.ms without an answer. Retries must
// come back as the original's offsets (a duplicate), never as a second copy; the committed
// sequences must be gapless and in order (the checker's). A non-retriable error is a bug,
// except OUT_OF_ORDER_SEQUENCE_NUMBER to a batch that overtook an older one still unacknowledged.

import type { Prng } from '../../src/base/prng.ts';
import { ErrorCode } from '../../src/protocol/errors.ts';
import { buildBatch, type RecordInput } from '../../src/protocol/records/records.ts';
import { InvariantViolation } from './raft-core/checker.ts';
import type { PartitionChecker } from './partitions/checker.ts';

/** A Produce answer for one batch, as the producer needs it. */
export type ProduceAnswer =
  | { readonly ok: true; readonly baseOffset: number; readonly duplicate?: boolean }
  /** `leaderId`: the leader the answer names (KIP-951), -1 when none. */
  | { readonly ok: false; readonly code: number; readonly message: string; readonly leaderId: number };

/** One attempt on its way. */
export interface Attempt {
  /** The node it went to. */
  readonly node: number;
  /** The attempt died without an answer (its node crashed): send again. */
  lost(): boolean;
  readonly answer: Promise<ProduceAnswer>;
}

/** How batches reach a partition's replicas. */
export interface ProduceTransport {
  /** Sends producer `producerId`'s `bytes` to `leaderHint` if known and reachable, else to where the transport routes; null when nothing can take it now. */
  send(producerId: number, partition: number, bytes: Uint8Array, leaderHint: number | undefined): Attempt | null;
  /** The producer lost its idea of the partition's leader (a NOT_LEADER_OR_FOLLOWER without a new one): refresh metadata. */
  stale?(producerId: number, partition: number): void;
}

/** Errors a producer retries (Kafka's RetriableException subclasses among Produce's errors). */
export const PRODUCE_RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
]);

interface InFlight {
  readonly values: string[];
  readonly bytes: Uint8Array;
  attempt: number;
  /** Where the current attempt went, or null when it is to be sent (again). */
  sentTo: { readonly attempt: Attempt; readonly atMs: number } | null;
  /** After an error answer: not before this (retry.backoff.ms). */
  retryAtMs: number;
}

/** One producer's batches for one partition: in sequence order, the oldest first. */
interface Stream {
  readonly key: string;
  readonly producerId: number;
  readonly partition: number;
  readonly queue: InFlight[];
  nextSequence: number;
  /** The first offset of the newest batch acknowledged while no older one waited (null before the first). */
  keepFrom: number | null;
}

/** retry.backoff.ms (Kafka's default is 100 ms; shorter here, so that runs stay short). */
const RETRY_BACKOFF_MS = 20;

/** How a compacted run names its records' keys and tombstones (partitions/cleaning.ts). */
export interface KeyedRecords {
  keyOf(value: string): string;
  isTombstone(value: string): boolean;
}

/** The record named `value`: keyless, keyed, or a keyed tombstone carrying its name in header `id`. */
function recordFor(value: string, timestamp: number, keyed: KeyedRecords | undefined): RecordInput {
  if (keyed === undefined) return { key: null, value, timestamp };
  const key = keyed.keyOf(value);
  if (!keyed.isTombstone(value)) return { key, value, timestamp };
  return { key, value: null, headers: [{ key: RECORD_ID_HEADER, value }], timestamp };
}

/** The header naming a tombstone (whose value is null). */
export const RECORD_ID_HEADER = 'id';

export interface ProducersOptions {
  readonly prng: Prng;
  readonly checker: PartitionChecker;
  /** max.in.flight.requests.per.connection: batches of one producer and partition unacknowledged at once (Kafka allows 5 with idempotence). */
  readonly window: number | (() => number);
  readonly requestTimeoutMs: number;
  readonly transport: ProduceTransport;
  readonly report: (e: Error) => void;
  /** Brings the checker up to date with every replica (an answer may come before the step ends). */
  readonly observe: () => void;
  readonly nowMs: () => number;
  readonly trace: ((line: string) => void) | null;
  /**
   * A compacted topic's records: the key of the record `p<id>s<seq>`, and whether it is a
   * tombstone (a null value; its name then travels in the record header `id`). None by default.
   */
  readonly keyed?: KeyedRecords;
}

export class IdempotentProducers {
  private readonly streams = new Map<string, Stream>();
  private readonly leaderHint = new Map<number, number>();
  sent = 0;
  retries = 0;
  duplicates = 0;
  /** Error answers by code. */
  readonly errors = new Map<number, number>();

  constructor(private readonly o: ProducersOptions) {}

  /** Producer `producerId` works on `partition`: sends a new batch if its window allows, and sends again what needs it, in order. */
  act(producerId: number, partition: number, newBatches: boolean): void {
    const nowMs = this.o.nowMs();
    const key = `${producerId}/${partition}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      s = { key, producerId, partition, queue: [], nextSequence: 0, keepFrom: null };
      this.streams.set(key, s);
    }
    for (const f of s.queue) {
      if (f.sentTo === null) continue;
      if (f.sentTo.attempt.lost() || nowMs - f.sentTo.atMs >= this.o.requestTimeoutMs) f.sentTo = null; // the attempt died or timed out
    }
    // The window opens once the producer is known to the partition (its first batch
    // acknowledged): to a replica that does not know a producer, any sequence is acceptable
    // (KIP-360, as in Kafka), so a second batch could otherwise overtake the first.
    const window = s.keepFrom === null ? 1 : typeof this.o.window === 'number' ? this.o.window : this.o.window();
    if (newBatches && s.queue.length < window) s.queue.push(this.nextBatch(producerId, s, nowMs));
    // In sequence order. A batch sent again goes alone, once it is the oldest unacknowledged,
    // and holds back the ones after it (the Java producer's rule while retrying:
    // RecordAccumulator.shouldStopDrainBatchesForPartition).
    for (const [i, f] of s.queue.entries()) {
      if (f.sentTo !== null) continue;
      if (f.attempt > 0 && (i > 0 || s.queue.some((g) => g.sentTo !== null))) break;
      if (nowMs < f.retryAtMs) break;
      if (f.attempt > 0) this.retries++;
      if (!this.send(s, f, nowMs)) break;
      if (f.attempt > 1) break;
    }
  }

  /**
   * How far a replica may compact `partition` without losing a retry's deduplication or a
   * producer's registration. Compacting further is Kafka's behaviour too (a producer whose
   * batches retention removed is unknown, KIP-360), but then a retry is a new batch, and a
   * producer's batch may overtake an older one, to the checker.
   */
  safeLogStart(partition: number): number {
    let limit = Number.MAX_SAFE_INTEGER;
    for (const s of this.streams.values()) {
      if (s.partition !== partition) continue;
      // Keep each producer's newest acknowledged batch, so that every replica knows it (its
      // window relies on that), and everything after it, where its unacknowledged batches are.
      if (s.keepFrom !== null) limit = Math.min(limit, s.keepFrom);
      else if (s.queue.length > 0) limit = 0;
    }
    return limit;
  }

  /** Batches not yet acknowledged. */
  get pending(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.queue.length;
    return n;
  }

  private nextBatch(producerId: number, s: Stream, nowMs: number): InFlight {
    const base = s.nextSequence;
    const count = this.o.prng.int(1, 3);
    s.nextSequence = base + count;
    const values = Array.from({ length: count }, (_, i) => `p${producerId}s${base + i}`);
    const bytes = buildBatch({
      producerId,
      producerEpoch: 0,
      baseSequence: base,
      records: values.map((v) => recordFor(v, nowMs, this.o.keyed)),
    });
    return { values, bytes, attempt: 0, sentTo: null, retryAtMs: 0 };
  }

  private send(s: Stream, f: InFlight, nowMs: number): boolean {
    const sent = this.o.transport.send(s.producerId, s.partition, f.bytes, this.leaderHint.get(s.partition));
    if (sent === null) return false;
    const attempt = ++f.attempt;
    f.sentTo = { attempt: sent, atMs: nowMs };
    this.sent++;
    this.o.trace?.(`producer ${s.key} sends ${f.values[0]}.. (attempt ${attempt}) to n${sent.node}`);
    sent.answer.then(
      (r) => this.answered(s, f, attempt, sent.node, r),
      (e) => this.o.report(e instanceof Error ? e : new Error(String(e))),
    );
    return true;
  }

  private answered(s: Stream, f: InFlight, attempt: number, node: number, r: ProduceAnswer): void {
    const at = s.queue.indexOf(f);
    if (at < 0 || f.attempt !== attempt) return; // an earlier attempt's answer: the client dropped it
    f.sentTo = null;
    if (r.ok) {
      s.queue.splice(at, 1);
      if (at === 0) s.keepFrom = Math.max(s.keepFrom ?? 0, r.baseOffset);
      if (r.duplicate === true) this.duplicates++;
      this.leaderHint.set(s.partition, node);
      this.o.trace?.(`producer ${s.key} acknowledged ${f.values[0]}.. at ${r.baseOffset}${r.duplicate === true ? ' (duplicate)' : ''} by n${node}`);
      try {
        this.o.observe();
        this.o.checker.acknowledged(s.partition, `n${node}`, f.values, r.baseOffset);
      } catch (e) {
        this.o.report(e as Error);
      }
      return;
    }
    this.errors.set(r.code, (this.errors.get(r.code) ?? 0) + 1);
    // OUT_OF_ORDER_SEQUENCE_NUMBER is expected only while an older batch is unacknowledged (it
    // failed or is still on its way: this one overtook it); to the oldest batch it is a bug.
    const overtook = r.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && at > 0;
    if (!PRODUCE_RETRIABLE.has(r.code) && !overtook) {
      this.o.report(new InvariantViolation(`producer ${s.key}: n${node} answered error ${r.code} (${r.message}) to an in-sequence batch`));
      return;
    }
    f.retryAtMs = this.o.nowMs() + RETRY_BACKOFF_MS;
    if (r.code !== ErrorCode.NOT_LEADER_OR_FOLLOWER && r.code !== ErrorCode.NETWORK_EXCEPTION && r.code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && r.code !== ErrorCode.LEADER_NOT_AVAILABLE) return;
    if (r.leaderId !== -1 && r.leaderId !== node) {
      this.leaderHint.set(s.partition, r.leaderId);
    } else {
      this.leaderHint.delete(s.partition);
      this.o.transport.stale?.(s.producerId, s.partition);
    }
  }
}
