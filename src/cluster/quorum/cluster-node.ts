// This node's place in a cluster (started with --seeds): the internal RPC endpoint on
// --rpc-addr, every Raft group of the node (RaftGroups: the controller group, and the groups of
// the partitions the broker hosts through src/cluster/replica) with its quorum-state journal in
// `<data>/raft`, the
// controller group over its own log `<data>/raft/__cluster_metadata-0` (as KRaft's metadata
// log, not a topic clients see), the controller state machine it applies to, and registration
// (registration.ts): how nodes learn each other's addresses and how a non-seed joins as a learner.
//
// Start-up is two steps, so `freshet start` keeps its order (listeners bound before the data
// directory is opened): bind() makes the endpoint, registers every message type (the hello
// lists them all before the first connection) and binds the listener; open() reads the data
// directory and starts ticking. A simulation runs the same code on simulated dependencies.
//
// Timing (QUORUM_TIMING): a tick every 100 ms; the election timeout is 10 ticks, randomized in
// [1 s, 2 s) (paper 5.2), Kafka's controller.quorum.election.timeout.ms of 1 s; heartbeats every
// tick, so CheckQuorum (dissertation 6.2) sees ten per timeout, while a group is awake: an idle
// one goes quiet and node liveness stands in (src/raft/core/quiescence.ts). A leader killed with -9 is
// replaced in 1-2 s plus an election round. KRaft's followers fetch instead of being sent
// heartbeats and give up on a leader after controller.quorum.fetch.timeout.ms (2 s).

import * as path from 'node:path';
import { assert } from '../../base/assert.ts';
import type { NodeDeps } from '../../base/deps.ts';
import { logger } from '../../base/log.ts';
import { describeListenFailure, type HostPort } from '../../base/network.ts';
import { type Cancel, every } from '../../base/scheduler.ts';
import { intProp, type NodeConfig } from '../../config/node-config.ts';
import { formatHostPort } from '../../config/values.ts';
import { crc32c } from '../../protocol/records/crc32c.ts';
import { uuidToString } from '../../protocol/primitives.ts';
import { isMember, membership, type SoftState, type Term } from '../../raft/core/index.ts';
import type { GroupDriver, GroupListener } from '../../raft/group-driver.ts';
import { QuorumStateJournal } from '../../raft/quorum-state.ts';
import { RaftGroups } from '../../raft/raft-groups.ts';
import { decodePartitionLeaders, encodePartitionLeaders, PARTITION_LEADERS, PARTITION_STATES_PER_MESSAGE_MAX, type PartitionLeaderState, PartitionLeaderTable } from './partition-leaders.ts';
import { RpcRaftTransport } from '../../raft/rpc-transport.ts';
import { CONTROLLER_GROUP, type RaftTransport } from '../../raft/transport.ts';
import { RpcEndpoint, type RpcLimits } from '../../rpc/index.ts';
import { PartitionLog } from '../../storage/partition-log.ts';
import type { BrokerEndpoint, ClusterView, QuorumAnswer, QuorumDescription } from '../cluster-view.ts';
import { decodeQuorumAnswer, DESCRIBE_QUORUM, describeQuorum, encodeQuorumAnswer } from './describe-quorum.ts';
import { Registrar, type RegistrarTiming } from './registrar.ts';
import { type BrokerRegistration, BrokerTable, BROKERS_MAX, decodeRegisterRequest, encodeRegisterAnswer, REGISTER, type RegisterOutcome } from './registration.ts';
import { ControllerChannel, CONTROLLER } from './controller-rpc.ts';
import {
  decodePreferredElectionAnswers,
  decodePreferredElections,
  encodePreferredElectionAnswers,
  encodePreferredElections,
  PREFERRED_ELECTIONS,
  type PreferredElectionAnswer,
  type PreferredElectionServer,
} from './preferred-elections.ts';
import { MetadataRegistration } from './metadata-registration.ts';
import type { SupportedFeature } from '../controller/index.ts';
import { ControllerService } from './controller-service.ts';
import { MetadataStateMachine } from './metadata-state-machine.ts';
import { MetadataSnapshots } from './metadata-snapshots.ts';
import { FETCH_SNAPSHOT } from './snapshot-fetch.ts';
import { SNAPSHOT_DIR, SnapshotStore } from './snapshot-store.ts';

