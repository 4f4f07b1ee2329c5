// The metadata image: the cluster's metadata as the records of the controller log build it,
// applied in log order (KRaft's MetadataImage, built by replaying MetadataDelta). Deterministic:
// the same records give the same image on every node, so every node can reconcile its replicas
// to it and answer Metadata from it. One owner applies records; readers get readonly values,
// and a change replaces a value rather than mutating it, so a value handed out stays as it was.
//
// apply() asserts what the controller guarantees of every record it writes (a partition's topic
// exists, a broker epoch grows, ...): a record that breaks it is a bug in the controller, or a
// log that is not ours, never an input to answer, and replaying past it would fork the cluster.

import { assert } from '../../base/assert.ts';
import {
  type ConfigRecord,
  ConfigResourceType,
  type ConfigResourceTypeId,
  type Endpoint,
  type MembershipState,
  type MetadataRecord,
  type NodeId,
  type PartitionChangeRecord,
  type PartitionRecord,
  type RegisterBrokerRecord,
} from './records.ts';
import { collisionKey } from './topic-names.ts';

export interface BrokerRegistration {
  readonly nodeId: NodeId;
  readonly incarnationId: string;
  readonly brokerEpoch: number;
  readonly kafkaEndpoint: Endpoint;
  readonly rpcEndpoint: Endpoint;
  readonly rack: string | null;
  readonly fenced: boolean;
  /**
   * False once unregistered. The entry stays (its epoch with it), so the next registration's
   * epoch is above every epoch ever given, also after a snapshot (image.ts keeps no counter
   * that the records could not rebuild).
   */
  readonly registered: boolean;
}

export interface PartitionImage {
  /** The partition's Raft voters, the preferred leader first. */
  readonly replicas: readonly NodeId[];
  /** Where a reassignment moves it (KIP-455), or null. */
  readonly targetReplicas: readonly NodeId[] | null;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  /** Indexed by partition number; partitions are added, never removed. */
  readonly partitions: readonly PartitionImage[];
}

export interface ProducerIdsBlock {
  /** The broker the last block went to, and its epoch then. */
  readonly nodeId: NodeId;
  readonly brokerEpoch: number;
  /** The first id not yet handed out. */
  readonly nextProducerId: number;
}

type Overrides = ReadonlyMap<string, string>;

/** A node id's maintenance flag and membership (Redpanda's broker_state); absent: off, active. */
export interface MemberState {
  readonly maintenance: boolean;
  readonly membership: MembershipState;
}

const MEMBER_DEFAULT: MemberState = { maintenance: false, membership: 'active' };

const configKey = (type: ConfigResourceTypeId, name: string) => `${type}:${name}`;

export class MetadataImage {
  private clusterIdValue: string | null = null;
  private readonly featureLevels = new Map<string, number>();
  private readonly brokerEntries = new Map<NodeId, BrokerRegistration>();
  private brokerEpochHighValue = -1;
  /** Node ids whose state is not MEMBER_DEFAULT; kept across registrations (restarts). */
  private readonly memberEntries = new Map<NodeId, MemberState>();
  private readonly topicsById = new Map<string, TopicImage>();
  private readonly topicIdByName = new Map<string, string>();
  private readonly nameByCollisionKey = new Map<string, string>();
  /** "<resource type>:<resource name>" -> key -> value; a resource with no keys is absent. */
  private readonly configs = new Map<string, Map<string, string>>();
  /** Resources with overrides, per resource type. Derived. */
  private readonly resourceCounts = new Map<ConfigResourceTypeId, number>();
  /** Replicas on each node: current and target ones (a move occupies both). Derived. */
  private readonly replicaCounts = new Map<NodeId, number>();
  private producerIds: ProducerIdsBlock | null = null;
  private applied = 0;

