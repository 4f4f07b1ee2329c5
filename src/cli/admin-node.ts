// The admin API's view of a running node (src/admin/admin-node.ts's AdminNode), implemented over
// the Broker and, on a cluster, the ClusterNode and its metadata image. Cluster config changes go
// through Kafka's own IncrementalAlterConfigs on BROKER "" over an internal client connected to
// this node's Kafka listener: the path kafka-configs.sh takes, so both agree, and on a cluster the
// controller applies it (broker/handlers/44-incremental-alter-configs.ts).

import type { AdminBroker, AdminDecommission, AdminNode, AdminPartition, AdminPartitionDetail, AdminResult, ClusterConfigChange, ClusterConfigValue } from '../admin/admin-node.ts';
import { clusterProperties } from '../admin/cluster-config.ts';
import { decommissionProgress } from '../cluster/controller/index.ts';
import { BROKER_MAINTENANCE, type ControllerOp, DECOMMISSION_BROKER, type MemberRequest, RECOMMISSION_BROKER } from '../cluster/quorum/controller-ops.ts';
import { ErrorCode } from '../protocol/errors.ts';
import { ConfigOp, KafkaClient, ResourceType } from '../client/client.ts';
import type { NodeConfig } from '../config/node-config.ts';
import { advertisableHost, formatHostPort, type HostPort } from '../config/values.ts';
import { VERSION } from '../version.ts';
import { SYSTEM_IO } from './node-deps.ts';
import type { RunningNode } from './node.ts';

const address = (h: HostPort | null) => (h === null ? null : { address: h.host, port: h.port });

export class RunningAdminNode implements AdminNode {
  private client: KafkaClient | null = null;

  constructor(
    private readonly node: RunningNode,
    private readonly config: NodeConfig,
  ) {}

  get nodeId(): number {
    return this.config.nodeId;
  }

  get clusterId(): string {
    return this.node.broker.clusterId;
  }

  controllerId(): number {
    return this.node.broker.cluster.controllerId();
  }

  brokers(): readonly AdminBroker[] {
    const { cluster } = this.node;
    const self = this.config.nodeId;
    if (cluster === null) return [{ nodeId: self, rack: null, rpc: null, alive: true, version: VERSION, maintenance: false, membership: 'active' }];
    const image = cluster.stateMachine.image;
    return image.brokers().map((b) => ({
      nodeId: b.nodeId,
      rack: b.rack,
      rpc: { host: b.rpcEndpoint.host, port: b.rpcEndpoint.port },
      alive: !b.fenced,
      version: b.nodeId === self ? VERSION : null,
      maintenance: image.member(b.nodeId).maintenance,
      // Removed brokers are unregistered, so not listed here.
      membership: image.member(b.nodeId).membership === 'draining' ? 'draining' : 'active',
    }));
  }

  /** The node's settings under the config file keys issue 10 names (Redpanda's node_config names). */
  nodeConfig(): Readonly<Record<string, unknown>> {
    const c = this.config;
    return {
      node_id: c.nodeId,
      data_directory: c.dataDir,
      developer_mode: c.dev,
      kafka_api: address(c.kafkaAddr),
      advertised_kafka_api: address(c.advertiseKafkaAddr),
      rpc_server: address(c.cluster?.rpcAddr ?? null),
      advertised_rpc_api: address(c.cluster?.advertiseRpcAddr ?? null),
      seed_servers: (c.cluster?.seeds ?? []).map((s) => ({ node_id: s.nodeId, host: address(s.address) })),
      admin_api: address(c.adminAddr),
      schema_registry_api: address(c.schemaRegistryAddr),
      proxy_api: address(c.proxyAddr),
      version: VERSION,
    };
  }

