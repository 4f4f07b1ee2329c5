// A consumer: subscribed to topics or a pattern through a classic consumer group
// (group-membership.ts), or manually assigned partitions without joining (Java's
// KafkaConsumer.assign, the REST proxy's assignments API). It keeps a position per assigned
// partition, filled from the group's committed offset (OffsetFetch) or else by
// auto.offset.reset (ListOffsets earliest/latest), and moves it as poll() hands out records.
// commit() with no offsets commits those positions, as Java's commitSync() does.
//
// Kafka errors are values; what this member refuses by itself (mutually exclusive
// subscriptions, a seek on a partition it does not own, no offset with reset 'none') is a
// MemberRefusal value. ClientError is still thrown when a call got no answer at all.

import { type Cancel, every, sleep } from '../base/scheduler.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { type AssignorName, ASSIGNOR_NAMES, type TopicPartition } from './assignors.ts';
import type { ClientCore } from './core.ts';
import * as data from './data.ts';
import { type KafkaErr, kafkaErr } from './errors.ts';
import type { FetchedRecord } from './fetched-records.ts';
import { GroupMembership, partitionKey } from './group-membership.ts';
import * as groups from './groups.ts';
import { GROUP_HEARTBEAT_INTERVAL_MS, GROUP_REBALANCE_TIMEOUT_MS, GROUP_SESSION_TIMEOUT_MS, PATTERN_REFRESH_MS, POLL_RECORDS_MAX, SUBSCRIPTION_TOPICS_MAX } from './limits.ts';

export type { TopicPartition };

/** Topics by name, or every topic whose whole name matches (Java's Pattern.matches). */
export type Subscription = { topics: readonly string[] } | { pattern: RegExp };
/** auto.offset.reset; 'none' reports a partition without a committed offset as a refusal. */
export type OffsetReset = 'earliest' | 'latest' | 'none';

export interface GroupMemberOptions {
  groupId: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Announced in this order (default range, roundrobin: Java's default list starts with range). */
  assignors?: readonly AssignorName[];
  /** Kafka's default is 'latest'. */
  autoOffsetReset?: OffsetReset;
  /** How often a pattern subscription re-reads the topic list (metadata.max.age.ms). */
  patternRefreshMs?: number;
  maxPollRecords?: number;
  /** Called after each join with the new assignment and what it added and took away. */
  onAssignmentChange?: (change: AssignmentChange) => void;
}

export interface AssignmentChange {
  generationId: number;
  assigned: TopicPartition[];
  added: TopicPartition[];
  /** With the position each had when it was taken away (null: none yet). */
  revoked: Array<TopicPartition & { position: number | null }>;
}

export interface MemberRefusal {
  refusal: 'mutually_exclusive' | 'not_assigned' | 'too_many_topics' | 'no_offset' | 'closed';
  message: string;
}
export type MemberErr = KafkaErr | MemberRefusal;

export interface ConsumedRecord extends FetchedRecord {
  topic: string;
  partition: number;
}

export interface PollResult {
  records: ConsumedRecord[];
  /** Per partition (OFFSET_OUT_OF_RANGE resets the position at the next poll). */
  errors: Array<TopicPartition & { error: MemberErr }>;
  /** The member could not join its group; nothing was fetched. */
  error: MemberErr | null;
}

/** One poll's records so far and its limits. */
interface HandOut {
  readonly records: ConsumedRecord[];
  bytes: number;
  readonly recordsMax: number;
  readonly maxBytes: number;
}

const refuse = (refusal: MemberRefusal['refusal'], message: string): MemberRefusal => ({ refusal, message });
const sizeOf = (r: FetchedRecord): number => (r.key?.length ?? 0) + (r.value?.length ?? 0);

export class GroupMember {
  private subscription: Subscription | null = null;
  private manual: TopicPartition[] | null = null;
  /** The subscribed topics: the list given, or the pattern's matches at the last refresh. */
  private topics: string[] = [];
  private readonly positions = new Map<string, number>();
  /**
   * Records a fetch brought that poll() did not hand out (a fetch returns whole batches up to
   * its byte limit; poll hands out at most maxPollRecords), by partition, with the position
   * they follow on from. The next poll serves them without fetching, as the Java consumer's
   * fetch buffer does; a seek, a rebalance or a reset that moves the position makes them stale
   * (they are used only while the position is still `at`). At most one fetch's worth.
   */
  private readonly buffered = new Map<string, { records: FetchedRecord[]; at: number; nextOffset: number }>();
  private membership: GroupMembership;
  private lastSynced: { memberId: string; generationId: number; keys: Set<string> } | null = null;
  private stopPatternRefresh: Cancel | null = null;
  private closed = false;