const log = logger('cluster');

export interface QuorumTiming extends RegistrarTiming {
  readonly tickMs: number;
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  /**
   * Idle groups go quiet (src/raft/core/quiescence.ts): no per-group heartbeats, no timers; an
   * empty frame per peer per tick carries node liveness instead. 1,000 idle partitions then cost
   * a node about what none do.
   */
  readonly quiescence: boolean;
  /**
   * A controller operation (forwarded, proposed, committed, applied on the asking node) is
   * answered REQUEST_TIMED_OUT past this: a few elections (1-2 s each), below the 30 s
   * request.timeout.ms clients give an admin request.
   */
  readonly controllerTimeoutMs: number;
}

export const QUORUM_TIMING: QuorumTiming = {
  tickMs: 100,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 1,
  quiescence: true,
  registerIntervalMs: 2_000,
  registerRetryMs: 250,
  requestTimeoutMs: 2_000,
  controllerTimeoutMs: 5_000,
};

/** Where the node's Raft state lives in its data directory (the journal, the controller log). */
export const RAFT_DIR = 'raft';
export const CONTROLLER_LOG_DIR = '__cluster_metadata-0';
/** Segments of the controller log: metadata is small (KRaft's metadata.log.segment.bytes is 1 GiB, for years of it). */
export const CONTROLLER_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface ClusterNodeOptions {
  /** A clustered node's configuration (config.cluster set). */
  readonly config: NodeConfig;
  /** The cluster id (meta.json's, or derived from the seeds): the handshake's. */
  readonly clusterId: string;
  readonly deps: NodeDeps;
  readonly timing?: QuorumTiming;
  readonly stateMachine?: MetadataStateMachine;
  /** Told everything the controller group reports (simulation checkers). */
  readonly observer?: GroupListener;
  readonly rpcLimits?: RpcLimits;
  /** The feature levels this build supports (registration) and a new cluster starts with (bootstrap). */
  readonly features: FeatureSupport;
}

export interface FeatureSupport {
  readonly finalized: ReadonlyMap<string, number>;
  readonly supported: readonly SupportedFeature[];
}

/** The RPC listener could not be bound: the message names the address and why. */
export class ClusterListenError extends Error {
  override name = 'ClusterListenError';
}

export class ClusterNode implements ClusterView {
  /** The cluster's metadata as committed and applied here (every node, voter or learner). */
  readonly stateMachine: MetadataStateMachine;
  /** Runs controller operations while this node leads the controller group. */
  readonly service: ControllerService;
  /** What the broker calls: an operation run on the controller leader, wherever it is. */
  readonly channel: ControllerChannel;
  /** This life's registration (KIP-631's incarnation id, a Kafka uuid from the node's Random). */
  readonly incarnationId: string;
  /** This life's registration as a metadata record (metadata-registration.ts). */
  readonly registration: MetadataRegistration;
  readonly brokerTable = new BrokerTable();
  /** Every replicated partition's leader, epoch and ISR as their leaders publish them (partition-leaders.ts). */
  readonly partitionLeaders = new PartitionLeaderTable();
  readonly registrar: Registrar;
  private readonly timing: QuorumTiming;
  private readonly self: BrokerRegistration;
  private groups: RaftGroups | null = null;
  private journal: QuorumStateJournal | null = null;
  private controllerLog: PartitionLog | null = null;
  /** The controller group's driver, once open. */
  controller: GroupDriver | null = null;
  /** The controller group's snapshots: written, loaded, compacted below, fetched (metadata-snapshots.ts). */
  readonly snapshots: MetadataSnapshots;
  private cancelTick: Cancel | null = null;
  private closed = false;
  private leaderSeen: { leaderId: number | null; term: Term } = { leaderId: null, term: 0 };
  /** Wall-clock ms each node was last heard from (any Raft message), and last seen caught up. */
  private readonly lastHeardMs = new Map<number, number>();
  private readonly lastCaughtUpMs = new Map<number, number>();

