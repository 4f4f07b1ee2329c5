// Membership of a classic consumer group ("consumer" protocol type): FindCoordinator,
// JoinGroup, SyncGroup (computing the assignment when this member is the leader), Heartbeat on
// the client's scheduler, and LeaveGroup. The answers are handled as Apache Kafka's
// AbstractCoordinator and ConsumerCoordinator handle them:
// - JoinGroup MEMBER_ID_REQUIRED (KIP-394): rejoin at once with the member id the broker gave;
//   UNKNOWN_MEMBER_ID: forget the member id and rejoin; NOT_COORDINATOR /
//   COORDINATOR_NOT_AVAILABLE: find the coordinator again; COORDINATOR_LOAD_IN_PROGRESS /
//   REBALANCE_IN_PROGRESS: back off and retry; anything else (INVALID_SESSION_TIMEOUT,
//   INCONSISTENT_GROUP_PROTOCOL, GROUP_MAX_SIZE_REACHED, ...) ends the join with that error.
// - SyncGroup and Heartbeat REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID:
//   rejoin (the last one with a fresh member id).
// The coordinator gets a connection of its own, as in Java's consumer (its coordinator node
// has a separate connection id): a broker answers a connection's requests in order, and a
// JoinGroup held for a whole rebalance must not stall the client's other traffic (fetches,
// other members' joins on a shared client), nor a long-poll fetch this member's heartbeats.
// Protocol is eager: the whole assignment is replaced at each generation. Unlike Java's
// consumer, which rejoins only inside poll(), a heartbeat that learns of a rebalance starts the
// rejoin at once: the HTTP proxy's consumers poll only when their client asks, and the group
// should not wait for that.

import { type Cancel, every, sleep } from '../base/scheduler.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { Heartbeat } from '../protocol/messages/12-heartbeat.ts';
import { JoinGroup } from '../protocol/messages/11-join-group.ts';
import { LeaveGroup } from '../protocol/messages/13-leave-group.ts';
import { SyncGroup } from '../protocol/messages/14-sync-group.ts';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, encodeAssignment, encodeSubscription, subscriptionTopics } from '../protocol/consumer-protocol.ts';
import { assign, type AssignorName, isAssignorName, type MemberSubscription, type TopicPartition } from './assignors.ts';
import type { Connection } from './connection.ts';
import { connectTcp, type HostPort } from './tcp.ts';
import type { ClientCore } from './core.ts';
import { ClientError, type KafkaErr, kafkaErr } from './errors.ts';
import { JOIN_ATTEMPTS_MAX, JOIN_GROUP_TIMEOUT_MARGIN_MS, JOIN_RETRY_BACKOFF_MS } from './limits.ts';

export interface MembershipOptions {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** In preference order; the coordinator picks the first every member supports. */
  assignors: readonly AssignorName[];
}

/** What a completed join hands to the member: its partitions for this generation. */
export type OnJoined = (assigned: TopicPartition[], generationId: number) => void;

/** Errors after which the member's generation is void and it must join again. */
const REJOIN: ReadonlySet<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID]);
/** Errors after which the coordinator must be looked up again. */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
/** JoinGroup answers worth another round after a pause. */
const JOIN_RETRIABLE: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION]);

/** What a closed member's calls answer. */
const CLOSED: KafkaErr = { code: ErrorCode.UNKNOWN_MEMBER_ID, name: 'UNKNOWN_MEMBER_ID', message: 'the member left its group' };

const keyOf = (p: TopicPartition): string => `${p.topic}\u0000${p.partition}`;

export class GroupMembership {
  memberId = '';
  generationId = -1;
  /** The assignor the coordinator chose in the last join. */
  protocolName: string | null = null;
  isLeader = false;
  assigned: TopicPartition[] = [];
  /** An error no retry can cure (set by a join or heartbeat); cleared by the next join. */
  fatal: KafkaErr | null = null;
  private coordinator: Promise<Connection> | null = null;
  private rejoinNeeded = true;
  private joining: Promise<KafkaErr | null> | null = null;
  private heartbeatInFlight = false;
  private stopHeartbeat: Cancel | null = null;
  private closed = false;

  constructor(
    private readonly client: ClientCore,
    private readonly options: MembershipOptions,
    /** The topics to announce in JoinGroup (the member's current subscription, resolved). */
    private readonly subscribedTopics: () => string[],
    private readonly onJoined: OnJoined,
    /** Opens the dedicated coordinator connection (tests script one). */
    private readonly openConnection: (address: HostPort) => Promise<Connection> = (address) => openDedicated(client, address),
  ) {}

  get stable(): boolean {
    return !this.rejoinNeeded && this.joining === null && this.generationId >= 0;
  }

  /** Asks for a new join at the next ensureActive (subscription changed). */
  requestRejoin(): void {
    this.rejoinNeeded = true;
  }