  constructor(
    private readonly client: ClientCore,
    private readonly options: GroupMemberOptions,
  ) {
    this.membership = this.newMembership();
  }

  get groupId(): string {
    return this.options.groupId;
  }
  get memberId(): string {
    return this.membership.memberId;
  }
  get generationId(): number {
    return this.membership.generationId;
  }
  get isLeader(): boolean {
    return this.membership.isLeader;
  }
  /** The chosen assignor of the current generation. */
  get protocolName(): string | null {
    return this.membership.protocolName;
  }

  /** The partitions this member reads: the manual ones, or the group's assignment. */
  assignment(): TopicPartition[] {
    if (this.manual !== null) return [...this.manual];
    return this.subscription === null ? [] : [...this.membership.assigned];
  }

  subscribedTopics(): string[] {
    return [...this.topics];
  }

  /** Joins (at the next poll, or now with `join`) with this subscription, replacing any before. */
  async subscribe(subscription: Subscription): Promise<MemberRefusal | null> {
    if (this.closed) return refuse('closed', 'the consumer is closed');
    if (this.manual !== null) return refuse('mutually_exclusive', 'Subscription to topics, partitions and pattern are mutually exclusive.');
    if ('topics' in subscription && subscription.topics.length > SUBSCRIPTION_TOPICS_MAX) return refuse('too_many_topics', `more than ${SUBSCRIPTION_TOPICS_MAX} topics`);
    this.subscription = 'pattern' in subscription ? { pattern: new RegExp(`^(?:${subscription.pattern.source})$`, subscription.pattern.flags.replace(/[gy]/g, '')) } : { topics: [...new Set(subscription.topics)].sort() };
    this.stopPatternRefresh?.();
    this.stopPatternRefresh = null;
    if ('pattern' in this.subscription) {
      const refused = await this.refreshPattern();
      if (refused !== null) return refused;
      this.stopPatternRefresh = every(this.client.options.io.scheduler, this.options.patternRefreshMs ?? PATTERN_REFRESH_MS, () => {
        this.refreshPattern().catch(() => {}); // no answer now: the next refresh tries again
      });
    } else this.topics = [...this.subscription.topics];
    this.membership.requestRejoin();
    // Already a member: rejoin now, so the group's assignment follows the new subscription.
    if (this.membership.generationId >= 0) this.membership.ensureActive().catch(() => {});
    return null;
  }

  /** Joins now (poll() does it too); null once the member has an assignment. */
  join(): Promise<MemberErr | null> {
    if (this.subscription === null) return Promise.resolve(refuse('not_assigned', 'no subscription'));
    return this.membership.ensureActive();
  }

  /** Leaves the group and forgets the subscription and positions. */
  async unsubscribe(): Promise<MemberErr | null> {
    this.stopPatternRefresh?.();
    this.stopPatternRefresh = null;
    const error = this.subscription === null ? null : await this.membership.leave();
    this.subscription = null;
    this.manual = null;
    this.topics = [];
    this.positions.clear();
    this.lastSynced = null;
    this.membership = this.newMembership();
    return error;
  }

