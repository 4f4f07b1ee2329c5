// What a validation thread does with one Produce request's records (validation-pool.ts): each
// part through validateProduced, exactly as the event loop would run it, with the answer in a
// form that crosses threads. Pure: the thread's entry (validation-worker.ts) only moves messages.
//
// Bytes travel in one ArrayBuffer per request, transferred (moved, not copied) both ways: the
// parts are ranges of it. Validation rewrites batch headers in place (LogAppendTime, the true
// maxTimestamp, the CRC), so the bytes that come back are the ones to append; a recompressed
// part (compression.type other than producer) comes back in a buffer of its own.

import type { RecordError } from '../protocol/records/record-errors.ts';
import type { ValidatedBatch } from '../protocol/records/validate.ts';
import { type Validated, type ValidationConfig, validateProduced } from './produce-append.ts';

export interface JobPart {
  readonly config: ValidationConfig;
  /** "topic-partition", for messages. */
  readonly topicPartition: string;
  /** The records' range in the job's buffer. */
  readonly offset: number;
  readonly length: number;
}

export interface ValidationJob {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly parts: readonly JobPart[];
  readonly nowMs: number;
  readonly produceVersion: number;
}

/** Where a valid part's bytes to append are: its own range of the job's buffer, or a buffer of its own. */
export type StoredBytes = { readonly offset: number; readonly length: number } | { readonly own: ArrayBuffer };

export type PartAnswer =
  | { kind: 'valid'; batches: readonly ValidatedBatch[]; stored: StoredBytes; logAppendTime: boolean }
  | { kind: 'error'; code: number; message: string | null; recordErrors?: readonly RecordError[] };

export interface JobAnswer {
  readonly id: number;
  /** The job's buffer, handed back. */
  readonly buffer: ArrayBuffer;
  readonly parts: readonly PartAnswer[];
}

/** Runs a job; the ArrayBuffers to transfer back are the answer's buffer and each part's own. */
export function runValidationJob(job: ValidationJob): { answer: JobAnswer; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [job.buffer];
  const parts = job.parts.map((p): PartAnswer => {
    const records = new Uint8Array(job.buffer, p.offset, p.length);
    const v = validateProduced(p.config, p.topicPartition, records, job.nowMs, job.produceVersion);
    if (v.kind === 'error') return v;
    const stored = storedBytes(v, job.buffer);
    if ('own' in stored) transfer.push(stored.own);
    return { kind: 'valid', batches: v.batches, stored, logAppendTime: v.logAppendTime };
  });
  return { answer: { id: job.id, buffer: job.buffer, parts }, transfer };
}

function storedBytes(v: Extract<Validated, { kind: 'valid' }>, buffer: ArrayBuffer): StoredBytes {
  const s = v.stored;
  if (s.buffer === buffer) return { offset: s.byteOffset, length: s.byteLength };
  // A recompressed part: move its buffer when the part is all of it, else copy it into one.
  if (s.byteOffset === 0 && s.byteLength === s.buffer.byteLength && s.buffer instanceof ArrayBuffer) return { own: s.buffer };
  const own = new ArrayBuffer(s.byteLength);
  new Uint8Array(own).set(s);
  return { own };
}

/** A part's answer as the event loop's Validated, its bytes viewed in the returned buffer. */
export function validatedOf(a: PartAnswer, buffer: ArrayBuffer): Validated {
  if (a.kind === 'error') return a;
  const stored = 'own' in a.stored ? new Uint8Array(a.stored.own) : new Uint8Array(buffer, a.stored.offset, a.stored.length);
  return { kind: 'valid', batches: a.batches, stored, logAppendTime: a.logAppendTime };
}