  private constructor(
    private readonly options: ClusterNodeOptions,
    readonly rpc: RpcEndpoint,
    private readonly transport: RpcRaftTransport,
    /** The bound RPC listener address. */
    readonly rpcAddress: HostPort,
  ) {
    const { config } = options;
    this.timing = options.timing ?? QUORUM_TIMING;
    this.stateMachine = options.stateMachine ?? new MetadataStateMachine();
    this.self = { nodeId: config.nodeId, rpc: cluster(config).advertiseRpcAddr, kafka: config.advertiseKafkaAddr };
    this.incarnationId = uuidToString(options.deps.random.bytes(16), 0);
    this.service = new ControllerService({
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      stateMachine: this.stateMachine,
      driver: () => this.controller,
      clock: options.deps.clock,
      scheduler: options.deps.scheduler,
      random: options.deps.random,
      staticLayer: config.layers.static,
      features: options.features.finalized,
      timeoutMs: this.timing.controllerTimeoutMs,
    });
    this.channel = new ControllerChannel({
      nodeId: config.nodeId,
      rpc,
      service: this.service,
      leaderId: () => this.controller?.leaderId ?? null,
      timeoutMs: this.timing.controllerTimeoutMs,
    });
    this.registration = new MetadataRegistration({
      self: this.self,
      incarnationId: this.incarnationId,
      clusterId: options.clusterId,
      features: options.features.supported,
      stateMachine: this.stateMachine,
      channel: this.channel,
      leaderKnown: () => this.controller?.leaderId != null,
      scheduler: options.deps.scheduler,
      intervalMs: this.timing.registerIntervalMs,
      heartbeatIntervalMs: intProp(config, 'broker.heartbeat.interval.ms'),
    });
    // Peers' addresses as registered in the metadata (a node that restarted elsewhere).
    this.stateMachine.onApplied((_entries, records) => {
      if (records !== null && !records.some((r) => r.type === 'register_broker')) return;
      for (const b of this.stateMachine.image.brokers()) this.learn({ nodeId: b.nodeId, rpc: b.rpcEndpoint, kafka: b.kafkaEndpoint });
    });
    this.snapshots = new MetadataSnapshots({
      store: new SnapshotStore(options.deps.fs, path.join(config.dataDir, RAFT_DIR, SNAPSHOT_DIR)),
      stateMachine: this.stateMachine,
      driver: () => this.controller,
      rpc,
      scheduler: options.deps.scheduler,
      clock: options.deps.clock,
      policy: { maxBytesBetween: intProp(config, 'metadata.log.max.record.bytes.between.snapshots'), maxIntervalMs: intProp(config, 'metadata.log.max.snapshot.interval.ms') },
      requestTimeoutMs: this.timing.requestTimeoutMs,
    });
    this.brokerTable.put(this.self);
    this.registrar = new Registrar(rpc, options.deps.scheduler, this.timing, {
      self: this.self,
      knownLeader: () => this.controller?.leaderId ?? null,
      candidates: () => this.candidates(),
      learn: (b) => this.learn(b),
      outcome: (a, from) => {
        if (a.outcome === 'registered') log.info(`cluster: registered with the controller leader (node ${from}, term ${a.leaderEpoch})`);
        else if (a.outcome === 'refused') log.warn(`cluster: node ${from} refused this node's registration: ${a.message}`);
      },
    });
  }