  /** Manual assignment: reads these partitions without joining the group. */
  assign(partitions: readonly TopicPartition[]): MemberRefusal | null {
    if (this.closed) return refuse('closed', 'the consumer is closed');
    if (this.subscription !== null) return refuse('mutually_exclusive', 'Subscription to topics, partitions and pattern are mutually exclusive.');
    const keys = new Set(partitions.map(partitionKey));
    for (const k of [...this.positions.keys()]) if (!keys.has(k)) this.positions.delete(k);
    this.manual = [...new Map(partitions.map((p) => [partitionKey(p), { topic: p.topic, partition: p.partition }])).values()];
    return null;
  }

  /** The next offset poll() reads from, or null before the first poll resolves it. */
  position(p: TopicPartition): number | null {
    return this.positions.get(partitionKey(p)) ?? null;
  }

  seek(p: TopicPartition, offset: number): MemberRefusal | null {
    if (!this.owns(p)) return refuse('not_assigned', `${p.topic}-${p.partition} is not assigned to this consumer`);
    this.positions.set(partitionKey(p), offset);
    return null;
  }

  /** Seeks to the first or next-to-be-written offset (ListOffsets). */
  async seekTo(partitions: readonly TopicPartition[], spec: 'earliest' | 'latest'): Promise<Array<TopicPartition & { error: MemberErr }>> {
    const owned = partitions.filter((p) => this.owns(p));
    const errors: Array<TopicPartition & { error: MemberErr }> = partitions.filter((p) => !this.owns(p)).map((p) => ({ ...p, error: refuse('not_assigned', `${p.topic}-${p.partition} is not assigned to this consumer`) }));
    if (owned.length === 0) return errors;
    for (const r of await data.listOffsets(this.client, owned.map((p) => ({ ...p, spec })))) {
      if (r.error !== null) errors.push({ topic: r.topic, partition: r.partition, error: r.error });
      else this.positions.set(partitionKey(r), r.offset);
    }
    return errors;
  }

  /**
   * Fetches from every assigned partition at its position, waiting up to `timeoutMs` for data,
   * and returns at most `maxBytes` of keys and values (always at least one record when any
   * came) and at most maxPollRecords records. Positions move past what is returned. The
   * broker answers once `minBytes` are there (fetch.min.bytes) or `timeoutMs` has passed.
   */
  async poll(maxBytes: number, timeoutMs: number, minBytes = 1): Promise<PollResult> {
    if (this.closed) return { records: [], errors: [], error: refuse('closed', 'the consumer is closed') };
    if (this.subscription !== null) {
      const error = await this.membership.ensureActive();
      if (error !== null) return { records: [], errors: [], error };
    }
    const errors = await this.fillPositions();
    const from = this.assignment().flatMap((p) => {
      const offset = this.positions.get(partitionKey(p));
      return offset === undefined ? [] : [{ ...p, offset }];
    });
    if (from.length === 0) {
      // Nothing to read (no partitions yet, or none with a position): wait as a fetch would,
      // so a polling loop does not spin.
      await sleep(this.client.options.io.scheduler, Math.max(0, timeoutMs));
      return { records: [], errors, error: null };
    }
    for (const [k, b] of [...this.buffered]) if (!from.some((p) => partitionKey(p) === k && p.offset === b.at)) this.buffered.delete(k);
    const out: HandOut = { records: [], bytes: 0, recordsMax: this.options.maxPollRecords ?? POLL_RECORDS_MAX, maxBytes };
    if (this.buffered.size > 0) {
      for (const p of from) {
        const b = this.buffered.get(partitionKey(p));
        if (b !== undefined) this.handOut(p, b.records, b.nextOffset, out);
      }
      return { records: out.records, errors, error: null };
    }
    const fetched = await data.fetch(this.client, from, { maxWaitMs: timeoutMs, maxBytes: Math.max(1, maxBytes), minBytes: Math.max(0, minBytes) });
    for (const f of fetched) {
      const key = partitionKey(f);
      const asked = from.find((p) => p.topic === f.topic && p.partition === f.partition)?.offset;
      // A rebalance or seek while the fetch was out: what came is no longer ours to hand out.
      if (asked === undefined || this.positions.get(key) !== asked || !this.owns(f)) continue;
      if (f.error !== null) {
        if (f.error.code === ErrorCode.OFFSET_OUT_OF_RANGE) this.positions.delete(key);
        errors.push({ topic: f.topic, partition: f.partition, error: f.error });
        continue;
      }
      this.handOut(f, f.records, f.nextOffset, out);
    }
    return { records: out.records, errors, error: null };
  }

