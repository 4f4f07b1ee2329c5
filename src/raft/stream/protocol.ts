// The segment range request (stream/README.md): a far-behind follower asks a node for the
// committed batches after the end of its log, and gets them as the bytes of the node's segment
// file (Kafka's replica fetcher reads FileRecords slices the same way), never re-encoded.
//
//   request: group (string), from (int64: the follower's log end), prevTerm (int32: the term
//            of the entry before `from`), bytesMax (int32)
//   answer:  status (int8), end (int64: the last index the server would stream now: its commit,
//            capped at its flushed log and before its next membership entry), bytes (int32 + raw)
//
// The server answers `ok` only with whole batches in [from, its commit], flushed on its disk,
// stopping before a membership entry, and only when its log holds (from - 1, prevTerm): by Log
// Matching (paper 5.3) the follower's log is then a prefix of the server's, and by Leader
// Completeness (5.4) every later leader holds what it sends. Any node may serve, leader or not:
// what it knows committed is committed.

import { DecodeError, type Reader, type Writer } from '../../protocol/primitives.ts';
import type { Index, Term } from '../core/index.ts';
import type { PartitionRaftLog } from '../partition-raft-log.ts';
import type { GroupId } from '../transport.ts';

/**
 * A session starts when the leader's commit is at least this many offsets past the log end. In
 * offsets, not bytes: the follower knows only offsets (a record is one). With the defaults' 1 MiB
 * appends this is several appends' worth for records above a few hundred bytes.
 */
export const STREAM_LAG_OFFSETS_MIN = 4096;

/**
 * Both ends decide alike whether a session goes on after a range that ends at `lastIndex`: while
 * the server has more to stream (`end` is past it). The rest, uncommitted, goes the normal way.
 */
export function sessionContinues(end: Index, lastIndex: Index): boolean {
  return lastIndex < end;
}
/** One answer carries at most this many bytes (one segment read; a batch bigger than the ask still goes whole). */
export const RANGE_BYTES_MAX = 8 * 1024 * 1024;
/** Group ids are short (`<topicId>:<partition>`); a longer one is bad input. */
const GROUP_ID_BYTES_MAX = 512;

export interface RangeRequest {
  readonly group: GroupId;
  readonly from: Index;
  readonly prevTerm: Term;
  readonly bytesMax: number;
}

export type RangeStatus = 'ok' | 'diverged' | 'behind_log_start' | 'nothing_committed' | 'unknown_group';
const STATUSES: readonly RangeStatus[] = ['ok', 'diverged', 'behind_log_start', 'nothing_committed', 'unknown_group'];

export interface RangeAnswer {
  readonly status: RangeStatus;
  /** The last index the server would stream now (-1 when it does not host the group). */
  readonly end: Index;
  /** Whole batches from `from` (empty unless `ok`). */
  readonly bytes: Uint8Array;
}

export function writeRangeRequest(w: Writer, r: RangeRequest): void {
  w.string(r.group);
  w.int64(r.from);
  w.int32(r.prevTerm);
  w.int32(r.bytesMax);
}

export function readRangeRequest(r: Reader): RangeRequest {
  const group = r.string();
  if (group.length > GROUP_ID_BYTES_MAX) throw new DecodeError(`a group id of ${group.length} characters`);
  const from = r.int64();
  const prevTerm = r.int32();
  const bytesMax = r.int32();
  if (from < 0 || !Number.isSafeInteger(from)) throw new DecodeError(`range from ${from}`);
  if (prevTerm < 0) throw new DecodeError(`range prevTerm ${prevTerm}`);
  if (bytesMax < 1 || bytesMax > RANGE_BYTES_MAX) throw new DecodeError(`range bytesMax ${bytesMax}`);
  return { group, from, prevTerm, bytesMax };
}

export function writeRangeAnswer(w: Writer, a: RangeAnswer): void {
  w.int8(STATUSES.indexOf(a.status));
  w.int64(a.end);
  w.int32(a.bytes.length);
  w.raw(a.bytes);
}

/** Checks every length against the bytes left (Reader.raw): a view into `r`'s buffer, no allocation. */
export function readRangeAnswer(r: Reader, bytesMax: number): RangeAnswer {
  const code = r.int8();
  const status = STATUSES[code];
  if (status === undefined) throw new DecodeError(`range status ${code}`);
  const end = r.int64();
  if (end < -1 || !Number.isSafeInteger(end)) throw new DecodeError(`range end ${end}`);
  const n = r.int32();
  if (n < 0 || n > bytesMax) throw new DecodeError(`a range of ${n} bytes, at most ${bytesMax} expected`);
  if (status !== 'ok' && n > 0) throw new DecodeError(`${n} bytes with status ${status}`);
  return { status, end, bytes: r.raw(n) };
}

const none = new Uint8Array(0);

/**
 * The server side: what `log` (this node's replica, whose commit index is `commit`) answers.
 * Pure over the log's reads; the bytes are the segment file's.
 */
export function serveRange(log: PartitionRaftLog, commit: Index, req: RangeRequest): RangeAnswer & { readonly lastIndex: Index } {
  const snap = log.snapshot();
  // Committed, durable here, and before the next membership entry (it goes through the core).
  const membership = log.membershipAtOrAfter(req.from);
  const end = Math.min(commit, log.log.flushedOffset - 1, membership === null ? Infinity : membership - 1);
  const answer = (status: RangeStatus, bytes: Uint8Array = none, lastIndex = req.from - 1) => ({ status, end, bytes, lastIndex });
  if (req.from - 1 < snap.index) return answer('behind_log_start');
  const prevTerm = req.from - 1 === snap.index ? snap.term : log.log.termAt(req.from - 1);
  if (prevTerm !== req.prevTerm) return answer('diverged');
  if (end < req.from) return answer('nothing_committed');
  const r = log.log.read(req.from, Math.min(req.bytesMax, RANGE_BYTES_MAX), { minOneBatch: true, maxOffset: end + 1 });
  if (r.bytes.length === 0 || r.bytes.length > RANGE_BYTES_MAX) return answer('nothing_committed');
  return answer('ok', r.bytes, r.nextOffset - 1);
}
