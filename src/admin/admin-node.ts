// What the admin API may see and do of a node: a narrow interface the shell implements over the
// running Broker and ClusterNode (src/cli/admin-node.ts), and a unit test implements with a fake.
// Values are in the node's terms; the routes turn them into Redpanda's JSON shapes.

import type { PropertyValue } from '../config/properties.ts';

/** One broker as the node knows it (Redpanda's broker_json::broker, less what has no meaning here). */
export interface AdminBroker {
  readonly nodeId: number;
  readonly rack: string | null;
  /** Where other nodes reach it (the internal RPC listener); null on a node that runs alone. */
  readonly rpc: { readonly host: string; readonly port: number } | null;
  /** Heard from by the controller within broker.session.timeout.ms (not fenced). */
  readonly alive: boolean;
  /** Only this node's own version is known; null for the others. */
  readonly version: string | null;
  /** Maintenance mode is on (the controller's flag): its leaderships are being handed away. */
  readonly maintenance: boolean;
  /** Redpanda's membership_status: `draining` while decommissioned (removed ones are not listed). */
  readonly membership: 'active' | 'draining';
}

/** A decommission's progress as the metadata holds it (cluster/controller/decommission.ts). */
export type AdminDecommission =
  /** The node id never belonged to the cluster. */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'not_decommissioning' }
  | {
      readonly kind: 'progress';
      /** True once the node is removed. */
      readonly finished: boolean;
      /** Replicas still assigned to it, current and target. */
      readonly replicasLeft: number;
      /** The partitions moving off it; movingTo -1 when the move adds several replicas. */
      readonly moves: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly movingTo: number }>;
    };

/** A partition as the metadata holds it. */
export interface AdminPartition {
  readonly topic: string;
  readonly partition: number;
  /** -1 while no leader is known. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Leader first as Kafka lists them (the preferred replica first). */
  readonly replicas: readonly number[];
  /** In-sync replicas as this node knows them; null while unknown. */
  readonly isr: readonly number[] | null;
}

/** The offsets and size of a partition's log, where this node holds a replica of it. */
export interface AdminPartitionLog {
  readonly logStartOffset: number;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  readonly sizeBytes: number;
}

export interface AdminPartitionDetail extends AdminPartition {
  /** Null when this node holds no replica (another node does). */
  readonly log: AdminPartitionLog | null;
}

/** A refusal the routes answer with `status` and Redpanda's {"message", "code"}. */
export interface AdminRefusal {
  readonly ok: false;
  readonly status: 400 | 404 | 501 | 503;
  readonly message: string;
}

export type AdminResult = { readonly ok: true } | AdminRefusal;

/** A cluster-wide broker property as the cluster default layer holds it. */
export interface ClusterConfigValue {
  readonly name: string;
  readonly value: PropertyValue | null;
  /** True when no dynamic cluster default sets it (the value is Kafka's default). */
  readonly isDefault: boolean;
}

/** One change for the cluster default layer: SET with a value's text, or DELETE (value null). */
export interface ClusterConfigChange {
  readonly name: string;
  readonly value: string | null;
}

export interface AdminNode {
  readonly nodeId: number;
  /** The Kafka cluster id (meta.json), which Redpanda's /v1/cluster/uuid answers. */
  readonly clusterId: string;
  /** The controller's node id, -1 while none is known. */
  controllerId(): number;
  /** Every broker the node knows, itself included, by node id. */
  brokers(): readonly AdminBroker[];
  /** This node's configuration as `freshet start` resolved it (flag names, no secrets). */
  nodeConfig(): Readonly<Record<string, unknown>>;
  /** Every partition of every topic, internal ones included, by topic then partition. */
  partitions(): readonly AdminPartition[];
  partition(topic: string, partition: number): AdminPartitionDetail | null;
  /** Hands the partition's leadership to `target` (Raft leadership transfer). */
  transferLeadership(topic: string, partition: number, target: number): AdminResult;
  /** The cluster-wide dynamic broker properties (KIP-226's cluster default, BROKER ""). */
  clusterConfig(): readonly ClusterConfigValue[];
  /**
   * Applies the changes to the cluster default layer the way Kafka's IncrementalAlterConfigs on
   * BROKER "" does (validated as a whole: all or nothing); `validateOnly` changes nothing.
   */
  alterClusterConfig(changes: readonly ClusterConfigChange[], validateOnly: boolean): Promise<AdminResult>;
  /** Maintenance mode on or off for a broker, through the controller (one broker at a time). */
  setMaintenance(nodeId: number, enabled: boolean): Promise<AdminResult>;
  /** Decommissions a broker through the controller: its replicas move away, then it is removed. */
  decommission(nodeId: number): Promise<AdminResult>;
  /** Cancels a decommission while the broker is draining. */
  recommission(nodeId: number): Promise<AdminResult>;
  decommissionProgress(nodeId: number): AdminDecommission;
}