  /**
   * Makes the RPC endpoint, registers every message type and binds --rpc-addr. Nothing in the
   * data directory is touched. Throws ClusterListenError (the address in use, a bad host).
   */
  static async bind(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { config, deps } = options;
    const { rpcAddr } = cluster(config);
    const rpc = new RpcEndpoint({
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      network: deps.network,
      scheduler: deps.scheduler,
      random: deps.random,
      limits: options.rpcLimits,
    });
    const transport = new RpcRaftTransport(rpc);
    let node: ClusterNode | null = null;
    rpc.onRequest(REGISTER, (from, _v, body) => node!.serveRegister(from, body));
    rpc.onRequest(DESCRIBE_QUORUM, () => encodeQuorumAnswer(node!.localDescription()));
    rpc.onRequest(CONTROLLER, (from, _v, body) => node!.channel.serve(from, body));
    rpc.onRequest(FETCH_SNAPSHOT, (from, _v, body) => node!.snapshots.serve(from, body));
    rpc.onMessage(PARTITION_LEADERS, (_from, _v, body) => node?.partitionLeaders.learn(decodePartitionLeaders(body)));
    rpc.onRequest(PREFERRED_ELECTIONS, async (_from, _v, body) => {
      const groups = decodePreferredElections(body);
      return encodePreferredElectionAnswers((await node?.preferredElectionServer?.(groups)) ?? []);
    });
    const where = `${formatHostPort(rpcAddr)} (--rpc-addr)`;
    let host: string;
    try {
      host = await deps.network.resolve(rpcAddr.host);
    } catch (e) {
      rpc.stop();
      throw new ClusterListenError(`cannot listen on ${where}: host '${rpcAddr.host}' does not resolve (${describeListenFailure(e)})`);
    }
    let bound: HostPort;
    try {
      bound = rpc.listen({ host, port: rpcAddr.port });
    } catch (e) {
      rpc.stop();
      throw new ClusterListenError(`cannot listen on ${where}: ${describeListenFailure(e)}`);
    }
    node = new ClusterNode(options, rpc, transport, bound);
    return node;
  }

  /** Opens the journal and the controller log, dials the seeds, starts ticking and registering. */
  open(): void {
    assert(this.groups === null && !this.closed, 'cluster node: open once');
    const { config, deps } = this.options;
    const dir = path.join(config.dataDir, RAFT_DIR);
    const journal = QuorumStateJournal.open(deps.fs, dir);
    this.journal = journal;
    const logDeps = { fs: deps.fs, clock: deps.clock, crc32c };
    this.controllerLog = PartitionLog.open(path.join(dir, CONTROLLER_LOG_DIR), { segmentBytes: CONTROLLER_SEGMENT_BYTES }, logDeps);
    this.groups = new RaftGroups({
      nodeId: config.nodeId,
      scheduler: deps.scheduler,
      random: deps.random,
      transport: this.observedTransport(),
      journal,
      tickMs: this.timing.tickMs,
      core: { electionTimeoutTicks: this.timing.electionTimeoutTicks, heartbeatIntervalTicks: this.timing.heartbeatIntervalTicks, quiescence: this.timing.quiescence },
    });
    const { seeds } = cluster(config);
    const voters = membership(seeds.map((s) => s.nodeId));
    this.controller = this.groups.add(CONTROLLER_GROUP, this.controllerLog, voters, this.listener());
    const point = this.controller.storage.snapshot();
    this.snapshots.loadAtOpen(point, this.controller.storage.lastIndex());
    for (const s of seeds) if (s.nodeId !== config.nodeId) this.rpc.setPeer(s.nodeId, s.address);
    const m = this.controller.raft.membership;
    const role = isMember(m, config.nodeId) ? (m.voters.includes(config.nodeId) ? 'a voter' : 'a learner') : 'joining as a learner';
    log.info(`cluster: node ${config.nodeId} is ${role} of the controller quorum (voters ${m.voters.join(',')}, learners ${m.learners.join(',') || '-'}); term ${this.controller.term}, log ${point.index + 1}..${this.controller.storage.lastIndex()}`);
    this.cancelTick = every(deps.scheduler, this.timing.tickMs, () => this.tick());
    this.registrar.start();
    this.registration.start();
  }

