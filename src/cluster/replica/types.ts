// The values between a replicated partition and the broker: its identity and Raft group, the
// batches of an append, and the answers of its operations (results as values: STYLE.md,
// "three kinds of failure").

import type { KafkaError } from '../../protocol/errors.ts';
import { BATCH_HEADER_BYTES, BatchHeader } from '../../protocol/records/batch.ts';
import type { Index, NodeId, Term } from '../../raft/core/index.ts';
import type { GroupId } from '../../raft/transport.ts';

export interface ReplicaId {
  readonly topicId: string;
  readonly topicName: string;
  readonly partition: number;
}

/** The Raft group of a partition: `<topicId>:<partition>` (raft/transport.ts). */
export function groupIdOf(r: ReplicaId): GroupId {
  return `${r.topicId}:${r.partition}`;
}

/** KIP-951's CurrentLeader: who leads, as far as this replica knows (-1 unknown). */
export interface CurrentLeader {
  readonly leaderId: NodeId | -1;
  readonly leaderEpoch: Term;
}

/** Every refusal: the Kafka error, and the leader as this replica knows it (for the response's CurrentLeader). */
export interface ReplicaRefusal {
  readonly ok: false;
  readonly error: KafkaError;
  readonly currentLeader: CurrentLeader;
}

export type ReplicaAppend =
  | {
      readonly ok: true;
      readonly baseOffset: Index;
      readonly lastOffset: Index;
      /** A retry of a batch the log holds: these are the original's offsets. */
      readonly duplicate: boolean;
      /**
       * The max timestamp of the (last) batch as stored; for a duplicate, the original's. A
       * LogAppendTime topic answers it as Produce's logAppendTimeMs (KIP-32).
       */
      readonly maxTimestamp: number;
    }
  | ReplicaRefusal;

export type ReplicaRead =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly nextOffset: Index; readonly highWatermark: Index; readonly logStartOffset: Index }
  | ReplicaRefusal;

export type ReplicaEpochEnd = { readonly ok: true; readonly epoch: number; readonly endOffset: number } | ReplicaRefusal;

/** What a replica counts (a probe for metrics and simulations). */
export interface ReplicaStats {
  /** Times this replica's log restarted at the leader's snapshot point (it was behind the leader's log start). */
  snapshotsInstalled: number;
}

/** Batches in one append (a Produce request's records for one partition). Clients send one. */
export const APPEND_BATCHES_MAX = 1024;

export type SplitBatches = { ok: true; headers: BatchHeader[] } | { ok: false; message: string };

/** The batches of a Produce request's records, whole (the broker validated them). */
export function splitBatches(records: Uint8Array): SplitBatches {
  const headers: BatchHeader[] = [];
  for (let pos = 0; pos < records.length; ) {
    if (headers.length >= APPEND_BATCHES_MAX) return { ok: false, message: `more than ${APPEND_BATCHES_MAX} batches in one append` };
    if (records.length - pos < BATCH_HEADER_BYTES) return { ok: false, message: `a batch header at byte ${pos} runs past the records` };
    const h = new BatchHeader(records, pos);
    if (pos + h.sizeBytes > records.length || h.sizeBytes < BATCH_HEADER_BYTES) return { ok: false, message: `a batch at byte ${pos} runs past the records` };
    headers.push(h);
    pos += h.sizeBytes;
  }
  if (headers.length === 0) return { ok: false, message: 'no record batch' };
  return { ok: true, headers };
}
