// The cluster's metadata records: what the controller group's log (`__cluster_metadata`
// partition 0) holds, after KRaft's metadata records (KIP-631; apache/kafka
// metadata/src/main/resources/common/metadata/*.json). Each record is a typed value here and a
// versioned Kafka record in a record batch on disk (record-codec.ts, metadata-batch.ts).
//
// The type ids are Kafka's apiKeys for the records Kafka has (TopicRecord is 2, PartitionRecord
// 3, ...), so a reader who knows KRaft finds its way; the bodies are Freshet's own layout:
// - partition leadership, ISR and leader epochs are not here: each partition's own Raft group
//   elects its leader (DESIGN.md section 5). A partition holds its replicas (the group's voters)
//   and a target for a move (KIP-455's reassignment, done by the group with learners).
// - a broker registration carries both endpoints Freshet has (Kafka and RPC), not a listener
//   list; fencing is a change record of its own (Kafka's BrokerRegistrationChangeRecord).

import type { NodeId } from '../../raft/core/types.ts';

export type { NodeId };

/** Type ids: Kafka's MetadataRecordType apiKeys for the same records. */
export const RecordType = {
  register_broker: 0,
  unregister_broker: 1,
  topic: 2,
  partition: 3,
  config: 4,
  partition_change: 5,
  remove_topic: 9,
  feature_level: 12,
  producer_ids: 15,
  broker_registration_change: 17,
  cluster_id: 29,
  // Freshet's own, above Kafka's ids: Redpanda's members_table keeps these per broker
  // (maintenance_mode_cmd, decommission_node_cmd / recommission_node_cmd), KRaft has no record
  // for them (its nearest is BrokerRegistrationChangeRecord's inControlledShutdown).
  broker_maintenance: 100,
  broker_membership: 101,
} as const;

export type RecordTypeName = keyof typeof RecordType;

/** The newest version of each record's body this build writes (and the newest it reads). */
export const RECORD_VERSION: Readonly<Record<RecordTypeName, number>> = {
  register_broker: 0,
  unregister_broker: 0,
  topic: 0,
  partition: 0,
  config: 0,
  partition_change: 0,
  remove_topic: 0,
  feature_level: 0,
  producer_ids: 0,
  broker_registration_change: 0,
  cluster_id: 0,
  broker_maintenance: 0,
  broker_membership: 0,
};

/** ConfigResource.Type ids (org.apache.kafka.common.config.ConfigResource) a config record may name. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4, GROUP: 32 } as const;
export type ConfigResourceTypeId = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

// ------------------------------------------------------------------------------- limits
// Checked by the decoder (bytes from disk or a peer never build a value outside them) and by
// the controller before it writes a record.

/** Registered node ids at most (a node id is an int32 >= 0). Far above any cluster we run. */
export const BROKERS_MAX = 1024;
/** Kafka's Topic.MAX_NAME_LENGTH. */
export const TOPIC_NAME_MAX_CHARS = 249;
/** Partitions of one topic at most; the single node's limit (cluster/topic-table.ts). */
export const PARTITIONS_PER_TOPIC_MAX = 10_000;
/** Replicas of one partition: every replica is a distinct registered broker. */
export const REPLICAS_MAX = BROKERS_MAX;
/** A host name (RFC 1035 caps a DNS name at 253; 255 leaves room for an IPv6 literal). */
export const HOST_MAX_CHARS = 255;
export const RACK_MAX_CHARS = 255;
/** A config resource's name (a group id may be long): a Kafka string's int16 length. */
export const RESOURCE_NAME_MAX_CHARS = 0x7fff;
/** Config names and values: Kafka has no limit; ours keeps one record small. */
export const CONFIG_NAME_MAX_CHARS = 255;
export const CONFIG_VALUE_MAX_CHARS = 64 * 1024;
export const FEATURE_NAME_MAX_CHARS = 255;
/** Kafka prints cluster ids as 22-character uuids; anything longer is not one of ours. */
export const CLUSTER_ID_MAX_CHARS = 64;
/** Feature levels are int16 (FeatureLevelRecord). */
export const FEATURE_LEVEL_MAX = 0x7fff;
/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE (KIP-730). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

// ------------------------------------------------------------------------------- records

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** The cluster's id, written once when the controller group first has a leader. */
export interface ClusterIdRecord {
  readonly type: 'cluster_id';
  readonly clusterId: string;
}

/** A finalized feature level (KIP-584), e.g. metadata.version; level 0 removes the feature. */
export interface FeatureLevelRecord {
  readonly type: 'feature_level';
  readonly name: string;
  readonly level: number;
}