  /** Applies one committed (or, on the controller leader, proposed) record. */
  apply(r: MetadataRecord): void {
    this.applied++;
    switch (r.type) {
      case 'cluster_id':
        assert(this.clusterIdValue === null || this.clusterIdValue === r.clusterId, `cluster id ${r.clusterId} over ${this.clusterIdValue}`);
        this.clusterIdValue = r.clusterId;
        return;
      case 'feature_level':
        if (r.level === 0) this.featureLevels.delete(r.name);
        else this.featureLevels.set(r.name, r.level);
        return;
      case 'register_broker':
        return this.registerBroker(r);
      case 'unregister_broker':
        return this.changeBroker(r.nodeId, r.brokerEpoch, { registered: false });
      case 'broker_registration_change':
        return this.changeBroker(r.nodeId, r.brokerEpoch, { fenced: r.fenced });
      case 'broker_maintenance':
        return this.setMember(r.nodeId, { maintenance: r.enabled });
      case 'broker_membership':
        return this.setMember(r.nodeId, { membership: r.state });
      case 'topic':
        return this.addTopic(r.name, r.topicId);
      case 'partition':
        return this.addPartition(r);
      case 'partition_change':
        return this.changePartition(r);
      case 'remove_topic':
        return this.removeTopic(r.topicId);
      case 'config':
        return this.setConfig(r);
      case 'producer_ids':
        assert(r.nextProducerId > (this.producerIds?.nextProducerId ?? 0), `producer ids moving back to ${r.nextProducerId}`);
        this.producerIds = { nodeId: r.nodeId, brokerEpoch: r.brokerEpoch, nextProducerId: r.nextProducerId };
        return;
    }
  }

  applyAll(records: Iterable<MetadataRecord>): this {
    for (const r of records) this.apply(r);
    return this;
  }

  private registerBroker(r: RegisterBrokerRecord): void {
    assert(r.brokerEpoch > this.brokerEpochHighValue, `broker epoch ${r.brokerEpoch} not above ${this.brokerEpochHighValue}`);
    this.brokerEpochHighValue = r.brokerEpoch;
    const { type: _, ...fields } = r;
    this.brokerEntries.set(r.nodeId, { ...fields, fenced: false, registered: true });
  }

  private changeBroker(nodeId: NodeId, brokerEpoch: number, change: Partial<BrokerRegistration>): void {
    const b = this.brokerEntries.get(nodeId);
    assert(b !== undefined && b.registered && b.brokerEpoch === brokerEpoch, `change of broker ${nodeId} epoch ${brokerEpoch}, not the registered one`);
    this.brokerEntries.set(nodeId, { ...b, ...change });
  }

  private setMember(nodeId: NodeId, change: Partial<MemberState>): void {
    assert(this.brokerEntries.has(nodeId), `member state of node ${nodeId}, never registered`);
    const before = this.member(nodeId);
    assert(before.membership !== 'removed' || change.membership === undefined, `membership of removed node ${nodeId} changed`);
    const after = { ...before, ...change };
    if (!after.maintenance && after.membership === 'active') this.memberEntries.delete(nodeId);
    else this.memberEntries.set(nodeId, after);
  }

  private addTopic(name: string, topicId: string): void {
    assert(!this.topicIdByName.has(name) && !this.topicsById.has(topicId), `topic ${name} (${topicId}) exists`);
    assert(!this.nameByCollisionKey.has(collisionKey(name)), `topic ${name} collides with ${this.nameByCollisionKey.get(collisionKey(name))}`);
    this.topicsById.set(topicId, { name, topicId, partitions: [] });
    this.topicIdByName.set(name, topicId);
    this.nameByCollisionKey.set(collisionKey(name), name);
  }

  private addPartition(r: PartitionRecord): void {
    const t = this.topicsById.get(r.topicId);
    assert(t !== undefined, `partition ${r.partition} of unknown topic ${r.topicId}`);
    assert(r.partition === t.partitions.length, `partition ${r.partition} of ${t.name}, which has ${t.partitions.length}`);
    const p: PartitionImage = { replicas: r.replicas, targetReplicas: r.targetReplicas, partitionEpoch: r.partitionEpoch };
    this.topicsById.set(r.topicId, { ...t, partitions: [...t.partitions, p] });
    this.countReplicas(p, 1);
  }

