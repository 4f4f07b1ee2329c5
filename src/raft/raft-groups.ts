// Every Raft group of one node (the partitions it replicates and the controller group), driven
// from one timer, one quorum-state journal and one transport:
//
// - One timer per node (every tickMs), not one per group: each tick calls tick() on every
//   group's core. 1,000 groups cost one timer.
// - Work is drained in turns: inputs (a tick, a frame of messages, a proposal) wake groups;
//   the drain processes their Readies, and a Ready whose durability comes later (an fsync)
//   completes in a later turn and wakes its group again.
// - Everything a turn produced for one peer goes to RaftTransport.send in one call, so the
//   heartbeats of every group led here travel to each follower as one frame (DESIGN.md section
//   5: "thousands of partitions cost one message per tick per peer").
// - The journal syncs once per turn for all the groups that staged a state in it.
// - A message for a group this node does not host is dropped and counted (see README.md).
// - Quiescence (core/quiescence.ts), when the cores have it on: quiet groups are not ticked; the
//   node sends every peer an empty frame on each tick it sent that peer nothing else, and a
//   peer silent for (one tick short of) an election timeout is reported to every group
//   (node-liveness.ts).

import { assert } from '../base/assert.ts';
import { logger } from '../base/log.ts';
import type { Random } from '../base/random.ts';
import { type Cancel, every, type Scheduler } from '../base/scheduler.ts';
import type { PartitionLog } from '../storage/partition-log.ts';
import { type Membership, type Message, type NodeId, RAFT_DEFAULTS, type RaftConfigInput, type RandomSource } from './core/index.ts';
import { GroupDriver, type GroupHost, type GroupListener } from './group-driver.ts';
import { NodeLiveness, unreachableAfterTicksFor } from './node-liveness.ts';
import { PartitionRaftLog } from './partition-raft-log.ts';
import type { QuorumStateJournal } from './quorum-state.ts';
import type { GroupId, GroupMessage, RaftTransport } from './transport.ts';
import { type RangeAnswer, type RangeRequest, serveRange, sessionContinues } from './stream/protocol.ts';
import { SegmentStreamer, STREAM_DEFAULTS, type StreamOptions } from './stream/streamer.ts';

const log = logger('raft');

/** Groups one node drives: above max.broker.partitions (20,000) plus the controller group. */
export const GROUPS_PER_NODE_MAX = 32_768;
/** Messages in one send call; a turn with more for one peer makes more calls (never with the defaults' heartbeats). */
export const MESSAGES_PER_SEND_MAX = 65_536;
/** Drain rounds in one turn (each round processes the Readies of the groups woken in the one before). */
const DRAIN_ROUNDS_MAX = 64;

export interface RaftGroupsOptions {
  readonly nodeId: NodeId;
  readonly scheduler: Scheduler;
  /** Draws the cores' randomized election timeouts. */
  readonly random: Random;
  readonly transport: RaftTransport;
  readonly journal: QuorumStateJournal;
  /** How often every group's core ticks. */
  readonly tickMs: number;
  /** The cores' timing and limits (core/config.ts defaults otherwise). */
  readonly core?: Omit<RaftConfigInput, 'id' | 'random'>;
  /** Segment streaming for far-behind followers (stream/streamer.ts defaults otherwise; null: off). */
  readonly stream?: StreamOptions | null;
}

export interface RaftGroupsStats {
  ticks: number;
  sendCalls: number;
  messagesSent: number;
  messagesReceived: number;
  /** Messages for a group this node does not host: dropped. */
  unknownGroupMessages: number;
  /** Messages whose sender or addressee does not match the link they came on: dropped. */
  misaddressedMessages: number;
  stoppedGroups: number;
  /** Empty frames sent: the node-level heartbeat of quiescence. */
  nodeHeartbeatsSent: number;
  /** Times a peer was found silent for an election timeout (and reported to every group). */
  peersUnreachable: number;
  /** Elections this node's groups started: voted for itself in a new term (PreVotes not counted). */
  electionsStarted: number;
  /** Times one of this node's groups became leader. */
  leadershipsWon: number;
}

