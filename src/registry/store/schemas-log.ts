// The `_schemas` topic as the registry's store sees it: one partition, read in order from an
// offset, appended to with acks=all. Two implementations: KafkaSchemasLog (kafka-schemas-log.ts,
// the internal client against the cluster) and MemorySchemasLog (memory-schemas-log.ts, the
// twin the unit tests drive, with fault knobs). Failures are values, never throws.

/** One record of the topic. Offsets increase but may skip (compaction, control batches). */
export interface LogRecord {
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

/** A record to append: `_schemas` keys are never null; a null value is a tombstone. */
export interface LogAppend {
  readonly key: Uint8Array;
  readonly value: Uint8Array | null;
}

/**
 * timeout: no answer in time (Confluent's StoreTimeoutException, 50002); unavailable: the
 * cluster cannot take it now (no leader, no controller, too few brokers: retried); failed:
 * anything else (StoreException, 50001).
 */
export type LogFailureKind = 'timeout' | 'unavailable' | 'failed';

export interface LogFailure {
  readonly kind: LogFailureKind;
  readonly message: string;
}

export type LogOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: LogFailure };

export const logOk = <T>(value: T): LogOutcome<T> => ({ ok: true, value });
export const logFail = (kind: LogFailureKind, message: string): { ok: false; error: LogFailure } => ({ ok: false, error: { kind, message } });

/** What one read returns: the records from the offset asked for, and where the next read starts
 *  (past every batch returned, control batches and compacted gaps included). */
export interface LogRead {
  readonly records: readonly LogRecord[];
  readonly nextOffset: number;
}

export interface SchemasLog {
  /** Creates the topic if missing (compacted, one partition); an existing one is fine. */
  ensureTopic(): Promise<LogOutcome<void>>;
  /** The offset the next appended record will take (the high watermark): every record below it
   *  is readable. */
  endOffset(): Promise<LogOutcome<number>>;
  /** Records from `fromOffset`, waiting up to `maxWaitMs` for one when there is none yet. */
  read(fromOffset: number, maxWaitMs: number): Promise<LogOutcome<LogRead>>;
  /** Appends the records in order, acknowledged by every in-sync replica (acks=all); the offset
   *  of the first. */
  append(records: readonly LogAppend[]): Promise<LogOutcome<number>>;
  close(): Promise<void>;
}