/**
 * A broker (every Freshet node is one) registered, or registered again after a restart
 * (KIP-631 RegisterBrokerRecord). `brokerEpoch` is new with every registration and grows
 * cluster-wide, so a request from an older incarnation is told STALE_BROKER_EPOCH.
 * A new registration is unfenced: the node asked for it, so it is alive.
 */
export interface RegisterBrokerRecord {
  readonly type: 'register_broker';
  readonly nodeId: NodeId;
  /** Random per process start (Kafka's IncarnationId): tells a restart from a duplicate. */
  readonly incarnationId: string;
  readonly brokerEpoch: number;
  readonly kafkaEndpoint: Endpoint;
  readonly rpcEndpoint: Endpoint;
  readonly rack: string | null;
}

/** The broker left the cluster (UnregisterBroker, API 64). Its replicas stay assigned. */
export interface UnregisterBrokerRecord {
  readonly type: 'unregister_broker';
  readonly nodeId: NodeId;
  readonly brokerEpoch: number;
}

/** Fenced: no new replicas or leaders are placed there (BrokerRegistrationChangeRecord). */
export interface BrokerRegistrationChangeRecord {
  readonly type: 'broker_registration_change';
  readonly nodeId: NodeId;
  readonly brokerEpoch: number;
  readonly fenced: boolean;
}

/**
 * Maintenance mode on or off for a node id (Redpanda's maintenance_mode_cmd): its partitions'
 * leaders move to other brokers and it is not handed leadership back while on. Keyed by node
 * id, not by registration, so it survives the node's restarts as Redpanda's does.
 */
export interface BrokerMaintenanceRecord {
  readonly type: 'broker_maintenance';
  readonly nodeId: NodeId;
  readonly enabled: boolean;
}

/**
 * Redpanda's membership_state of a node id: `active`; `draining` while decommissioned (no new
 * replicas, its replicas being moved away); `removed` once it hosts nothing (it no longer
 * belongs to the cluster and may not register again under that id). Keyed by node id.
 */
export type MembershipState = 'active' | 'draining' | 'removed';
export const MEMBERSHIP_STATES: readonly MembershipState[] = ['active', 'draining', 'removed'];

export interface BrokerMembershipRecord {
  readonly type: 'broker_membership';
  readonly nodeId: NodeId;
  readonly state: MembershipState;
}

export interface TopicRecord {
  readonly type: 'topic';
  readonly name: string;
  /** KIP-516 topic id, never the zero uuid. */
  readonly topicId: string;
}

/**
 * A partition of a topic: its replicas, which are its Raft group's voters, first the preferred
 * leader; and `targetReplicas` when a move is asked for (null: none). `partitionEpoch` grows
 * with every change, so a node reconciling its replicas can tell a newer assignment.
 */
export interface PartitionRecord {
  readonly type: 'partition';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas: readonly NodeId[];
  readonly targetReplicas: readonly NodeId[] | null;
  readonly partitionEpoch: number;
}

/**
 * A change to a partition's assignment. `replicas` undefined: unchanged. `targetReplicas`
 * undefined: unchanged, null: the move is over or cancelled. The partition epoch goes up by one.
 */
export interface PartitionChangeRecord {
  readonly type: 'partition_change';
  readonly topicId: string;
  readonly partition: number;
  readonly replicas?: readonly NodeId[];
  readonly targetReplicas?: readonly NodeId[] | null;
}

/** The topic, its partitions and its config overrides are gone (KRaft's replay does the same). */
export interface RemoveTopicRecord {
  readonly type: 'remove_topic';
  readonly topicId: string;
}

/**
 * One config key of one resource: TOPIC (a topic name), BROKER ("" for the cluster default,
 * else a node id) or GROUP (a group id). `value` null deletes the override.
 */
export interface ConfigRecord {
  readonly type: 'config';
  readonly resourceType: ConfigResourceTypeId;
  readonly resourceName: string;
  readonly name: string;
  readonly value: string | null;
}

/**
 * A block of producer ids handed to a broker (KIP-730): ids below `nextProducerId` are taken,
 * so no id is ever handed out twice, whichever node asks next.
 */
export interface ProducerIdsRecord {
  readonly type: 'producer_ids';
  readonly nodeId: NodeId;
  readonly brokerEpoch: number;
  readonly nextProducerId: number;
}

export type MetadataRecord =
  | ClusterIdRecord
  | FeatureLevelRecord
  | RegisterBrokerRecord
  | UnregisterBrokerRecord
  | BrokerRegistrationChangeRecord
  | BrokerMaintenanceRecord
  | BrokerMembershipRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | ConfigRecord
  | ProducerIdsRecord;

/** A one-line description for logs and test failures. */
export function describeRecord(r: MetadataRecord): string {
  return `${r.type} ${JSON.stringify(r, (k, v) => (k === 'type' ? undefined : v))}`;
}
