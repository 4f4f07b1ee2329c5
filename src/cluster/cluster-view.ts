// What the Kafka API tells clients about the cluster (Metadata, DescribeCluster, DescribeQuorum):
// who the controller is, which brokers there are, and the controller quorum. The broker asks a
// ClusterView and knows nothing of how it is known: a lone node is its own controller and only
// broker (LoneNodeView); a clustered node answers from its controller group and the brokers it
// learned from registrations (quorum/cluster-node.ts).

import type { NodeConfig } from '../config/node-config.ts';

/** The controller group's log as Kafka names it (KRaft's metadata topic, partition 0): DescribeQuorum asks for it. */
export { METADATA_TOPIC } from './controller/metadata-batch.ts';

/** A broker as Metadata and DescribeCluster list it. */
export interface BrokerEndpoint {
  readonly nodeId: number;
  /** The advertised Kafka address. */
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Not heard from by the controller for broker.session.timeout.ms (quorum/broker-sessions.ts): Metadata leaves it out. */
  readonly fenced: boolean;
}

/** One member of the controller group as its leader sees it (DescribeQuorum's ReplicaState, KIP-595/836). */
export interface ReplicaState {
  readonly nodeId: number;
  /** One past the last offset the leader knows this member holds; -1 when unknown. */
  readonly logEndOffset: number;
  /** Wall-clock ms when the leader last heard from it (now for the leader); -1 when never. */
  readonly lastFetchTimestampMs: number;
  /** Wall-clock ms when it last held everything the leader had (now for the leader); -1 when never. */
  readonly lastCaughtUpTimestampMs: number;
}

/** The controller quorum as its leader describes it (Kafka's DescribeQuorum partition data). */
export interface QuorumDescription {
  readonly leaderId: number;
  /** The Raft term of the leader (Kafka's leader epoch). */
  readonly leaderEpoch: number;
  /** The first offset not committed (commit index + 1). */
  readonly highWatermark: number;
  /** The voters, then the learners (KRaft's observers), each sorted by node id. */
  readonly voters: readonly ReplicaState[];
  readonly observers: readonly ReplicaState[];
  /** The voters' RPC addresses, by node id (DescribeQuorum v2's Nodes). */
  readonly voterEndpoints: ReadonlyArray<{ readonly nodeId: number; readonly host: string; readonly port: number }>;
}

export type QuorumAnswer =
  | { readonly ok: true; readonly quorum: QuorumDescription }
  | {
      readonly ok: false;
      /** alone: no controller quorum (no --seeds); no_leader: none known now; unreachable: the leader did not answer. */
      readonly error: 'alone' | 'no_leader' | 'unreachable';
      readonly message: string;
    };

export interface ClusterView {
  /** The controller's node id (the controller group's leader), -1 while none is known. */
  controllerId(): number;
  /** The brokers this node knows, itself included, fenced ones too, by node id. */
  brokers(): readonly BrokerEndpoint[];
  /** The controller quorum, from its leader (asked over the RPC when it is another node). */
  describeQuorum(): Promise<QuorumAnswer>;
}

/** A node started without --seeds: the only broker, its own controller, no quorum. */
export class LoneNodeView implements ClusterView {
  constructor(private readonly config: Pick<NodeConfig, 'nodeId' | 'advertiseKafkaAddr'>) {}

  controllerId(): number {
    return this.config.nodeId;
  }

  brokers(): readonly BrokerEndpoint[] {
    const { host, port } = this.config.advertiseKafkaAddr;
    return [{ nodeId: this.config.nodeId, host, port, rack: null, fenced: false }];
  }

  describeQuorum(): Promise<QuorumAnswer> {
    return Promise.resolve({
      ok: false,
      error: 'alone',
      message: `node ${this.config.nodeId} runs alone (started without --seeds): it is its own controller and has no controller quorum`,
    });
  }
}
