// One Raft group on this node: the owner of its core (RaftNode) and of its log (through the
// PartitionRaftLog adapter). Nothing else touches either, so groups can later be spread over
// several event loops (issue 7). The node's manager (raft-groups.ts) hands it ticks and
// messages and drains its Readies; the driver runs each Ready in the contract's order
// (core/README.md, "The Ready contract"):
//
//   1. journal first, when the Ready installs a snapshot or carries a membership entry: the
//      snapshot point and the membership index are durable before the log changes to match;
//   2. write: the snapshot (the log restarts after its point), the entries (a divergent suffix
//      cut, the rest appended: page cache, synchronous), the hard state handed to the adapter;
//   3. make durable: the log flushed (group commit), and the journal synced if term or vote
//      changed (paper Figure 2: both persist before a vote or an answer goes out). A change
//      of the commit index alone is not synced: it is not part of Figure 2's persistent state,
//      a restarted node learns it again from its leader, and syncing it would cost an fsync on
//      every heartbeat. It rides with the group's next journal record, capped at the flushed log;
//   4. send the messages, apply the committed entries (the listener moves the high watermark),
//      advance, and look for the next Ready.
//
// Proposals stay synchronous: propose() returns the offsets and, when the log ends right where
// the proposal starts, appends the stamped batch in the same turn (Kafka's produce path), so
// the Ready that carries it finds it written and only waits for the flush.

import { assert } from '../base/assert.ts';
import { BatchHeader } from '../protocol/records/batch.ts';
import type {
  Entry,
  HardState,
  Index,
  InstallSnapshot,
  Membership,
  MembershipChange,
  MembershipChangeResult,
  Message,
  ProposeResult,
  RaftConfigInput,
  Ready,
  Role,
  SnapshotMeta,
  SoftState,
  Status,
  Term,
  TransferResult,
} from './core/index.ts';
import { RaftNode } from './core/index.ts';
import { PartitionRaftLog } from './partition-raft-log.ts';
import type { MembershipRecord, QuorumStateJournal } from './quorum-state.ts';
import type { GroupId } from './transport.ts';

/** Why a stopped group refuses: its log or the node's journal failed (see README.md). */
export type GroupStopped = { ok: false; reason: 'group_stopped' };

/** What the group tells its owner (the partition, the controller) and, in tests, checkers. */
export interface GroupListener {
  /** Entries made durable in this node's log, right after an entry of term `prevTerm`. */
  persisted?(prevTerm: Term, entries: readonly Entry[]): void;
  /** Committed entries, in order: the high watermark is now the last one's lastIndex + 1. */
  applied?(entries: readonly Entry[]): void;
  /**
   * An InstallSnapshot about to be stepped: false holds it back, unseen by the core (its owner
   * fetches the state first and steps the message again once it holds it, so the core's answer
   * is true). Absent: every InstallSnapshot is stepped (the partitions' groups).
   */
  admitSnapshot?(m: InstallSnapshot): boolean;
  /** The log was replaced by the leader's snapshot point: applied state restarts there. */
  snapshotInstalled?(snapshot: SnapshotMeta): void;
  /** Role or leader changed (volatile: for routing requests). */
  roleChanged?(soft: SoftState, term: Term): void;
  /** The membership in effect changed (an entry appended or cut, a snapshot installed). */
  membershipChanged?(membership: Membership): void;
  /** The group stopped: a write, an fsync or the journal failed. */
  failed?(error: Error): void;
}

/** What a driver needs from the node's manager. */
export interface GroupHost {
  readonly journal: QuorumStateJournal;
  /** Queues a message for its node; the manager sends one call per peer per turn. */
  send(group: GroupId, m: Message): void;
  /** The driver may have a Ready to process. */
  wake(d: GroupDriver): void;
  /** The driver stopped (its log or the journal failed). */
  failed(d: GroupDriver, e: Error): void;
  /** This node started an election (voted for itself in a new term) or won one (docs/metrics.md). */
  counted(event: 'election_started' | 'leadership_won'): void;
}