  /** Hands out `records` of partition `p` (from its position on) within the poll's limits,
   *  moves the position, and keeps what is left for the next poll. */
  private handOut(p: TopicPartition, records: readonly FetchedRecord[], nextOffset: number, out: HandOut): void {
    const key = partitionKey(p);
    let taken = 0;
    for (const r of records) {
      if (out.records.length >= out.recordsMax || (out.records.length > 0 && out.bytes + sizeOf(r) > out.maxBytes)) break;
      out.records.push({ ...r, topic: p.topic, partition: p.partition });
      out.bytes += sizeOf(r);
      taken++;
    }
    if (taken === records.length) {
      // All handed out: past the last whole batch (control batches too).
      this.positions.set(key, nextOffset);
      this.buffered.delete(key);
      return;
    }
    const at = taken > 0 ? records[taken - 1].offset + 1 : (this.positions.get(key) ?? records[0].offset);
    this.positions.set(key, at);
    this.buffered.set(key, { records: records.slice(taken), at, nextOffset });
  }

  /**
   * Commits `offsets` (the next offset to read, as Kafka commits), or every assigned
   * partition's position when none are given. A subscribed member commits with its
   * generation and member id; a manually assigned one as a standalone commit.
   */
  async commit(offsets?: ReadonlyArray<TopicPartition & { offset: number; metadata?: string | null }>): Promise<{ error: MemberErr | null; partitions: groups.PartitionError[] }> {
    if (this.closed) return { error: refuse('closed', 'the consumer is closed'), partitions: [] };
    const list = offsets ?? this.assignment().flatMap((p) => {
      const offset = this.positions.get(partitionKey(p));
      return offset === undefined ? [] : [{ ...p, offset }];
    });
    if (list.length === 0) return { error: null, partitions: [] };
    let member = {};
    if (this.subscription !== null) {
      if (!this.membership.stable) return { error: kafkaErr(ErrorCode.REBALANCE_IN_PROGRESS, 'the member is rejoining its group'), partitions: [] };
      member = { generationId: this.membership.generationId, memberId: this.membership.memberId };
    }
    const partitions = await groups.offsetCommit(this.client, this.options.groupId, list, member);
    const rejoin = partitions.find((p) => p.error !== null && (p.error.code === ErrorCode.REBALANCE_IN_PROGRESS || p.error.code === ErrorCode.ILLEGAL_GENERATION || p.error.code === ErrorCode.UNKNOWN_MEMBER_ID));
    if (rejoin !== undefined && this.subscription !== null) this.membership.requestRejoin();
    return { error: null, partitions };
  }

