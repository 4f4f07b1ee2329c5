// The `cluster.fetch_snapshot` request: a controller member behind its leader's log start reads
// the leader's snapshot file in chunks, as KRaft's FetchSnapshot (API 59, KIP-630;
// KafkaRaftClient.handleFetchSnapshotRequest): the snapshot is named by its id (index, term),
// each request asks for the bytes from a position, and the answer carries the file's size and
// at most `maxBytes` of it. Position-based, so a lost answer is asked for again and nothing on
// the leader remembers a transfer.
//
// The first request names no snapshot (index -1): the leader answers from the snapshot its log
// starts after (what its next InstallSnapshot would name, as KRaft's FetchResponse names the
// leader's latest SnapshotId), and the answer says which; the following requests name that one.
//
// Request: index i64 (-1: the one the log starts after) | term i32 | position i64 | maxBytes i32
// Answer:  error i8 (0 ok, 1 no such snapshot, 2 position out of range) | index i64 | term i32
//          | size i64 | bytes (i32 length + bytes)
// Anything out of range is DecodeError.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import type { MessageKind } from '../../rpc/index.ts';
import { SNAPSHOT_FILE_BYTES_MAX } from '../controller/snapshot-file.ts';

export const FETCH_SNAPSHOT: MessageKind = { type: 9, name: 'cluster.fetch_snapshot', versions: { min: 1, max: 1 } };

/** Bytes of one chunk: well under the RPC frame limit, a few per election timeout on a slow link. */
export const SNAPSHOT_CHUNK_BYTES_MAX = 1024 * 1024;

export interface FetchSnapshotRequest {
  readonly index: number;
  readonly term: number;
  readonly position: number;
  readonly maxBytes: number;
}

export type FetchSnapshotAnswer =
  | { readonly error: 'none'; readonly index: number; readonly term: number; readonly size: number; readonly bytes: Uint8Array }
  | { readonly error: 'snapshot_not_found' | 'position_out_of_range' };

const ERRORS = ['none', 'snapshot_not_found', 'position_out_of_range'] as const;

export function encodeFetchSnapshot(w: Writer, q: FetchSnapshotRequest): void {
  w.int64(q.index);
  w.int32(q.term);
  w.int64(q.position);
  w.int32(q.maxBytes);
}

export function decodeFetchSnapshot(body: Uint8Array): FetchSnapshotRequest {
  const r = new Reader(body);
  const q = { index: r.int64(), term: r.int32(), position: r.int64(), maxBytes: r.int32() };
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after a fetch_snapshot request`);
  if (q.index < -1 || q.index >= 2 ** 53 || q.term < -1 || (q.index === -1) !== (q.term === -1)) throw new DecodeError(`fetch_snapshot of ${q.index}-${q.term}`);
  if (q.position < 0 || q.position > SNAPSHOT_FILE_BYTES_MAX) throw new DecodeError(`fetch_snapshot position ${q.position}`);
  if (q.maxBytes < 1 || q.maxBytes > SNAPSHOT_CHUNK_BYTES_MAX) throw new DecodeError(`fetch_snapshot of ${q.maxBytes} bytes (1..${SNAPSHOT_CHUNK_BYTES_MAX})`);
  return q;
}

export function encodeFetchSnapshotAnswer(a: FetchSnapshotAnswer): Uint8Array {
  const w = new Writer(a.error === 'none' ? 32 + a.bytes.length : 32);
  w.int8(ERRORS.indexOf(a.error));
  w.int64(a.error === 'none' ? a.index : -1);
  w.int32(a.error === 'none' ? a.term : -1);
  w.int64(a.error === 'none' ? a.size : 0);
  const bytes = a.error === 'none' ? a.bytes : new Uint8Array(0);
  w.int32(bytes.length);
  w.raw(bytes);
  return w.bytes().slice();
}

export function decodeFetchSnapshotAnswer(body: Uint8Array): FetchSnapshotAnswer {
  const r = new Reader(body);
  const code = r.int8();
  const index = r.int64();
  const term = r.int32();
  const size = r.int64();
  const n = r.int32();
  if (code < 0 || code >= ERRORS.length) throw new DecodeError(`fetch_snapshot answer error ${code}`);
  if (n < 0 || n > SNAPSHOT_CHUNK_BYTES_MAX || n !== r.remaining) throw new DecodeError(`fetch_snapshot answer of ${n} bytes, ${r.remaining} left`);
  const bytes = r.raw(n);
  const error = ERRORS[code];
  if (error !== 'none') return { error };
  if (size < 0 || size > SNAPSHOT_FILE_BYTES_MAX) throw new DecodeError(`fetch_snapshot answer size ${size}`);
  if (index < 0 || index >= 2 ** 53 || term < 0) throw new DecodeError(`fetch_snapshot answer of snapshot ${index}-${term}`);
  return { error, index, term, size, bytes };
}
