// The broker: the one owner of topics and partitions on this node, and the object handlers
// receive. It opens everything on start, runs retention in the background, and closes logs on
// stop. All state changes happen synchronously inside one turn of the event loop.

import * as path from 'node:path';
import type { NodeDeps } from '../base/deps.ts';
import { logger, RepeatedLog } from '../base/log.ts';
import { randomUuid } from '../base/random.ts';
import { type Cancel, every, nextTurn } from '../base/scheduler.ts';
import { boolProp, intProp, type NodeConfig, refreshProps } from '../config/node-config.ts';
import { effectiveTopicConfig, validateTopicConfigs } from '../config/topic-config.ts';
import { BROKER_PROPERTY_BY_NAME, parseProperty, type PropertyValue } from '../config/properties.ts';
import { groupConfigValue } from '../config/group-config.ts';
import { ConfigStore } from '../cluster/config-store.ts';
import { Partition } from '../cluster/partition.ts';
import { PARTITIONS_PER_TOPIC_MAX, TopicTable, type TopicRecord } from '../cluster/topic-table.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../protocol/errors.ts';
import { PartitionLog } from '../storage/partition-log.ts';
import { FREE_SPACE_CHECK_INTERVAL_MS, FreeSpaceGuard } from '../storage/free-space.ts';
import { OfflinePartitions, RecoverySummary } from './storage-health.ts';
import { OpenFiles, openFilesFor } from '../storage/open-files.ts';
import { TAIL_PINNED_BYTES_MAX, TailPins } from '../storage/tail-cache.ts';
import { type CleanerTarget, LogCleaner } from '../storage/cleaner.ts';
import { crc32c } from '../protocol/records/crc32c.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from '../protocol/records/validate.ts';
import { compress, decompress } from '../compression/index.ts';
import type { AnyHandler } from './handler.ts';
import { HANDLERS } from './handlers/index.ts';
import { FetchSessionCache } from './fetch-session.ts';
import { AppendOrder } from './append-order.ts';
import { ValidationPool } from './validation-pool.ts';
import { loadProducerState, saveProducerState } from '../cluster/producer-state-store.ts';
import { loadOrCreateClusterId } from '../cluster/cluster-id.ts';
import { type ClusterView, LoneNodeView } from '../cluster/cluster-view.ts';
import { openProducerIdAllocator } from '../cluster/producer-id-store.ts';
import type { ProducerIdSource } from '../transactions/producer-ids.ts';
import type { ClusterNode } from '../cluster/quorum/cluster-node.ts';
import type { ControllerChannel } from '../cluster/quorum/controller-rpc.ts';
import { claimPartitionDir, ControllerProducerIds, partitionDirTopicId, refuseSingleNodeTopics } from './clustered.ts';
import { MetadataReconciler, servedRecord } from './metadata-reconciler.ts';
import { GroupCoordinator } from '../groups/coordinator.ts';
import { BrokerStateLog, OFFSETS_TOPIC } from './broker-state-log.ts';
import { MAINTENANCE_DRAIN_INTERVAL_MS, PreferredLeaders } from './preferred-leaders.ts';
import { groupConfigOf } from '../groups/config.ts';
import { groupOverrides } from '../cluster/controller/config-view.ts';
import type { MetadataImage } from '../cluster/controller/image.ts';
import { REASSIGNMENT_STEP_MS, Reassigner } from '../cluster/replica/reassigner.ts';
import { type DesiredReplica, ReplicaBackend } from '../cluster/replica/replica-backend.ts';
import { REPORT_PARTITION_VOTERS } from '../cluster/quorum/controller-ops.ts';
import type { ReplicatedPartition } from '../cluster/replica/replicated-partition.ts';
import { PARTITION_LEADERS_REFRESH_MS, type PartitionLeaderState } from '../cluster/quorum/partition-leaders.ts';

const log = logger('kafka');

/** Topics Kafka treats as internal (Metadata isInternal). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** How often producer-state snapshots are written (bounds the replay after a crash). */
export const PRODUCER_SNAPSHOT_INTERVAL_MS = 60_000;

/** How often a clustered node looks for changes in the leaders, epochs and ISRs it publishes. */
export const PARTITION_LEADERS_PUBLISH_MS = 200;

/**
 * What Fetch, ListOffsets and OffsetForLeaderEpoch read of a partition: a lone node's
 * `Partition`, or a `ReplicatedPartition` this node leads (the replica README's "what the
 * broker may read directly"). Both keep the high watermark as the bound of what is served.
 */
export type ReadablePartition = Pick<Partition, 'config' | 'leaderEpoch' | 'highWatermark' | 'logStartOffset' | 'logEndOffset' | 'log' | 'onProgress'>;