  private changePartition(r: PartitionChangeRecord): void {
    const t = this.topicsById.get(r.topicId);
    const before = t?.partitions[r.partition];
    assert(t !== undefined && before !== undefined, `change of unknown partition ${r.topicId}:${r.partition}`);
    const after: PartitionImage = {
      replicas: r.replicas ?? before.replicas,
      targetReplicas: r.targetReplicas === undefined ? before.targetReplicas : r.targetReplicas,
      partitionEpoch: before.partitionEpoch + 1,
    };
    const partitions = t.partitions.slice();
    partitions[r.partition] = after;
    this.topicsById.set(r.topicId, { ...t, partitions });
    this.countReplicas(before, -1);
    this.countReplicas(after, 1);
  }

  private removeTopic(topicId: string): void {
    const t = this.topicsById.get(topicId);
    assert(t !== undefined, `removal of unknown topic ${topicId}`);
    for (const p of t.partitions) this.countReplicas(p, -1);
    this.topicsById.delete(topicId);
    this.topicIdByName.delete(t.name);
    this.nameByCollisionKey.delete(collisionKey(t.name));
    // KRaft's replay(RemoveTopicRecord) deletes the topic's configs with it.
    if (this.configs.delete(configKey(ConfigResourceType.TOPIC, t.name))) this.countResource(ConfigResourceType.TOPIC, -1);
  }

  private setConfig(r: ConfigRecord): void {
    if (r.resourceType === ConfigResourceType.TOPIC) assert(this.topicIdByName.has(r.resourceName), `config of unknown topic ${r.resourceName}`);
    const key = configKey(r.resourceType, r.resourceName);
    const existed = this.configs.has(key);
    const entries = new Map(this.configs.get(key));
    if (r.value === null) entries.delete(r.name);
    else entries.set(r.name, r.value);
    if (entries.size === 0) this.configs.delete(key);
    else this.configs.set(key, entries);
    if (existed !== entries.size > 0) this.countResource(r.resourceType, existed ? -1 : 1);
  }

  private countResource(type: ConfigResourceTypeId, delta: 1 | -1): void {
    const n = (this.resourceCounts.get(type) ?? 0) + delta;
    assert(n >= 0, `resource count of type ${type} below 0`);
    if (n === 0) this.resourceCounts.delete(type);
    else this.resourceCounts.set(type, n);
  }

  private countReplicas(p: PartitionImage, delta: 1 | -1): void {
    for (const id of new Set([...p.replicas, ...(p.targetReplicas ?? [])])) {
      const n = (this.replicaCounts.get(id) ?? 0) + delta;
      assert(n >= 0, `replica count of node ${id} below 0`);
      if (n === 0) this.replicaCounts.delete(id);
      else this.replicaCounts.set(id, n);
    }
  }

  // ----------------------------------------------------------------------------- reads

  /** Records applied since the image was made (for logs): not part of the state. */
  get recordsApplied(): number {
    return this.applied;
  }

  get clusterId(): string | null {
    return this.clusterIdValue;
  }

  /** A finalized feature level, 0 when the feature is not set (KIP-584). */
  featureLevel(name: string): number {
    return this.featureLevels.get(name) ?? 0;
  }

  features(): ReadonlyMap<string, number> {
    return this.featureLevels;
  }

  /** A registered broker, or undefined (never registered, or unregistered). */
  broker(nodeId: NodeId): BrokerRegistration | undefined {
    const b = this.brokerEntries.get(nodeId);
    return b?.registered ? b : undefined;
  }

  /** Registered brokers by node id. */
  brokers(): BrokerRegistration[] {
    return [...this.brokerEntries.values()].filter((b) => b.registered).sort((a, b) => a.nodeId - b.nodeId);
  }

