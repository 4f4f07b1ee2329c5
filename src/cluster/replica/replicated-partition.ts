// One replica of one partition on this node: the owner of its PartitionLog, its Raft group's
// GroupDriver (added to the node's RaftGroups with the partition's replicas as the bootstrap
// voters) and its idempotent-producer state. Nothing else touches any of them, so partitions
// can later move to worker event loops (issue 7).
//
// What the broker gets (it is wired in the next step; see README.md):
// - append(records, acks) on the leader: the idempotent producer's checks, then the batches
//   proposed through the group (Kafka offset == Raft index, partitionLeaderEpoch == term),
//   answered per acks.ts; on a non-leader NOT_LEADER_OR_FOLLOWER with the leader it knows
//   (KIP-951's CurrentLeader);
// - read(fetchOffset, maxBytes, currentLeaderEpoch) on the leader, never past the high
//   watermark (the Raft commit index + 1, as applied here);
// - endOffsetForEpoch (OffsetForLeaderEpoch), inSyncReplicas (ISR), deleteRecords (a log start
//   command every replica applies: log-start.ts), compactTo and enforceRetention (retention
//   moves this replica's Raft log start), and the progress callbacks Fetch long polls wait on.
//
// Every check and the propose that follows it run in one synchronous call: no await between a
// check and its use (STYLE.md 7).

import type { Clock } from '../../base/clock.ts';
import type { TopicConfig } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { BatchHeader } from '../../protocol/records/batch.ts';
import { type Entry, type Index, membership, type NodeId, type SnapshotMeta, type SoftState, type Term } from '../../raft/core/index.ts';
import type { GroupDriver, GroupListener } from '../../raft/group-driver.ts';
import type { RaftGroups } from '../../raft/raft-groups.ts';
import type { GroupId } from '../../raft/transport.ts';
import type { CleanerTarget } from '../../storage/cleaner.ts';
import type { PartitionLog } from '../../storage/partition-log.ts';
import { segmentsToDelete } from '../../storage/retention.ts';
import type { ProducerEntry } from '../../transactions/producer-entry.ts';
import { ProducerState } from '../../transactions/producer-state.ts';
import { type Acks, checkAfterCommit, checkBeforeAppend, CommitWaiters, notLeader } from './acks.ts';
import { InSyncTracker, REPLICA_LAG_TIME_MAX_MS_DEFAULT } from './isr.ts';
import { drainTarget, type PreferredElection, preferredElection } from './preferred-leader.ts';
import { checkCurrentLeaderEpoch, epochEndOffset } from './leader-epoch.ts';
import { replicaCleaning } from './cleaning.ts';
import { encodeLogStartBatch, LogStartMover } from './log-start.ts';
import { encodeReadBarrierBatch } from './read-barrier.ts';
import { leaderView, replayEntry } from './producer-replay.ts';
import { type CurrentLeader, groupIdOf, type ReplicaAppend, type ReplicaEpochEnd, type ReplicaId, type ReplicaRead, type ReplicaRefusal, type ReplicaStats, splitBatches } from './types.ts';

export { APPEND_BATCHES_MAX, type CurrentLeader, groupIdOf, type ReplicaAppend, type ReplicaEpochEnd, type ReplicaId, type ReplicaRead, type ReplicaRefusal, type ReplicaStats, splitBatches } from './types.ts';

export interface ReplicatedPartitionOptions {
  readonly id: ReplicaId;
  /** The partition's replicas: the group's voters when this node's journal does not know the group yet. */
  readonly replicas: readonly NodeId[];
  readonly log: PartitionLog;
  readonly groups: RaftGroups;
  readonly config: TopicConfig;
  readonly clock: Clock;
  /** replica.lag.time.max.ms (30 s by default). */
  readonly replicaLagTimeMaxMs?: number;
}

/** What this replica holds only while it leads, for one term. */
interface Leadership {
  readonly term: Term;
  /** The leader view (producer-replay.ts): committed state + this log's suffix + what it appends. */
  readonly producers: ProducerState;
  readonly isr: InSyncTracker;
}

