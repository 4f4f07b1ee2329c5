// DeleteRecords on a replicated partition is a command in the partition's own log: the leader
// proposes a control batch naming the new log start, and every replica moves its log start
// when it applies that entry. So the deletion is as durable as any committed batch (a majority
// of disks), a new leader has it (Leader Completeness), and a follower that was down applies it
// when it catches up. Kafka carries the leader's log start to followers in its Fetch responses
// and answers DeleteRecords once every live replica's log start reached the offset
// (DelayedDeleteRecords, Partition.lowWatermarkIfLeader); in a Raft log the command itself is
// the simpler carrier.
//
// The batch is a Kafka control batch (attributes bit 0x20, one record, key (version 0, type))
// of a type Kafka does not define, LOG_START_TYPE. Every Kafka client drops control batches
// before the application sees them; the Java consumer and librdkafka read the key's type only
// to find transaction markers (ABORT 0, COMMIT 1) and skip other types, as they already skip
// the Raft LEADER_CHANGE batches this log holds (src/raft/control-batch.ts). Raft's log
// adapter treats control batches of types other than its own as data, so to the core this is
// an ordinary entry. The producer id is -1: no producer state is touched (producer-state.ts).
//
// Value: version int16 (0), then the requested log start offset int64.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import { BatchHeader, Compression } from '../../protocol/records/batch.ts';
import { batchRecordsRange, buildBatch, decodeRecords } from '../../protocol/records/records.ts';
import type { Entry, Index } from '../../raft/core/index.ts';

/** The control record type of a log start command: outside Kafka's ControlRecordType codes (0-6 today). */
export const LOG_START_TYPE = 1000;
const KEY_VERSION = 0;
const VALUE_VERSION = 0;
/** Kafka's RecordBatch.NO_TIMESTAMP: the entry carries no time, so retention by time never picks it for one. */
const NO_TIMESTAMP = -1;

/** The control batch asking every replica to move its log start to `offset` (its base offset is set by the propose). */
export function encodeLogStartBatch(offset: number): Uint8Array {
  const key = new Writer(4);
  key.int16(KEY_VERSION);
  key.int16(LOG_START_TYPE);
  const value = new Writer(10);
  value.int16(VALUE_VERSION);
  value.int64(offset);
  return buildBatch({ baseTimestamp: NO_TIMESTAMP, maxTimestamp: NO_TIMESTAMP, control: true, records: [{ key: key.bytes(), value: value.bytes() }] });
}

/**
 * The log start a batch asks for, or null when it is not a log start command (data, a
 * transaction marker, Raft's own control batches). A malformed command throws DecodeError: the
 * leader wrote it, so it is a bug or a corrupt log, never client input.
 */
export function decodeLogStart(buf: Uint8Array): number | null {
  const h = new BatchHeader(buf, 0);
  if (!h.isControl || h.recordCount !== 1 || h.compression !== Compression.None) return null;
  const range = batchRecordsRange(buf, 0);
  const [record] = decodeRecords(buf, range.start, range.end, 1);
  if (record.key === null || record.key.length !== 4) return null;
  const key = new Reader(record.key);
  if (key.int16() !== KEY_VERSION || key.int16() !== LOG_START_TYPE) return null;
  if (record.value === null) throw new DecodeError('a log start command without a value');
  const r = new Reader(record.value);
  const version = r.int16();
  if (version !== VALUE_VERSION) throw new DecodeError(`log start command version ${version}`);
  const offset = r.int64();
  if (!Number.isSafeInteger(offset) || offset < 0) throw new DecodeError(`log start command offset ${offset}`);
  return offset;
}

/** What the mover needs of the replica's group (GroupDriver). */
export interface CompactingGroup {
  readonly raft: { readonly firstIndex: Index; entryHolding(index: Index): Entry | null };
  compact(index: Index): Promise<boolean>;
}

/**
 * Moves one replica's log start to what the applied log start commands ask for. A command is
 * applied after every batch it deletes, but the group compacts only what is applied and
 * flushed here and one compaction at a time (GroupDriver.compact), so the move is retried
 * after each flush and compaction until it is done. The wanted start is aligned down to a
 * batch boundary, as compactTo aligns it: the log start is a batch's base offset.
 * After a restart the commands are applied again from the log start, so nothing is kept.
 */
export class LogStartMover {
  private wantedValue = 0;
  private askedValue = 0;
  private moving = false;

  constructor(
    private readonly group: CompactingGroup,
    private readonly moved: () => void,
  ) {}

  /** The log start the applied commands ask for (a batch boundary); 0 when none did. */
  get wanted(): Index {
    return this.wantedValue;
  }

  /** The highest offset an applied command asked for (before alignment); 0 when none did. */
  get asked(): Index {
    return this.askedValue;
  }

  /** Committed entries, in order: a log start command raises the wanted start. */
  applied(entries: readonly Entry[]): void {
    let asked = false;
    for (const e of entries) {
      if (e.kind !== 'data') continue;
      const offset = decodeLogStart(e.payload);
      if (offset === null) continue;
      if (offset > this.askedValue) this.askedValue = offset;
      this.want(offset);
      asked = true;
    }
    if (asked) this.retry();
  }

  /** Tries the move again (after a flush, or another compaction ended). */
  retry(): void {
    if (this.moving || this.wantedValue <= this.group.raft.firstIndex) return;
    this.moving = true;
    // After the current turn: the group's applied index moves once its listener returns.
    void Promise.resolve()
      .then(() => this.group.compact(this.wantedValue - 1))
      .then((done) => {
        this.moving = false;
        if (done) this.moved();
      });
  }

  private want(offset: Index): void {
    const first = this.group.raft.firstIndex;
    if (offset <= first || offset <= this.wantedValue) return;
    const e = this.group.raft.entryHolding(offset - 1);
    if (e === null) return; // below the log start already (a snapshot installed past it)
    const start = e.lastIndex === offset - 1 ? offset : e.firstIndex;
    if (start > this.wantedValue) this.wantedValue = start;
  }
}
