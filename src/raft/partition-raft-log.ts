// RaftStorage over a PartitionLog: a partition's log is its Raft log (DESIGN.md section 5).
// Offsets are Raft indexes, a batch is an entry, its partitionLeaderEpoch its term; Raft's own
// entries are control batches (control-batch.ts). What the log cannot say lives in the node's
// quorum-state journal: the snapshot point (index, term and membership of the point before
// the log start) and the index of membership entries (membership-index.ts).
//
// The driver writes through here, in the Ready contract's order (core/README.md):
//   - persist(entries): skip what the log already holds, cut a divergent suffix with
//     truncateSuffix, append the rest with appendAt (durable once the log is flushed);
//   - writeThrough(batch): a leader's proposal appended in the turn it was proposed (Kafka's
//     produce path: offsets assigned and bytes written in one synchronous step);
//   - installSnapshot(meta): a follower behind its leader's log start restarts its log there,
//     as Kafka's replica fetcher does on OFFSET_OUT_OF_RANGE (no segments are streamed yet);
//   - beginCompaction / finishCompaction: the log start moves (retention, DeleteRecords).
// Snapshot points and membership entries are journaled before the log changes to match them;
// open() finishes whatever a crash interrupted.

import { assert } from '../base/assert.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import { decodeRaftControl, encodeControlBatch } from './control-batch.ts';
import {
  entryBytes,
  type Entry,
  type HardState,
  type Index,
  type InitialState,
  type Membership,
  type RaftStorage,
  type SnapshotMeta,
  type Term,
} from './core/index.ts';
import { MembershipIndex } from './membership-index.ts';
import type { GroupState, MembershipRecord } from './quorum-state.ts';

export class PartitionRaftLog implements RaftStorage {
  private snap: SnapshotMeta;
  /** A new snapshot point journaled (or being journaled) before the log moves to it. */
  private pendingSnap: SnapshotMeta | null = null;
  /** The pending point comes from the leader: the whole log is replaced, not only its start. */
  private pendingReset = false;
  private readonly memberships: MembershipIndex;
  /** The latest hard state the driver handed over (its commit is journaled capped at the flushed log). */
  private hard: HardState;
  /**
   * Streamed batches (stream/README.md) are written from here on but not yet shown to the core:
   * the core sees the log end before this until they are durable (so nothing it answers can
   * promise them early) and the driver reports them with `RaftNode.logExtended`. Null: none.
   */
  private streamedFrom: Index | null = null;

  private constructor(
    readonly log: PartitionLog,
    stored: GroupState,
  ) {
    this.snap = stored.snapshot;
    this.memberships = MembershipIndex.validated(stored.memberships, stored.snapshot.index, log);
    this.hard = { term: stored.term, vote: stored.vote, commit: stored.commit };
  }

  /**
   * The adapter over `log`, from the group's journaled state (finishing a compaction or a
   * snapshot install a crash interrupted), or for a replica the journal does not know yet:
   * its log empty, or written before it was replicated (then scanned once for memberships).
   */
  static open(log: PartitionLog, stored: GroupState | undefined, bootstrap: Membership): PartitionRaftLog {
    const state = stored ?? unjournaledState(log, bootstrap);
    reconcileLogStart(log, state.snapshot);
    return new PartitionRaftLog(log, state);
  }

  // ---- RaftStorage ----

  initialState(): InitialState {
    const commit = Math.min(Math.max(this.hard.commit, this.snap.index), this.lastIndex());
    return {
      hardState: { ...this.hard, commit },
      memberships: this.memberships.initial(commit, { index: this.snap.index, membership: this.snap.membership }),
    };
  }

  snapshot(): SnapshotMeta {
    return this.snap;
  }

  firstIndex(): Index {
    assert(this.log.logStartOffset === this.snap.index + 1, `log start ${this.log.logStartOffset} moved behind Raft's back (snapshot point ${this.snap.index})`);
    return this.snap.index + 1;
  }

  lastIndex(): Index {
    return (this.streamedFrom ?? this.log.logEndOffset) - 1;
  }