/** A partition's leader as this node knows it (KIP-951's CurrentLeader); -1 while unknown. */
export interface PartitionLeader {
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

export type AutoCreateResult =
  | { kind: 'created'; topic: TopicRecord }
  | { kind: 'disabled' }
  | { kind: 'error'; error: KafkaError };

export class Broker {
  readonly handlers: ReadonlyMap<number, AnyHandler> = new Map(HANDLERS.map((h) => [h.api.apiKey, h]));
  readonly clusterId: string;
  readonly topics: TopicTable;
  readonly fetchSessions: FetchSessionCache;
  readonly producerIds: ProducerIdSource;
  /** The group coordinator: consumer groups and committed offsets (src/groups). */
  readonly groups: GroupCoordinator;
  /** __consumer_offsets as the coordinator reads and writes it. */
  readonly stateLog: BrokerStateLog;
  /** Dynamic broker configs and per-group configs (AlterConfigs), persisted beside the topics. */
  readonly configStore: ConfigStore;
  readonly startedAtMs: number;
  /**
   * Who the controller is and which brokers there are (Metadata, DescribeCluster,
   * DescribeQuorum): this node alone, until a clustered node's shell attaches its ClusterNode.
   */
  cluster: ClusterView;
  /** A clustered node's place in the cluster (attachCluster); null on a lone node. */
  private clusterNode: ClusterNode | null = null;
  /** Preferred leader elections and the automatic rebalance (preferred-leaders.ts); on a clustered node only. */
  preferredLeaders: PreferredLeaders | null = null;
  /** Runs topic and config operations on the controller leader; null on a lone node. */
  controller: ControllerChannel | null = null;
  private readonly partitions = new Map<string, Partition[]>();
  /**
   * A clustered node's replicas (every topic's, __consumer_offsets' too): their logs, Raft groups
   * and producer state (src/cluster/replica). Null on a lone node.
   */
  private replicaBackend: ReplicaBackend | null = null;
  /** What this node last published of the replicas it leads, by group (`epoch/isr`). */
  private readonly leadersPublished = new Map<string, string>();
  /**
   * Replicas whose group was quiet (src/raft/core/quiescence.ts) at a pass, by group, with the
   * group's count of quiescences then: while the group is still quiet in that same quiescence it
   * has changed neither leader, epoch nor ISR, so the pass skips it (the idle cost of 1,000
   * partitions). The count catches a group that woke and went quiet again between two passes.
   */
  private readonly leadersQuiet = new Map<string, number>();
  private leadersRefreshedMs = -Infinity;
  /** __consumer_offsets partitions whose groups this node loaded as their leader, and the term it leads them in. */
  private readonly offsetsLoaded = new Map<number, number>();
  /** Partitions not opened because their log is damaged: KAFKA_STORAGE_ERROR until an operator acts. */
  private readonly offline = new OfflinePartitions();
  /** Refuses produce before the disk is full (storage.min.free.bytes / storage.min.free.percent). */
  readonly freeSpace: FreeSpaceGuard;
  /** Produce validation on threads (produce.validation.threads; none in a simulation). */
  readonly validation: ValidationPool;
  /** Produce appends in dispatch order, also past validation threads. */
  readonly appendOrder = new AppendOrder();
  private readonly timers: Cancel[] = [];
  private checkpointing = false;
  /** Background storage work that failed (a full disk): one line per run. */
  private readonly backgroundErrors: RepeatedLog;
  /** Partitions of this node's topics, internal ones and offline ones included (what max.broker.partitions counts). */
  private partitionsHeld = 0;
  /** Log compaction of topics whose cleanup.policy holds compact (src/storage/cleaner.ts). */
  private readonly cleaner: LogCleaner;
  /**
   * The segment files of every partition share one bounded set of descriptors, sized from the
   * fd limit (storage/open-files.ts): the node holds no descriptor per idle partition.
   */
  private readonly files: OpenFiles;
  /** Request frames kept alive by the partitions' tail caches, bounded node-wide (storage/tail-cache.ts). */
  private readonly tailPins = new TailPins(TAIL_PINNED_BYTES_MAX);

  /**
   * `deps` is everything nondeterministic the node touches (clock, timers, files, network,
   * randomness): the real ones in a process (cli/node-deps.ts), simulated ones in a simulation.
   */
  constructor(
    readonly config: NodeConfig,
    readonly deps: NodeDeps,
  ) {
    const fs = deps.fs;
    this.startedAtMs = deps.clock.nowMs();
    this.backgroundErrors = new RepeatedLog('error', () => deps.clock.monotonicMs());
    fs.mkdirp(config.dataDir);
    this.files = new OpenFiles(fs, openFilesFor(deps.fdSoftLimit));
    log.info(`segment files open at once: at most ${this.files.maxOpen} (fd limit ${deps.fdSoftLimit})`);
    this.clusterId = loadOrCreateClusterId(deps, config.dataDir, config.cluster?.seeds ?? null);
    this.cluster = new LoneNodeView(config);
    this.configStore = ConfigStore.load(fs, path.join(config.dataDir, 'cluster'));
    if (config.cluster === null) {
      loadDynamicLayer(config.layers.dynamicDefault, this.configStore.broker(''));
      loadDynamicLayer(config.layers.dynamicBroker, this.configStore.broker(String(config.nodeId)));
      refreshProps(config);
      this.topics = TopicTable.load(fs, deps.random, path.join(config.dataDir, 'cluster'));
      this.producerIds = openProducerIdAllocator(fs, path.join(config.dataDir, 'cluster'));
    } else {
      // The cluster's topics, configs and producer ids are the controller's (attachCluster).
      refuseSingleNodeTopics(fs, path.join(config.dataDir, 'cluster'));
      this.topics = TopicTable.mirror(fs, deps.random);
      this.producerIds = new ControllerProducerIds(() => this.clusterNode);
    }
    this.fetchSessions = new FetchSessionCache(intProp(config, 'max.incremental.fetch.session.cache.slots'));
    const recovery = new RecoverySummary(deps.clock);
    for (const t of this.topics.all()) this.openPartitions(t, range(0, t.partitions), recovery);
    recovery.report();
    const limit = intProp(config, 'max.broker.partitions');
    if (this.partitionsHeld > limit) {
      log.warn(`this node holds ${this.partitionsHeld} partitions, above max.broker.partitions=${limit}: new partitions are refused`);
    }
    this.validation = new ValidationPool(deps.threads, intProp(config, 'produce.validation.threads'));
    this.freeSpace = new FreeSpaceGuard(() => fs.space(config.dataDir), {
      minFreeBytes: intProp(config, 'storage.min.free.bytes'),
      minFreePercent: intProp(config, 'storage.min.free.percent'),
    });
    this.freeSpace.refresh();
    this.every(FREE_SPACE_CHECK_INTERVAL_MS, () => this.freeSpace.refresh());
    this.every(intProp(config, 'log.flush.offset.checkpoint.interval.ms'), () => this.checkpointRecoveryPoints());
    this.stateLog = new BrokerStateLog(this);
    this.groups = new GroupCoordinator({
      clock: deps.clock,
      scheduler: deps.scheduler,
      config: groupConfigOf(config),
      log: this.stateLog,
      uuid: () => randomUuid(deps.random),
      groupOverrides: (groupId) => this.groupOverrides(groupId),
    });
    this.groups.load();
    this.every(intProp(config, 'log.retention.check.interval.ms'), () => this.enforceRetention());
    this.every(PRODUCER_SNAPSHOT_INTERVAL_MS, () => this.snapshotProducerStates());
    this.cleaner = new LogCleaner({
      clock: deps.clock,
      scheduler: deps.scheduler,
      codec: { compress, decompress: (type, data) => decompress(type, data, DEFAULT_MAX_DECOMPRESSED_BYTES) },
    });
    this.cleaner.start(intProp(config, 'log.cleaner.backoff.ms'), () => this.compactedPartitions());
  }

