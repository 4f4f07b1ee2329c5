// A metadata snapshot as one file: KRaft's `<endOffset>-<epoch>.checkpoint` (KIP-630), holding
// the image as of one index of the controller log. Pure: bytes in, values out; the store that
// writes, lists and prunes these files is src/cluster/quorum/snapshot-store.ts.
//
//   magic int32 'FSNP' | version int16 (1) | index int64 | term int32
//   | voters int32 count, int32 ids | learners int32 count, int32 ids
//   | stateBytes int32 | state (metadata batches, snapshotRecords in order) | crc32c uint32
//
// - index and term name the last entry the state holds; membership is the controller group's
//   at that entry (what Raft's InstallSnapshot carries, dissertation 5.1), so a follower can
//   check the file it fetched against the leader's message.
// - The CRC covers every byte before it: a torn write (a crash mid-file), a truncated copy or a
//   flipped bit is refused, and the loader falls back to the older snapshot or the log.
// - The name carries the end offset (index + 1) and epoch as Kafka's Snapshots.filenameFromSnapshotId
//   does (`%020d-%010d.checkpoint`): listing a directory orders the snapshots without reading them.
// - Decoding refuses only with DecodeError; nothing a peer or a disk hands us reaches an assertion.

import { DecodeError, Reader, Writer } from '../../protocol/primitives.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';
import type { Index, Membership, Term } from '../../raft/core/index.ts';
import { REPLICAS_MAX } from './records.ts';

const MAGIC = 0x46534e50; // 'FSNP'
const VERSION = 1;
/** A snapshot file's bytes: the image of a large cluster is a few hundred MiB at most. */
export const SNAPSHOT_FILE_BYTES_MAX = 1024 * 1024 * 1024;
/** Members of the controller group one file lists (the Raft shell's CONTROL_MEMBERS_MAX). */
const MEMBERS_MAX = REPLICAS_MAX;
/** Bytes of everything but the state and the member lists. */
const FIXED_BYTES = 4 + 2 + 8 + 4 + 4 + 4 + 4 + 4;
export const SNAPSHOT_SUFFIX = '.checkpoint';

export interface SnapshotFile {
  /** The last entry of the controller log the state holds. */
  readonly index: Index;
  readonly term: Term;
  /** The controller group's membership at that entry. */
  readonly membership: Membership;
  /** The image as metadata batches (MetadataStateMachine.snapshot's bytes). */
  readonly state: Uint8Array;
}

export function encodeSnapshotFile(s: SnapshotFile): Uint8Array {
  const w = new Writer(FIXED_BYTES + 4 * (s.membership.voters.length + s.membership.learners.length) + s.state.length);
  w.int32(MAGIC);
  w.int16(VERSION);
  w.int64(s.index);
  w.int32(s.term);
  for (const ids of [s.membership.voters, s.membership.learners]) {
    w.int32(ids.length);
    for (const id of ids) w.int32(id);
  }
  w.int32(s.state.length);
  w.raw(s.state);
  const body = w.bytes();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer, out.byteOffset).setUint32(body.length, crc32c(body));
  return out;
}

/** The file's contents; DecodeError for anything that is not one whole, intact snapshot file. */
export function decodeSnapshotFile(bytes: Uint8Array): SnapshotFile {
  if (bytes.length > SNAPSHOT_FILE_BYTES_MAX) throw new DecodeError(`snapshot of ${bytes.length} bytes exceeds ${SNAPSHOT_FILE_BYTES_MAX}`);
  if (bytes.length < FIXED_BYTES) throw new DecodeError(`snapshot of ${bytes.length} bytes is shorter than its header`);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(bytes.length - 4);
  const actual = crc32c(bytes, 0, bytes.length - 4);
  if (stored !== actual) throw new DecodeError(`snapshot CRC ${stored.toString(16)} does not match its bytes (${actual.toString(16)}): torn or corrupt`);
  const r = new Reader(bytes, 0, bytes.length - 4);
  if (r.int32() !== MAGIC) throw new DecodeError('not a metadata snapshot (bad magic)');
  const version = r.int16();
  if (version !== VERSION) throw new DecodeError(`metadata snapshot version ${version}, this build reads ${VERSION}`);
  const index = r.int64();
  const term = r.int32();
  if (index < 0 || index >= 2 ** 53 || term < 0) throw new DecodeError(`snapshot index ${index} or term ${term} out of range`);
  const [voters, learners] = [members(r), members(r)];
  const all = [...voters, ...learners];
  if (new Set(all).size !== all.length) throw new DecodeError('a node listed twice in the snapshot membership');
  const n = r.int32();
  if (n < 0 || n !== r.end - r.pos) throw new DecodeError(`snapshot state of ${n} bytes, ${r.end - r.pos} left`);
  const state = r.raw(n);
  return { index, term, membership: { voters, learners }, state };
}

function members(r: Reader): number[] {
  const n = r.int32();
  if (n < 0 || n > MEMBERS_MAX) throw new DecodeError(`snapshot lists ${n} members (at most ${MEMBERS_MAX})`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.int32();
    if (id < 0 || (ids.length > 0 && id <= ids[ids.length - 1])) throw new DecodeError('snapshot members not strictly ascending node ids');
    ids.push(id);
  }
  return ids;
}

/** Kafka's file name for a snapshot ending at `index` (end offset index + 1) of `term`. */
export function snapshotFileName(index: Index, term: Term): string {
  return `${String(index + 1).padStart(20, '0')}-${String(term).padStart(10, '0')}${SNAPSHOT_SUFFIX}`;
}

/** The index and term a snapshot file name carries, or null for any other name (a temporary file). */
export function parseSnapshotFileName(name: string): { index: Index; term: Term } | null {
  const m = /^(\d{20})-(\d{10})\.checkpoint$/.exec(name);
  if (m === null) return null;
  const end = Number(m[1]);
  const term = Number(m[2]);
  if (end < 1 || !Number.isSafeInteger(end) || term > 2 ** 31 - 1) return null;
  return { index: end - 1, term };
}