export class GroupDriver {
  readonly raft: RaftNode;
  /** The last term this node voted for itself in (its elections are counted once per term). */
  private selfVoteTerm: Term;
  private readonly selfId: RaftConfigInput['id'];
  private pending: Ready | null = null;
  /** Term and vote last staged in the journal: a Ready that changes either syncs it. */
  private journaled: { term: Term; vote: number | null };
  private compacting = false;
  /** The last index handed to the listener as applied (or the snapshot point). */
  private appliedIndex: Index;
  private seenMembership: Membership;
  private stoppedBy: Error | null = null;
  private quietCount = 0;

  constructor(
    readonly group: GroupId,
    readonly storage: PartitionRaftLog,
    config: RaftConfigInput,
    private readonly host: GroupHost,
    private readonly listener: GroupListener = {},
  ) {
    const hs = storage.initialState().hardState;
    this.journaled = { term: hs.term, vote: hs.vote };
    this.raft = new RaftNode(config, storage);
    this.selfId = config.id;
    this.selfVoteTerm = hs.vote === config.id ? hs.term : -1;
    this.appliedIndex = storage.snapshot().index;
    this.seenMembership = this.raft.membership;
  }

  get stopped(): boolean {
    return this.stoppedBy !== null;
  }

  get role(): Role {
    return this.raft.role;
  }

  get leaderId(): number | null {
    return this.raft.leaderId;
  }

  get term(): Term {
    return this.raft.term;
  }

  status(): Status {
    return this.raft.status();
  }

  /**
   * Kafka's high watermark as this node knows it: one past the last entry applied here (the
   * Raft commit index + 1 once applied). Consumers read below it; acks=all answers once a
   * batch is below it on the leader.
   */
  get highWatermark(): Index {
    return this.appliedIndex + 1;
  }

  // ---- inputs (the manager, the group's owner) ----

  /** Quiet (core/quiescence.ts): ticks do nothing, the manager's node liveness stands in. */
  get quiesced(): boolean {
    return this.raft.quiesced;
  }

  /**
   * Times the group went quiet: while `quiesced` and this count stay the same, nothing of the
   * group changed (what its owner computed from it then still holds).
   */
  get quiescences(): number {
    return this.quietCount;
  }

  tick(): void {
    if (this.stopped || this.raft.quiesced) return;
    this.raft.tick();
    // A leader goes quiet on a tick.
    if (this.raft.quiesced) this.quietCount++;
    // Only a tick that produced something needs a turn: most ticks of an idle group do not.
    if (this.raft.hasReady()) this.host.wake(this);
  }

  /** The manager has not heard from `node` for an election timeout (core/quiescence.ts). */
  nodeUnreachable(node: number): void {
    if (this.stopped) return;
    this.raft.nodeUnreachable(node);
    if (this.raft.hasReady()) this.host.wake(this);
  }

  /**
   * Campaigns now (PreVote first, dissertation 9.6) instead of at the election timeout: what a
   * new partition's preferred replica does, so a topic has its leaders at once rather than after
   * a randomized timeout (Kafka's controller elects the first replica at creation). Safe at any
   * time: a campaign is what a timeout would start; PreVote keeps it from disrupting a leader.
   */
  campaign(): void {
    if (this.stopped) return;
    this.raft.campaign();
    this.host.wake(this);
  }

  step(m: Message): void {
    if (this.stopped) return;
    if (m.type === 'install_snapshot' && this.listener.admitSnapshot?.(m) === false) return;
    const wasQuiet = this.raft.quiesced;
    const term = this.raft.term;
    const role = this.raft.role;
    this.raft.step(m);
    // A follower goes quiet on its leader's quiesce heartbeat, possibly one of a new leader
    // that found it quiet too (a new quiescence: its role or term changed in between).
    if (this.raft.quiesced && (!wasQuiet || term !== this.raft.term || role !== this.raft.role)) this.quietCount++;
    this.host.wake(this);
  }