  get durable(): boolean {
    return !this.config.dev;
  }

  apiVersionRanges(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.handlers.values()].map((h) => ({
      apiKey: h.api.apiKey,
      minVersion: h.advertisedMinVersion,
      maxVersion: h.api.versions.max,
    }));
  }

  /** The partition, when it is open here (not when unknown or offline). */
  partition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(topic)?.[index];
  }

  /** A clustered node's replica of the partition, leader or follower; undefined when not hosted here. */
  replica(topic: string, index: number): ReplicatedPartition | undefined {
    const t = this.topics.get(topic);
    return t === undefined ? undefined : this.replicaBackend?.get(t.id, index);
  }

  /** The replicas this clustered node hosts (none on a lone node). */
  hostedReplicas(): Iterable<ReplicatedPartition> {
    return this.replicaBackend?.all() ?? [];
  }

  /** The hosted replica of a Raft group (`<topicId>:<partition>`). */
  replicaByGroup(group: string): ReplicatedPartition | undefined {
    const at = group.lastIndexOf(':');
    return this.replicaBackend?.get(group.slice(0, at), Number(group.slice(at + 1)));
  }

  /** The partition as Fetch and ListOffsets read it: open here and, when replicated, led by this node. */
  readable(topic: string, index: number): ReadablePartition | undefined {
    const p = this.partition(topic, index);
    if (p !== undefined) return p;
    const r = this.replica(topic, index);
    return r?.isLeader ? r : undefined;
  }

  /**
   * The partition's leader and epoch: this node on a lone node (epoch 0); on a cluster the
   * group's as this node's replica knows it, else as its leader published it (-1 while
   * unknown). Undefined when the metadata does not hold the partition.
   */
  leaderOf(topic: string, index: number): PartitionLeader | undefined {
    const r = this.replica(topic, index);
    if (r !== undefined) return r.currentLeader;
    const replicas = this.replicasOf(topic, index);
    if (replicas.length === 0) return undefined;
    if (this.clusterNode === null) return { leaderId: replicas[0], leaderEpoch: this.partition(topic, index)?.leaderEpoch ?? 0 };
    return this.clusterNode.partitionLeaders.get(this.topics.get(topic)?.id ?? '', index) ?? { leaderId: -1, leaderEpoch: -1 };
  }

  /**
   * The in-sync replicas as this node knows them: this node on a lone node; the leader's view (isr.ts) on the leader; the view the leader
   * published elsewhere (partition-leaders.ts); null while unknown.
   */
  inSyncReplicasOf(topic: string, index: number): readonly number[] | null {
    const replicas = this.replicasOf(topic, index);
    if (this.clusterNode === null) return replicas;
    const r = this.replica(topic, index);
    const own = r?.inSyncReplicas() ?? null;
    if (own !== null) return own;
    return this.clusterNode.partitionLeaders.getIsr(this.topics.get(topic)?.id ?? '', index);
  }

  /** Whether this node's replicas are still being made the metadata's (ReplicaBackend.reconciling). */
  get replicasReconciling(): boolean {
    return this.replicaBackend?.reconciling ?? false;
  }

  /** The replicas a clustered node hosts become `desired` (metadata-reconciler.ts); refusals are logged. */
  hostReplicas(desired: readonly DesiredReplica[]): void {
    const backend = this.replicaBackend;
    if (backend === null) return;
    // Each replica directory names its topic id (partition.metadata), so a topic created again
    // under an old name while this node was down never serves the old records. A directory a
    // hosted replica of the old topic still holds is left to the backend, which removes it first.
    const held = new Set<string>();
    for (const r of backend.all()) held.add(`${r.id.topicName}/${r.id.partition}`);
    for (const d of desired) {
      if (!held.has(`${d.topicName}/${d.partition}`)) claimPartitionDir(this.deps.fs, this.partitionDir(d.topicName, d.partition), d.topicId);
    }
    void backend.reconcile(desired).then(
      (report) => {
        for (const d of report.damaged) log.error(`replica ${d.group} not opened: its log is damaged (${d.damage.file}: ${d.damage.problem})`);
        if (report.created.length + report.removed.length > 0) {
          log.info(`replicas: opened ${report.created.length}, removed ${report.removed.length}; this node hosts ${backend.size}`);
        }
        if (report.removed.length > 0) this.removeEmptyTopicDirs();
      },
      (e: unknown) => log.error(`replicas could not be reconciled with the metadata: ${e instanceof Error ? e.message : e}`),
    );
  }

  /** The error for a partition that partition() did not give: offline or unknown. */
  partitionErrorCode(topic: string, index: number): number {
    if (this.offline.has(topic, index)) return ErrorCode.KAFKA_STORAGE_ERROR;
    // A partition of the cluster another node hosts: clients re-route to its leader.
    const t = this.topics.get(topic);
    if (this.clusterNode !== null && t !== undefined && index >= 0 && index < t.partitions) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  }

  /**
   * The replicas of a partition, leader first: this node on a lone node; the metadata's on a
   * clustered one, and during a move (KIP-455) the whole set as Kafka lists it: the current
   * replicas, then those the target adds. Empty when unknown.
   */
  replicasOf(topic: string, index: number): readonly number[] {
    const node = this.clusterNode;
    if (node === null) return [this.config.nodeId];
    const p = node.stateMachine.image.topic(topic)?.partitions[index];
    if (p === undefined) return [];
    if (p.targetReplicas === null) return p.replicas;
    return [...p.replicas, ...p.targetReplicas.filter((id) => !p.replicas.includes(id))];
  }

  /**
   * Joins the cluster: topics, configs and producer ids follow the controller's metadata from
   * now on, reconciled after every batch applied here (metadata-reconciler.ts).
   */
  attachCluster(node: ClusterNode): void {
    this.clusterNode = node;
    this.cluster = node;
    this.controller = node.channel;
    this.replicaBackend = new ReplicaBackend({
      dataDir: this.config.dataDir,
      groups: node.raftGroups,
      clock: this.deps.clock,
      logDeps: this.logDeps(),
      logConfig: (c) => logConfigOf(c),
      replicaLagTimeMaxMs: intProp(this.config, 'replica.lag.time.max.ms'),
    });
    this.preferredLeaders = new PreferredLeaders(this, node);
    node.preferredElectionServer = (groups) => this.preferredLeaders!.serve(groups);
    this.every(MAINTENANCE_DRAIN_INTERVAL_MS, () => this.preferredLeaders?.drain());
    if (boolProp(this.config, 'auto.leader.rebalance.enable')) {
      const percentage = intProp(this.config, 'leader.imbalance.per.broker.percentage');
      this.every(intProp(this.config, 'leader.imbalance.check.interval.seconds') * 1000, () => this.preferredLeaders?.check(percentage));
    }
    this.every(PARTITION_LEADERS_PUBLISH_MS, () => {
      this.publishPartitionLeaders();
      this.followOffsetsLeaders();
    });
    this.driveReassignments(node, this.replicaBackend);
    const reconciler = new MetadataReconciler(this);
    // After a snapshot load a deletion may never be replayed here (compacted into the snapshot):
    // the directories are swept against the image, after the reconciler has seen it.
    node.snapshots.onSweep = () => this.sweepTopicDirs(node.stateMachine.image);
    node.stateMachine.onApplied((_entries, records) => {
      if (records === null || records.some(servedRecord)) reconciler.reconcile(node.stateMachine.image, records ?? []);
      node.snapshots.sweepIfDue();
    });
    reconciler.reconcile(node.stateMachine.image, []);
    node.snapshots.sweepIfDue();
  }

  /**
   * Partition reassignments (KIP-455): the groups this node leads move to their target, one
   * membership change at a time, and report their voters to the controller (cluster/replica/reassigner.ts).
   */
  private driveReassignments(node: ClusterNode, backend: ReplicaBackend): void {
    const reassigner = new Reassigner({
      nodeId: this.config.nodeId,
      replicas: () => backend.all(),
      assignmentOf: (group) => backend.assignmentOf(group),
      report: async (r) => (await node.channel.call(REPORT_PARTITION_VOTERS, r, 0)).errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR,
    });
    this.every(REASSIGNMENT_STEP_MS, () => reassigner.step());
  }

  /**
   * Publishes the leader, epoch and ISR of the replicas this node leads (quorum/partition-leaders.ts):
   * those that changed since the last publication, and all of them every PARTITION_LEADERS_REFRESH_MS.
   * A replica whose group has been quiet since a pass is skipped (leadersQuiet), so an idle
   * pass costs a map lookup per replica; the refresh starts over and looks at every one.
   */
  private publishPartitionLeaders(): void {
    const node = this.clusterNode;
    if (node === null || this.replicaBackend === null) return;
    const now = this.deps.clock.monotonicMs();
    const refresh = now - this.leadersRefreshedMs >= PARTITION_LEADERS_REFRESH_MS;
    if (refresh) {
      // Starting over also forgets replicas that are gone.
      this.leadersRefreshedMs = now;
      this.leadersPublished.clear();
      this.leadersQuiet.clear();
    }
    const states: PartitionLeaderState[] = [];
    for (const r of this.replicaBackend.all()) {
      const d = r.driver;
      if (d.quiesced && this.leadersQuiet.get(d.group) === d.quiescences) continue;
      if (d.quiesced) this.leadersQuiet.set(d.group, d.quiescences);
      else this.leadersQuiet.delete(d.group);
      const isr = r.inSyncReplicas();
      if (isr === null) {
        this.leadersPublished.delete(d.group);
        continue;
      }
      const state = { group: d.group, leaderId: this.config.nodeId, leaderEpoch: r.leaderEpoch, isr: [...isr].sort((a, b) => a - b) };
      const key = `${state.leaderEpoch}/${state.isr.join(',')}`;
      if (this.leadersPublished.get(state.group) === key) continue;
      this.leadersPublished.set(state.group, key);
      states.push(state);
    }
    node.publishPartitionLeaders(states);
  }

  /**
   * The group coordinator follows the leaders of __consumer_offsets (Kafka's
   * onElection/onResignation): a partition this node leads is loaded once everything in its
   * log is committed (the leader's own first entry of the term included, so every record of
   * earlier terms is in, and none a failover could take back: Raft paper 5.4.2); until then its
   * groups get COORDINATOR_LOAD_IN_PROGRESS. A partition it no longer leads, or leads in a new
   * term, is unloaded (NOT_COORDINATOR; a new term reloads). Runs on the publication timer.
   */
  private followOffsetsLeaders(): void {
    const t = this.topics.get(OFFSETS_TOPIC);
    for (const [p, term] of [...this.offsetsLoaded]) {
      const r = t === undefined ? undefined : this.replicaBackend?.get(t.id, p);
      if (r !== undefined && r.isLeader && r.leaderEpoch === term) continue;
      const n = this.groups.unloadPartition(p);
      this.offsetsLoaded.delete(p);
      log.info(`group coordinator: ${OFFSETS_TOPIC}-${p} is no longer led here in term ${term}; ${n} group(s) unloaded`);
    }
    if (t === undefined || this.replicaBackend === null) return;
    // Only the offsets topic's partitions, not every replica of the node.
    for (let p = 0; p < t.partitions; p++) {
      const r = this.replicaBackend.get(t.id, p);
      if (r === undefined || !r.isLeader || this.offsetsLoaded.has(p)) continue;
      if (r.highWatermark < r.logEndOffset) continue;
      const n = this.groups.loadPartitions(this.stateLog.readPartitions([r.id.partition]));
      this.offsetsLoaded.set(r.id.partition, r.leaderEpoch);
      log.info(`group coordinator: leading ${OFFSETS_TOPIC}-${r.id.partition} in term ${r.leaderEpoch}; loaded ${n} record(s) (log ${r.logStartOffset}..${r.logEndOffset}, high watermark ${r.highWatermark})`);
    }
  }

  /** The term in which this node loaded the groups of __consumer_offsets partition `p`, if it did (followOffsetsLeaders). */
  offsetsLoadedIn(p: number): number | undefined {
    return this.offsetsLoaded.get(p);
  }

  /** Whether the partition's log is damaged and was not opened (see storage/damage.ts). */
  isOffline(topic: string, index: number): boolean {
    return this.offline.has(topic, index);
  }

  /** The open partitions of a topic (offline ones are left out). */
  partitionsOf(topic: string): readonly Partition[] {
    return (this.partitions.get(topic) ?? []).filter((p) => p !== undefined);
  }

  private *openPartitionsAll(): Iterable<Partition> {
    for (const name of this.partitions.keys()) yield* this.partitionsOf(name);
  }

  isInternal(topic: string): boolean {
    return INTERNAL_TOPICS.has(topic);
  }

  /**
   * Creates a topic after full validation; the caller has checked authorization and policy.
   * `internal` is for the node's own topics (the group coordinator's __consumer_offsets): they
   * count towards max.broker.partitions but are never refused by it.
   */
  createTopic(
    name: string,
    partitions: number,
    configs: ReadonlyArray<readonly [string, string | null]>,
    validateOnly = false,
    internal = false,
  ): { topic?: TopicRecord; error?: KafkaError } {
    const bad = this.topics.checkNew(name);
    if (bad) return { error: bad };
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > PARTITIONS_PER_TOPIC_MAX) {
      return { error: kafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be in [1, ${PARTITIONS_PER_TOPIC_MAX}], got ${partitions}.`) };
    }
    const v = validateTopicConfigs(configs);
    if (!v.ok) return { error: v.error };
    const full = internal ? null : this.checkPartitionRoom(partitions);
    if (full) return { error: full };
    if (validateOnly) return { topic: { name, id: this.topics.newTopicId(), partitions, configs: v.configs } };
    const t = this.topics.create(name, partitions, v.configs);
    this.openPartitions(t, range(0, partitions));
    log.info(`created topic ${name} with ${partitions} partition(s), id ${t.id}`);
    return { topic: t };
  }

  /**
   * max.broker.partitions: INVALID_PARTITIONS when `count` more partitions would not fit, as
   * Redpanda answers past its partitions-per-core limit (Kafka has no per-broker limit; KIP-578
   * proposed one). Every client fails such a CreateTopics or CreatePartitions at once, with this
   * message. The partitions of __consumer_offsets are kept free until the group coordinator
   * creates it, so filling the node with topics never breaks consumer groups.
   */
  checkPartitionRoom(count: number): KafkaError | null {
    const limit = intProp(this.config, 'max.broker.partitions');
    const reserved = this.topics.get(OFFSETS_TOPIC) ? 0 : intProp(this.config, 'offsets.topic.num.partitions');
    if (this.partitionsHeld + reserved + count <= limit) return null;
    const kept = reserved > 0 ? ` and keeps ${reserved} for ${OFFSETS_TOPIC}` : '';
    return kafkaError(
      ErrorCode.INVALID_PARTITIONS,
      `Cannot create ${count} partition(s): this node holds ${this.partitionsHeld}${kept}, and max.broker.partitions is ${limit}.`,
    );
  }

  autoCreateTopic(name: string): AutoCreateResult {
    if (!boolProp(this.config, 'auto.create.topics.enable')) return { kind: 'disabled' };
    const r = this.createTopic(name, intProp(this.config, 'num.partitions'), []);
    if (r.error) {
      // Two requests racing to create the same topic: the loser sees it exists.
      const existing = this.topics.get(name);
      if (existing) return { kind: 'created', topic: existing };
      return { kind: 'error', error: r.error };
    }
    return { kind: 'created', topic: r.topic! };
  }

  deleteTopic(name: string): void {
    const parts = this.partitions.get(name) ?? [];
    this.partitions.delete(name);
    this.offline.forgetTopic(name);
    this.partitionsHeld -= this.clusterNode !== null ? parts.filter((p) => p !== undefined).length : (this.topics.get(name)?.partitions ?? parts.length);
    this.topics.delete(name);
    // A topic recreated under the same name is new to every fetch session.
    this.fetchSessions.forgetTopic(name);
    for (const p of parts) {
      if (p === undefined) continue;
      p.close();
      p.notify();
      p.log.delete();
    }
    // A replicated topic's logs are its replicas': the backend deletes them (hostReplicas).
    if (this.replicaBackend === null || parts.length > 0) this.deps.fs.removeTree(this.topicDir(name));
    log.info(`deleted topic ${name}`);
  }

  /**
   * Removes what is left on disk of topic `topicId` under `name` when this node never opened it
   * (created and deleted while it was down, both replayed in one batch): the partition
   * directories whose partition.metadata names that id.
   */
  removeLeftoverPartitions(name: string, topicId: string): void {
    const dir = this.topicDir(name);
    if (this.topics.get(name) !== undefined || !this.deps.fs.exists(dir)) return;
    let left = 0;
    for (const entry of this.deps.fs.readdir(dir)) {
      if (partitionDirTopicId(this.deps.fs, path.join(dir, entry)) === topicId) this.deps.fs.removeTree(path.join(dir, entry));
      else left++;
    }
    if (left === 0) this.deps.fs.removeTree(dir);
    log.info(`removed what was left on disk of deleted topic ${name} (id ${topicId})`);
  }

  /** The directories of deleted topics whose replicas the backend has removed (each removes only its partition's). */
  private removeEmptyTopicDirs(): void {
    const root = path.join(this.config.dataDir, 'kafka');
    if (!this.deps.fs.exists(root)) return;
    for (const name of this.deps.fs.readdir(root)) {
      const dir = path.join(root, name);
      if (this.topics.get(name) === undefined && this.deps.fs.readdir(dir).length === 0) this.deps.fs.removeTree(dir);
    }
  }

  /**
   * After a metadata snapshot load (cluster/quorum/metadata-snapshots.ts), once the image holds
   * everything this node's disk could have come from: a topic directory whose topic the image
   * no longer holds was deleted while this node was down, its deletion compacted into the
   * snapshot, so no replay will remove it. Topics the broker or its replicas still hold are
   * left to the reconciler.
   */
  sweepTopicDirs(image: MetadataImage): void {
    const root = path.join(this.config.dataDir, 'kafka');
    if (!this.deps.fs.exists(root)) return;
    const replicas = [...(this.replicaBackend?.all() ?? [])].map((r) => r.id);
    const hosted = new Set(replicas.map((r) => r.topicName));
    for (const name of this.deps.fs.readdir(root)) {
      const t = image.topic(name);
      if (t !== undefined) {
        // Deleted and created again under its name: the old topic's partitions this node does not host.
        for (const entry of this.deps.fs.readdir(path.join(root, name))) {
          const dir = path.join(root, name, entry);
          const id = partitionDirTopicId(this.deps.fs, dir);
          if (id === null || id === t.topicId || replicas.some((r) => r.topicName === name && String(r.partition) === entry)) continue;
          this.deps.fs.removeTree(dir);
          log.info(`removed ${name}/${entry}: it holds topic id ${id || 'unreadable'}, the metadata's topic ${name} has id ${t.topicId}`);
        }
        continue;
      }
      if (this.topics.get(name) !== undefined || hosted.has(name)) continue;
      this.deps.fs.removeTree(path.join(root, name));
      log.info(`removed the directories of topic ${name}: the metadata snapshot no longer holds it (deleted while this node was down)`);
    }
  }

  /** Opens the partitions of `t` at `indexes` not open yet (a clustered node's, from the metadata). */
  hostPartitions(t: TopicRecord, indexes: readonly number[]): void {
    const open = this.partitions.get(t.name) ?? [];
    this.openPartitions(t, indexes.filter((i) => open[i] === undefined && !this.offline.has(t.name, i)));
  }

  /** A clustered node's dynamic broker layers, from the metadata: applied at once to every topic. */
  setDynamicLayers(dynamicDefault: ReadonlyMap<string, PropertyValue>, dynamicBroker: ReadonlyMap<string, PropertyValue>): void {
    for (const [layer, values] of [[this.config.layers.dynamicDefault, dynamicDefault], [this.config.layers.dynamicBroker, dynamicBroker]] as const) {
      layer.clear();
      for (const [k, v] of values) layer.set(k, v);
    }
    refreshProps(this.config);
    this.refreshTopicConfigs();
  }

  addPartitions(t: TopicRecord, total: number): void {
    const before = t.partitions;
    this.topics.setPartitions(t.name, total);
    this.openPartitions(t, range(before, total));
  }

  setTopicConfigs(t: TopicRecord, configs: Record<string, string>): void {
    this.topics.setConfigs(t.name, configs);
    const eff = effectiveTopicConfig(configs, this.config.props);
    for (const p of this.partitionsOf(t.name)) {
      p.config = eff;
      p.log.updateConfig(logConfigOf(eff));
    }
  }

  /**
   * Replaces the dynamic broker configs of `name` ("" the cluster default, else this node's id)
   * with `values` (already validated), persists them, and applies them: every topic without its
   * own override takes the new defaults at once.
   */
  setDynamicBrokerConfigs(name: string, values: ReadonlyMap<string, PropertyValue>, texts: Record<string, string>): void {
    this.configStore.setBroker(name, texts);
    const layer = name === '' ? this.config.layers.dynamicDefault : this.config.layers.dynamicBroker;
    layer.clear();
    for (const [k, v] of values) layer.set(k, v);
    refreshProps(this.config);
    this.refreshTopicConfigs();
    log.info(`dynamic broker configs of '${name}' are now ${JSON.stringify(texts)}`);
  }

  private refreshTopicConfigs(): void {
    for (const t of this.topics.all()) {
      const eff = effectiveTopicConfig(t.configs, this.config.props);
      for (const p of this.partitionsOf(t.name)) {
        p.config = eff;
        p.log.updateConfig(logConfigOf(eff));
      }
    }
  }

  /** Replaces a group's config overrides (validated); the coordinator reads them on each use. */
  setGroupConfigs(groupId: string, configs: Record<string, string>): void {
    this.configStore.setGroup(groupId, configs);
  }

  /** The KIP-848 settings of one group: its overrides over the broker's group.* defaults. */
  /** A group's config overrides: the metadata's on a cluster, configs.json's on a lone node. */
  groupConfigsOf(groupId: string): Readonly<Record<string, string>> {
    const node = this.clusterNode;
    return node !== null ? groupOverrides(node.stateMachine.image, groupId) : this.configStore.group(groupId);
  }

  private groupOverrides(groupId: string) {
    const o = this.groupConfigsOf(groupId);
    return {
      consumerSessionTimeoutMs: groupConfigValue('consumer.session.timeout.ms', o, this.config.props) as number,
      consumerHeartbeatIntervalMs: groupConfigValue('consumer.heartbeat.interval.ms', o, this.config.props) as number,
    };
  }

  private topicDir(name: string): string {
    return path.join(this.config.dataDir, 'kafka', name);
  }

  private partitionDir(topic: string, index: number): string {
    return path.join(this.topicDir(topic), String(index));
  }

  /** Periodic producer-state snapshots bound the replay after a crash. */
  snapshotProducerStates(): void {
    for (const p of this.openPartitionsAll()) {
      if (p.producers.producerCount > 0) saveProducerState(this.deps.fs, this.partitionDir(p.topic.name, p.index), p.producers);
    }
  }

  /**
   * Records idle partitions' recovery points (log.flush.offset.checkpoint.interval.ms). Each
   * checkpoint is a few synchronous fsyncs, so the pass yields between partitions rather than
   * stalling the event loop for all of them at once.
   */
  private checkpointRecoveryPoints(): void {
    if (this.checkpointing) return;
    this.checkpointing = true;
    void (async () => {
      for (const p of [...this.openPartitionsAll()]) {
        if (p.log.checkpointIfIdle()) await nextTurn(this.deps.scheduler);
      }
    })().finally(() => {
      this.checkpointing = false;
    });
  }

  /** A background task on a timer; a failure (a full disk) is logged once per run, never thrown. */
  private every(intervalMs: number, task: () => void): void {
    const cancel = every(this.deps.scheduler, intervalMs, () => {
      try {
        task();
      } catch (e) {
        this.backgroundErrors.occurred(`background storage work failed: ${e instanceof Error ? e.message : e}`);
      }
    });
    this.timers.push(cancel);
  }

  private openPartitions(t: TopicRecord, indexes: readonly number[], recovery = new RecoverySummary(this.deps.clock)): void {
    const eff = effectiveTopicConfig(t.configs, this.config.props);
    const list = this.partitions.get(t.name) ?? [];
    for (const i of indexes) {
      const dir = this.partitionDir(t.name, i);
      if (this.clusterNode !== null) claimPartitionDir(this.deps.fs, dir, t.id);
      // Without a flush after every turn (--dev) nothing would bound the batches kept for repair.
      const retain = this.durable ? {} : { retainUnflushedBytesMax: 0 };
      const opened = PartitionLog.tryOpen(dir, { ...logConfigOf(eff), ...retain }, this.logDeps());
      this.partitionsHeld++;
      if (!opened.ok) {
        this.offline.add(t.name, i, opened.damage);
        recovery.damaged(`${t.name}-${i}`, opened.damage);
        continue;
      }
      recovery.opened(`${t.name}-${i}`, opened.log);
      const producers = loadProducerState(this.deps.fs, this.deps.clock, dir, opened.log);
      list[i] = new Partition(t, i, opened.log, eff, this.durable, producers, this.deps);
    }
    this.partitions.set(t.name, list);
  }

  /** How this node's partition logs are opened: the shared open-file cache, crc32c, bounded decompression. */
  private logDeps() {
    return {
      files: this.files,
      tailPins: this.tailPins,
      clock: this.deps.clock,
      crc32c,
      decompress: (type: Parameters<typeof decompress>[0], data: Uint8Array) => decompress(type, data, DEFAULT_MAX_DECOMPRESSED_BYTES),
    };
  }

  /** The partitions the log cleaner looks at: those of topics with cleanup.policy holding compact. */
  compactedPartitions(): CleanerTarget[] {
    const out: CleanerTarget[] = [];
    for (const p of this.openPartitionsAll()) {
      if (!p.config.cleanupPolicy.includes('compact')) continue;
      const { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio } = p.config;
      out.push({ name: `${p.topic.name}-${p.index}`, log: p.log, config: { deleteRetentionMs, minCompactionLagMs, minCleanableDirtyRatio } });
    }
    // Each replica cleans its own log below its commit index, as Kafka's followers do (src/cluster/replica/README.md, "Compaction").
    for (const r of this.replicaBackend?.all() ?? []) {
      if (!r.config.cleanupPolicy.includes('compact') || r.storageFailure !== null) continue;
      out.push(r.cleanerTarget());
    }
    return out;
  }

  enforceRetention(): void {
    const now = this.deps.clock.nowMs();
    for (const p of this.openPartitionsAll()) {
      if (p.log.storageFailure !== null) continue; // it refuses changes until repaired
      const before = p.logStartOffset;
      p.log.enforceRetention(now);
      if (p.logStartOffset !== before) p.notify();
    }
    // A replicated log's start moves only through its replica (Raft compaction), on every replica as in Kafka.
    for (const r of this.replicaBackend?.all() ?? []) {
      if (r.storageFailure !== null) continue;
      r.enforceRetention(now).catch((e: unknown) => this.backgroundErrors.occurred(`retention of ${r.name} failed: ${e instanceof Error ? e.message : e}`));
    }
  }

  /**
   * Flushes and closes every log. Never throws: a partition that cannot flush (a full disk)
   * is logged and closed anyway, so that a stop always completes (and exits 0).
   */
  async close(): Promise<void> {
    for (const cancel of this.timers) cancel();
    this.validation.close();
    await this.cleaner.stop(); // a pass in progress is abandoned before the logs close
    this.groups.close();
    // The node's RaftGroups are stopped first (ClusterNode.close): no group writes to a closed log.
    await this.replicaBackend?.close();
    const unflushed: string[] = [];
    const unsnapshotted: string[] = [];
    for (const p of this.openPartitionsAll()) {
      p.close();
      try {
        if (this.durable) await p.log.flush();
      } catch (e) {
        unflushed.push(`${p.name} (${e instanceof Error ? e.message : e})`);
      }
      try {
        saveProducerState(this.deps.fs, this.partitionDir(p.topic.name, p.index), p.producers);
      } catch (e) {
        unsnapshotted.push(`${p.name} (${e instanceof Error ? e.message : e})`);
      }
      try {
        await p.log.close();
      } catch {
        // Its files are closed; what could not be flushed is listed above.
      }
    }
    if (unflushed.length > 0) {
      log.error(`stopped with ${unflushed.length} partitions not flushed; their unacknowledged writes may be lost, ` +
        `acknowledged ones are safe: ${unflushed.join('; ')}`);
    }
    if (unsnapshotted.length > 0) {
      // Only a shortcut is lost: the next start replays these partitions' batch headers instead.
      log.warn(`stopped without a producer-state snapshot for ${unsnapshotted.length} partitions (the next start rebuilds it from the log): ${unsnapshotted.join('; ')}`);
    }
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

export function logConfigOf(c: ReturnType<typeof effectiveTopicConfig>) {
  return {
    segmentBytes: c.segmentBytes,
    segmentMs: c.segmentMs,
    retentionMs: c.retentionMs < 0 || !c.cleanupPolicy.includes('delete') ? Infinity : c.retentionMs,
    retentionBytes: c.retentionBytes < 0 || !c.cleanupPolicy.includes('delete') ? Infinity : c.retentionBytes,
    indexIntervalBytes: 4096,
  };
}

/** Stored dynamic configs into a layer; a value this build no longer accepts is skipped (logged). */
function loadDynamicLayer(layer: Map<string, PropertyValue>, stored: Readonly<Record<string, string>>): void {
  for (const [k, text] of Object.entries(stored)) {
    const def = BROKER_PROPERTY_BY_NAME.get(k);
    const p = def?.dynamic ? parseProperty(def, text) : null;
    if (p?.ok) layer.set(k, p.value);
    else log.warn(`ignoring stored dynamic broker config ${k}=${text}: ${p ? p.error : 'not a dynamic broker config'}`);
  }
}