  /** Joins if needed; null once the member has a generation and an assignment, else the error. */
  ensureActive(): Promise<KafkaErr | null> {
    if (this.closed) return Promise.resolve(CLOSED);
    // A heartbeat's unrecoverable answer (an authorization failure, say) surfaces here.
    if (!this.rejoinNeeded && this.generationId >= 0) return Promise.resolve(this.fatal);
    if (this.joining === null) {
      this.joining = this.join().finally(() => {
        this.joining = null;
      });
    }
    return this.joining;
  }

  /**
   * Stops heartbeats and leaves the group (LeaveGroup); the member cannot join again. A join in
   * progress is not waited for (a JoinGroup may wait out the whole rebalance timeout): its
   * connection is closed, since the broker would read nothing behind the held JoinGroup, and
   * LeaveGroup goes on a fresh one.
   */
  async leave(): Promise<KafkaErr | null> {
    this.closed = true;
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    if (this.memberId === '' || this.joining !== null) this.dropCoordinator();
    if (this.memberId === '') return null;
    const memberId = this.memberId;
    this.memberId = '';
    this.generationId = -1;
    try {
      const conn = await this.coordinatorConnection();
      // v0-2 name one member at the top level; v3+ a batch (KIP-345). The encoder writes the
      // negotiated version's fields.
      const res = await conn.request(LeaveGroup, { groupId: this.options.groupId, memberId, members: [{ memberId, groupInstanceId: null, reason: 'the consumer is closing' }] });
      return kafkaErr(res.errorCode) ?? res.members.map((m) => kafkaErr(m.errorCode)).find((e) => e !== null) ?? null;
    } catch (e) {
      if (e instanceof ClientError || e instanceof CoordinatorError) return null; // the session timeout removes us anyway
      throw e;
    } finally {
      this.dropCoordinator();
    }
  }

  private coordinatorConnection(): Promise<Connection> {
    if (this.coordinator === null) {
      const looking = (async () => {
        const found = await this.client.findCoordinator(this.options.groupId);
        if (found.error !== null) throw new CoordinatorError(found.error);
        return this.openConnection({ host: found.host, port: found.port });
      })();
      this.coordinator = looking;
      looking.catch(() => {
        if (this.coordinator === looking) this.coordinator = null;
      });
    }
    return this.coordinator;
  }

  /** Forgets the coordinator (it moved or stopped answering), closing its connection. */
  private dropCoordinator(): void {
    const old = this.coordinator;
    this.coordinator = null;
    void old?.then((c) => c.close()).catch(() => {});
  }

  private async join(): Promise<KafkaErr | null> {
    this.stopHeartbeat?.();
    this.stopHeartbeat = null;
    this.fatal = null;
    let last: KafkaErr | null = null;
    for (let attempt = 0; attempt < JOIN_ATTEMPTS_MAX && !this.closed; attempt++) {
      let outcome: 'done' | 'again' | 'pause' | KafkaErr;
      try {
        outcome = await this.joinRound();
      } catch (e) {
        if (e instanceof CoordinatorError) outcome = COORDINATOR_MOVED.has(e.error.code) || e.error.code === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? 'pause' : e.error;
        else if (e instanceof ClientError) outcome = 'pause';
        else throw e;
        if (outcome === 'pause') last = e instanceof CoordinatorError ? e.error : kafkaErr(ErrorCode.COORDINATOR_NOT_AVAILABLE, (e as Error).message);
        this.dropCoordinator();
      }
      if (outcome === 'done') {
        this.rejoinNeeded = false;
        this.stopHeartbeat = every(this.client.options.io.scheduler, this.options.heartbeatIntervalMs, () => {
          this.heartbeat().catch((e: unknown) => {
            this.fatal = kafkaErr(ErrorCode.UNKNOWN_SERVER_ERROR, `heartbeat failed: ${String(e)}`);
          });
        });
        return null;
      }
      if (typeof outcome === 'object') {
        this.fatal = outcome;
        return outcome;
      }
      if (outcome === 'pause') await sleep(this.client.options.io.scheduler, JOIN_RETRY_BACKOFF_MS);
    }
    return this.closed ? CLOSED : (last ?? kafkaErr(ErrorCode.REBALANCE_IN_PROGRESS, `no stable generation after ${JOIN_ATTEMPTS_MAX} join rounds`));
  }