  term(index: Index): Term | null {
    if (index === this.snap.index) return this.snap.term;
    if (index <= this.snap.index || index > this.lastIndex()) return null;
    const t = this.log.termAt(index);
    assert(t >= 0, `no term at ${index} in [${this.firstIndex()}, ${this.lastIndex()}]`);
    return t;
  }

  entries(from: Index, bytesMax: number): Entry[] {
    assert(from >= this.firstIndex() && from <= this.lastIndex(), `entries(${from}) outside [${this.firstIndex()}, ${this.lastIndex()}]`);
    const out: Entry[] = [];
    let bytes = 0;
    let at = from;
    while (at <= this.lastIndex()) {
      const r = this.log.read(at, Math.max(1, bytesMax - bytes), { minOneBatch: true });
      assert(r.bytes.length > 0, `no batch holds ${at}`);
      for (let pos = 0; pos < r.bytes.length; ) {
        const e = entryAt(r.bytes, pos);
        const n = entryBytes(e);
        if (out.length > 0 && bytes + n > bytesMax) return out;
        out.push(e);
        bytes += n;
        pos += new BatchHeader(r.bytes, pos).sizeBytes;
      }
      at = r.nextOffset;
    }
    return out;
  }

  // ---- writes (group-driver.ts) ----

  /** The log holds `e` already: the same term at its first offset names the same batch. */
  holds(e: Entry): boolean {
    return e.firstIndex > this.snap.index && e.firstIndex < this.log.logEndOffset && this.log.termAt(e.firstIndex) === e.term;
  }

  /** Makes the log hold `entries` (a Ready's), cutting a divergent suffix first. Durable once flushed. */
  persist(entries: readonly Entry[]): void {
    let i = 0;
    while (i < entries.length && this.holds(entries[i])) i++;
    const cut = i < entries.length && entries[i].firstIndex < this.log.logEndOffset;
    assert(!cut || this.streamedFrom === null, `a truncation at ${entries[i]?.firstIndex} under streamed, committed entries`);
    // The core's own entries over streamed ones (the same batches: committed ones are the same
    // in every log, paper 5.4) are its now, durable with this Ready's flush.
    this.adoptStreamed(entries[entries.length - 1].lastIndex);
    if (i === entries.length) return;
    const first = entries[i].firstIndex;
    assert(first > this.snap.index && first <= this.log.logEndOffset, `entries at ${first} outside the log [${this.snap.index + 1}, ${this.log.logEndOffset}]`);
    if (first < this.log.logEndOffset) {
      this.log.truncateSuffix(first);
      this.memberships.truncatedFrom(first);
    }
    for (; i < entries.length; i++) this.append(entries[i]);
  }

  /**
   * A leader's proposal, stamped already: appended now if the log ends right before it with
   * the history the core has there (`prevTerm` at firstIndex - 1); false if the log is behind
   * the core (entries of an earlier Ready still to write), and the Ready will write it.
   */
  writeThrough(batch: Uint8Array, firstIndex: Index, term: Term, prevTerm: Term | null): boolean {
    if (this.log.logEndOffset !== firstIndex || prevTerm === null || this.term(firstIndex - 1) !== prevTerm) return false;
    const r = this.log.append(batch, term);
    assert(r.baseOffset === firstIndex, `write-through at ${r.baseOffset}, proposed at ${firstIndex}`);
    return true;
  }

  /**
   * A chunk of committed batches streamed from another node (stream/README.md), checked by
   * stream/chunk.ts: appended verbatim in one write at the log end. It holds no membership
   * entry, so the membership index is unchanged. Durable once the log is flushed.
   */
  appendStreamed(chunk: Uint8Array, firstIndex: Index): void {
    assert(firstIndex === this.log.logEndOffset && firstIndex > this.snap.index, `streamed chunk at ${firstIndex}, the log ends at ${this.log.logEndOffset}`);
    this.log.appendAt(firstIndex, chunk);
    this.streamedFrom ??= firstIndex;
  }

  /** Where the next streamed chunk starts (the written log end) and the term before it. */
  streamPoint(): { from: Index; prevTerm: Term } {
    const from = this.log.logEndOffset;
    return { from, prevTerm: from - 1 === this.snap.index ? this.snap.term : this.log.termAt(from - 1) };
  }

  /** Streamed batches are written that the core has not been shown. */
  get hasHiddenStreamed(): boolean {
    return this.streamedFrom !== null;
  }

