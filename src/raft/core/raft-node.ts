// The public face of the core (etcd's RawNode): drive it with tick(), step() and the requests,
// then take a Ready, persist and send it, and advance(). Pure: no clock, no I/O, no awaits.
//
// The contract for each Ready, in order (README.md, "The Ready contract"):
//   1. install `snapshot` if set (the log now starts after snapshot.index);
//   2. append `entries`, first truncating the log from entries[0].firstIndex if it holds that
//      index (a divergent suffix); then write `hardState` if set; make both durable;
//   3. only then send `messages` (votes and acknowledgements promise what step 2 made durable);
//   4. apply `committedEntries` in order;
//   5. call advance(ready). step() and tick() may be called between ready() and advance();
//      ready() may not (one Ready at a time).

import { assert } from '../../base/assert.ts';
import { lastOf } from './entries.ts';
import { type RaftConfigInput, raftConfig } from './config.ts';
import {
  type MembershipChangeResult,
  propose,
  proposeMembershipChange,
  type ProposeResult,
  type TransferResult,
  transferLeadership,
} from './leader.ts';
import type { MembershipChange } from './membership.ts';
import type { Message } from './messages.ts';
import type { ProgressState } from './progress.ts';
import { Raft } from './raft.ts';
import { campaign } from './election.ts';
import { onLogExtended } from './follower.ts';
import { onNodeUnreachable } from './quiescence.ts';
import { leaderPersisted, sendAppend } from './replication.ts';
import type { RaftStorage } from './storage.ts';
import type { Entry, HardState, Index, Membership, NodeId, Role, SnapshotMeta, SoftState, Term } from './types.ts';

export interface Ready {
  /** Set when role or leader changed since the last Ready. Never persisted. */
  readonly softState: SoftState | null;
  /** Set when term, vote or commit changed: persist (after `entries`) before sending. */
  readonly hardState: HardState | null;
  readonly snapshot: SnapshotMeta | null;
  readonly entries: readonly Entry[];
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
}

export interface FollowerStatus {
  readonly match: Index;
  readonly next: Index;
  readonly state: ProgressState;
  /**
   * The leader heard from it in the current CheckQuorum round (dissertation 6.2: reset every
   * election timeout). A partition's ISR reads it: a follower that stopped answering leaves the
   * ISR even when it holds the whole log (cluster/replica/isr.ts). While the group is quiet
   * (quiescence.ts) no round runs: it stays set while the follower's node is heard and is
   * cleared when the shell reports that node silent. Always set by status();
   * optional for the statuses other code builds by hand (DescribeQuorum's tests).
   */
  readonly recentActive?: boolean;
}

export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly leaderId: NodeId | null;
  readonly commit: Index;
  readonly applied: Index;
  readonly firstIndex: Index;
  readonly lastIndex: Index;
  readonly membership: Membership;
  readonly transferee: NodeId | null;
  /** The leader's view of every member (itself included); null on other roles. */
  readonly progress: ReadonlyMap<NodeId, FollowerStatus> | null;
}

export class RaftNode {
  private readonly r: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pending: Ready | null = null;

