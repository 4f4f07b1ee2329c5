// KafkaClient: the internal Kafka client used by the CLI, the schema registry and the HTTP
// proxy. A thin façade: routing and connections live in core.ts, the calls in admin.ts,
// data.ts and groups.ts. Kafka errors come back as values (KafkaErr | null) in each result;
// ClientError is thrown only when there is no answer (see errors.ts).
//
//   const client = await KafkaClient.connect({ bootstrap: ['127.0.0.1:9092'], clientId: 'cli' });
//   try { const md = await client.metadata(); } finally { await client.close(); }

import * as admin from './admin.ts';
import { ClientCore, type ClientOptions } from './core.ts';
import * as data from './data.ts';
import * as groups from './groups.ts';
import * as quorum from './quorum.ts';
import type { Compression } from '../protocol/records/batch.ts';

export class KafkaClient extends ClientCore {
  /** Creates a client and checks that a bootstrap broker answers (and learns the brokers). */
  static async connect(options: ClientOptions): Promise<KafkaClient> {
    const client = new KafkaClient(options);
    try {
      await client.metadata([]);
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  // topics and configs
  createTopics(topics: readonly admin.NewTopic[], options?: { validateOnly?: boolean }) {
    return admin.createTopics(this, topics, options);
  }
  deleteTopics(names: readonly string[]) {
    return admin.deleteTopics(this, names);
  }
  createPartitions(topics: ReadonlyArray<{ name: string; count: number }>, options?: { validateOnly?: boolean }) {
    return admin.createPartitions(this, topics, options);
  }
  describeConfigs(resources: ReadonlyArray<{ type: admin.ResourceTypeCode; name: string; keys?: string[] | null }>) {
    return admin.describeConfigs(this, resources);
  }
  incrementalAlterConfigs(resources: readonly admin.ConfigAlteration[], options?: { validateOnly?: boolean }) {
    return admin.incrementalAlterConfigs(this, resources, options);
  }

  /** The controller quorum (DescribeQuorum, KIP-595). */
  describeQuorum() {
    return quorum.describeQuorum(this);
  }

  changeVoter(change: 'add' | 'remove', voterId: number) {
    return quorum.changeVoter(this, change, voterId);
  }

  // data
  listOffsets(items: ReadonlyArray<data.PartitionKey & { spec: data.OffsetSpec }>, options?: { isolationLevel?: 0 | 1 }) {
    return data.listOffsets(this, items, options);
  }
  produce(items: readonly data.ProduceInput[], options?: { acks?: 1 | -1; timeoutMs?: number; compression?: Compression }) {
    return data.produce(this, items, options);
  }
  /** DeleteRecords (KIP-107): each partition's log start offset moved up to its offset (-1: the high watermark). */
  deleteRecords(items: ReadonlyArray<data.PartitionKey & { offset: number }>, options?: { timeoutMs?: number }) {
    return data.deleteRecords(this, items, options);
  }
  fetch(items: readonly data.FetchInput[], options?: data.FetchOptions) {
    return data.fetch(this, items, options);
  }

  // groups
  listGroups(options?: { states?: string[] }) {
    return groups.listGroups(this, options);
  }
  describeGroups(groupIds: readonly string[]) {
    return groups.describeGroups(this, groupIds);
  }
  /** KIP-848 groups; a classic group answers GROUP_ID_NOT_FOUND (use describeGroups). */
  consumerGroupDescribe(groupIds: readonly string[]) {
    return groups.consumerGroupDescribe(this, groupIds);
  }
  offsetFetch(groupId: string, topics?: readonly groups.TopicPartitions[] | null) {
    return groups.offsetFetch(this, groupId, topics ?? null);
  }
  offsetCommit(groupId: string, offsets: readonly groups.OffsetToCommit[], member?: { generationId?: number; memberId?: string; groupInstanceId?: string | null }) {
    return groups.offsetCommit(this, groupId, offsets, member);
  }
  deleteGroups(groupIds: readonly string[]) {
    return groups.deleteGroups(this, groupIds);
  }
  offsetDelete(groupId: string, topics: readonly groups.TopicPartitions[]) {
    return groups.offsetDelete(this, groupId, topics);
  }
}

export { ClientError, type KafkaErr, describeKafkaErr } from './errors.ts';
export { ConfigOp, ResourceType, CONFIG_SOURCE_NAMES } from './admin.ts';
export type { ClientOptions, ClusterMetadata, TopicMetadata, PartitionMetadata, BrokerInfo } from './core.ts';
export { GroupMember, type GroupMemberOptions, type Subscription, type OffsetReset, type AssignmentChange, type MemberRefusal, type MemberErr, type ConsumedRecord, type PollResult } from './group-member.ts';
export { type AssignorName, type TopicPartition, ASSIGNOR_NAMES } from './assignors.ts';