  /**
   * Shows the core the streamed batches that are durable now: the new last index, or null if
   * none is. The driver calls it only when the core can take it (`RaftNode.canExtendLog`).
   */
  exposeStreamed(): Index | null {
    if (this.streamedFrom === null || this.log.flushedOffset <= this.streamedFrom) return null;
    this.adoptStreamed(this.log.flushedOffset - 1);
    return this.lastIndex();
  }

  private adoptStreamed(upTo: Index): void {
    if (this.streamedFrom === null || upTo < this.streamedFrom) return;
    this.streamedFrom = upTo + 1 >= this.log.logEndOffset ? null : upTo + 1;
  }

  /** The first membership entry at or after `index` (a streamed range stops before it), or null. */
  membershipAtOrAfter(index: Index): Index | null {
    return this.memberships.firstAtOrAfter(index);
  }

  /** The membership entries among `entries`, as the journal records them (journaled before they are written). */
  static membershipRecords(entries: readonly Entry[]): MembershipRecord[] {
    const out: MembershipRecord[] = [];
    for (const e of entries) {
      if (e.kind === 'control' && e.control.type === 'membership') out.push({ index: e.firstIndex, term: e.term, membership: e.control.membership });
    }
    return out;
  }

  /** The membership in effect at `index` (at or after the snapshot point): what a state-machine snapshot there records. */
  membershipAt(index: Index): Membership {
    return this.memberships.membershipAt(index, this.snap.membership);
  }

  /** Journal-first for a snapshot from the leader: the state to journal before installSnapshot. */
  prepareInstall(meta: SnapshotMeta): void {
    this.pendingSnap = meta;
    this.pendingReset = true;
  }

  /** The log restarts, empty, after the leader's snapshot point (the journal holds it already). */
  installSnapshot(meta: SnapshotMeta): void {
    assert(this.pendingReset && this.pendingSnap === meta, 'installSnapshot without prepareInstall');
    this.log.truncateFullyAndStartAt(meta.index + 1);
    this.streamedFrom = null;
    this.memberships.reset();
    this.snap = meta;
    this.pendingSnap = null;
    this.pendingReset = false;
  }

  /**
   * Moves the snapshot point to `index` (a batch end, committed, flushed): the point's
   * metadata, to journal before finishCompaction moves the log start. Null if a snapshot
   * point change is already under way.
   */
  beginCompaction(index: Index): SnapshotMeta | null {
    if (this.pendingSnap !== null || index <= this.snap.index) return null;
    assert(index < this.log.flushedOffset, `compaction to ${index} past the flushed log (${this.log.flushedOffset})`);
    const holder = entryAt(this.log.read(index, 0, { minOneBatch: true }).bytes, 0);
    assert(holder.lastIndex === index, `compaction to ${index}: not a batch end`);
    this.pendingSnap = { index, term: holder.term, membership: this.memberships.membershipAt(index, this.snap.membership) };
    return this.pendingSnap;
  }

  /** The journal holds `meta`: the log start moves past it (unless a snapshot install replaced it meanwhile). */
  finishCompaction(meta: SnapshotMeta): void {
    if (this.pendingSnap !== meta || this.pendingReset) return;
    this.log.deleteRecordsBefore(meta.index + 1);
    this.memberships.compactedTo(meta.index);
    this.snap = meta;
    this.pendingSnap = null;
  }

  /** A flush that followed the truncations so far completed. */
  truncationsDurable(): void {
    this.memberships.truncationsDurable();
  }

  /** The core's latest hard state (the driver hands over every Ready's). */
  setHardState(hard: HardState): void {
    this.hard = hard;
  }

  /**
   * What the journal keeps for this group: the hard state, its commit capped at the flushed
   * log (a restart must find what it points at), the snapshot point a pending change is moving
   * to, the membership entries (plus `extra`, about to be written).
   */
  journalState(extra: readonly MembershipRecord[] = [], pending: readonly Entry[] = []): GroupState {
    const hard = this.hard;
    const snapshot = this.pendingSnap ?? this.snap;
    // Journaled before `pending` (a Ready's entries) is written: the flushed log may still hold
    // a divergent suffix those entries will replace, whose batch ends are not the new log's, so
    // the commit stops before the cut too (else a restart finds it inside a batch).
    const cut = this.cutPoint(pending);
    const commit = Math.max(snapshot.index, Math.min(hard.commit, this.log.flushedOffset - 1, cut - 1));
    const memberships = this.pendingReset ? [] : this.memberships.forJournal(snapshot.index, extra);
    return { term: hard.term, vote: hard.vote, commit, snapshot, memberships };
  }

