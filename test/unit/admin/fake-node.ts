// A fake AdminNode for the admin app's unit tests: a three-broker cluster with two topics, whose
// cluster config changes are checked with the same rules the broker uses (validateDynamicBrokerConfigs).

import type { AdminBroker, AdminDecommission, AdminNode, AdminPartition, AdminPartitionDetail, AdminResult, ClusterConfigChange, ClusterConfigValue } from '../../../src/admin/admin-node.ts';
import { clusterProperties } from '../../../src/admin/cluster-config.ts';
import { validateDynamicBrokerConfigs } from '../../../src/config/broker-config.ts';
import type { PropertyValue } from '../../../src/config/properties.ts';

export class FakeAdminNode implements AdminNode {
  readonly nodeId = 1;
  readonly clusterId = 'f8rNzeFfRW2Y0H7UO0T3Vw';
  controller = 1;
  brokerList: AdminBroker[] = [1, 2, 3].map((id) => ({
    nodeId: id,
    rack: null,
    rpc: { host: '127.0.0.1', port: 33144 + id },
    alive: true,
    version: id === 1 ? '0.1.0' : null,
    maintenance: false,
    membership: 'active' as const,
  }));
  /** What setMaintenance/decommission/recommission were asked, in order. */
  readonly memberCalls: Array<[string, number]> = [];
  /** The answer the next member change gets (ok by default). */
  memberAnswer: AdminResult = { ok: true };
  progress: AdminDecommission = { kind: 'not_decommissioning' };
  readonly partitionList: AdminPartition[] = [
    { topic: 'orders', partition: 0, leaderId: 1, leaderEpoch: 3, replicas: [1, 2, 3], isr: [1, 2, 3] },
    { topic: 'orders', partition: 1, leaderId: 2, leaderEpoch: 1, replicas: [2, 3, 1], isr: [2, 3, 1] },
    { topic: 'audit', partition: 0, leaderId: 3, leaderEpoch: 0, replicas: [3, 2], isr: [3, 2] },
  ];
  readonly dynamicDefault = new Map<string, PropertyValue>();
  readonly transfers: Array<[string, number, number]> = [];
  readonly alterCalls: Array<{ changes: readonly ClusterConfigChange[]; validateOnly: boolean }> = [];

  controllerId(): number {
    return this.controller;
  }
  brokers(): readonly AdminBroker[] {
    return this.brokerList;
  }
  nodeConfig(): Readonly<Record<string, unknown>> {
    return { node_id: 1, data_directory: '/data', kafka_api: { address: '127.0.0.1', port: 9092 } };
  }
  partitions(): readonly AdminPartition[] {
    return this.partitionList;
  }
  partition(topic: string, partition: number): AdminPartitionDetail | null {
    const p = this.partitionList.find((x) => x.topic === topic && x.partition === partition);
    if (p === undefined) return null;
    return { ...p, log: p.replicas.includes(this.nodeId) ? { logStartOffset: 0, highWatermark: 42, logEndOffset: 42, sizeBytes: 4096 } : null };
  }
  transferLeadership(topic: string, partition: number, target: number): AdminResult {
    this.transfers.push([topic, partition, target]);
    return { ok: true };
  }
  clusterConfig(): readonly ClusterConfigValue[] {
    return clusterProperties().map((d) => ({ name: d.name, value: this.dynamicDefault.get(d.name) ?? d.default, isDefault: !this.dynamicDefault.has(d.name) }));
  }
  setMaintenance(nodeId: number, enabled: boolean): Promise<AdminResult> {
    this.memberCalls.push([enabled ? 'maintenance on' : 'maintenance off', nodeId]);
    if (this.memberAnswer.ok) this.brokerList = this.brokerList.map((b) => (b.nodeId === nodeId ? { ...b, maintenance: enabled } : b));
    return Promise.resolve(this.memberAnswer);
  }
  decommission(nodeId: number): Promise<AdminResult> {
    this.memberCalls.push(['decommission', nodeId]);
    return Promise.resolve(this.memberAnswer);
  }
  recommission(nodeId: number): Promise<AdminResult> {
    this.memberCalls.push(['recommission', nodeId]);
    return Promise.resolve(this.memberAnswer);
  }
  decommissionProgress(_nodeId: number): AdminDecommission {
    return this.progress;
  }
  alterClusterConfig(changes: readonly ClusterConfigChange[], validateOnly: boolean): Promise<AdminResult> {
    this.alterCalls.push({ changes, validateOnly });
    const sets = changes.filter((c) => c.value !== null).map((c) => [c.name, c.value!] as const);
    const v = validateDynamicBrokerConfigs(sets, false);
    if (!v.ok) return Promise.resolve({ ok: false, status: 400, message: v.error.message ?? 'invalid' });
    if (!validateOnly) {
      for (const [k, value] of v.values) this.dynamicDefault.set(k, value);
      for (const c of changes) if (c.value === null) this.dynamicDefault.delete(c.name);
    }
    return Promise.resolve({ ok: true });
  }
}
