// The durable Raft state of every group of a node that is not in the groups' logs: term and
// vote (paper Figure 2, "Persistent state on all servers"), the commit index, the snapshot
// point (the metadata of the point before each log's start), and the index of membership
// entries of each log. KRaft keeps this per partition directory (its `quorum-state` file); one
// file per group would cost one fsync per group, and an election storm on a node with 1,000
// groups would then cost 1,000 fsyncs in one turn. Here it is one journal per node (per set of
// groups driven by one event loop), as etcd's WAL holds the HardState of its group: each turn
// appends one record holding the new state of every group that changed, and one fsync makes
// the turn durable, however many groups it holds.
//
// File `quorum-state`: records of [length uint32][crc32c uint32][payload]. A payload is
// version int8 (0), count int32, then per group its id and either its whole state or a
// removal. The last record naming a group wins. A record that is cut short or fails its CRC
// ends the journal (a torn tail: records are fsynced in order, so only the last can be torn).
// Every open rewrites the journal compacted (one record of every group) through a temporary
// file, and so does a round once the journal has grown past COMPACT_BYTES_MIN and four times
// its last compacted size: the file stays a small multiple of the groups' state.

import { assert } from '../base/assert.ts';
import type { Fd, StorageFs } from '../base/fs.ts';
import { DecodeError, Reader, Writer } from '../protocol/primitives.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { GroupCommit } from '../storage/group-commit.ts';
import { membership, type Index, type Membership, type NodeId, type SnapshotMeta, type Term } from './core/index.ts';
import type { GroupId } from './transport.ts';

export const QUORUM_STATE_FILE = 'quorum-state';
const RECORD_VERSION = 0;
const RECORD_HEADER_BYTES = 8;
/** A record longer than this is torn or damaged (a compacted record of 20,000 groups is ~2 MiB). */
export const RECORD_BYTES_MAX = 64 * 1024 * 1024;
/** Membership entries one record may hold for a group (its index, retired ones included: membership-index.ts). */
export const MEMBERSHIPS_PER_GROUP_MAX = 1024;
/** Members in one membership: far above any replication factor. */
const MEMBERS_MAX = 1024;
/** The journal is compacted once it is past this and four times its last compacted size. */
export const COMPACT_BYTES_MIN = 1024 * 1024;
const COMPACT_GROWTH_FACTOR = 4;
const NO_VOTE = -1;

/** A membership entry of a group's log: its offset, its term, and the membership it sets. */
export interface MembershipRecord {
  readonly index: Index;
  readonly term: Term;
  readonly membership: Membership;
}

/** What the journal keeps of one group. */
export interface GroupState {
  readonly term: Term;
  readonly vote: NodeId | null;
  /** Not part of Figure 2's persistent state: kept so a restarted node applies sooner. */
  readonly commit: Index;
  /** The point the group's log starts after. */
  readonly snapshot: SnapshotMeta;
  /** Membership entries of the log after the snapshot point, ascending by (index, term). */
  readonly memberships: readonly MembershipRecord[];
}

export interface JournalStats {
  records: number;
  fsyncs: number;
  compactions: number;
  /** Bytes cut off the end when the journal was opened (a torn tail). */
  tornBytes: number;
}

export class QuorumStateJournal {
  private readonly path: string;
  private fd: Fd;
  /** The latest state of every group: durable, or staged for the next round. */
  private readonly states: Map<GroupId, GroupState>;
  /** Changes for the next round; null is a removal. */
  private staged = new Map<GroupId, GroupState | null>();
  private fileBytes = 0;
  private compactedBytes = 0;
  private fsyncsInFlight = 0;
  private pendingSync: Promise<void> | null = null;
  private readonly commit = new GroupCommit(() => this.round(), () => this.failure);
  /** Set by a failed fsync: nothing written since is known durable, so the node must stop. */
  failure: Error | null = null;
  readonly stats: JournalStats = { records: 0, fsyncs: 0, compactions: 0, tornBytes: 0 };

