// Per-record errors of one produced batch (KIP-467), collected as Kafka's LogValidator collects
// them: every bad record of the batch, one error each, then one rejection of the whole batch
// that names them (LogValidator.processRecordErrors). Only the checks Kafka reports per record
// live here: a missing key on a compacted topic and a CreateTime timestamp out of range.
// Pure; used by validate.ts.

import { ErrorCode } from '../errors.ts';

/** One rejected record of a batch (ProduceResponse.RecordError). */
export interface RecordError {
  /** The record's index within its batch. */
  batchIndex: number;
  message: string;
}

/**
 * At most this many per-record errors are kept for one batch. Kafka keeps them all, but a batch
 * of a million keyless records would answer with a million messages; the batch is rejected
 * whole either way, so the records past the cap lose only their explanation.
 */
export const RECORD_ERRORS_MAX = 1000;
/** LogValidator.processRecordErrors names this many record errors in its summary message. */
const RECORD_ERRORS_IN_SUMMARY = 3;

/** The per-record errors of one batch, worded as LogValidator words them. */
export class RecordErrors {
  private readonly list: RecordError[] = [];
  private count = 0;
  private anyTimestamp = false;

  constructor(private readonly topicPartition: string | undefined) {}

  missingKey(batchIndex: number): void {
    const where = this.topicPartition === undefined ? '' : ` in topic partition ${this.topicPartition}`;
    this.add(batchIndex, `Compacted topic cannot accept message without key${where}`);
  }

  timestamp(batchIndex: number, ts: number, offset: number, minTs: number, maxTs: number): void {
    this.anyTimestamp = true;
    this.add(batchIndex, `Timestamp ${ts} of message with offset ${offset} is out of range. The timestamp should be within [${bound(minTs)}, ${bound(maxTs)}]`);
  }

  private add(batchIndex: number, message: string): void {
    this.count++;
    if (this.list.length < RECORD_ERRORS_MAX) this.list.push({ batchIndex, message });
  }

  /** The batch's rejection, as LogValidator.processRecordErrors words it; null if none. */
  rejection(): { code: number; message: string; recordErrors: readonly RecordError[] } | null {
    if (this.count === 0) return null;
    if (this.anyTimestamp) {
      return { code: ErrorCode.INVALID_TIMESTAMP, message: 'One or more records have been rejected due to invalid timestamp', recordErrors: this.list };
    }
    const shown = this.list.slice(0, RECORD_ERRORS_IN_SUMMARY).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.message}')`);
    return {
      code: ErrorCode.INVALID_RECORD,
      message: `One or more records have been rejected due to ${this.count} record errors in total, and only showing the first three errors at most: [${shown.join(', ')}]`,
      recordErrors: this.list,
    };
  }
}

/** A timestamp bound for a message; an unset limit is unbounded. */
function bound(ms: number): string {
  return Number.isFinite(ms) ? String(ms) : ms < 0 ? '-inf' : 'inf';
}
