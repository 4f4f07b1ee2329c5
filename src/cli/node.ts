// How a node is put together, in the order `freshet start` needs, on whatever dependencies it is
// given: the system's in a process (start.ts), simulated ones in a simulation
// (test/simulation/cluster), so both run the same wiring.
//
//   1. bindNode: the Kafka listener, and with --seeds the internal RPC listener (ClusterNode.bind,
//      with the cluster id read from meta.json or derived from the seeds). Nothing in the data
//      directory is created or changed, so a port in use leaves it untouched.
//   2. (the shell locks the data directory)
//   3. openNode: the Broker opens the data directory; a clustered node then opens its Raft state
//      (journal, controller log), starts ticking and registering, and the Broker answers
//      Metadata, DescribeCluster and DescribeQuorum from it; then the Kafka listener serves.

import type { NodeDeps } from '../base/deps.ts';
import { Broker } from '../broker/broker.ts';
import { clusterFeatures } from '../broker/features.ts';
import { KafkaServer, ListenError } from '../broker/server.ts';
import { newClusterId, readClusterId } from '../cluster/cluster-id.ts';
import { ClusterListenError, ClusterNode, type ClusterNodeOptions } from '../cluster/quorum/cluster-node.ts';
import type { NodeConfig } from '../config/node-config.ts';

/** A node could not start: the message says why in an operator's words (exit 1). */
export class NodeStartError extends Error {
  override name = 'NodeStartError';
}

/** The listeners of a node, bound, before its data directory is opened. */
export interface BoundNode {
  readonly server: KafkaServer;
  readonly cluster: ClusterNode | null;
}

export interface RunningNode extends BoundNode {
  readonly broker: Broker;
}

/** Options of the cluster part a simulation may set (timing, checkers); a process uses the defaults. */
export type ClusterTuning = Pick<ClusterNodeOptions, 'timing' | 'observer' | 'stateMachine' | 'rpcLimits'>;

/** Binds the Kafka listener and, with --seeds, the RPC listener. Throws NodeStartError. */
export async function bindNode(config: NodeConfig, deps: NodeDeps, tuning: ClusterTuning = {}): Promise<BoundNode> {
  const server = new KafkaServer(config, deps);
  try {
    await server.listen();
  } catch (e) {
    if (e instanceof ListenError) throw new NodeStartError(e.message);
    throw e;
  }
  if (config.cluster === null) return { server, cluster: null };
  try {
    // meta.json's id wins; a new data directory's is derived from the seeds (cluster/cluster-id.ts).
    const clusterId = readClusterId(deps.fs, config.dataDir) ?? newClusterId(deps.random, config.cluster.seeds);
    const cluster = await ClusterNode.bind({ config, clusterId, deps, features: clusterFeatures(), ...tuning });
    return { server, cluster };
  } catch (e) {
    server.close();
    if (e instanceof ClusterListenError) throw new NodeStartError(e.message);
    throw new NodeStartError(e instanceof Error ? e.message : String(e));
  }
}

/** Opens the data directory (the caller holds its lock) and serves. Throws NodeStartError. */
export function openNode(bound: BoundNode, config: NodeConfig, deps: NodeDeps): RunningNode {
  const { server, cluster } = bound;
  let broker: Broker | null = null;
  try {
    broker = new Broker(config, deps);
    if (cluster !== null) {
      if (broker.clusterId !== cluster.clusterId) {
        throw new Error(`meta.json changed while the node started (cluster ${broker.clusterId}, the RPC listener announces ${cluster.clusterId})`);
      }
      cluster.open();
      broker.attachCluster(cluster);
    }
  } catch (e) {
    server.close();
    void cluster?.close().catch(() => {});
    void broker?.close();
    throw new NodeStartError(e instanceof Error ? e.message : String(e));
  }
  server.serve(broker);
  return { server, cluster, broker };
}
