// The leader's write path for one partition of a Produce request: validate the batch, apply the
// idempotent-producer rules, append, record the producer's new sequence. Synchronous from the
// first check to the append, so no other request can interleave (DESIGN: no await between a
// check and its use).

import type { Partition } from '../cluster/partition.ts';
import { decompress } from '../compression/index.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { type RecordError, validateRecords } from '../protocol/records/validate.ts';
import { recompressForTopic } from './recompress.ts';

export type AppendOutcome =
  | { kind: 'appended'; baseOffset: number; lastOffset: number; logAppendTimeMs: number }
  | { kind: 'duplicate'; baseOffset: number; lastOffset: number; logAppendTimeMs: number }
  | { kind: 'error'; code: number; message: string | null; recordErrors?: readonly RecordError[] };

export function appendProduced(p: Partition, records: Uint8Array, nowMs: number, produceVersion?: number): AppendOutcome {
  const c = p.config;
  const logAppendTime = c.messageTimestampType === 'LogAppendTime';
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
    decompress,
    { produceVersion, topicPartition: `${p.topic.name}-${p.index}` },
  );
  if (!v.ok) return { kind: 'error', code: v.error.code, message: v.error.message, recordErrors: v.recordErrors };
  const batches = v.batches;
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
  // compression.type other than producer: store the topic's codec (recompress.ts).
  const stored = recompressForTopic(records, batches, c.compressionType, c.maxMessageBytes);
  if (!stored.ok) return { kind: 'error', code: stored.code, message: stored.message };
  const r = p.append(stored.bytes);
  if (!r.ok) return { kind: 'error', code: r.error.code, message: r.error.message };
  let offset = r.baseOffset;
  for (const b of batches) {
    p.producers.record(b, offset);
    offset += b.lastOffsetDelta + 1;
  }
  return { kind: 'appended', baseOffset: r.baseOffset, lastOffset: r.lastOffset, logAppendTimeMs: logAppendTime ? nowMs : -1 };
}
