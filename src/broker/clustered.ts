// What a clustered node's broker does differently from a lone node's, beside the reconciler
// (metadata-reconciler.ts): it refuses a data directory with a single node's topics; takes
// producer ids in blocks from the controller; auto-creates topics and __consumer_offsets
// through the controller; coordinates the groups of the offsets partitions placed on it; names
// a partition's leader to clients that asked the wrong node (KIP-951); and marks partition
// directories with their topic id.

import * as path from 'node:path';
import type { StorageFs } from '../base/fs.ts';
import { logger } from '../base/log.ts';
import type { ClusterNode } from '../cluster/quorum/cluster-node.ts';
import { ALLOCATE_PRODUCER_IDS, CREATE_TOPICS } from '../cluster/quorum/controller-ops.ts';
import { TopicTable } from '../cluster/topic-table.ts';
import { boolProp, intProp } from '../config/node-config.ts';
import { partitionForGroup } from '../groups/records.ts';
import { ErrorCode, kafkaError } from '../protocol/errors.ts';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import { type ProducerIdSource, ProducerIdsUnavailable } from '../transactions/producer-ids.ts';
import type { AutoCreateResult, Broker } from './broker.ts';
import { OFFSETS_TOPIC } from './broker-state-log.ts';

const log = logger('kafka');

/** Topic names a refusal lists before "and N more". */
const NAMES_LISTED_MAX = 5;

/**
 * A data directory from a single node's life keeps its topics in `cluster/topics.json`. A node
 * started with --seeds takes its topics from the cluster's metadata and does not migrate them
 * (not built), so it refuses to start rather than hide them: the operator decides.
 */
export function refuseSingleNodeTopics(fs: StorageFs, dir: string): void {
  const { file, topics } = TopicTable.stored(fs, dir);
  if (topics.length === 0) return;
  const names = topics.slice(0, NAMES_LISTED_MAX).map((t) => t.name).join(', ');
  const more = topics.length > NAMES_LISTED_MAX ? ` and ${topics.length - NAMES_LISTED_MAX} more` : '';
  throw new Error(
    `${file} holds ${topics.length} topic(s) from this data directory's life as a single node (${names}${more}). ` +
      `A node started with --seeds takes its topics from the cluster's metadata, and moving a single node's topics into a cluster is not built yet, ` +
      `so it will not start over them (they would be hidden, not served). Start the node without --seeds to keep serving them, ` +
      `or start it with another --data-dir (or move this one aside) to join the cluster empty.`,
  );
}

/**
 * Producer ids from the controller (AllocateProducerIds, KIP-730): blocks of 1,000 that are the
 * cluster's once committed, so no id goes to two producers whichever node hands it out. One
 * request for a block at a time; a block that cannot be had now rejects with
 * ProducerIdsUnavailable (InitProducerId answers a retriable error).
 */
export class ControllerProducerIds implements ProducerIdSource {
  private next = 0;
  private end = 0;
  private fetching: Promise<void> | null = null;

  constructor(private readonly node: () => ClusterNode | null) {}

  async allocate(): Promise<number> {
    for (;;) {
      if (this.next < this.end) return this.next++;
      this.fetching ??= this.fetchBlock().finally(() => {
        this.fetching = null;
      });
      await this.fetching;
    }
  }

  private async fetchBlock(): Promise<void> {
    const node = this.node();
    const brokerEpoch = node?.registration.brokerEpoch ?? -1;
    if (node === null || brokerEpoch < 0) throw new ProducerIdsUnavailable('this node is not registered with the controller yet');
    const a = await node.channel.call(ALLOCATE_PRODUCER_IDS, { brokerEpoch }, 0);
    if (a.errorCode !== ErrorCode.NONE) throw new ProducerIdsUnavailable(`the controller gave no producer ids: ${a.errorMessage}`);
    this.next = a.producerIdStart!;
    this.end = a.producerIdStart! + a.producerIdLen!;
  }
}


/** CreateTopics' newest version: the forwarded request carries every field. */
const CREATE_TOPICS_VERSION = 7;

