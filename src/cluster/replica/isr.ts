// In-sync replicas of a leader. Pure: the replica feeds it the core's per-voter progress, the
// leader's log end and commit, and the time; it keeps the ISR and, per voter, when that voter
// was last caught up.
//
// Kafka's rules (apache/kafka core/src/main/scala/kafka/cluster):
// - caught-up time (Replica.scala, updateFetchStateOrThrow): a follower is caught up at the time
//   of a fetch that reached the leader's log end; a fetch that reached only the log end the
//   leader had at the previous fetch makes it caught up as of that previous fetch.
// - shrink (Partition.maybeShrinkIsr, getOutOfSyncReplicas): a member whose last caught-up time
//   is more than replica.lag.time.max.ms old leaves the ISR.
// - expand (Partition.maybeExpandIsr, isFollowerInSync): a follower outside the ISR joins only
//   once its log end reached the leader's high watermark and the leader's epoch start offset.
// So the ISR is state, not a function of the caught-up time alone: a restarted follower catching
// up reaches log ends the leader had a moment ago, "within the lag time", long before it holds
// what the leader committed; it must not be listed in sync then. In Raft terms it joins once its
// match reached the commit index and that index is in the leader's term: a leader knows its high
// watermark only once an entry of its term committed (paper 5.4.2), and the term starts at or
// below such an entry, which is Kafka's epoch start offset condition.
//
// Raft has no fetches: the leader learns a follower's match index from its append responses. So
// the tracker keeps a short history of the leader's log end (samples: a log end and the last time
// it was seen) and credits a follower with the newest sample its log end (match + 1) reached.
// Exact when the follower is at the current log end; otherwise as precise as the samples, which
// are taken on every append and every read of the ISR.
//
// Decisions:
// - The leader is always in sync (Kafka: the leader is always in its own ISR).
// - Only voters count; a learner is not a replica yet (it has no vote toward the commit).
// - A new leader knows nothing of its followers: it starts with only itself in sync (Kafka seeds
//   a new leader's ISR from the controller's; Raft has no such record, and a follower that holds
//   the commit and answers is seen at once).
// - A follower is credited only while it answers: `recentActive`, the core's CheckQuorum activity
//   (reset every election timeout, dissertation 6.2), or whatever "seen" the shell has (a
//   node-level heartbeat for a quiesced group). So a follower that stops answering leaves the
//   ISR after the lag time even when the partition is idle and its match is the log end, as a
//   fenced Kafka broker does. Durability does not depend on the ISR: acks=all waits for the Raft
//   commit, a majority of disks.

import { assert } from '../../base/assert.ts';
import type { Index, NodeId } from '../../raft/core/index.ts';

/** replica.lag.time.max.ms default (Kafka 2.5+, KIP-537). */
export const REPLICA_LAG_TIME_MAX_MS_DEFAULT = 30_000;

/** Log-end samples kept: beyond it the oldest go (a follower may then be credited later than it could be). */
export const LOG_END_SAMPLES_MAX = 1024;

interface LogEndSample {
  readonly logEndOffset: number;
  /** The last time the leader's log end was this value. */
  lastSeenMs: number;
}

export interface VoterProgress {
  /** The last index the voter is known to hold (Raft's matchIndex). */
  readonly match: Index;
  /** It answered the leader in the current CheckQuorum round (unknown counts as answered). */
  readonly recentActive?: boolean;
}

/** What the leader knows of its own log when it observes its followers. */
export interface LeaderLogView {
  /** The leader's log end offset (its last index + 1). */
  readonly logEndOffset: number;
  /** The commit index, or null while no entry of the leader's term has committed (its high watermark is not known yet). */
  readonly commitInTerm: Index | null;
}

export class InSyncTracker {
  private readonly samples: LogEndSample[] = [];
  private readonly lastCaughtUpMs = new Map<NodeId, number>();
  /** The followers in the ISR (the leader is always in it, implicitly). */
  private readonly members = new Set<NodeId>();

  constructor(
    readonly leaderId: NodeId,
    readonly lagTimeMaxMs: number,
  ) {
    assert(lagTimeMaxMs >= 0, 'replica.lag.time.max.ms must not be negative');
  }

  /**
   * Records the leader's log end at `nowMs`, credits every answering voter with the newest sample
   * it reached, then applies the shrink and expand rules.
   */
  observe(nowMs: number, leader: LeaderLogView, progress: ReadonlyMap<NodeId, VoterProgress>): void {
    this.sample(nowMs, leader.logEndOffset);
    for (const [id, p] of progress) {
      if (id === this.leaderId || p.recentActive === false) continue;
      const at = this.caughtUpAt(p.match + 1);
      if (at !== null && at > (this.lastCaughtUpMs.get(id) ?? -Infinity)) this.lastCaughtUpMs.set(id, at);
    }
    this.shrink(nowMs);
    if (leader.commitInTerm === null) return;
    for (const [id, p] of progress) {
      if (id === this.leaderId || this.members.has(id) || p.recentActive === false) continue;
      if (p.match >= leader.commitInTerm && this.caughtUpWithin(id, nowMs)) this.members.add(id);
    }
  }

  /** The in-sync voters at `nowMs`, ascending; the leader always among them. */
  inSync(nowMs: number, voters: readonly NodeId[]): NodeId[] {
    this.shrink(nowMs);
    const out = voters.filter((id) => id === this.leaderId || this.members.has(id));
    if (!out.includes(this.leaderId)) out.push(this.leaderId);
    return out.sort((a, b) => a - b);
  }

  /** Partition.maybeShrinkIsr: members not caught up within the lag time leave. */
  private shrink(nowMs: number): void {
    for (const id of [...this.members]) if (!this.caughtUpWithin(id, nowMs)) this.members.delete(id);
  }

  private caughtUpWithin(id: NodeId, nowMs: number): boolean {
    const at = this.lastCaughtUpMs.get(id);
    return at !== undefined && nowMs - at <= this.lagTimeMaxMs;
  }

  private sample(nowMs: number, logEndOffset: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined) {
      assert(nowMs >= last.lastSeenMs, 'time runs backwards');
      assert(logEndOffset >= last.logEndOffset, `a leader's log end went back from ${last.logEndOffset} to ${logEndOffset}`);
    }
    if (last !== undefined && last.logEndOffset === logEndOffset) last.lastSeenMs = nowMs;
    else this.samples.push({ logEndOffset, lastSeenMs: nowMs });
    this.prune(nowMs);
  }

  /** The last time the leader's log end was at or below `followerLogEnd`, or null. */
  private caughtUpAt(followerLogEnd: number): number | null {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i].logEndOffset <= followerLogEnd) return this.samples[i].lastSeenMs;
    }
    return null;
  }

  /** Samples older than the lag time can no longer put anyone in sync; keep the newest of them as the floor. */
  private prune(nowMs: number): void {
    let drop = 0;
    while (drop + 1 < this.samples.length && nowMs - this.samples[drop + 1].lastSeenMs > this.lagTimeMaxMs) drop++;
    if (this.samples.length - drop > LOG_END_SAMPLES_MAX) drop = this.samples.length - LOG_END_SAMPLES_MAX;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