  /** Where persisting `entries` would truncate the log (the first one it does not hold, if inside the log), else past the end. */
  private cutPoint(entries: readonly Entry[]): Index {
    for (const e of entries) {
      if (this.holds(e)) continue;
      return e.firstIndex < this.log.logEndOffset ? e.firstIndex : Infinity;
    }
    return Infinity;
  }

  private append(e: Entry): void {
    if (e.kind === 'data') {
      const h = new BatchHeader(e.payload);
      assert(
        h.baseOffset === e.firstIndex && h.lastOffset === e.lastIndex && h.partitionLeaderEpoch === e.term && h.sizeBytes === e.payload.length,
        `entry [${e.firstIndex}..${e.lastIndex}]@t${e.term} holds batch [${h.baseOffset}..${h.lastOffset}]@t${h.partitionLeaderEpoch}`,
      );
      this.log.appendAt(e.firstIndex, e.payload);
      return;
    }
    this.log.appendAt(e.firstIndex, encodeControlBatch(e));
    if (e.control.type === 'membership') this.memberships.appended({ index: e.firstIndex, term: e.term, membership: e.control.membership });
  }
}

/** The entry of the batch at `pos`: a control entry for Raft's control batches, else data. */
function entryAt(bytes: Uint8Array, pos: number): Entry {
  const h = new BatchHeader(bytes, pos);
  const range = { firstIndex: h.baseOffset, lastIndex: h.lastOffset, term: h.partitionLeaderEpoch };
  const control = decodeRaftControl(bytes, pos);
  if (control !== null) return { kind: 'control', ...range, control };
  return { kind: 'data', ...range, payload: bytes.subarray(pos, pos + h.sizeBytes) };
}

/**
 * A crash may have come between journaling a new snapshot point and moving the log to it:
 * finish the move. The log holding the point's entry means a compaction (keep what follows);
 * otherwise it was a snapshot from the leader (restart the log after it).
 */
function reconcileLogStart(log: PartitionLog, snap: SnapshotMeta): void {
  if (log.logStartOffset === snap.index + 1) return;
  const holdsPoint = snap.index >= log.logStartOffset && snap.index < log.logEndOffset && log.termAt(snap.index) === snap.term;
  if (holdsPoint) {
    log.deleteRecordsBefore(snap.index + 1);
    return;
  }
  assert(
    log.logStartOffset < snap.index + 1 || log.logEndOffset === log.logStartOffset,
    `the log starts at ${log.logStartOffset}, past the snapshot point ${snap.index} its journal holds: moved outside Raft`,
  );
  log.truncateFullyAndStartAt(snap.index + 1);
}

/**
 * A replica the journal does not know: its log is new, or was written before this node
 * replicated it (or the journal was lost). Its history before the log start is unknown; the
 * membership entries in the log are found by reading it once.
 */
function unjournaledState(log: PartitionLog, bootstrap: Membership): GroupState {
  const snapshot: SnapshotMeta = { index: log.logStartOffset - 1, term: 0, membership: bootstrap };
  const memberships: MembershipRecord[] = [];
  let lastTerm = 0;
  for (let at = log.logStartOffset; at < log.logEndOffset; ) {
    const r = log.read(at, 1024 * 1024, { minOneBatch: true });
    for (let pos = 0; pos < r.bytes.length; pos += new BatchHeader(r.bytes, pos).sizeBytes) {
      const e = entryAt(r.bytes, pos);
      lastTerm = e.term;
      if (e.kind === 'control' && e.control.type === 'membership') memberships.push({ index: e.firstIndex, term: e.term, membership: e.control.membership });
    }
    at = r.nextOffset;
  }
  return { term: lastTerm, vote: null, commit: snapshot.index, snapshot, memberships };
}
