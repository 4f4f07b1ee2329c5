// The `_schemas` log in memory: the twin of KafkaSchemasLog for unit tests, shared by several
// TopicRegistryBackends to stand for several nodes on one topic. Fault knobs make the store's
// failure paths reachable: appends that fail or time out, slow appends, reads that fail, and a
// hook that lets another writer's records in just before an append (the race between nodes).

import type { Scheduler } from '../../base/scheduler.ts';
import { type LogAppend, logFail, type LogFailureKind, logOk, type LogOutcome, type LogRead, type LogRecord, type SchemasLog } from './schemas-log.ts';

/** Records one read returns at most (a fetch's byte limit, in records). */
export const MEMORY_READ_RECORDS_MAX = 100;

export interface MemoryLogFaults {
  /** The next appends fail with this kind, one per append, while the count lasts. */
  failAppends: { kind: LogFailureKind; count: number } | null;
  /** An append lands in the log but its answer is lost: the caller sees a timeout. */
  loseAppendAnswers: number;
  /** Every append waits this long (scheduler time) before it lands. */
  appendDelayMs: number;
  /** The next reads fail (kind unavailable), one per read, while the count lasts. */
  failReads: number;
  /** The next endOffset calls fail (kind timeout), while the count lasts. */
  failEndOffsets: number;
  /** Called just before an append lands: another node's writes get in first. */
  beforeAppend: ((log: MemorySchemasLog) => void) | null;
  /** Offsets skipped before each append (a control batch, a compacted gap). */
  gapBeforeAppend: number;
}

export class MemorySchemasLog implements SchemasLog {
  readonly records: LogRecord[] = [];
  /** The next offset to assign. */
  private end = 0;
  private readonly readers = new Set<() => void>();
  readonly faults: MemoryLogFaults = {
    failAppends: null,
    loseAppendAnswers: 0,
    appendDelayMs: 0,
    failReads: 0,
    failEndOffsets: 0,
    beforeAppend: null,
    gapBeforeAppend: 0,
  };
  topicCreated = false;
  appends = 0;

  constructor(private readonly scheduler: Scheduler) {}

  async ensureTopic(): Promise<LogOutcome<void>> {
    this.topicCreated = true;
    return logOk(undefined);
  }

  async endOffset(): Promise<LogOutcome<number>> {
    if (this.faults.failEndOffsets > 0) {
      this.faults.failEndOffsets--;
      return logFail('timeout', 'ListOffsets timed out (injected)');
    }
    return logOk(this.end);
  }

  async read(fromOffset: number, maxWaitMs: number): Promise<LogOutcome<LogRead>> {
    if (this.faults.failReads > 0) {
      this.faults.failReads--;
      return logFail('unavailable', 'fetch failed (injected)');
    }
    if (fromOffset >= this.end) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.readers.delete(wake);
          cancel();
          resolve();
        };
        const cancel = this.scheduler.after(maxWaitMs, wake);
        this.readers.add(wake);
      });
      if (this.faults.failReads > 0) return this.read(fromOffset, 0);
    }
    const records = this.records.filter((r) => r.offset >= fromOffset).slice(0, MEMORY_READ_RECORDS_MAX);
    const nextOffset = records.length === MEMORY_READ_RECORDS_MAX ? records[records.length - 1].offset + 1 : Math.max(fromOffset, this.end);
    return logOk({ records, nextOffset });
  }

  async append(batch: readonly LogAppend[]): Promise<LogOutcome<number>> {
    this.appends++;
    const f = this.faults;
    if (f.appendDelayMs > 0) await new Promise<void>((resolve) => this.scheduler.after(f.appendDelayMs, resolve));
    if (f.failAppends !== null && f.failAppends.count > 0) {
      f.failAppends.count--;
      return logFail(f.failAppends.kind, `produce failed (injected ${f.failAppends.kind})`);
    }
    f.beforeAppend?.(this);
    const base = this.landNow(batch);
    if (f.loseAppendAnswers > 0) {
      f.loseAppendAnswers--;
      return logFail('timeout', 'produce answer lost (injected)');
    }
    return logOk(base);
  }

  /** Appends at once, bypassing the faults: another writer's records. */
  landNow(batch: readonly LogAppend[]): number {
    this.end += this.faults.gapBeforeAppend;
    const base = this.end;
    for (const r of batch) this.records.push({ offset: this.end++, key: r.key, value: r.value });
    for (const wake of [...this.readers]) wake();
    return base;
  }

  async close(): Promise<void> {
    for (const wake of [...this.readers]) wake();
  }
}