  private constructor(
    private readonly fs: StorageFs,
    readonly dir: string,
    states: Map<GroupId, GroupState>,
  ) {
    this.path = `${dir}/${QUORUM_STATE_FILE}`;
    this.states = states;
    this.fd = this.compact();
  }

  /** Reads the journal in `dir` (empty if there is none) and rewrites it compacted. */
  static open(fs: StorageFs, dir: string): QuorumStateJournal {
    fs.mkdirp(dir);
    const bytes = fs.readFile(`${dir}/${QUORUM_STATE_FILE}`) ?? new Uint8Array(0);
    const { states, validBytes } = replay(bytes);
    const journal = new QuorumStateJournal(fs, dir, states);
    journal.stats.tornBytes = bytes.length - validBytes;
    return journal;
  }

  /** The latest state of `group` (durable or staged), if the journal knows it. */
  stored(group: GroupId): GroupState | undefined {
    return this.states.get(group);
  }

  get groupCount(): number {
    return this.states.size;
  }

  /** Records `state` for the next round. */
  stage(group: GroupId, state: GroupState): void {
    assert(state.memberships.length <= MEMBERSHIPS_PER_GROUP_MAX, `${state.memberships.length} membership entries recorded for ${group}`);
    this.states.set(group, state);
    this.staged.set(group, state);
  }

  /** The group is gone from this node (its replica was deleted). */
  stageRemoval(group: GroupId): void {
    this.states.delete(group);
    this.staged.set(group, null);
  }

  /**
   * Resolves once everything staged before the call is durable. Calls made in the same turn
   * (before the microtask queue drains) share one round: one record, one fsync.
   */
  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.pendingSync === null) {
      this.pendingSync = new Promise<void>((resolve, reject) => {
        queueMicrotask(() => {
          this.pendingSync = null;
          this.commit.request().then(resolve, reject);
        });
      });
    }
    return this.pendingSync;
  }

  /** Closes the file (a clean stop: the caller has synced what it staged). */
  close(): void {
    this.fs.close(this.fd);
  }

  /** One round: the staged changes as one record (or the whole journal compacted), then fsync. */
  private async round(): Promise<void> {
    const due = this.fileBytes > COMPACT_BYTES_MIN && this.fileBytes > COMPACT_GROWTH_FACTOR * this.compactedBytes;
    if (due && this.fsyncsInFlight === 0) {
      // Written and fsynced synchronously: its descriptor is replaced, and no fsync uses the old one.
      this.fs.close(this.fd);
      this.fd = this.compact();
      return;
    }
    if (this.staged.size === 0) return;
    const record = encodeRecord(this.staged);
    this.staged = new Map();
    this.fs.append(this.fd, record);
    this.fileBytes += record.length;
    this.stats.records++;
    this.fsyncsInFlight++;
    this.stats.fsyncs++;
    try {
      await this.fs.fsync(this.fd);
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
      throw this.failure;
    } finally {
      this.fsyncsInFlight--;
    }
  }

  /** Rewrites the journal as one record of every group (temporary file, fsync, rename, fsync dir). */
  private compact(): Fd {
    const all = new Map<GroupId, GroupState | null>(this.states);
    const record = encodeRecord(all);
    writeFileAtomic(this.fs, this.path, record);
    this.staged = new Map();
    this.fileBytes = this.compactedBytes = record.length;
    this.stats.compactions++;
    return this.fs.openAppend(this.path);
  }
}