/**
 * Metadata's auto-creation (auto.create.topics.enable, --dev) on a cluster: through the
 * controller with the defaults (num.partitions, default.replication.factor), as KRaft brokers
 * send CreateTopics to the controller (KIP-590's AutoTopicCreationManager). A topic created by
 * someone else meanwhile (TOPIC_ALREADY_EXISTS) is the topic.
 */
export async function autoCreateInCluster(broker: Broker, name: string): Promise<AutoCreateResult> {
  if (!boolProp(broker.config, 'auto.create.topics.enable') || broker.controller === null) return { kind: 'disabled' };
  const request = { topics: [{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 0, validateOnly: false };
  const a = await broker.controller.call(CREATE_TOPICS, request, CREATE_TOPICS_VERSION);
  const topic = broker.topics.get(name);
  if (topic !== undefined) return { kind: 'created', topic };
  const r = a.topics?.[0];
  const code = r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
  // No controller now, or no answer in time: the topic is on its way, as Kafka's
  // AutoTopicCreationManager answers while a creation is in flight; clients retry Metadata.
  if (code === ErrorCode.NOT_CONTROLLER || code === ErrorCode.REQUEST_TIMED_OUT) return { kind: 'error', error: kafkaError(ErrorCode.LEADER_NOT_AVAILABLE, r?.errorMessage ?? null) };
  return { kind: 'error', error: kafkaError(code, r?.errorMessage ?? null) };
}

/** Brokers whose creation of __consumer_offsets is in flight (one request per node at a time). */
const offsetsTopicRequested = new WeakSet<Broker>();

/**
 * The replication factor __consumer_offsets is created with: offsets.topic.replication.factor
 * (Kafka's default 3), capped at the number of seeds, the cluster's declared size. Kafka
 * refuses to create the topic while fewer brokers are alive than the factor (so a one-broker
 * Kafka needs the setting lowered); capping at the seeds keeps a one- or two-seed cluster
 * working with the default, and a cluster of three or more seeds gets three replicas.
 */
export function offsetsReplicationFactor(broker: Broker): number {
  const seeds = broker.config.cluster?.seeds.length ?? 1;
  return Math.min(intProp(broker.config, 'offsets.topic.replication.factor'), seeds);
}

/**
 * Asks the controller for __consumer_offsets (offsets.topic.num.partitions partitions,
 * offsetsReplicationFactor replicas, compacted), once at a time per node, as Kafka creates it on
 * the first FindCoordinator, and only once that many brokers are registered (Kafka's
 * COORDINATOR_NOT_AVAILABLE until then). Callers answer COORDINATOR_NOT_AVAILABLE meanwhile;
 * clients retry.
 */
/** Kafka's offsets topic configs (GroupCoordinator.offsetsTopicConfigs): compacted, its segments offsets.topic.segment.bytes. */
function offsetsTopicConfigs(broker: Broker): { name: string; value: string }[] {
  return [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'segment.bytes', value: String(intProp(broker.config, 'offsets.topic.segment.bytes')) },
  ];
}

export function ensureOffsetsTopic(broker: Broker): void {
  if (broker.controller === null || broker.topics.get(OFFSETS_TOPIC) !== undefined || offsetsTopicRequested.has(broker)) return;
  const replicationFactor = offsetsReplicationFactor(broker);
  if (broker.cluster.brokers().length < replicationFactor) return;
  offsetsTopicRequested.add(broker);
  const request = {
    topics: [{ name: OFFSETS_TOPIC, numPartitions: intProp(broker.config, 'offsets.topic.num.partitions'), replicationFactor, assignments: [], configs: offsetsTopicConfigs(broker) }],
    timeoutMs: 0,
    validateOnly: false,
  };
  void broker.controller
    .call(CREATE_TOPICS, request, CREATE_TOPICS_VERSION)
    .then((a) => {
      const e = a.topics?.[0];
      if (e && e.errorCode !== ErrorCode.NONE && e.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) log.warn(`cannot create ${OFFSETS_TOPIC} yet: ${e.errorMessage ?? e.errorCode}`);
    })
    .finally(() => offsetsTopicRequested.delete(broker));
}

/**
 * The node coordinating `groupId` on a cluster: the leader of its __consumer_offsets partition
 * (as this node's replica knows it, else as published); else the error to answer.
 */
export function groupCoordinator(broker: Broker, groupId: string): { nodeId: number } | { errorCode: number } {
  const t = broker.topics.get(OFFSETS_TOPIC);
  if (t === undefined) {
    ensureOffsetsTopic(broker);
    return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  }
  const leader = broker.leaderOf(OFFSETS_TOPIC, partitionForGroup(groupId, t.partitions));
  return leader === undefined || leader.leaderId < 0 ? { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE } : { nodeId: leader.leaderId };
}

/**
 * NONE when this node coordinates `groupId` (a lone node coordinates every group): it leads the
 * group's __consumer_offsets partition and loaded it in this term; COORDINATOR_LOAD_IN_PROGRESS
 * while it leads and has not loaded yet; else NOT_COORDINATOR (clients look the coordinator up
 * again) or COORDINATOR_NOT_AVAILABLE.
 */
export function groupCoordinatorError(broker: Broker, groupId: string): number {
  if (broker.controller === null) return ErrorCode.NONE;
  const t = broker.topics.get(OFFSETS_TOPIC);
  if (t === undefined) {
    ensureOffsetsTopic(broker);
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  const p = partitionForGroup(groupId, t.partitions);
  const replica = broker.replica(OFFSETS_TOPIC, p);
  if (replica?.isLeader) return broker.offsetsLoadedIn(p) === replica.leaderEpoch ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  const leader = broker.leaderOf(OFFSETS_TOPIC, p);
  return leader === undefined || leader.leaderId < 0 ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NOT_COORDINATOR;
}

/**
 * KIP-951: a partition this node does not lead names its leader in Produce v10+ and Fetch v12+,
 * so clients re-route without a Metadata round trip: its group's leader as this node's replica
 * knows it, else as the leaders published it (Broker.leaderOf; -1 while unknown). Undefined on
 * a lone node, or for a partition the metadata does not hold.
 */
export function currentLeaderOf(broker: Broker, topic: string, index: number): { leaderId: number; leaderEpoch: number } | undefined {
  if (broker.controller === null) return undefined;
  return broker.leaderOf(topic, index);
}

/** KIP-951's nodeEndpoints: the registered endpoints of `ids` (the leaders named in an answer). */
export function nodeEndpointsOf(broker: Broker, ids: ReadonlySet<number>): Array<{ nodeId: number; host: string; port: number; rack: string | null }> {
  return broker.cluster.brokers().filter((b) => ids.has(b.nodeId)).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
}

/** Kafka's file naming the topic id a partition directory belongs to (PartitionMetadataFile, KIP-516). */
export const PARTITION_METADATA_FILE = 'partition.metadata';

/**
 * A clustered node's partition directory `dir` for topic id `topicId`, ready to open: a
 * directory left by an earlier topic of the same name (deleted and created again while this
 * node was down, both applied in one batch on its restart) is removed first, so the new topic
 * never serves the old one's records; then the id is recorded, as Kafka's partition.metadata.
 */
export function claimPartitionDir(fs: StorageFs, dir: string, topicId: string): void {
  const file = path.join(dir, PARTITION_METADATA_FILE);
  const storedId = partitionDirTopicId(fs, dir);
  if (storedId === topicId) return;
  // A directory without the file (a crash right after mkdir) is adopted; one naming another id is not ours.
  if (storedId !== null) {
    log.warn(`removing ${dir}: it holds topic id ${storedId || 'unreadable'}, the metadata's topic of that name has id ${topicId}`);
    fs.removeTree(dir);
  }
  fs.mkdirp(dir);
  writeFileAtomic(fs, file, `version: 0\ntopic_id: ${topicId}\n`);
}

/** The topic id a partition directory's partition.metadata names; null without the file, '' when unreadable. */
export function partitionDirTopicId(fs: StorageFs, dir: string): string | null {
  const stored = fs.readFile(path.join(dir, PARTITION_METADATA_FILE));
  return stored === null ? null : (/^topic_id: (\S+)$/m.exec(new TextDecoder().decode(stored))?.[1] ?? '');
}