  /** Stops ticking and registering, closes the RPC, makes the controller log and journal durable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelTick?.();
    this.registration.stop();
    this.registrar.stop();
    this.service.close();
    this.snapshots.close();
    this.groups?.stop();
    this.rpc.stop();
    const problems: string[] = [];
    await this.journal?.sync().catch((e: unknown) => problems.push(`journal: ${e instanceof Error ? e.message : e}`));
    this.journal?.close();
    await this.controllerLog?.close().catch((e: unknown) => problems.push(`controller log: ${e instanceof Error ? e.message : e}`));
    if (problems.length > 0) throw new Error(`the controller group did not stop cleanly: ${problems.join('; ')}`);
  }

  /**
   * Stops ticking, registering and every group at once, flushing nothing: what a kill -9 leaves
   * (a simulation's crash, so no Ready of the dead life runs on afterwards).
   */
  abort(): void {
    this.closed = true;
    this.cancelTick?.();
    this.registration.stop();
    this.registrar.stop();
    this.snapshots.close();
    this.groups?.stop();
    this.service.close();
  }

  /** The node's Raft groups (after open): the controller group and the partitions' (src/cluster/replica). */
  get raftGroups(): RaftGroups {
    assert(this.groups !== null, 'cluster node: raftGroups before open');
    return this.groups;
  }

  /**
   * Tells every registered node (and this one) the leader, epoch and ISR of partitions this
   * node leads (partition-leaders.ts): one-way, batched per node; a dropped message is made
   * good by the next periodic publication.
   */
  publishPartitionLeaders(states: readonly PartitionLeaderState[]): void {
    if (this.closed || states.length === 0) return;
    this.partitionLeaders.learn(states);
    const self = this.options.config.nodeId;
    for (let at = 0; at < states.length; at += PARTITION_STATES_PER_MESSAGE_MAX) {
      const chunk = states.slice(at, at + PARTITION_STATES_PER_MESSAGE_MAX);
      for (const b of this.stateMachine.image.brokers()) {
        if (b.nodeId !== self) this.rpc.send(b.nodeId, PARTITION_LEADERS, (w) => encodePartitionLeaders(w, chunk), chunk.length * 48);
      }
    }
  }

  /** The cluster id the RPC handshake announces and requires. */
  get clusterId(): string {
    return this.options.clusterId;
  }

  // ---- ClusterView ----

  controllerId(): number {
    return this.controller?.leaderId ?? -1;
  }

  /**
   * The registered brokers of the metadata (fenced ones too, marked: they still host replicas),
   * and this node while its own registration has not committed, so a client always sees the
   * node it asked.
   */
  brokers(): readonly BrokerEndpoint[] {
    const out = this.stateMachine.image.brokers().filter((b) => b.registered).map((b) => ({ nodeId: b.nodeId, host: b.kafkaEndpoint.host, port: b.kafkaEndpoint.port, rack: b.rack, fenced: b.fenced }));
    const self = this.self;
    if (!out.some((b) => b.nodeId === self.nodeId)) out.push({ nodeId: self.nodeId, host: self.kafka.host, port: self.kafka.port, rack: null, fenced: false });
    return out.sort((a, b) => a.nodeId - b.nodeId);
  }

  /** Serves `cluster.preferred_elections` (preferred-elections.ts): the broker's, once it is attached; until then every group is left unanswered. */
  preferredElectionServer: PreferredElectionServer | null = null;