export class ReplicatedPartition {
  readonly id: ReplicaId;
  readonly stats: ReplicaStats = { snapshotsInstalled: 0 };
  readonly log: PartitionLog;
  readonly driver: GroupDriver;
  config: TopicConfig;
  /** The assignment from the metadata, preferred replica first (the backend updates it). */
  replicas: readonly NodeId[];
  private readonly clock: Clock;
  private readonly lagTimeMaxMs: number;
  /** The committed producer state (producer-replay.ts): fed by applied entries on every replica. */
  private committedProducers: ProducerState;
  private leadership: Leadership | null = null;
  private readonly waiters = new CommitWaiters();
  private readonly listeners = new Set<() => void>();
  private failure: Error | null = null;
  private closed = false;
  /** Applies the log start commands of DeleteRecords (log-start.ts). */
  private readonly logStart: LogStartMover;

  constructor(opts: ReplicatedPartitionOptions) {
    this.id = opts.id;
    this.log = opts.log;
    this.config = opts.config;
    this.replicas = opts.replicas;
    this.clock = opts.clock;
    this.lagTimeMaxMs = opts.replicaLagTimeMaxMs ?? REPLICA_LAG_TIME_MAX_MS_DEFAULT;
    this.committedProducers = new ProducerState({ clock: opts.clock });
    this.driver = opts.groups.add(groupIdOf(opts.id), opts.log, membership(opts.replicas), this.groupListener());
    this.logStart = new LogStartMover(this.driver, () => this.notify());
  }

  get name(): string {
    return `${this.id.topicName}-${this.id.partition}`;
  }

  get groupId(): GroupId {
    return this.driver.group;
  }

  /** Kafka's high watermark: the Raft commit index + 1, as applied on this node. */
  get highWatermark(): Index {
    return this.driver.highWatermark;
  }

  get logStartOffset(): Index {
    return this.log.logStartOffset;
  }

  get logEndOffset(): Index {
    return this.log.logEndOffset;
  }

  /** The current Raft term: Kafka's leader epoch. */
  get leaderEpoch(): Term {
    return this.driver.term;
  }

  get leaderId(): NodeId | null {
    return this.driver.leaderId;
  }

  get isLeader(): boolean {
    return this.failure === null && !this.closed && !this.driver.stopped && this.driver.role === 'leader';
  }

  /** Why the replica refuses everything (its log or the node's journal failed), or null. */
  get storageFailure(): Error | null {
    return this.failure;
  }

  /** What the node's log cleaner cleans of this replica (cleaning.ts), for a topic with cleanup.policy compact. */
  cleanerTarget(): CleanerTarget {
    const { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio } = this.config;
    return {
      name: this.name,
      log: this.log,
      config: { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio },
      replicated: () => replicaCleaning(this.highWatermark, this.log.flushedOffset),
    };
  }

  get currentLeader(): CurrentLeader {
    return { leaderId: this.driver.leaderId ?? -1, leaderEpoch: this.driver.term };
  }

  // ---- produce ----

  /**
   * Appends a Produce request's records (validated whole batches, as the broker's produce path
   * leaves them) as leader. Synchronous up to the propose; the promise settles per `acks` and
   * never rejects. The broker answers acks=0 with nothing and races acks=all with the request's
   * timeout.
   */
  append(records: Uint8Array, acks: Acks): Promise<ReplicaAppend> {
    return this.answer(this.appendNow(records, acks), acks);
  }