function encodeRecord(entries: ReadonlyMap<GroupId, GroupState | null>): Uint8Array {
  const w = new Writer(64 + entries.size * 96);
  w.uint32(0); // length, filled below
  w.uint32(0); // crc
  w.int8(RECORD_VERSION);
  w.int32(entries.size);
  for (const [group, state] of entries) {
    w.string(group);
    if (state === null) {
      w.int8(1);
      continue;
    }
    w.int8(0);
    w.int32(state.term);
    w.int32(state.vote ?? NO_VOTE);
    w.int64(state.commit);
    w.int64(state.snapshot.index);
    w.int32(state.snapshot.term);
    writeMembership(w, state.snapshot.membership);
    w.int32(state.memberships.length);
    for (const m of state.memberships) {
      w.int64(m.index);
      w.int32(m.term);
      writeMembership(w, m.membership);
    }
  }
  const out = w.bytes();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  assert(out.length - RECORD_HEADER_BYTES <= RECORD_BYTES_MAX, `a quorum-state record of ${out.length} bytes`);
  view.setUint32(0, out.length - RECORD_HEADER_BYTES);
  view.setUint32(4, crc32c(out, RECORD_HEADER_BYTES, out.length));
  return out;
}

function writeMembership(w: Writer, m: Membership): void {
  w.int32(m.voters.length);
  for (const id of m.voters) w.int32(id);
  w.int32(m.learners.length);
  for (const id of m.learners) w.int32(id);
}

/** Applies records in order until the end or the first torn or damaged one. */
export function replay(bytes: Uint8Array): { states: Map<GroupId, GroupState>; validBytes: number } {
  const states = new Map<GroupId, GroupState>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + RECORD_HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(pos);
    const end = pos + RECORD_HEADER_BYTES + length;
    if (length > RECORD_BYTES_MAX || end > bytes.length) break;
    if (crc32c(bytes, pos + RECORD_HEADER_BYTES, end) !== view.getUint32(pos + 4)) break;
    let decoded: Map<GroupId, GroupState | null>;
    try {
      decoded = decodePayload(new Reader(bytes, pos + RECORD_HEADER_BYTES, end));
    } catch (e) {
      if (e instanceof DecodeError) break; // a record with a good CRC that does not decode: not ours
      throw e;
    }
    for (const [group, state] of decoded) {
      if (state === null) states.delete(group);
      else states.set(group, state);
    }
    pos = end;
  }
  return { states, validBytes: pos };
}

function decodePayload(r: Reader): Map<GroupId, GroupState | null> {
  if (r.int8() !== RECORD_VERSION) throw new DecodeError('quorum-state record version');
  const count = r.int32();
  if (count < 0 || count > r.remaining) throw new DecodeError(`${count} groups in a quorum-state record`);
  const out = new Map<GroupId, GroupState | null>();
  for (let i = 0; i < count; i++) {
    const group = r.string();
    if (r.int8() === 1) {
      out.set(group, null);
      continue;
    }
    const term = r.int32();
    const vote = r.int32();
    const commit = r.int64();
    const snapshot: SnapshotMeta = { index: r.int64(), term: r.int32(), membership: readMembership(r) };
    const n = r.int32();
    if (n < 0 || n > MEMBERSHIPS_PER_GROUP_MAX) throw new DecodeError(`${n} membership entries`);
    const memberships: MembershipRecord[] = [];
    for (let k = 0; k < n; k++) memberships.push({ index: r.int64(), term: r.int32(), membership: readMembership(r) });
    out.set(group, { term, vote: vote === NO_VOTE ? null : vote, commit, snapshot, memberships });
  }
  if (r.remaining !== 0) throw new DecodeError('bytes after the last group of a quorum-state record');
  return out;
}

function readMembership(r: Reader): Membership {
  const voters = readIds(r);
  const learners = readIds(r);
  if (new Set([...voters, ...learners]).size !== voters.length + learners.length) throw new DecodeError('a node listed twice in a membership');
  return membership(voters, learners);
}

function readIds(r: Reader): NodeId[] {
  const n = r.int32();
  if (n < 0 || n > MEMBERS_MAX) throw new DecodeError(`${n} members`);
  const ids: NodeId[] = [];
  for (let i = 0; i < n; i++) ids.push(r.int32());
  return ids;
}