  partitions(): readonly AdminPartition[] {
    const { broker } = this.node;
    const out: AdminPartition[] = [];
    const topics = [...broker.topics.all()].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const t of topics) for (let i = 0; i < t.partitions; i++) out.push(this.summary(t.name, i));
    return out;
  }

  private summary(topic: string, index: number): AdminPartition {
    const { broker } = this.node;
    const leader = broker.leaderOf(topic, index) ?? { leaderId: -1, leaderEpoch: -1 };
    return { topic, partition: index, leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch, replicas: broker.replicasOf(topic, index), isr: broker.inSyncReplicasOf(topic, index) };
  }

  partition(topic: string, index: number): AdminPartitionDetail | null {
    const { broker } = this.node;
    const t = broker.topics.get(topic);
    if (t === undefined || index >= t.partitions) return null;
    const p = broker.partition(topic, index);
    const r = p === undefined ? broker.replica(topic, index) : undefined;
    const held = p ?? r;
    const log =
      held === undefined
        ? null
        : { logStartOffset: held.logStartOffset, highWatermark: held.highWatermark, logEndOffset: held.logEndOffset, sizeBytes: held.log.sizeBytes };
    return { ...this.summary(topic, index), log };
  }

  transferLeadership(topic: string, index: number, target: number): AdminResult {
    const { broker, cluster } = this.node;
    const ntp = `{kafka/${topic}/${index}}`;
    if (broker.topics.get(topic) === undefined || index >= (broker.topics.get(topic)?.partitions ?? 0)) return { ok: false, status: 404, message: `Could not find ntp: ${ntp}` };
    if (cluster === null) return { ok: false, status: 400, message: `Node ${this.config.nodeId} runs alone (no --seeds): ${ntp} has one replica and no leadership to transfer` };
    const r = broker.replica(topic, index);
    const leaderId = broker.leaderOf(topic, index)?.leaderId ?? -1;
    // Redpanda redirects (307) to the leader; Freshet says which node to ask instead.
    if (r === undefined || !r.isLeader) return { ok: false, status: 400, message: `Node ${this.config.nodeId} does not lead ${ntp}: ask its leader, node ${leaderId}` };
    if (!broker.replicasOf(topic, index).includes(target)) return { ok: false, status: 400, message: `Node ${target} holds no replica of ${ntp}` };
    const result = r.driver.transferLeadership(target);
    if (result.ok) return { ok: true };
    return { ok: false, status: 400, message: `Leadership of ${ntp} cannot move to node ${target}: ${result.reason.replaceAll('_', ' ')}` };
  }

  clusterConfig(): readonly ClusterConfigValue[] {
    const layer = this.config.layers.dynamicDefault;
    return clusterProperties().map((d) => ({ name: d.name, value: layer.get(d.name) ?? d.default, isDefault: !layer.has(d.name) }));
  }

  async alterClusterConfig(changes: readonly ClusterConfigChange[], validateOnly: boolean): Promise<AdminResult> {
    const configs = changes.map((c) => (c.value === null ? { name: c.name, op: ConfigOp.DELETE } : { name: c.name, op: ConfigOp.SET, value: c.value }));
    try {
      const [answer] = await this.kafka().incrementalAlterConfigs([{ type: ResourceType.BROKER, name: '', configs }], { validateOnly });
      if (answer?.error) return { ok: false, status: 400, message: answer.error.message ?? answer.error.name };
      return { ok: true };
    } catch (e) {
      return { ok: false, status: 503, message: `The change could not reach the controller: ${e instanceof Error ? e.message : e}` };
    }
  }

  setMaintenance(nodeId: number, enabled: boolean): Promise<AdminResult> {
    return this.memberChange(BROKER_MAINTENANCE, { nodeId, enabled });
  }

  /** The controller refuses a voter of its quorum (cluster/controller/decommission.ts). */
  decommission(nodeId: number): Promise<AdminResult> {
    return this.memberChange(DECOMMISSION_BROKER, { nodeId, enabled: false });
  }

  recommission(nodeId: number): Promise<AdminResult> {
    return this.memberChange(RECOMMISSION_BROKER, { nodeId, enabled: false });
  }

  decommissionProgress(nodeId: number): AdminDecommission {
    const { cluster } = this.node;
    if (cluster === null) return nodeId === this.config.nodeId ? { kind: 'not_decommissioning' } : { kind: 'unknown' };
    return decommissionProgress(cluster.stateMachine.image, nodeId);
  }

  /** A member operation through the controller (forwarded to its leader from any node). */
  private async memberChange(op: ControllerOp<MemberRequest, { errorCode: number; errorMessage: string | null }>, req: MemberRequest): Promise<AdminResult> {
    const channel = this.node.broker.controller;
    if (channel === null) return { ok: false, status: 400, message: `Node ${this.config.nodeId} runs alone (no --seeds): maintenance mode and decommissioning need a cluster` };
    const a = await channel.call(op, req, 0);
    switch (a.errorCode) {
      case ErrorCode.NONE:
        return { ok: true };
      case ErrorCode.BROKER_ID_NOT_REGISTERED:
        return { ok: false, status: 404, message: a.errorMessage ?? `broker with id ${req.nodeId} not found` };
      case ErrorCode.NOT_CONTROLLER:
      case ErrorCode.REQUEST_TIMED_OUT:
        // Redpanda: "Service unavailable (...)" for no_leader_controller and timeouts.
        return { ok: false, status: 503, message: `Service unavailable (${a.errorMessage ?? 'the controller could not be reached'})` };
      default:
        return { ok: false, status: 400, message: a.errorMessage ?? `error ${a.errorCode}` };
    }
  }

  private kafka(): KafkaClient {
    if (this.client === null) {
      const kafka = { host: advertisableHost(this.config.kafkaAddr.host), port: this.config.kafkaAddr.port };
      this.client = new KafkaClient({ io: SYSTEM_IO, bootstrap: [formatHostPort(kafka)], clientId: `freshet-admin-api-${this.config.nodeId}` });
    }
    return this.client;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