  /**
   * A leader appends one record batch: the core assigns its offsets and term, they are
   * stamped into the batch (baseOffset, partitionLeaderEpoch: outside the CRC), and the batch
   * is appended now when the log is caught up with the core.
   */
  propose(batch: Uint8Array): ProposeResult | GroupStopped {
    if (this.stopped) return { ok: false, reason: 'group_stopped' };
    const h = new BatchHeader(batch);
    assert(h.sizeBytes === batch.length, `propose one whole batch (${h.sizeBytes} of ${batch.length} bytes)`);
    const r = this.raft.propose(batch, h.lastOffsetDelta + 1);
    if (!r.ok) return r;
    h.baseOffset = r.firstIndex;
    h.partitionLeaderEpoch = r.term;
    try {
      this.storage.writeThrough(batch, r.firstIndex, r.term, this.raft.termAt(r.firstIndex - 1));
    } catch (e) {
      this.fail(e);
      return { ok: false, reason: 'group_stopped' };
    }
    this.host.wake(this);
    return r;
  }

  proposeMembershipChange(change: MembershipChange): MembershipChangeResult | GroupStopped {
    if (this.stopped) return { ok: false, reason: 'group_stopped' };
    const r = this.raft.proposeMembershipChange(change);
    this.host.wake(this);
    return r;
  }

  transferLeadership(to: number): TransferResult | GroupStopped {
    if (this.stopped) return { ok: false, reason: 'group_stopped' };
    const r = this.raft.transferLeadership(to);
    this.host.wake(this);
    return r;
  }

  /**
   * Moves the log start past `index` (retention, DeleteRecords): a batch end already applied
   * and flushed here. The snapshot point is journaled first. False when it cannot now.
   */
  async compact(index: Index): Promise<boolean> {
    if (this.stopped || this.compacting) return false;
    if (index > this.raft.status().applied || index >= this.storage.log.flushedOffset) return false;
    const meta = this.storage.beginCompaction(index);
    if (meta === null) return false;
    this.compacting = true;
    this.stageJournal();
    try {
      await this.host.journal.sync();
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.compacting = false;
    }
    if (this.stopped) return false;
    this.storage.finishCompaction(meta);
    return true;
  }

  /**
   * Segment streaming (stream/README.md): appends a checked chunk of committed batches at the
   * log end, hidden from the core until a flush makes it durable; then the core is told
   * (`exposeStreamed`). Resolves once the chunk is durable; false when it was not written
   * (the log end moved since it was asked for, or the group stopped).
   */
  appendStreamed(chunk: Uint8Array, firstIndex: Index): Promise<boolean> {
    if (this.stopped || firstIndex !== this.storage.log.logEndOffset) return Promise.resolve(false);
    try {
      this.storage.appendStreamed(chunk, firstIndex);
    } catch (e) {
      this.fail(e);
      return Promise.resolve(false);
    }
    return this.storage.log.flush().then(
      () => {
        this.exposeStreamed();
        return !this.stopped;
      },
      (e) => {
        this.fail(e);
        return false;
      },
    );
  }

  /** Leader: `to` streams from this node's segments; `ended`: its session ends (RaftNode.followerStreaming). */
  followerStreaming(to: number, ended: boolean): void {
    if (this.stopped) return;
    this.raft.followerStreaming(to, ended);
    this.host.wake(this);
  }

  /** Durable streamed batches are shown to the core, when it has no Ready out and nothing unstable. */
  private exposeStreamed(): void {
    if (this.stopped || !this.storage.hasHiddenStreamed || !this.raft.canExtendLog) return;
    const before = this.storage.lastIndex();
    const last = this.storage.exposeStreamed();
    if (last === null) return;
    // Checkers see every entry made durable, streamed or not (nothing in production listens).
    if (this.listener.persisted !== undefined) this.listener.persisted(this.storage.term(before)!, this.storage.entries(before + 1, Number.MAX_SAFE_INTEGER));
    this.raft.logExtended(last);
    this.host.wake(this);
  }

  /** The manager stops driving the group (removal, shutdown). */
  stop(reason: Error): void {
    this.stoppedBy ??= reason;
  }

  // ---- the Ready loop ----

