// Simulated Kafka clients of the partition simulation.
//
// Producers are the shared idempotent acks=all producers (../idempotent-producers.ts: one
// producer id and epoch, a sequence per partition, windows of 1 to 5 from the seed, the same
// bytes sent again after NOT_LEADER_OR_FOLLOWER, retriable errors, a crash of the node or the
// request timeout), here calling a replica's `append` directly: the batch goes to the replica
// the producer believes leads, or a random live one.
//
// Consumers fetch each partition from its leader, from the offset after what they read, with
// the leader epoch they last learned (KIP-320), and hand what they read to the checker.

import type { Prng } from '../../../src/base/prng.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { BatchHeader } from '../../../src/protocol/records/batch.ts';
import { batchRecordsRange, decodeRecords } from '../../../src/protocol/records/records.ts';
import type { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import type { NodeId } from '../../../src/raft/core/index.ts';
import { type Attempt, IdempotentProducers, type KeyedRecords, type ProduceAnswer, type ProduceTransport, RECORD_ID_HEADER } from '../idempotent-producers.ts';
import { InvariantViolation } from '../raft-core/checker.ts';
import type { PartitionChecker, SeenRecord } from './checker.ts';

/** What the clients need of a node: is it up, which life, its replica of a partition. */
export interface ClientView {
  readonly id: NodeId;
  readonly incarnation: number;
  readonly alive: boolean;
  replica(partition: number): ReplicatedPartition | undefined;
}

/** The partition simulation's producers: the shared ones, sending to replicas directly. */
export class Producers extends IdempotentProducers {
  constructor(prng: Prng, checker: PartitionChecker, window: number, requestTimeoutMs: number, report: (e: Error) => void, observe: () => void, nowMs: () => number, trace: ((line: string) => void) | null, nodes: () => readonly ClientView[], keyed?: KeyedRecords) {
    super({ prng, checker, window, requestTimeoutMs, report, observe, nowMs, trace, transport: replicaTransport(prng, nodes), keyed });
  }
}

/** A batch goes to the replica named, if live, else to a random live one; it is lost when that node's life ends. */
function replicaTransport(prng: Prng, nodes: () => readonly ClientView[]): ProduceTransport {
  return {
    send(_producerId, partition, bytes, leaderHint): Attempt | null {
      const live = nodes().filter((n) => n.alive && n.replica(partition) !== undefined);
      if (live.length === 0) return null;
      const node = live.find((n) => n.id === leaderHint) ?? prng.pick(live);
      const incarnation = node.incarnation;
      const answer = node
        .replica(partition)!
        .append(bytes.slice(), -1)
        .then((r): ProduceAnswer => (r.ok ? { ok: true, baseOffset: r.baseOffset, duplicate: r.duplicate } : { ok: false, code: r.error.code, message: r.error.message ?? '', leaderId: r.currentLeader.leaderId }));
      return { node: node.id, lost: () => !node.alive || node.incarnation !== incarnation, answer };
    },
  };
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

const decoder = new TextDecoder();

/** A record's name: its value, or a tombstone's `id` header. */
export function nameOf(rec: { value: Uint8Array | null; headers: readonly { key: string; value: Uint8Array | null }[] }): string {
  if (rec.value !== null) return decoder.decode(rec.value);
  const id = rec.headers.find((h) => h.key === RECORD_ID_HEADER)?.value;
  if (id === undefined || id === null) throw new Error('a record with no value and no id header');
  return decoder.decode(id);
}

/** Bytes one read of a replica's committed log takes while the checker follows it. */
const CHECK_READ_BYTES = 64 * 1024;

/**
 * Feeds the checker what replica `r` (on node `node`) holds below its high watermark that the
 * checker has not seen yet: every replica's committed log must be the one history.
 */
export function observeCommitted(checker: PartitionChecker, p: number, node: string, r: ReplicatedPartition): void {
  const highWatermark = r.driver.highWatermark;
  let from = Math.max(r.log.logStartOffset, Math.min(checker.committedEnd(p), highWatermark));
  while (from < highWatermark) {
    const read = r.log.read(from, CHECK_READ_BYTES, { minOneBatch: true, maxOffset: highWatermark });
    if (read.outOfRange || read.nextOffset <= from) throw new InvariantViolation(`${node} partition ${p}: cannot read its log at ${from} below its high watermark ${highWatermark}`);
    checker.committed(p, node, recordsOf(read.bytes).filter((s) => s.offset >= from && s.offset < highWatermark));
    from = read.nextOffset;
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
        out.push({ offset: h.baseOffset + (rec.offsetDelta ?? i), value: nameOf(rec) });
      });
    }
    pos += h.sizeBytes;
  }
  return out;
}