  constructor(config: RaftConfigInput, storage: RaftStorage) {
    this.r = new Raft(raftConfig(config), storage);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  tick(): void {
    this.r.tick();
  }

  step(m: Message): void {
    this.r.step(m);
  }

  /** Start an election now (with PreVote), as if the election timeout had run out. */
  campaign(): void {
    if (this.r.role !== 'leader') campaign(this.r, 'pre_vote');
  }

  /** Quiet (quiescence.ts): tick() does nothing, and the shell owes it nodeUnreachable reports. */
  get quiesced(): boolean {
    return this.r.quiesced;
  }

  /** The shell has not heard from `node` for an election timeout (quiescence.ts). */
  nodeUnreachable(node: NodeId): void {
    onNodeUnreachable(this.r, node);
  }

  propose(payload: Uint8Array, recordCount: number): ProposeResult {
    return propose(this.r, payload, recordCount);
  }

  proposeMembershipChange(change: MembershipChange): MembershipChangeResult {
    return proposeMembershipChange(this.r, change);
  }

  transferLeadership(to: NodeId): TransferResult {
    return transferLeadership(this.r, to);
  }

  /**
   * The shell appended committed entries to the log outside the Ready path and made them
   * durable (segment streaming, src/raft/stream); the log ends at `lastIndex` now. Only with
   * no Ready out and nothing unstable (the shell checks `canExtendLog`).
   */
  logExtended(lastIndex: Index): void {
    assert(this.canExtendLog, 'logExtended() with a Ready out or entries unstable');
    onLogExtended(this.r, lastIndex);
  }

  /** No Ready out, nothing unstable: the shell may append to the log outside the Ready path. */
  get canExtendLog(): boolean {
    const u = this.r.log.unstable;
    return this.pending === null && u.entries.length === 0 && u.snapshot === null;
  }

  /**
   * Leader: `to` pulls committed batches from this node's segment files (src/raft/stream), so
   * no appends go to it meanwhile (progress state `stream`); `ended`: its session ends with the
   * range just served, and it is probed again from what it acknowledged.
   */
  followerStreaming(to: NodeId, ended: boolean): void {
    const r = this.r;
    const pr = r.role === 'leader' && to !== r.id ? r.tracker.progress.get(to) : undefined;
    if (pr === undefined || pr.state === 'snapshot') return;
    if (!ended) {
      pr.becomeStream();
      return;
    }
    if (pr.state !== 'stream') return;
    pr.becomeProbe();
    sendAppend(r, to, true);
  }

  /** The shell could not deliver the state for an InstallSnapshot to `to`: probe it again. */
  reportSnapshotFailed(to: NodeId): void {
    const pr = this.r.role === 'leader' ? this.r.tracker.progress.get(to) : undefined;
    if (pr?.state === 'snapshot') pr.becomeProbe();
  }

  hasReady(): boolean {
    if (this.pending !== null) return false;
    const r = this.r;
    return (
      r.msgs.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== null ||
      r.log.hasNextCommittedEntries() ||
      // Field by field, not through softState()/hardState(): this runs for every group on every
      // tick and message, and allocating two objects each time showed in the idle profile.
      r.role !== this.prevSoft.role ||
      r.leaderId !== this.prevSoft.leaderId ||
      r.term !== this.prevHard.term ||
      r.vote !== this.prevHard.vote ||
      r.log.commit !== this.prevHard.commit
    );
  }

  ready(): Ready {
    assert(this.pending === null, 'ready() before advance() of the previous Ready');
    const r = this.r;
    const soft = this.softState();
    const hard = this.hardState();
    const rd: Ready = {
      softState: sameSoft(soft, this.prevSoft) ? null : soft,
      hardState: sameHard(hard, this.prevHard) ? null : hard,
      snapshot: r.log.unstable.snapshot,
      entries: [...r.log.unstable.entries],
      committedEntries: r.log.nextCommittedEntries(r.cfg.readyApplyBytesMax),
      messages: r.msgs,
    };
    r.msgs = [];
    this.prevSoft = soft;
    this.prevHard = hard;
    this.pending = rd;
    return rd;
  }

  advance(rd: Ready): void {
    assert(rd === this.pending, 'advance() of a Ready that is not the pending one');
    const log = this.r.log;
    if (rd.snapshot !== null) {
      log.unstable.stableSnapTo(rd.snapshot);
      if (rd.snapshot.index > log.applied) log.appliedTo(rd.snapshot.index);
    }
    if (rd.entries.length > 0) {
      log.unstable.stableTo(rd.entries);
      leaderPersisted(this.r);
    }
    if (rd.committedEntries.length > 0) log.appliedTo(lastOf(rd.committedEntries));
    this.pending = null;
  }

  get role(): Role {
    return this.r.role;
  }

  get term(): Term {
    return this.r.term;
  }

  get leaderId(): NodeId | null {
    return this.r.leaderId;
  }

  get commit(): Index {
    return this.r.log.commit;
  }

  /** The first index held (persisted or not); firstIndex - 1 is the snapshot point. */
  get firstIndex(): Index {
    return this.r.log.firstIndex();
  }

  get lastIndex(): Index {
    return this.r.log.lastIndex();
  }

  get membership(): Membership {
    return this.r.tracker.membership;
  }

  status(): Status {
    const r = this.r;
    let progress: Map<NodeId, FollowerStatus> | null = null;
    if (r.role === 'leader') {
      progress = new Map();
      for (const [id, pr] of r.tracker.progress) progress.set(id, { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive });
    }
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leaderId: r.leaderId,
      commit: r.log.commit,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      membership: r.tracker.membership,
      transferee: r.transferee,
      progress,
    };
  }

  /** The term of the entry holding `index` in this node's log (persisted or not), or null. */
  termAt(index: Index): Term | null {
    return this.r.log.term(index);
  }

  /** The entry holding `index` in this node's log, or null. */
  entryHolding(index: Index): Entry | null {
    return this.r.log.entryHolding(index);
  }

  private softState(): SoftState {
    return { role: this.r.role, leaderId: this.r.leaderId };
  }

  private hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.commit };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leaderId === b.leaderId;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
