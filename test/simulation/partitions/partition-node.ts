// One node of the partition simulation: the shell simulation's node (its disk, process,
// journal and RaftGroups: raft-shell/shell-node.ts) hosting its replicas through a
// ReplicaBackend, fed the desired replicas as the controller's image will feed it.

import { effectiveTopicConfig } from '../../../src/config/topic-config.ts';
import { type DesiredReplica, ReplicaBackend } from '../../../src/cluster/replica/replica-backend.ts';
import type { ReplicatedPartition } from '../../../src/cluster/replica/replicated-partition.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import type { NodeId } from '../../../src/raft/core/index.ts';
import { ShellNode, type World } from '../raft-shell/shell-node.ts';
import type { ClientView } from './clients.ts';
import type { PartitionSimParams } from './params.ts';
import { SIM_DELETE_RETENTION_MS } from './cleaning.ts';

export const TOPIC_ID = 'Zm9vYmFyYmF6cXV4MTIzNA';
export const TOPIC_NAME = 't';

export function desiredReplicas(params: PartitionSimParams): DesiredReplica[] {
  const compacted: Record<string, string> = params.compacted ? { 'cleanup.policy': 'compact', 'delete.retention.ms': String(SIM_DELETE_RETENTION_MS) } : {};
  const config = effectiveTopicConfig({ 'min.insync.replicas': String(params.minInsyncReplicas), ...compacted }, new Map());
  const replicas = Array.from({ length: params.nodes }, (_, i) => i + 1);
  return Array.from({ length: params.partitions }, (_, partition) => ({ topicId: TOPIC_ID, topicName: TOPIC_NAME, partition, replicas, config }));
}

export class PartitionNode implements ClientView {
  readonly shell: ShellNode;
  backend: ReplicaBackend | null = null;

  constructor(
    readonly id: NodeId,
    private readonly world: World,
    private readonly params: PartitionSimParams,
  ) {
    this.shell = new ShellNode(id, world);
  }

  get alive(): boolean {
    return this.shell.alive && this.backend !== null;
  }

  get incarnation(): number {
    return this.shell.incarnation;
  }

  replica(partition: number): ReplicatedPartition | undefined {
    return this.backend?.get(TOPIC_ID, partition);
  }

  /** A new life: the node's groups, then its replicas from the desired set. */
  async start(): Promise<void> {
    const groups = this.shell.boot();
    const backend = new ReplicaBackend({
      dataDir: `/n${this.id}/data`,
      groups,
      clock: this.world.clock,
      logDeps: { fs: this.shell.disk, clock: this.world.clock, crc32c },
      logConfig: () => ({ segmentBytes: this.params.shell.segmentBytes }),
      replicaLagTimeMaxMs: this.params.replicaLagTimeMaxMs,
    });
    this.backend = backend;
    groups.start();
    const report = await backend.reconcile(desiredReplicas(this.params));
    if (report.damaged.length > 0) throw new Error(`n${this.id}: damaged logs ${JSON.stringify(report.damaged)}`);
  }

  crash(): void {
    this.shell.crash();
    this.backend = null;
  }
}