export class RaftGroups implements GroupHost {
  readonly journal: QuorumStateJournal;
  readonly stats: RaftGroupsStats = {
    ticks: 0,
    sendCalls: 0,
    messagesSent: 0,
    messagesReceived: 0,
    unknownGroupMessages: 0,
    misaddressedMessages: 0,
    stoppedGroups: 0,
    nodeHeartbeatsSent: 0,
    peersUnreachable: 0,
    electionsStarted: 0,
    leadershipsWon: 0,
  };
  /** Set when the cores quiesce (RaftConfig.quiescence). */
  private readonly liveness: NodeLiveness | null;
  private readonly groups = new Map<GroupId, GroupDriver>();
  private readonly outbox = new Map<NodeId, GroupMessage[]>();
  private readonly woken = new Set<GroupDriver>();
  private draining = false;
  private drainQueued = false;
  private cancelTick: Cancel | null = null;
  private readonly coreRandom: RandomSource;
  /** Segment streaming for far-behind followers (stream/README.md), when the transport carries it. */
  readonly streamer: SegmentStreamer | null;

  constructor(private readonly opts: RaftGroupsOptions) {
    this.journal = opts.journal;
    const random = opts.random;
    this.coreRandom = { int: (min, max) => min + Math.floor(random.next() * (max - min + 1)) };
    const core = opts.core ?? {};
    const unreachableAfterTicks = unreachableAfterTicksFor(core.electionTimeoutTicks ?? RAFT_DEFAULTS.electionTimeoutTicks);
    this.liveness = core.quiescence === true ? new NodeLiveness(opts.nodeId, unreachableAfterTicks) : null;
    opts.transport.onMessages((from, messages) => this.receive(from, messages));
    this.streamer = SegmentStreamer.over(opts.nodeId, opts.transport, opts.stream === undefined ? STREAM_DEFAULTS : opts.stream);
    opts.transport.onRangeRequest?.((from, request) => this.serveRange(from, request));
  }

  get nodeId(): NodeId {
    return this.opts.nodeId;
  }

  get size(): number {
    return this.groups.size;
  }

  get(group: GroupId): GroupDriver | undefined {
    return this.groups.get(group);
  }

  all(): IterableIterator<GroupDriver> {
    return this.groups.values();
  }

  /**
   * Starts driving `group` over `log`. `bootstrap` is its membership when the journal does not
   * know the group yet (a new replica: the controller's assignment); otherwise it is ignored.
   */
  add(group: GroupId, partitionLog: PartitionLog, bootstrap: Membership, listener?: GroupListener): GroupDriver {
    assert(!this.groups.has(group), `group ${group} is driven already`);
    assert(this.groups.size < GROUPS_PER_NODE_MAX, `more than ${GROUPS_PER_NODE_MAX} groups on one node`);
    const storage = PartitionRaftLog.open(partitionLog, this.journal.stored(group), bootstrap);
    const driver = new GroupDriver(group, storage, { ...this.opts.core, id: this.opts.nodeId, random: this.coreRandom }, this, listener);
    this.groups.set(group, driver);
    for (const id of [...driver.raft.membership.voters, ...driver.raft.membership.learners]) this.liveness?.know(id);
    return driver;
  }

  /** Stops driving `group` and forgets its journaled state (its replica is being deleted). */
  remove(group: GroupId): Promise<void> {
    const d = this.groups.get(group);
    if (d === undefined) return Promise.resolve();
    d.stop(new Error(`group ${group} removed from node ${this.opts.nodeId}`));
    this.groups.delete(group);
    this.journal.stageRemoval(group);
    return this.journal.sync();
  }

  /** Starts the node's one tick timer. */
  start(): void {
    assert(this.cancelTick === null, 'started twice');
    this.cancelTick = every(this.opts.scheduler, this.opts.tickMs, () => this.tickAll());
  }

  /** Stops ticking and driving every group (a crash or a stop: nothing more is sent). */
  stop(): void {
    this.cancelTick?.();
    this.cancelTick = null;
    for (const d of this.groups.values()) d.stop(new Error(`node ${this.opts.nodeId} stopped`));
  }

  tickAll(): void {
    this.stats.ticks++;
    for (const d of this.groups.values()) d.tick();
    if (this.liveness !== null) this.tickLiveness(this.liveness);
    this.drain();
  }

