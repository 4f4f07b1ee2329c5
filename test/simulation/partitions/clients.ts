// Simulated Kafka clients of the partition simulation.
//
// Producers are idempotent with acks=all, as the Java producer with enable.idempotence: one
// producer id and epoch, a record sequence per partition, and up to max.in.flight batches per
// partition unacknowledged at once (1 to 5, from the seed), sent in sequence order. A batch is
// sent to the replica the producer believes leads; it is sent again, the same bytes, after
// NOT_LEADER_OR_FOLLOWER (to the leader the answer names, as KIP-951's CurrentLeader lets a
// client), after any retriable error, when the node it went to crashed, or after
// request.timeout.ms without an answer. Retries must come back as the original's offsets (a
// duplicate), never as a second copy; the committed sequences must be gapless and in order. A
// non-retriable error is a bug, except OUT_OF_ORDER_SEQUENCE_NUMBER to a batch that overtook an
// older one still unacknowledged.
//
// Consumers fetch each partition from its leader, from the offset after what they read, with
// the leader epoch they last learned (KIP-320), and hand what they read to the checker.

import type { Prng } from '../../../src/base/prng.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../../src/protocol/records/records.ts';
import type { ReplicaAppend, ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import type { NodeId } from '../../../src/raft/core/index.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import type { PartitionChecker, SeenRecord } from './checker.ts';

/** What the clients need of a node: is it up, which life, its replica of a partition. */
export interface ClientView {
  readonly id: NodeId;
  readonly incarnation: number;
  readonly alive: boolean;
  replica(partition: number): ReplicatedPartition | undefined;
}

/** Errors a producer retries (Kafka's RetriableException subclasses among Produce's errors). */
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

interface InFlight {
  readonly values: string[];
  readonly bytes: Uint8Array;
  attempt: number;
  /** Where the current attempt went, or null when it is to be sent (again). */
  sentTo: { node: NodeId; incarnation: number; atMs: number } | null;
  /** After an error answer: not before this (retry.backoff.ms). */
  retryAtMs: number;
}

/** One producer's batches for one partition: in sequence order, the oldest first. */
interface Stream {
  readonly key: string;
  readonly partition: number;
  readonly queue: InFlight[];
  nextSequence: number;
  /** The first offset of the newest batch acknowledged while no older one waited (null before the first). */
  keepFrom: number | null;
}

/** retry.backoff.ms (Kafka's default is 100 ms; shorter here, so that runs stay short). */
const RETRY_BACKOFF_MS = 20;

const decoder = new TextDecoder();

export class Producers {
  private readonly streams = new Map<string, Stream>();
  private readonly leaderHint = new Map<number, NodeId>();
  sent = 0;
  retries = 0;
  duplicates = 0;
  /** Error answers by code. */
  readonly errors = new Map<number, number>();

  constructor(
    private readonly prng: Prng,
    private readonly checker: PartitionChecker,
    /** max.in.flight.requests.per.connection: batches of one producer and partition unacknowledged at once (Kafka allows 5 with idempotence). */
    private readonly window: number,
    private readonly requestTimeoutMs: number,
    private readonly report: (e: Error) => void,
    /** Brings the checker up to date with every replica (an answer may come before the step ends). */
    private readonly observe: () => void,
    private readonly nowMs: () => number,
    private readonly trace: ((line: string) => void) | null,
  ) {}

  /** Producer `producerId` works on `partition`: sends a new batch if its window allows, and sends again what needs it, in order. */
  act(producerId: number, partition: number, nodes: readonly ClientView[], nowMs: number, newBatches: boolean): void {
    const key = `${producerId}/${partition}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      s = { key, partition, queue: [], nextSequence: 0, keepFrom: null };
      this.streams.set(key, s);
    }
    for (const f of s.queue) {
      if (f.sentTo === null) continue;
      const to = nodes.find((n) => n.id === f.sentTo!.node)!;
      const lost = !to.alive || to.incarnation !== f.sentTo.incarnation;
      if (lost || nowMs - f.sentTo.atMs >= this.requestTimeoutMs) f.sentTo = null; // the node died or the request timed out
    }
    // The window opens once the producer is known to the partition (its first batch
    // acknowledged): to a replica that does not know a producer, any sequence is acceptable
    // (KIP-360, as in Kafka), so a second batch could overtake the first.
    const window = s.keepFrom === null ? 1 : this.window;
    if (newBatches && s.queue.length < window) s.queue.push(this.nextBatch(producerId, s, nowMs));
    // In sequence order. A batch sent again goes alone, once it is the oldest unacknowledged,
    // and holds back the ones after it (the Java producer's rule while retrying:
    // RecordAccumulator.shouldStopDrainBatchesForPartition).
    for (const [i, f] of s.queue.entries()) {
      if (f.sentTo !== null) continue;
      if (f.attempt > 0 && (i > 0 || s.queue.some((g) => g.sentTo !== null))) break;
      if (nowMs < f.retryAtMs) break;
      if (f.attempt > 0) this.retries++;
      if (!this.send(s, f, nodes, nowMs)) break;
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
    const count = this.prng.int(1, 3);
    s.nextSequence = base + count;
    const values = Array.from({ length: count }, (_, i) => `p${producerId}s${base + i}`);
    const bytes = buildBatch({
      producerId,
      producerEpoch: 0,
      baseSequence: base,
      records: values.map((v) => ({ key: null, value: v, timestamp: nowMs })),
    });
    return { values, bytes, attempt: 0, sentTo: null, retryAtMs: 0 };
  }

  private send(s: Stream, f: InFlight, nodes: readonly ClientView[], nowMs: number): boolean {
    const live = nodes.filter((n) => n.alive && n.replica(s.partition) !== undefined);
    if (live.length === 0) return false;
    const node = live.find((n) => n.id === this.leaderHint.get(s.partition)) ?? this.prng.pick(live);
    const replica = node.replica(s.partition)!;
    const attempt = ++f.attempt;
    f.sentTo = { node: node.id, incarnation: node.incarnation, atMs: nowMs };
    this.sent++;
    this.trace?.(`producer ${s.key} sends ${f.values[0]}.. (attempt ${attempt}) to n${node.id}`);
    replica.append(f.bytes.slice(), -1).then(
      (r) => this.answered(s, f, attempt, node, r),
      (e) => this.report(e instanceof Error ? e : new Error(String(e))),
    );
    return true;
  }

  private answered(s: Stream, f: InFlight, attempt: number, node: ClientView, r: ReplicaAppend): void {
    const at = s.queue.indexOf(f);
    if (at < 0 || f.attempt !== attempt) return; // an earlier attempt's answer: the client dropped it
    f.sentTo = null;
    if (r.ok) {
      s.queue.splice(at, 1);
      if (at === 0) s.keepFrom = Math.max(s.keepFrom ?? 0, r.baseOffset);
      if (r.duplicate) this.duplicates++;
      this.leaderHint.set(s.partition, node.id);
      this.trace?.(`producer ${s.key} acknowledged ${f.values[0]}.. at ${r.baseOffset}${r.duplicate ? ' (duplicate)' : ''} by n${node.id}`);
      try {
        this.observe();
        this.checker.acknowledged(s.partition, `n${node.id}`, f.values, r.baseOffset);
      } catch (e) {
        this.report(e as Error);
      }
      return;
    }
    this.errors.set(r.error.code, (this.errors.get(r.error.code) ?? 0) + 1);
    // OUT_OF_ORDER_SEQUENCE_NUMBER is expected only while an older batch is unacknowledged (it
    // failed or is still on its way: this one overtook it); to the oldest batch it is a bug.
    const overtook = r.error.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && at > 0;
    if (!RETRIABLE.has(r.error.code) && !overtook) {
      this.report(new InvariantViolation(`producer ${s.key}: n${node.id} answered error ${r.error.code} (${r.error.message}) to an in-sequence batch`));
      return;
    }
    f.retryAtMs = this.nowMs() + RETRY_BACKOFF_MS;
    const hinted = r.currentLeader.leaderId;
    if (r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER && hinted !== -1 && hinted !== node.id) this.leaderHint.set(s.partition, hinted);
    else if (r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER) this.leaderHint.delete(s.partition);
  }
}

export class Consumers {
  private readonly position = new Map<number, number>();
  private readonly epoch = new Map<number, number>();
  private readonly leaderHint = new Map<number, NodeId>();
  fetches = 0;

  constructor(
    private readonly prng: Prng,
    private readonly checker: PartitionChecker,
  ) {}

  fetch(partition: number, nodes: readonly ClientView[]): void {
    const live = nodes.filter((n) => n.alive && n.replica(partition) !== undefined);
    if (live.length === 0) return;
    const node = live.find((n) => n.id === this.leaderHint.get(partition)) ?? this.prng.pick(live);
    const replica = node.replica(partition)!;
    const from = this.position.get(partition) ?? 0;
    this.fetches++;
    const r = replica.read(from, this.prng.pick([200, 4096]), this.epoch.get(partition) ?? -1);
    if (!r.ok && r.error.code === ErrorCode.OFFSET_OUT_OF_RANGE && from < replica.logStartOffset) {
      this.position.set(partition, replica.logStartOffset); // compacted past it: auto.offset.reset=earliest
      return;
    }
    if (!r.ok) {
      const leader = r.currentLeader;
      if (r.error.code === ErrorCode.FENCED_LEADER_EPOCH || r.error.code === ErrorCode.UNKNOWN_LEADER_EPOCH) this.epoch.set(partition, leader.leaderEpoch);
      if (leader.leaderId !== -1 && leader.leaderId !== node.id) this.leaderHint.set(partition, leader.leaderId);
      else this.leaderHint.delete(partition);
      return;
    }
    this.leaderHint.set(partition, node.id);
    if (!this.epoch.has(partition) || this.prng.chance(0.1)) this.epoch.set(partition, replica.leaderEpoch);
    const records = recordsOf(r.bytes).filter((s) => s.offset >= from);
    this.checker.consumed(partition, `n${node.id}`, records);
    this.position.set(partition, r.nextOffset);
  }
}

/** Every record of whole batches (a control batch as one `control@<epoch>`), as the checker sees them. */
export function recordsOf(bytes: Uint8Array): SeenRecord[] {
  const out: SeenRecord[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const h = new BatchHeader(bytes, pos);
    if (h.isControl) {
      out.push({ offset: h.baseOffset, value: `control@${h.partitionLeaderEpoch}` });
    } else {
      const range = batchRecordsRange(bytes, pos);
      decodeRecords(bytes, range.start, range.end, h.recordCount).forEach((rec, i) => {
        out.push({ offset: h.baseOffset + (rec.offsetDelta ?? i), value: decoder.decode(rec.value!) });
      });
    }
    pos += h.sizeBytes;
  }
  return out;
}