  /**
   * The synchronous part of append: the checks and the propose, with the offsets the batches
   * got (or a duplicate's); `committed` then waits for the commit. For a writer that must know
   * its offsets in the same turn (the group coordinator's __consumer_offsets writes, which keep
   * log order: groups/state-log.ts).
   */
  appendNow(records: Uint8Array, acks: Acks): ReplicaAppend {
    const refused = this.refusal();
    if (refused !== null) return refused;
    const leader = this.lead();
    if (leader === null) return this.fail(notLeader(`${this.name} is not led by this node`));
    const inSync = this.observeInSync(leader);
    const tooFew = checkBeforeAppend(acks, inSync.length, this.config.minInsyncReplicas);
    if (tooFew !== null) return this.fail(tooFew);
    const batches = splitBatches(records);
    if (!batches.ok) return this.fail(kafkaError(ErrorCode.INVALID_RECORD, batches.message));
    for (const h of batches.headers) {
      const check = leader.producers.check(h);
      if (check.kind === 'error') return this.fail(kafkaError(check.code, check.message));
      if (check.kind === 'duplicate') {
        if (batches.headers.length !== 1) return this.fail(kafkaError(ErrorCode.INVALID_RECORD, 'duplicate batch inside a multi-batch request'));
        return { ok: true, baseOffset: check.baseOffset, lastOffset: check.lastOffset, duplicate: true, maxTimestamp: check.maxTimestamp };
      }
    }
    if (acks === -1 && this.waiters.full) return this.fail(kafkaError(ErrorCode.REQUEST_TIMED_OUT, `${this.name}: too many appends waiting for their commit`));
    return this.propose(leader, batches.headers);
  }

  /**
   * Proposes a read barrier (read-barrier.ts) on the leader, synchronously, with the offsets it
   * got; `barrierCommitted` then settles once it is committed in this term, which confirms this
   * replica still led after the call.
   */
  proposeReadBarrier(): ReplicaAppend {
    const refused = this.refusal();
    if (refused !== null) return refused;
    if (this.lead() === null) return this.fail(notLeader(`${this.name} is not led by this node`));
    if (this.waiters.full) return this.fail(kafkaError(ErrorCode.REQUEST_TIMED_OUT, `${this.name}: too many appends waiting for their commit`));
    const r = this.driver.propose(encodeReadBarrierBatch());
    if (!r.ok) return this.proposeRefused(r.reason);
    return { ok: true, baseOffset: r.firstIndex, lastOffset: r.lastIndex, duplicate: false, maxTimestamp: -1 };
  }

  /** Settles once a read barrier is committed in its term; min.insync.replicas does not apply (a read). */
  barrierCommitted(barrier: ReplicaAppend): Promise<ReplicaAppend> {
    return this.committed(barrier).then((c) => (!c.ok && c.error.code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND ? barrier : c));
  }

  /** Settles once what appendNow appended is committed in its term, as acks=all does (a refusal at once). */
  committed(appended: ReplicaAppend): Promise<ReplicaAppend> {
    return this.answer(appended, -1);
  }

  /**
   * Proposes each batch (a copy: the core keeps it until followers have it, and the request's
   * buffer is not ours). A refusal after the first batch leaves the earlier ones appended; the
   * client's retry of the whole request then finds them as duplicates (clients send one batch).
   */
  private propose(leader: Leadership, headers: readonly BatchHeader[]): ReplicaAppend {
    let baseOffset = -1;
    let lastOffset = -1;
    let maxTimestamp = -1;
    for (const h of headers) {
      const batch = h.buf.slice(h.pos, h.pos + h.sizeBytes);
      const r = this.driver.propose(batch);
      if (!r.ok) return this.proposeRefused(r.reason);
      leader.producers.record(h, r.firstIndex);
      if (baseOffset < 0) baseOffset = r.firstIndex;
      lastOffset = r.lastIndex;
      maxTimestamp = h.maxTimestamp;
    }
    return { ok: true, baseOffset, lastOffset, duplicate: false, maxTimestamp };
  }

  private proposeRefused(reason: string): ReplicaRefusal {
    if (reason === 'group_stopped') return this.fail(this.storageError());
    if (reason === 'uncommitted_bytes_max') return this.fail(kafkaError(ErrorCode.REQUEST_TIMED_OUT, `${this.name}: followers are behind (uncommitted bytes at the limit)`));
    return this.fail(notLeader(`${this.name}: ${reason}`));
  }

  /** acks=0/1: now. acks=all: once the batch ending at lastOffset is committed (acks.ts). */
  private answer(appended: ReplicaAppend, acks: Acks): Promise<ReplicaAppend> {
    if (!appended.ok || acks !== -1 || this.commitDone(appended.lastOffset)) return Promise.resolve(appended);
    const term = this.driver.raft.termAt(appended.lastOffset);
    if (term === null) return Promise.resolve(this.fail(notLeader(`${this.name}: offset ${appended.lastOffset} is no longer in the log`)));
    return this.waiters.wait(appended.lastOffset, term).then((error) => (error === null ? appended : this.fail(error)));
  }