  /** The group's committed offsets for `partitions` (-1: none), as Java's committed(). */
  committed(partitions: readonly TopicPartition[]): Promise<{ error: KafkaErr | null; offsets: groups.CommittedOffset[] }> {
    const byTopic = new Map<string, number[]>();
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    return groups.offsetFetch(this.client, this.options.groupId, [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })));
  }

  /** Leaves the group (LeaveGroup) and stops every timer; the member is unusable after. */
  async close(): Promise<MemberErr | null> {
    if (this.closed) return null;
    this.closed = true;
    this.stopPatternRefresh?.();
    return this.subscription === null ? null : this.membership.leave();
  }

  private owns(p: TopicPartition): boolean {
    return this.assignment().some((a) => a.topic === p.topic && a.partition === p.partition);
  }

  private newMembership(): GroupMembership {
    const o = this.options;
    return new GroupMembership(
      this.client,
      {
        groupId: o.groupId,
        sessionTimeoutMs: o.sessionTimeoutMs ?? GROUP_SESSION_TIMEOUT_MS,
        rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? GROUP_REBALANCE_TIMEOUT_MS,
        heartbeatIntervalMs: o.heartbeatIntervalMs ?? GROUP_HEARTBEAT_INTERVAL_MS,
        assignors: o.assignors ?? ASSIGNOR_NAMES,
      },
      () => this.topics,
      (assigned, generationId) => this.onJoined(assigned, generationId),
    );
  }

  /**
   * A new generation's assignment. Positions survive only for partitions this member also
   * owned in the generation just before, under the same member id: eager rebalancing then
   * guarantees nobody else read them in between. Others restart from the committed offset.
   */
  private onJoined(assigned: TopicPartition[], generationId: number): void {
    const memberId = this.membership.memberId;
    const before = this.lastSynced;
    const continuous = before !== null && before.memberId === memberId && before.generationId + 1 === generationId;
    const keys = new Set(assigned.map(partitionKey));
    const revoked: AssignmentChange['revoked'] = [];
    for (const k of before?.keys ?? []) {
      if (keys.has(k)) continue;
      const [topic, partition] = k.split('\u0000');
      revoked.push({ topic, partition: Number(partition), position: this.positions.get(k) ?? null });
    }
    for (const k of [...this.positions.keys()]) if (!continuous || !keys.has(k)) this.positions.delete(k);
    const added = assigned.filter((p) => !(before?.keys.has(partitionKey(p)) ?? false));
    this.lastSynced = { memberId, generationId, keys };
    this.options.onAssignmentChange?.({ generationId, assigned: [...assigned], added, revoked });
  }

  /** Re-reads the topic list for a pattern subscription; a changed match set means a rejoin. */
  private async refreshPattern(): Promise<MemberRefusal | null> {
    const sub = this.subscription;
    if (sub === null || !('pattern' in sub)) return null;
    const md = await this.client.metadata(null);
    const matched = md.topics.filter((t) => !t.isInternal && t.error === null && sub.pattern.test(t.name)).map((t) => t.name).sort();
    if (matched.length > SUBSCRIPTION_TOPICS_MAX) return refuse('too_many_topics', `the pattern matches more than ${SUBSCRIPTION_TOPICS_MAX} topics`);
    if (matched.join('\u0000') === this.topics.join('\u0000')) return null;
    this.topics = matched;
    this.membership.requestRejoin();
    if (this.membership.generationId >= 0) this.membership.ensureActive().catch(() => {}); // others learn of it through the rebalance
    return null;
  }

  /** Positions for assigned partitions without one: committed offset, else auto.offset.reset. */
  private async fillPositions(): Promise<Array<TopicPartition & { error: MemberErr }>> {
    const missing = this.assignment().filter((p) => !this.positions.has(partitionKey(p)));
    if (missing.length === 0) return [];
    const errors: Array<TopicPartition & { error: MemberErr }> = [];
    const byTopic = new Map<string, number[]>();
    for (const p of missing) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
    const committed = await groups.offsetFetch(this.client, this.options.groupId, [...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
    if (committed.error !== null) return missing.map((p) => ({ ...p, error: committed.error! }));
    const toReset: TopicPartition[] = [];
    for (const p of missing) {
      const c = committed.offsets.find((o) => o.topic === p.topic && o.partition === p.partition);
      if (c?.error) errors.push({ ...p, error: c.error });
      else if (c !== undefined && c.offset >= 0) this.positions.set(partitionKey(p), c.offset);
      else toReset.push(p);
    }
    const reset = this.options.autoOffsetReset ?? 'latest';
    if (reset === 'none') return [...errors, ...toReset.map((p) => ({ ...p, error: refuse('no_offset', `no committed offset for ${p.topic}-${p.partition} and auto.offset.reset is none`) }))];
    if (toReset.length === 0) return errors;
    for (const r of await data.listOffsets(this.client, toReset.map((p) => ({ ...p, spec: reset })))) {
      if (r.error !== null) errors.push({ topic: r.topic, partition: r.partition, error: r.error });
      else this.positions.set(partitionKey(r), r.offset);
    }
    return errors;
  }
}