  /** Node-level liveness (node-liveness.ts): report newly silent peers, heartbeat the others. */
  private tickLiveness(liveness: NodeLiveness): void {
    const { heartbeatTo, newlyUnreachable } = liveness.tick();
    for (const node of newlyUnreachable) {
      this.stats.peersUnreachable++;
      log.debug(`raft: node ${node} not heard from for an election timeout; its quiet groups wake`);
      for (const d of this.groups.values()) d.nodeUnreachable(node);
    }
    // Peers the turn's outbox reaches get that frame instead.
    for (const node of heartbeatTo) {
      if (this.outbox.has(node)) continue;
      this.stats.nodeHeartbeatsSent++;
      this.opts.transport.send(node, []);
    }
  }

  // ---- GroupHost ----

  send(group: GroupId, message: Message): void {
    let q = this.outbox.get(message.to);
    if (q === undefined) {
      q = [];
      this.outbox.set(message.to, q);
    }
    q.push({ group, message });
  }

  wake(d: GroupDriver): void {
    this.woken.add(d);
    if (this.draining || this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => this.drain());
  }

  counted(event: 'election_started' | 'leadership_won'): void {
    if (event === 'election_started') this.stats.electionsStarted++;
    else this.stats.leadershipsWon++;
  }

  failed(d: GroupDriver, e: Error): void {
    this.stats.stoppedGroups++;
    log.error(`raft group ${d.group} on node ${this.opts.nodeId} stopped: ${e.message}`);
    if (this.journal.failure !== null) {
      // The journal's durability is unknown after a failed fsync: no group may promise anything.
      this.stop();
    }
  }

  // ---- turns ----

  private receive(from: NodeId, messages: readonly GroupMessage[]): void {
    this.liveness?.heard(from);
    this.stats.messagesReceived += messages.length;
    for (const { group, message } of messages) {
      const d = this.groups.get(group);
      if (d === undefined) {
        this.stats.unknownGroupMessages++;
        continue;
      }
      if (message.from !== from || message.to !== this.opts.nodeId) {
        this.stats.misaddressedMessages++;
        continue;
      }
      d.step(message);
      if (message.type === 'append_entries') this.streamer?.consider(d, from, message.commit);
    }
    this.drain();
  }

  /** Another node's follower asks for committed batches of a group this node hosts (stream/protocol.ts). */
  private serveRange(from: NodeId, request: RangeRequest): RangeAnswer {
    const d = this.groups.get(request.group);
    if (d === undefined || d.stopped) return { status: 'unknown_group', end: -1, bytes: new Uint8Array(0) };
    const answer = serveRange(d.storage, d.status().commit, request);
    // A leader appends nothing to a follower while it streams (core progress state `stream`).
    if (d.role === 'leader') d.followerStreaming(from, answer.status !== 'ok' || !sessionContinues(answer.end, answer.lastIndex));
    return answer;
  }

  /** Processes the Readies of every woken group, then sends what they produced, one call per peer. */
  private drain(): void {
    this.drainQueued = false;
    this.draining = true;
    try {
      for (let round = 0; this.woken.size > 0 && round < DRAIN_ROUNDS_MAX; round++) {
        const batch = [...this.woken];
        this.woken.clear();
        for (const d of batch) d.processReady();
      }
    } finally {
      this.draining = false;
    }
    if (this.woken.size > 0 && !this.drainQueued) {
      this.drainQueued = true;
      this.opts.scheduler.nextTurn(() => this.drain());
    }
    this.flushOutbox();
  }

  private flushOutbox(): void {
    // Taken out first: a transport may deliver to this node from inside send().
    const out = [...this.outbox];
    this.outbox.clear();
    for (const [peer, messages] of out) {
      for (let at = 0; at < messages.length; at += MESSAGES_PER_SEND_MAX) {
        const part = at === 0 && messages.length <= MESSAGES_PER_SEND_MAX ? messages : messages.slice(at, at + MESSAGES_PER_SEND_MAX);
        this.stats.sendCalls++;
        this.stats.messagesSent += part.length;
        this.liveness?.sent(peer);
        this.opts.transport.send(peer, part);
      }
    }
  }
}
