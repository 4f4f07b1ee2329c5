// A read barrier: a leader confirms it still leads before answering a read from its own state
// (Raft dissertation 6.4, "Processing read-only queries more efficiently": a leader cut off
// from its followers keeps believing it leads until CheckQuorum steps it down, while a new
// leader in a higher term already acknowledges writes; answering from the old state is a
// stale read). The simplest of 6.4's ways is used: the read goes through the log. The leader
// proposes this no-op entry after the read arrived and answers once it is committed in its
// term: a majority then still had this leader's term after the read arrived, so no later
// leader had acknowledged anything yet (a later leader must hold this entry first: Leader
// Completeness), and everything acknowledged before it is committed and applied here.
//
// The entry is a Kafka control batch (attributes bit 0x20, one record, key (version 0, type))
// of a type Kafka does not define, READ_BARRIER_TYPE, like the log start command
// (log-start.ts): every Kafka client and the group coordinator's loader skip control batches,
// Raft's log adapter treats it as data, and no replica acts on it when applying it. The
// producer id is -1: no producer state is touched. Its value is a version (int16 0), never null,
// so that a cleaner of a compacted log never takes it for a tombstone.

import { Writer } from '../../protocol/primitives.ts';
import { buildBatch } from '../../protocol/records/records.ts';

/** The control record type of a read barrier: outside Kafka's ControlRecordType codes (0-6) and LOG_START_TYPE (1000). */
export const READ_BARRIER_TYPE = 1001;
const KEY_VERSION = 0;
const VALUE_VERSION = 0;
/** Kafka's RecordBatch.NO_TIMESTAMP: the entry carries no time, so retention by time never picks it for one. */
const NO_TIMESTAMP = -1;

/** The barrier batch (its base offset is set by the propose). */
export function encodeReadBarrierBatch(): Uint8Array {
  const key = new Writer(4);
  key.int16(KEY_VERSION);
  key.int16(READ_BARRIER_TYPE);
  const value = new Writer(2);
  value.int16(VALUE_VERSION);
  return buildBatch({ baseTimestamp: NO_TIMESTAMP, maxTimestamp: NO_TIMESTAMP, control: true, records: [{ key: key.bytes(), value: value.bytes() }] });
}