  /** Every broker entry ever, unregistered ones included (what a snapshot must keep). */
  brokerHistory(): BrokerRegistration[] {
    return [...this.brokerEntries.values()].sort((a, b) => a.brokerEpoch - b.brokerEpoch);
  }

  /** The highest broker epoch given so far (-1: none); the next registration gets more. */
  get brokerEpochHigh(): number {
    return this.brokerEpochHighValue;
  }

  /** A node id's maintenance flag and membership (off and active unless a record said otherwise). */
  member(nodeId: NodeId): MemberState {
    return this.memberEntries.get(nodeId) ?? MEMBER_DEFAULT;
  }

  /** Node ids whose member state is not the default, by id (what a snapshot must keep). */
  members(): Array<[NodeId, MemberState]> {
    return [...this.memberEntries].sort(([a], [b]) => a - b);
  }

  /** Node ids in maintenance mode. */
  inMaintenance(): NodeId[] {
    return this.members().filter(([, m]) => m.maintenance).map(([id]) => id);
  }

  /** Registered brokers placement may give new replicas: not draining (Redpanda's allocator skips them). */
  placeableBrokers(): BrokerRegistration[] {
    return this.brokers().filter((b) => this.member(b.nodeId).membership === 'active');
  }

  topic(name: string): TopicImage | undefined {
    const id = this.topicIdByName.get(name);
    return id === undefined ? undefined : this.topicsById.get(id);
  }

  topicById(topicId: string): TopicImage | undefined {
    return this.topicsById.get(topicId);
  }

  /** Topics by name. */
  topics(): TopicImage[] {
    return [...this.topicsById.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get topicCount(): number {
    return this.topicsById.size;
  }

  /** The existing topic whose name collides with `name` under Kafka's '.'/'_' rule. */
  collidingTopic(name: string): string | undefined {
    return this.nameByCollisionKey.get(collisionKey(name));
  }

  partition(topicId: string, partition: number): PartitionImage | undefined {
    return this.topicsById.get(topicId)?.partitions[partition];
  }

  /** Replicas assigned to a node, current and target (what max.broker.partitions counts). */
  replicasOn(nodeId: NodeId): number {
    return this.replicaCounts.get(nodeId) ?? 0;
  }

  /** The stored overrides of one resource (empty when none). */
  configsOf(resourceType: ConfigResourceTypeId, resourceName: string): Overrides {
    return this.configs.get(configKey(resourceType, resourceName)) ?? new Map();
  }

  /** How many resources of one type have overrides. */
  configResourceCount(resourceType: ConfigResourceTypeId): number {
    return this.resourceCounts.get(resourceType) ?? 0;
  }

  /** Resources of one type that have overrides, by name. */
  configResources(resourceType: ConfigResourceTypeId): string[] {
    const prefix = `${resourceType}:`;
    return [...this.configs.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
  }

  /** The last producer-id block handed out, or null before the first. */
  get lastProducerIdsBlock(): ProducerIdsBlock | null {
    return this.producerIds;
  }

  /** The first producer id not yet handed out (KIP-730). */
  get nextProducerId(): number {
    return this.producerIds?.nextProducerId ?? 0;
  }

  /**
   * Everything the image holds, derived indexes included, in one canonical plain value: two
   * images are the same exactly when these are deep-equal (the snapshot property test).
   */
  toState(): unknown {
    const sorted = <T>(m: ReadonlyMap<string | number, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      clusterId: this.clusterIdValue,
      features: sorted(this.featureLevels),
      brokers: sorted(this.brokerEntries),
      brokerEpochHigh: this.brokerEpochHighValue,
      members: sorted(this.memberEntries),
      topics: sorted(this.topicsById),
      topicIdByName: sorted(this.topicIdByName),
      nameByCollisionKey: sorted(this.nameByCollisionKey),
      configs: sorted(this.configs).map(([k, v]) => [k, sorted(v)]),
      replicaCounts: sorted(this.replicaCounts),
      resourceCounts: sorted(this.resourceCounts),
      producerIds: this.producerIds,
    };
  }
}