  /** Asks node `to` to elect the preferred leader of `groups` it leads; null when it did not answer within `timeoutMs`. */
  async preferredElections(to: number, groups: readonly string[], timeoutMs: number): Promise<PreferredElectionAnswer[] | null> {
    const res = await this.rpc.request(to, PREFERRED_ELECTIONS, (w) => encodePreferredElections(w, groups), timeoutMs);
    if (!res.ok) return null;
    try {
      return decodePreferredElectionAnswers(res.body);
    } catch {
      return null;
    }
  }

  async describeQuorum(): Promise<QuorumAnswer> {
    const leader = this.controllerId();
    if (leader < 0) return { ok: false, error: 'no_leader', message: 'the controller quorum has no leader now' };
    if (leader === this.options.config.nodeId) {
      const q = this.localDescription();
      return q === null ? { ok: false, error: 'no_leader', message: 'this node stopped leading' } : { ok: true, quorum: q };
    }
    const res = await this.rpc.request(leader, DESCRIBE_QUORUM, () => {}, this.timing.requestTimeoutMs);
    if (!res.ok) return { ok: false, error: 'unreachable', message: `the controller leader (node ${leader}) did not answer: ${res.error}: ${res.message}` };
    let q: QuorumDescription | null;
    try {
      q = decodeQuorumAnswer(res.body);
    } catch (e) {
      return { ok: false, error: 'unreachable', message: `the controller leader (node ${leader}) answered garbage: ${e instanceof Error ? e.message : e}` };
    }
    return q === null ? { ok: false, error: 'no_leader', message: `node ${leader} no longer leads the controller quorum` } : { ok: true, quorum: q };
  }

  /** This node's description of the quorum when it leads, else null. */
  localDescription(): QuorumDescription | null {
    const d = this.controller;
    if (d === null || d.role !== 'leader') return null;
    const status = d.status();
    const endpoints = status.membership.voters.map((id) => {
      const rpc = this.brokerTable.get(id)?.rpc ?? cluster(this.options.config).seeds.find((s) => s.nodeId === id)?.address;
      return { nodeId: id, host: rpc?.host ?? '', port: rpc?.port ?? 0 };
    });
    return describeQuorum(status, { lastHeardMs: this.lastHeardMs, lastCaughtUpMs: this.lastCaughtUpMs }, this.options.deps.clock.nowMs(), endpoints);
  }

  // ---- internals ----

  private tick(): void {
    this.groups?.tickAll();
    this.snapshots.tick();
    const d = this.controller;
    if (d === null || d.role !== 'leader') return;
    // KIP-836's lastCaughtUpTimestamp: when a member last held everything the leader has.
    const status = d.status();
    const now = this.options.deps.clock.nowMs();
    for (const [id, p] of status.progress ?? []) if (p.match >= status.lastIndex) this.lastCaughtUpMs.set(id, now);
  }

  /** The RPC transport, noting when each node was last heard from (DescribeQuorum's lastFetchTimestamp). */
  private observedTransport(): RaftTransport {
    return {
      send: (to, messages) => this.transport.send(to, messages),
      onMessages: (handler) =>
        this.transport.onMessages((from, messages) => {
          this.lastHeardMs.set(from, this.options.deps.clock.nowMs());
          handler(from, messages);
        }),
      // Segment streaming's range requests (src/raft/stream) go through as they are.
      fetchRange: (to, request) => this.transport.fetchRange(to, request),
      onRangeRequest: (handler) => this.transport.onRangeRequest(handler),
    };
  }

