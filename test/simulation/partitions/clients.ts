// Simulated Kafka clients of the partition simulation.
//
// Producers are idempotent with acks=all, as the Java producer with enable.idempotence: one
// producer id and epoch, a record sequence per partition, and one batch in flight per
// partition (max.in.flight 1, so batch n+1 goes only once n is acknowledged and the committed
// sequences must be gapless). A batch is sent to the replica the producer believes leads; it is
// sent again, the same bytes, after NOT_LEADER_OR_FOLLOWER (to the leader the answer names, as
// KIP-951's CurrentLeader lets a client), after any retriable error, when the node it went to
// crashed, or after request.timeout.ms without an answer. Retries must come back as the
// original's offsets (a duplicate), never as a second copy. A non-retriable error is a bug.
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

/** retry.backoff.ms (Kafka's default is 100 ms; shorter here, so that runs stay short). */
const RETRY_BACKOFF_MS = 20;

const decoder = new TextDecoder();

export class Producers {
  private readonly nextSequence = new Map<string, number>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly leaderHint = new Map<number, NodeId>();
  /** Per producer and partition: one past the last acknowledged offset. */
  private readonly acknowledgedEnd = new Map<string, number>();
  sent = 0;
  retries = 0;
  duplicates = 0;
  /** Error answers by code. */
  readonly errors = new Map<number, number>();

  constructor(
    private readonly prng: Prng,
    private readonly checker: PartitionChecker,
    private readonly requestTimeoutMs: number,
    private readonly report: (e: Error) => void,
    /** Brings the checker up to date with every replica (an answer may come before the step ends). */
    private readonly observe: () => void,
    private readonly nowMs: () => number,
    private readonly trace: ((line: string) => void) | null,
  ) {}

  /** Producer `producerId` works on `partition`: sends its next batch, or its pending one again. */
  act(producerId: number, partition: number, nodes: readonly ClientView[], nowMs: number, newBatches: boolean): void {
    const key = `${producerId}/${partition}`;
    let f = this.inFlight.get(key);
    if (f !== undefined && f.sentTo !== null) {
      const to = nodes.find((n) => n.id === f!.sentTo!.node)!;
      const lost = !to.alive || to.incarnation !== f.sentTo.incarnation;
      if (!lost && nowMs - f.sentTo.atMs < this.requestTimeoutMs) return;
      f.sentTo = null; // the node died or the request timed out: send it again
    }
    if (f !== undefined && nowMs < f.retryAtMs) return;
    if (f === undefined) {
      if (!newBatches) return;
      f = this.nextBatch(producerId, partition, nowMs);
      this.inFlight.set(key, f);
    } else {
      this.retries++;
    }
    this.send(key, partition, f, nodes, nowMs);
  }

  /**
   * How far a replica may compact `partition` without losing a retry's deduplication: below
   * the first offset a batch in flight may have been committed at (after its producer's last
   * acknowledged one). Compacting further is Kafka's behaviour too (a producer whose batches
   * retention removed is unknown, KIP-360), but then a retry is a new batch to the checker.
   */
  safeLogStart(partition: number): number {
    let limit = Number.MAX_SAFE_INTEGER;
    for (const key of this.inFlight.keys()) {
      if (Number(key.split('/')[1]) === partition) limit = Math.min(limit, this.acknowledgedEnd.get(key) ?? 0);
    }
    return limit;
  }

  /** Batches not yet acknowledged. */
  get pending(): number {
    return this.inFlight.size;
  }

  private nextBatch(producerId: number, partition: number, nowMs: number): InFlight {
    const key = `${producerId}/${partition}`;
    const base = this.nextSequence.get(key) ?? 0;
    const count = this.prng.int(1, 3);
    this.nextSequence.set(key, base + count);
    const values = Array.from({ length: count }, (_, i) => `p${producerId}s${base + i}`);
    const bytes = buildBatch({
      producerId,
      producerEpoch: 0,
      baseSequence: base,
      records: values.map((v) => ({ key: null, value: v, timestamp: nowMs })),
    });
    return { values, bytes, attempt: 0, sentTo: null, retryAtMs: 0 };
  }

  private send(key: string, partition: number, f: InFlight, nodes: readonly ClientView[], nowMs: number): void {
    const live = nodes.filter((n) => n.alive && n.replica(partition) !== undefined);
    if (live.length === 0) return;
    const node = live.find((n) => n.id === this.leaderHint.get(partition)) ?? this.prng.pick(live);
    const replica = node.replica(partition)!;
    const attempt = ++f.attempt;
    f.sentTo = { node: node.id, incarnation: node.incarnation, atMs: nowMs };
    this.sent++;
    this.trace?.(`producer ${key} sends ${f.values[0]}.. (attempt ${attempt}) to n${node.id}`);
    replica.append(f.bytes.slice(), -1).then(
      (r) => this.answered(key, partition, f, attempt, node, r),
      (e) => this.report(e instanceof Error ? e : new Error(String(e))),
    );
  }

  private answered(key: string, partition: number, f: InFlight, attempt: number, node: ClientView, r: ReplicaAppend): void {
    if (this.inFlight.get(key) !== f || f.attempt !== attempt) return; // an earlier attempt's answer: the client dropped it
    f.sentTo = null;
    if (r.ok) {
      this.inFlight.delete(key);
      this.acknowledgedEnd.set(key, r.lastOffset + 1);
      if (r.duplicate) this.duplicates++;
      this.leaderHint.set(partition, node.id);
      this.trace?.(`producer ${key} acknowledged ${f.values[0]}.. at ${r.baseOffset}${r.duplicate ? ' (duplicate)' : ''} by n${node.id}`);
      try {
        this.observe();
        this.checker.acknowledged(partition, `n${node.id}`, f.values, r.baseOffset);
      } catch (e) {
        this.report(e as Error);
      }
      return;
    }
    this.errors.set(r.error.code, (this.errors.get(r.error.code) ?? 0) + 1);
    if (!RETRIABLE.has(r.error.code)) {
      this.report(new InvariantViolation(`producer ${key}: n${node.id} answered error ${r.error.code} (${r.error.message}) to an in-sequence batch`));
      return;
    }
    f.retryAtMs = this.nowMs() + RETRY_BACKOFF_MS;
    const hinted = r.currentLeader.leaderId;
    if (r.error.code === ErrorCode.NOT_LEADER_OR_FOLLOWER && hinted !== -1 && hinted !== node.id) this.leaderHint.set(partition, hinted);
    else this.leaderHint.delete(partition);
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