  /**
   * Whether an acks=all append ending at `lastOffset` is answered already: below the high
   * watermark (a duplicate of a committed batch). A method, so the simulation's checker test can
   * break it (answer at write) and watch acknowledged records get lost.
   */
  private commitDone(lastOffset: Index): boolean {
    return lastOffset < this.driver.highWatermark;
  }

  // ---- fetch ----

  /** A consumer's Fetch on the leader: whole batches from fetchOffset, never past the high watermark. */
  read(fetchOffset: Index, maxBytes: number, currentLeaderEpoch: number): ReplicaRead {
    const refused = this.refusal() ?? this.leaderEpochRefusal(currentLeaderEpoch);
    if (refused !== null) return refused;
    const highWatermark = this.highWatermark;
    const r = this.log.read(fetchOffset, maxBytes, { minOneBatch: true, maxOffset: highWatermark });
    if (r.outOfRange) return this.fail(kafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `${this.name}: offset ${fetchOffset} is outside [${this.logStartOffset}, ${this.logEndOffset}]`));
    return { ok: true, bytes: r.bytes, nextOffset: r.nextOffset, highWatermark, logStartOffset: this.logStartOffset };
  }

  /** OffsetForLeaderEpoch on the leader (leader-epoch.ts). */
  endOffsetForEpoch(leaderEpoch: number, currentLeaderEpoch: number): ReplicaEpochEnd {
    const refused = this.refusal() ?? this.leaderEpochRefusal(currentLeaderEpoch);
    if (refused !== null) return refused;
    return { ok: true, ...epochEndOffset(leaderEpoch, this.driver.term, this.log) };
  }

  /**
   * DescribeProducers (KIP-664) on the leader: its view of the idempotent producers, what it
   * deduplicates against (producer-replay.ts). Kafka answers it only on the leader too.
   */
  activeProducers(): { readonly ok: true; readonly producers: readonly ProducerEntry[] } | ReplicaRefusal {
    const refused = this.refusal();
    if (refused !== null) return refused;
    const leader = this.lead();
    if (leader === null) return this.fail(notLeader(`${this.name} is not led by this node`));
    return { ok: true, producers: [...leader.producers.activeProducers()] };
  }

  /** The in-sync replicas on the leader (isr.ts); null elsewhere: a follower does not know them. */
  inSyncReplicas(): NodeId[] | null {
    const leader = this.lead();
    return leader === null ? null : this.observeInSync(leader);
  }

  /**
   * A preferred leader election on this replica (preferred-leader.ts): on the leader, a
   * leadership transfer to the preferred replica when it is a voter in sync; `not_leader`
   * elsewhere, with the leader this node knows.
   */
  electPreferred(inMaintenance: ReadonlySet<NodeId> = new Set()): PreferredElection | { readonly kind: 'not_leader'; readonly leaderId: NodeId | null } {
    const leader = this.lead();
    if (leader === null) return { kind: 'not_leader', leaderId: this.driver.leaderId };
    const s = this.driver.status();
    const decision = preferredElection(s.id, this.replicas, s.membership.voters, this.observeInSync(leader), inMaintenance);
    if (decision.kind !== 'transfer') return decision;
    const r = this.driver.transferLeadership(decision.to);
    return r.ok ? decision : { kind: 'not_available', reason: `the transfer to ${decision.to} was refused: ${r.reason}` };
  }

  /**
   * Maintenance mode (preferred-leader.ts's drainTarget): on the leader, a leadership transfer
   * to an in-sync voter not in maintenance; the target, or null when this node does not lead,
   * none is eligible or the transfer was refused.
   */
  drainLeadership(inMaintenance: ReadonlySet<NodeId>): NodeId | null {
    const leader = this.lead();
    if (leader === null) return null;
    const s = this.driver.status();
    const to = drainTarget(s.id, this.replicas, s.membership.voters, this.observeInSync(leader), inMaintenance);
    return to !== null && this.driver.transferLeadership(to).ok ? to : null;
  }

  // ---- retention, DeleteRecords ----

  /**
   * DeleteRecords on the leader (`offset` at most the high watermark, checked by the caller):
   * proposes the log start command (log-start.ts), which every replica applies, so a new leader
   * and a follower that was down have the deletion too. Resolves once the command is committed
   * (a majority of disks) and this replica's log start moved to the last batch boundary at or
   * below `offset`, with that log start (Kafka's low watermark). min.insync.replicas does not
   * apply (Kafka's DeleteRecords does not check it).
   */
  async deleteRecords(offset: Index): Promise<{ readonly ok: true; readonly lowWatermark: Index } | ReplicaRefusal> {
    const refused = this.refusal();
    if (refused !== null) return refused;
    const leader = this.lead();
    if (leader === null) return this.fail(notLeader(`${this.name} is not led by this node`));
    // A start this replica reached by its own retention is not the others': only a command
    // already applied makes one needless.
    if (offset <= this.logStart.asked) return { ok: true, lowWatermark: this.logStartOffset };
    if (this.waiters.full) return this.fail(kafkaError(ErrorCode.REQUEST_TIMED_OUT, `${this.name}: too many appends waiting for their commit`));
    const r = this.driver.propose(encodeLogStartBatch(offset));
    if (!r.ok) return this.proposeRefused(r.reason);
    const error = await this.waiters.wait(r.lastIndex, leader.term);
    if (error !== null && error.code !== ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) return this.fail(error);
    // Applied here: the mover knows the start; wait for its compaction (after a flush at worst).
    const wanted = this.logStart.wanted;
    await this.untilProgress(() => this.logStartOffset >= wanted || this.refusal() !== null);
    const lost = this.refusal();
    return lost ?? { ok: true, lowWatermark: this.logStartOffset };
  }

  /**
   * Moves the log start to `offset` or just below it (retention): the Raft log start is the
   * Kafka log start (src/raft/README.md), so only whole batches already applied and flushed
   * here go, through GroupDriver.compact. Resolves with the log start after it. Local to this
   * replica, as Kafka's retention runs on every replica; DeleteRecords is `deleteRecords`.
   */
  async compactTo(offset: Index): Promise<Index> {
    const upTo = Math.min(offset, this.highWatermark) - 1;
    const e = upTo < this.driver.raft.firstIndex ? null : this.driver.raft.entryHolding(upTo);
    if (e !== null) {
      const batchEnd = e.lastIndex === upTo ? upTo : e.firstIndex - 1;
      if (batchEnd >= this.driver.raft.firstIndex) await this.driver.compact(batchEnd);
    }
    this.logStart.retry(); // a log start command's move may have waited for this compaction
    this.notify();
    return this.logStartOffset;
  }

  /**
   * retention.ms and retention.bytes (Kafka's UnifiedLog.deleteOldSegments) on a replicated
   * log: the segments a single node would delete (storage/retention.ts) go through compactTo,
   * so the Raft log start moves with them. Local to this replica, as Kafka's retention runs on
   * every replica; a follower left behind the leader's new start gets its snapshot point. The
   * periodic pass that calls it is the wiring step's.
   */
  enforceRetention(nowMs: number): Promise<Index> {
    const segments = this.log.compactionView().segments;
    const { count } = segmentsToDelete(segments, this.log.config, nowMs, this.logStartOffset);
    if (count === 0) return Promise.resolve(this.logStartOffset);
    return this.compactTo(segments[count].baseOffset);
  }

  // ---- progress, life ----

  /** Resolves once `done()` holds, checked now and after each progress callback. */
  private untilProgress(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const remove = this.onProgress(() => {
        if (!done()) return;
        remove();
        resolve();
      });
    });
  }

  /** Registers a callback for high-watermark, leadership or log-start changes; returns its remover. */
  onProgress(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Stops answering (the replica is being removed or the node stops); the owner removes the group and closes the log. */
  close(): void {
    this.closed = true;
    this.dropLeadership(notLeader(`${this.name}: replica closed`));
    this.notify();
  }

  // ---- internals ----

  /** Leadership in the current term, its producer view built on first use (producer-replay.ts). */
  private lead(): Leadership | null {
    if (!this.isLeader) {
      this.dropLeadership(notLeader(`${this.name}: leadership lost`));
      return null;
    }
    const term = this.driver.term;
    if (this.leadership?.term === term) return this.leadership;
    this.dropLeadership(notLeader(`${this.name}: leadership lost`));
    this.leadership = {
      term,
      producers: this.rebuildProducers(),
      isr: new InSyncTracker(this.driver.raft.status().id, this.lagTimeMaxMs),
    };
    return this.leadership;
  }

  /** A method, so the simulation's checker test can break it (a new leader that does not rebuild). */
  private rebuildProducers(): ProducerState {
    return leaderView(this.committedProducers, this.driver.raft, { clock: this.clock });
  }

  private dropLeadership(error: KafkaError): void {
    if (this.leadership === null) return;
    this.leadership = null;
    this.waiters.failAll(error);
  }

  private observeInSync(leader: Leadership): NodeId[] {
    const s = this.driver.status();
    const now = this.clock.monotonicMs();
    const commitInTerm = this.driver.raft.termAt(s.commit) === s.term ? s.commit : null;
    if (s.progress !== null) leader.isr.observe(now, { logEndOffset: s.lastIndex + 1, commitInTerm }, s.progress);
    return leader.isr.inSync(now, s.membership.voters);
  }

  private refusal(): ReplicaRefusal | null {
    if (this.failure !== null) return this.fail(this.storageError());
    if (this.closed || !this.isLeader) return this.fail(notLeader(`${this.name} is not led by this node`));
    return null;
  }

  private leaderEpochRefusal(currentLeaderEpoch: number): ReplicaRefusal | null {
    const code = checkCurrentLeaderEpoch(currentLeaderEpoch, this.driver.term);
    return code === null ? null : this.fail(kafkaError(code, `${this.name}: leader epoch ${currentLeaderEpoch}, the replica's is ${this.driver.term}`));
  }

  private fail(error: KafkaError): ReplicaRefusal {
    return { ok: false, error, currentLeader: this.currentLeader };
  }

  private storageError(): KafkaError {
    return kafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `${this.name}: ${this.failure?.message ?? 'the group stopped'}`);
  }

  private notify(): void {
    for (const cb of [...this.listeners]) cb();
  }

  private groupListener(): GroupListener {
    return {
      persisted: () => this.logStart.retry(),
      applied: (entries) => this.applied(entries),
      roleChanged: (soft, term) => this.roleChanged(soft, term),
      snapshotInstalled: (meta) => this.snapshotInstalled(meta),
      failed: (e) => this.groupFailed(e),
    };
  }

  private applied(entries: readonly Entry[]): void {
    for (const e of entries) replayEntry(this.committedProducers, e);
    this.logStart.applied(entries);
    const leader = this.leadership;
    if (leader !== null) {
      const inSync = this.observeInSync(leader).length;
      this.waiters.applied(entries, (resolve) => resolve(checkAfterCommit(inSync, this.config.minInsyncReplicas)));
    }
    this.notify();
  }

  private roleChanged(soft: SoftState, term: Term): void {
    if (this.leadership !== null && (soft.role !== 'leader' || term !== this.leadership.term)) {
      this.dropLeadership(notLeader(`${this.name}: leadership lost in term ${term}`));
    }
    this.notify();
  }

  /** The log restarts after the leader's snapshot point: so does the committed producer state (producer-replay.ts). */
  private snapshotInstalled(meta: SnapshotMeta): void {
    this.stats.snapshotsInstalled++;
    this.committedProducers = new ProducerState({ clock: this.clock }, meta.index + 1);
    this.notify();
  }

  /** A write or fsync failed (or the node's journal): KAFKA_STORAGE_ERROR from now on; repair is not done yet. */
  private groupFailed(e: Error): void {
    this.failure = e;
    this.dropLeadership(this.storageError());
    this.notify();
  }
}
