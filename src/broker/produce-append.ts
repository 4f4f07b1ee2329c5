// The leader's write path for one partition of a Produce request: validate the batch, apply the
// idempotent-producer rules, append, record the producer's new sequence. Synchronous from the
// first check to the append, so no other request can interleave (DESIGN: no await between a
// check and its use).

import type { Partition } from '../cluster/partition.ts';
import { decompressTransient } from '../compression/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { type RecordError, type ValidatedBatch, validateRecords } from '../protocol/records/validate.ts';
import { recompressForTopic } from './recompress.ts';
import type { TopicConfig } from '../config/topic-config.ts';


export type AppendOutcome =
  | { kind: 'appended'; baseOffset: number; lastOffset: number; logAppendTimeMs: number }
  | { kind: 'duplicate'; baseOffset: number; lastOffset: number; logAppendTimeMs: number }
  | { kind: 'error'; code: number; message: string | null; recordErrors?: readonly RecordError[] };

/** A partition's records validated (Kafka's LogValidator) and in the topic's codec, ready to append; or why not. */
export type Validated =
  | { kind: 'valid'; batches: readonly ValidatedBatch[]; stored: Uint8Array; logAppendTime: boolean }
  | { kind: 'error'; code: number; message: string | null; recordErrors?: readonly RecordError[] };

/** The topic settings validation reads (a validation thread gets these, not the whole config). */
export type ValidationConfig = Pick<
  TopicConfig,
  'maxMessageBytes' | 'messageTimestampType' | 'cleanupPolicy' | 'messageTimestampBeforeMaxMs' | 'messageTimestampAfterMaxMs' | 'compressionType'
>;

/**
 * Validation and recompression (compression.type other than producer, recompress.ts), shared by
 * a lone node's partitions and a cluster's replicas: a LogAppendTime topic's batches come out
 * stamped with `nowMs`, so every replica stores the leader's time.
 */
export function validateProduced(c: ValidationConfig, topicPartition: string, records: Uint8Array, nowMs: number, produceVersion?: number): Validated {
  const v = validateRecords(
    records,
    {
      maxMessageBytes: c.maxMessageBytes,
      timestampType: c.messageTimestampType,
      compacted: c.cleanupPolicy.includes('compact'),
      messageTimestampBeforeMaxMs: c.messageTimestampBeforeMaxMs,
      messageTimestampAfterMaxMs: c.messageTimestampAfterMaxMs,
    },
    nowMs,
    // The walk keeps nothing of the decompressed records: one reused buffer serves every batch.
    decompressTransient,
    { produceVersion, topicPartition },
  );
  if (!v.ok) return { kind: 'error', code: v.error.code, message: v.error.message, recordErrors: v.recordErrors };
  const stored = recompressForTopic(records, v.batches, c.compressionType, c.maxMessageBytes);
  if (!stored.ok) return { kind: 'error', code: stored.code, message: stored.message };
  return { kind: 'valid', batches: v.batches, stored: stored.bytes, logAppendTime: c.messageTimestampType === 'LogAppendTime' };
}

export function appendProduced(p: Partition, records: Uint8Array, nowMs: number, produceVersion?: number): AppendOutcome {
  return appendValidated(p, validateProduced(p.config, `${p.topic.name}-${p.index}`, records, nowMs, produceVersion), nowMs);
}

/**
 * The idempotent-producer checks and the append of records validated already (here or on a
 * validation thread, validation-pool.ts); `nowMs` is the time validation stamped.
 */
export function appendValidated(p: Partition, v: Validated, nowMs: number): AppendOutcome {
  if (v.kind === 'error') return v;
  const { batches, logAppendTime } = v;
  for (const b of batches) {
    const check = p.producers.check(b);
    if (check.kind === 'error') return { kind: 'error', code: check.code, message: check.message };
    if (check.kind === 'duplicate') {
      if (batches.length !== 1) {
        return { kind: 'error', code: ErrorCode.INVALID_RECORD, message: 'duplicate batch inside a multi-batch request' };
      }
      return {
        kind: 'duplicate',
        baseOffset: check.baseOffset,
        lastOffset: check.lastOffset,
        logAppendTimeMs: logAppendTime ? check.maxTimestamp : -1,
      };
    }
  }
  const r = p.append(v.stored);
  if (!r.ok) return { kind: 'error', code: r.error.code, message: r.error.message };
  let offset = r.baseOffset;
  for (const b of batches) {
    p.producers.record(b, offset);
    offset += b.lastOffsetDelta + 1;
  }
  return { kind: 'appended', baseOffset: r.baseOffset, lastOffset: r.lastOffset, logAppendTimeMs: logAppendTime ? nowMs : -1 };
}