  /** One JoinGroup + SyncGroup; 'again' / 'pause' ask for another round. */
  private async joinRound(): Promise<'done' | 'again' | 'pause' | KafkaErr> {
    const conn = await this.coordinatorConnection();
    const { groupId, sessionTimeoutMs, rebalanceTimeoutMs } = this.options;
    const topics = [...this.subscribedTopics()].sort();
    const owned = groupByTopic(this.assigned);
    const joined = await conn.request(
      JoinGroup,
      {
        groupId,
        sessionTimeoutMs,
        rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: this.options.assignors.map((name) => ({ name, metadata: encodeSubscription({ topics, ownedPartitions: owned, generationId: this.generationId }) })),
        reason: null,
      },
      { timeoutMs: rebalanceTimeoutMs + JOIN_GROUP_TIMEOUT_MARGIN_MS },
    );
    const error = kafkaErr(joined.errorCode);
    if (error !== null) {
      if (error.code === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = joined.memberId;
        return 'again';
      }
      if (error.code === ErrorCode.UNKNOWN_MEMBER_ID) {
        this.memberId = '';
        return 'again';
      }
      if (COORDINATOR_MOVED.has(error.code)) throw new CoordinatorError(error);
      return JOIN_RETRIABLE.has(error.code) ? 'pause' : error;
    }
    if (this.closed) return CLOSED;
    this.memberId = joined.memberId;
    this.generationId = joined.generationId;
    this.protocolName = joined.protocolName;
    this.isLeader = joined.leader === joined.memberId;
    const assignments = this.isLeader ? await this.leaderAssignments(joined.protocolName ?? '', joined.members) : [];
    if (typeof assignments === 'object' && !Array.isArray(assignments)) return assignments;
    const synced = await conn.request(SyncGroup, {
      groupId,
      generationId: joined.generationId,
      memberId: joined.memberId,
      groupInstanceId: null,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: joined.protocolName,
      assignments,
    });
    const syncError = kafkaErr(synced.errorCode);
    if (syncError !== null) {
      this.generationId = -1;
      if (syncError.code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      if (COORDINATOR_MOVED.has(syncError.code)) throw new CoordinatorError(syncError);
      return REJOIN.has(syncError.code) ? 'again' : syncError;
    }
    if (this.closed) return CLOSED;
    // An empty assignment is what the broker sends a member the leader gave nothing to.
    const decoded = decodeAssignment(synced.assignment);
    const assigned = (decoded?.assignedPartitions ?? []).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    this.assigned = assigned;
    this.onJoined(assigned, this.generationId);
    return 'done';
  }

  /** The leader's part: every member's subscription, partition counts, the chosen assignor. */
  private async leaderAssignments(protocolName: string, members: ReadonlyArray<{ memberId: string; groupInstanceId: string | null; metadata: Uint8Array }>): Promise<Array<{ memberId: string; assignment: Uint8Array }> | KafkaErr> {
    if (!isAssignorName(protocolName)) return kafkaErr(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `the group chose assignor '${protocolName}', which this member does not have`)!;
    const subs: MemberSubscription[] = members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: subscriptionTopics(m.metadata) ?? [] }));
    const topics = [...new Set(subs.flatMap((s) => s.topics))];
    const md = topics.length === 0 ? { topics: [] } : await this.client.metadata(topics);
    const counts = new Map(md.topics.filter((t) => t.error === null && t.partitions.length > 0).map((t) => [t.name, t.partitions.length]));
    const result = assign(protocolName, subs, counts);
    return [...result].map(([memberId, ps]) => ({ memberId, assignment: encodeAssignment({ assignedPartitions: groupByTopic(ps) }) }));
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.closed || this.joining !== null || this.generationId < 0) return;
    this.heartbeatInFlight = true;
    const generationId = this.generationId;
    try {
      const conn = await this.coordinatorConnection();
      const res = await conn.request(Heartbeat, { groupId: this.options.groupId, generationId, memberId: this.memberId, groupInstanceId: null });
      if (generationId !== this.generationId || this.closed) return; // a join overtook it
      const error = kafkaErr(res.errorCode);
      if (error === null) return;
      if (COORDINATOR_MOVED.has(error.code)) this.dropCoordinator();
      else if (REJOIN.has(error.code)) {
        if (error.code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (error.code !== ErrorCode.REBALANCE_IN_PROGRESS) this.generationId = -1;
        this.rejoinNeeded = true;
        this.ensureActive().catch((e: unknown) => {
          this.fatal = kafkaErr(ErrorCode.UNKNOWN_SERVER_ERROR, `rejoin failed: ${String(e)}`);
        });
      } else this.fatal = error;
    } catch (e) {
      // No answer: look the coordinator up again at the next beat. If none answers within the
      // session timeout the coordinator drops us, and the next heartbeat says so.
      if (!(e instanceof ClientError) && !(e instanceof CoordinatorError)) throw e;
      this.dropCoordinator();
    } finally {
      this.heartbeatInFlight = false;
    }
  }
}

/** A negotiated connection of the member's own, outside the client's shared pool. */
async function openDedicated(client: ClientCore, address: HostPort): Promise<Connection> {
  const conn = await connectTcp(client.options.io, address, client.options);
  try {
    await conn.negotiate({ timeoutMs: client.options.connectTimeoutMs });
  } catch (e) {
    conn.close();
    throw e;
  }
  return conn;
}

/** FindCoordinator answered with an error; internal to the join loop. */
class CoordinatorError extends Error {
  constructor(readonly error: KafkaErr) {
    super(error.name);
  }
}

export function groupByTopic(ps: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const m = new Map<string, number[]>();
  for (const p of ps) m.set(p.topic, [...(m.get(p.topic) ?? []), p.partition]);
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

export { keyOf as partitionKey };