  /** A registration from `from`: learn its addresses; the leader adds a non-member as a learner. */
  private serveRegister(from: number, body: Uint8Array): Uint8Array {
    const reg = decodeRegisterRequest(body, from);
    const answer = (outcome: RegisterOutcome, message = ''): Uint8Array =>
      encodeRegisterAnswer({ outcome, leaderId: this.controllerId(), leaderEpoch: this.controller?.term ?? 0, brokers: this.brokerTable.all(), message });
    if (!this.learn(reg)) return answer('refused', `this cluster knows ${BROKERS_MAX} brokers already (BROKERS_MAX)`);
    const d = this.controller;
    if (d === null || d.role !== 'leader') return answer('not_leader');
    if (isMember(d.raft.membership, from)) return answer('registered');
    const r = d.proposeMembershipChange({ type: 'add_learner', node: from });
    if (r.ok) {
      log.info(`cluster: node ${from} (rpc ${formatHostPort(reg.rpc)}) joins the controller quorum as a learner (membership entry at ${r.index})`);
      return answer('joining');
    }
    return answer(r.reason === 'not_leader' ? 'not_leader' : 'retry', r.reason);
  }

  /** Records a node's addresses and dials it at the new one; false when the table is full. */
  private learn(b: BrokerRegistration): boolean {
    const put = this.brokerTable.put(b);
    if (put === 'changed' && b.nodeId !== this.self.nodeId && !this.closed) this.rpc.setPeer(b.nodeId, b.rpc);
    return put !== 'full';
  }

  private candidates(): number[] {
    const self = this.self.nodeId;
    const seeds = cluster(this.options.config).seeds.map((s) => s.nodeId);
    const known = this.brokerTable.all().map((b) => b.nodeId);
    return [...new Set([...seeds, ...known])].filter((id) => id !== self);
  }

  private listener(): GroupListener {
    const o = this.options.observer ?? {};
    return {
      persisted: (prevTerm, entries) => o.persisted?.(prevTerm, entries),
      applied: (entries) => {
        try {
          this.stateMachine.apply(entries);
        } catch (e) {
          // A record the image refuses is a bug or a log that is not ours: applying on past it
          // would fork the metadata, so this node's controller group stops (the driver's
          // failure path), as for a failed write.
          const error = e instanceof Error ? e : new Error(String(e));
          this.controller?.stop(error);
          log.error(`cluster: the controller group stopped on this node: applying committed metadata failed: ${error.message}`);
          o.failed?.(error);
          return;
        }
        o.applied?.(entries);
      },
      admitSnapshot: (m) => this.snapshots.admit(m),
      snapshotInstalled: (meta) => {
        // The snapshot's file was fetched before the core saw the InstallSnapshot (admitSnapshot).
        try {
          this.snapshots.installed(meta);
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.controller?.stop(error);
          log.error(`cluster: the controller group stopped on this node: ${error.message}`);
          o.failed?.(error);
          return;
        }
        o.snapshotInstalled?.(meta);
      },
      roleChanged: (soft, term) => {
        this.noteLeader(soft, term);
        this.service.roleChanged(soft, term);
        o.roleChanged?.(soft, term);
      },
      membershipChanged: (m) => {
        log.info(`cluster: controller quorum membership: voters ${m.voters.join(',') || '-'}, learners ${m.learners.join(',') || '-'}`);
        o.membershipChanged?.(m);
      },
      failed: (e) => {
        log.error(`cluster: the controller group stopped on this node: ${e.message}`);
        o.failed?.(e);
      },
    };
  }

  private noteLeader(soft: SoftState, term: Term): void {
    const was = this.leaderSeen;
    if (soft.leaderId === was.leaderId && term === was.term) return;
    this.leaderSeen = { leaderId: soft.leaderId, term };
    if (soft.leaderId === null) {
      if (was.leaderId !== null) log.info(`cluster: controller leader unknown (term ${term}, this node ${soft.role})`);
      return;
    }
    const who = soft.leaderId === this.self.nodeId ? 'this node' : `node ${soft.leaderId}`;
    log.info(`cluster: controller leader is ${who} (term ${term})`);
  }
}

function cluster(config: NodeConfig): NonNullable<NodeConfig['cluster']> {
  assert(config.cluster !== null, 'a cluster node needs --seeds');
  return config.cluster;
}