  /** Takes the next Ready, if any, and runs it as far as it can go in this turn. */
  processReady(): void {
    if (this.pending !== null || this.stopped || !this.raft.hasReady()) return;
    const rd = this.raft.ready();
    this.pending = rd;
    if (rd.softState !== null) {
      if (rd.softState.role === 'leader') this.host.counted('leadership_won');
      this.listener.roleChanged?.(rd.softState, this.raft.term);
    }
    if (rd.hardState !== null) {
      // A candidate votes for itself in its new term (Raft paper 5.2): counted from the hard
      // state, since a lone voter goes from follower to leader within one Ready.
      if (rd.hardState.vote === this.selfId && rd.hardState.term !== this.selfVoteTerm) {
        this.selfVoteTerm = rd.hardState.term;
        this.host.counted('election_started');
      }
      this.storage.setHardState(rd.hardState);
    }
    const memberships = PartitionRaftLog.membershipRecords(rd.entries);
    if (rd.snapshot === null && memberships.length === 0) {
      this.write(rd);
      return;
    }
    // 1. Journal first.
    if (rd.snapshot !== null) this.storage.prepareInstall(rd.snapshot);
    this.stageJournal(memberships, rd.entries);
    this.after(this.host.journal.sync(), () => this.write(rd));
  }

  private write(rd: Ready): void {
    if (this.stopped) return;
    let prevTerm: Term | null = null;
    try {
      // 2. Write.
      if (rd.snapshot !== null) this.storage.installSnapshot(rd.snapshot);
      if (rd.entries.length > 0) {
        this.storage.persist(rd.entries);
        prevTerm = this.storage.term(rd.entries[0].firstIndex - 1);
      }
    } catch (e) {
      this.fail(e);
      return;
    }
    // 3. Make durable.
    const waits: Promise<void>[] = [];
    if (rd.entries.length > 0) waits.push(this.storage.log.flush());
    const hs = rd.hardState;
    if (hs !== null && this.mustSyncHardState(hs)) {
      this.stageJournal();
      waits.push(this.host.journal.sync());
    }
    if (waits.length === 0) {
      this.complete(rd, prevTerm);
      return;
    }
    this.after(Promise.all(waits), () => this.complete(rd, prevTerm));
  }

  /** Runs `next` once `durable` resolves; a failure of either stops the group (never an unhandled rejection). */
  private after(durable: Promise<unknown>, next: () => void): void {
    durable.then(
      () => {
        try {
          next();
        } catch (e) {
          this.fail(e);
        }
      },
      (e) => this.fail(e),
    );
  }

  /** 4. Send, apply, advance. */
  private complete(rd: Ready, prevTerm: Term | null): void {
    if (this.stopped) return;
    if (rd.entries.length > 0) {
      this.storage.truncationsDurable();
      this.listener.persisted?.(prevTerm!, rd.entries);
    }
    if (rd.snapshot !== null) {
      this.appliedIndex = rd.snapshot.index;
      this.listener.snapshotInstalled?.(rd.snapshot);
    }
    for (const m of rd.messages) this.host.send(this.group, m);
    if (rd.committedEntries.length > 0) {
      this.appliedIndex = rd.committedEntries[rd.committedEntries.length - 1].lastIndex;
      this.listener.applied?.(rd.committedEntries);
    }
    this.raft.advance(rd);
    this.pending = null;
    this.exposeStreamed();
    if (this.raft.membership !== this.seenMembership) {
      this.seenMembership = this.raft.membership;
      this.listener.membershipChanged?.(this.seenMembership);
    }
    this.host.wake(this);
  }

  /**
   * Term or vote changed: both must be durable before this Ready's messages go out (paper
   * Figure 2). A method, so the simulation's checker test can break it and watch it fail.
   */
  private mustSyncHardState(hs: HardState): boolean {
    return hs.term !== this.journaled.term || hs.vote !== this.journaled.vote;
  }

  private stageJournal(extra: readonly MembershipRecord[] = [], pending: readonly Entry[] = []): void {
    const state = this.storage.journalState(extra, pending);
    this.host.journal.stage(this.group, state);
    this.journaled = { term: state.term, vote: state.vote };
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    this.stoppedBy = e instanceof Error ? e : new Error(String(e));
    this.listener.failed?.(this.stoppedBy);
    this.host.failed(this, this.stoppedBy);
  }
}
