// The operations a node hands to the controller service, each as the Kafka request it serves
// and the pure operation of src/cluster/controller it runs on the leader's working image.
//
// One definition per operation: the request and response codecs (the API's own, from
// src/protocol/messages, or a small struct for the node-to-node ones), how to run it, and the
// answer to give a client when the controller cannot be reached (`refuse`: every topic or
// resource of the request with the error, as Kafka's ForwardingManager answers a request it
// could not forward). The code on the wire is the operation's Kafka apiKey.
//
// Partitions are replicated (src/cluster/replica): a replication factor up to the registered
// brokers is placed by the controller, and one above them is its INVALID_REPLICATION_FACTOR
// with Kafka's message (controller/create-topics.ts).

import type { Random } from '../../base/random.ts';
import type { BrokerView } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import {
  AddRaftVoter,
  AlterConfigs,
  AlterPartitionReassignments,
  CreatePartitions,
  CreateTopics,
  DeleteTopics,
  IncrementalAlterConfigs,
  ListPartitionReassignments,
  RemoveRaftVoter,
} from '../../protocol/messages/index.ts';
import type { Membership, MembershipChange } from '../../raft/core/index.ts';
import { type ApiDef, array, type Encodable, int16, int32, int64, NO_VERSIONS, type RequestOf, type ResponseOf, string, struct, bool } from '../../protocol/schema.ts';
import {
  allocateProducerIds,
  alterConfigs,
  alterPartitionReassignments,
  brokerHeartbeat,
  type BrokerRegistrationRequest,
  type ControllerResult,
  createPartitions,
  createTopics,
  decommissionBroker,
  deleteTopics,
  incrementalAlterConfigs,
  intProp,
  listPartitionReassignments,
  type MetadataImage,
  type NodeId,
  OFFSETS_TOPIC,
  recommissionBroker,
  registerBroker,
  reportPartitionVoters,
  setMaintenance,
} from '../controller/index.ts';

/** What an operation is given besides its request and the image (ControllerInputs and more). */
export interface OpInputs {
  /** The controller node's broker properties and layers (controller/config-view.ts). */
  readonly broker: BrokerView;
  readonly random: Random;
  /** The version of the client's request (DeleteTopics' error for delete.topic.enable=false). */
  readonly apiVersion: number;
  /** The node the client asked (AlterConfigs of a BROKER resource names it). */
  readonly receivedBy: NodeId;
  /** The controller quorum's voters on the leader now (a decommission refuses them). */
  readonly controllerVoters: readonly NodeId[];
}

export interface ControllerOp<Req = unknown, Res = unknown> {
  /** On the wire: the Kafka apiKey of the request it serves. */
  readonly code: number;
  readonly api: ApiDef<Req, Res>;
  run(image: MetadataImage, req: Req, inputs: OpInputs): ControllerResult<Encodable<Res>>;
  /** The client's answer when the controller did not run it: everything failed with `error`. */
  refuse(req: Req, error: KafkaError): Encodable<Res>;
  /**
   * For the quorum's own voters (KIP-853): instead of records, the membership change of the
   * controller group to propose, or the refusal; the answer is `refuse(req, NONE)` once the
   * membership entry commits. `run` is not called for such an operation.
   */
  voterChange?(req: Req, quorum: Membership, clusterId: string): MembershipChange | KafkaError;
  /** For a node's own operations (registration, heartbeat): the broker an accepted request shows alive (broker-sessions.ts), else null. */
  heardFrom?(response: Encodable<Res>, receivedBy: NodeId): NodeId | null;
}

/** A node registering (BrokerRegistration, 62, KIP-631), as the node-to-node request. */
const BrokerRegistration = internalApi(62, 'BrokerRegistration', {
  request: struct({
    clusterId: string(),
    incarnationId: string(),
    kafkaHost: string(),
    kafkaPort: int32(),
    rpcHost: string(),
    rpcPort: int32(),
    features: array(struct({ name: string(), minSupported: int16(), maxSupported: int16() })),
  }),
  response: struct({ errorCode: int16(), errorMessage: string('0+', { nullable: '0+' }), brokerEpoch: int64() }),
});

/** AllocateProducerIds (67, KIP-730): the next block of producer ids for the asking node. */
const AllocateProducerIds = internalApi(67, 'AllocateProducerIds', {
  request: struct({ brokerEpoch: int64() }),
  response: struct({ errorCode: int16(), errorMessage: string('0+', { nullable: '0+' }), producerIdStart: int64(), producerIdLen: int32() }),
});

/** BrokerHeartbeat (63, KIP-631): the node is alive; the answer says whether it is fenced. */
const BrokerHeartbeat = internalApi(63, 'BrokerHeartbeat', {
  request: struct({ brokerEpoch: int64() }),
  response: struct({ errorCode: int16(), errorMessage: string('0+', { nullable: '0+' }), isFenced: bool() }),
});

/**
 * A partition group's leader reports its committed voters (the step of a reassignment, after
 * each committed membership entry), with the partition epoch it read: Kafka's AlterPartition
 * (56, KIP-497) carries the partition epoch the same way. Node to node only.
 */
const PartitionVotersReport = internalApi(56, 'PartitionVotersReport', {
  request: struct({ topicId: string(), partition: int32(), partitionEpoch: int32(), voters: array(int32()) }),
  response: struct({ errorCode: int16(), errorMessage: string('0+', { nullable: '0+' }) }),
});

/**
 * The admin API's member operations (Redpanda's members_frontend: maintenance_mode_cmd,
 * decommission_node_cmd, recommission_node_cmd). Freshet's own codes, above Kafka's apiKeys;
 * node to node only. `enabled` is read by the maintenance operation alone.
 */
const memberApi = (code: number, name: string) =>
  internalApi(code, name, {
    request: struct({ nodeId: int32(), enabled: bool() }),
    response: struct({ errorCode: int16(), errorMessage: string('0+', { nullable: '0+' }) }),
  });
const BrokerMaintenance = memberApi(1000, 'BrokerMaintenance');
const DecommissionBroker = memberApi(1001, 'DecommissionBroker');
const RecommissionBroker = memberApi(1002, 'RecommissionBroker');

export type RegistrationRequest = RequestOf<typeof BrokerRegistration>;
export type MemberRequest = RequestOf<typeof BrokerMaintenance>;
export type PartitionVotersReportRequest = RequestOf<typeof PartitionVotersReport>;

function internalApi<Req, Res>(apiKey: number, name: string, d: { request: ApiDef<Req, Res>['request']; response: ApiDef<Req, Res>['response'] }): ApiDef<Req, Res> {
  return { apiKey, name, versions: { min: 0, max: 0 }, flexible: NO_VERSIONS, ...d };
}

export const CREATE_TOPICS: ControllerOp<RequestOf<typeof CreateTopics>, ResponseOf<typeof CreateTopics>> = {
  code: CreateTopics.apiKey,
  api: CreateTopics,
  run: (image, req, inputs) => createTopicsOp(image, req, inputs),
  refuse: (req, e) => ({
    throttleTimeMs: 0,
    topics: uniqueBy(req.topics, (t) => t.name).map((t) => ({ name: t.name, errorCode: e.code, errorMessage: e.message, numPartitions: -1, replicationFactor: -1 })),
  }),
};

export const DELETE_TOPICS: ControllerOp<RequestOf<typeof DeleteTopics>, ResponseOf<typeof DeleteTopics>> = {
  code: DeleteTopics.apiKey,
  api: DeleteTopics,
  run: (image, req, inputs) => deleteTopics(image, req, inputs),
  refuse: (req, e) => ({
    throttleTimeMs: 0,
    responses: [
      ...req.topicNames.map((name) => ({ name, errorCode: e.code, errorMessage: e.message })),
      ...req.topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode: e.code, errorMessage: e.message })),
    ],
  }),
};

export const CREATE_PARTITIONS: ControllerOp<RequestOf<typeof CreatePartitions>, ResponseOf<typeof CreatePartitions>> = {
  code: CreatePartitions.apiKey,
  api: CreatePartitions,
  run: (image, req, inputs) => createPartitions(image, req, inputs),
  refuse: (req, e) => ({ throttleTimeMs: 0, results: req.topics.map((t) => ({ name: t.name, errorCode: e.code, errorMessage: e.message })) }),
};

const refuseResources = (resources: readonly { resourceType: number; resourceName: string }[], e: KafkaError) => ({
  throttleTimeMs: 0,
  responses: resources.map((r) => ({ errorCode: e.code, errorMessage: e.message, resourceType: r.resourceType, resourceName: r.resourceName })),
});

export const ALTER_CONFIGS: ControllerOp<RequestOf<typeof AlterConfigs>, ResponseOf<typeof AlterConfigs>> = {
  code: AlterConfigs.apiKey,
  api: AlterConfigs,
  run: (image, req, inputs) => alterConfigs(image, req, inputs),
  refuse: (req, e) => refuseResources(req.resources, e),
};

export const INCREMENTAL_ALTER_CONFIGS: ControllerOp<RequestOf<typeof IncrementalAlterConfigs>, ResponseOf<typeof IncrementalAlterConfigs>> = {
  code: IncrementalAlterConfigs.apiKey,
  api: IncrementalAlterConfigs,
  run: (image, req, inputs) => incrementalAlterConfigs(image, req, inputs),
  refuse: (req, e) => refuseResources(req.resources, e),
};

export const REGISTER_BROKER: ControllerOp<RegistrationRequest, ResponseOf<typeof BrokerRegistration>> = {
  code: BrokerRegistration.apiKey,
  api: BrokerRegistration,
  run: (image, req, inputs) => {
    const r: BrokerRegistrationRequest = {
      nodeId: inputs.receivedBy,
      clusterId: req.clusterId,
      incarnationId: req.incarnationId,
      kafkaEndpoint: { host: req.kafkaHost, port: req.kafkaPort },
      rpcEndpoint: { host: req.rpcHost, port: req.rpcPort },
      rack: null,
      features: req.features,
    };
    // Sessions (KRaft's BrokerHeartbeatManager) are not tracked yet: a new incarnation of a
    // node id always replaces the old one (a restart), so two processes given one id are not
    // told DUPLICATE_BROKER_REGISTRATION; the RPC handshake refuses the second connection.
    return registerBroker(image, r, { hasLiveSession: () => false });
  },
  refuse: (_req, e) => ({ errorCode: e.code, errorMessage: e.message, brokerEpoch: -1 }),
  heardFrom: (response, receivedBy) => (response.errorCode === ErrorCode.NONE ? receivedBy : null),
};

export const BROKER_HEARTBEAT: ControllerOp<RequestOf<typeof BrokerHeartbeat>, ResponseOf<typeof BrokerHeartbeat>> = {
  code: BrokerHeartbeat.apiKey,
  api: BrokerHeartbeat,
  run: (image, req, inputs) => brokerHeartbeat(image, inputs.receivedBy, req.brokerEpoch),
  refuse: (_req, e) => ({ errorCode: e.code, errorMessage: e.message, isFenced: false }),
  heardFrom: (response, receivedBy) => (response.errorCode === ErrorCode.NONE ? receivedBy : null),
};

export const ALLOCATE_PRODUCER_IDS: ControllerOp<RequestOf<typeof AllocateProducerIds>, ResponseOf<typeof AllocateProducerIds>> = {
  code: AllocateProducerIds.apiKey,
  api: AllocateProducerIds,
  run: (image, req, inputs) => allocateProducerIds(image, { brokerId: inputs.receivedBy, brokerEpoch: req.brokerEpoch }),
  refuse: (_req, e) => ({ errorCode: e.code, errorMessage: e.message, producerIdStart: -1, producerIdLen: 0 }),
};

export const ALTER_PARTITION_REASSIGNMENTS: ControllerOp<RequestOf<typeof AlterPartitionReassignments>, ResponseOf<typeof AlterPartitionReassignments>> = {
  code: AlterPartitionReassignments.apiKey,
  api: AlterPartitionReassignments,
  run: (image, req, inputs) => alterPartitionReassignments(image, req, inputs),
  refuse: (req, e) => ({
    throttleTimeMs: 0,
    allowReplicationFactorChange: req.allowReplicationFactorChange,
    errorCode: e.code,
    errorMessage: e.message,
    responses: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: e.code, errorMessage: e.message })),
    })),
  }),
};

/** A read of the image, run on the leader as Kafka's controller answers it (it proposes nothing). */
export const LIST_PARTITION_REASSIGNMENTS: ControllerOp<RequestOf<typeof ListPartitionReassignments>, ResponseOf<typeof ListPartitionReassignments>> = {
  code: ListPartitionReassignments.apiKey,
  api: ListPartitionReassignments,
  run: (image, req) => ({ records: [], response: listPartitionReassignments(image, req) }),
  refuse: (_req, e) => ({ throttleTimeMs: 0, errorCode: e.code, errorMessage: e.message, topics: [] }),
};

export const REPORT_PARTITION_VOTERS: ControllerOp<PartitionVotersReportRequest, ResponseOf<typeof PartitionVotersReport>> = {
  code: PartitionVotersReport.apiKey,
  api: PartitionVotersReport,
  run: (image, req) => {
    const { records, response } = reportPartitionVoters(image, req);
    return { records, response: { errorCode: response?.code ?? ErrorCode.NONE, errorMessage: response?.message ?? null } };
  },
  refuse: (_req, e) => ({ errorCode: e.code, errorMessage: e.message }),
};

type MemberOp = ControllerOp<MemberRequest, ResponseOf<typeof BrokerMaintenance>>;
const outcome = (e: KafkaError | null) => ({ errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null });

function memberOp(api: typeof BrokerMaintenance, run: (image: MetadataImage, req: MemberRequest, inputs: OpInputs) => ControllerResult<KafkaError | null>): MemberOp {
  return {
    code: api.apiKey,
    api,
    run: (image, req, inputs) => {
      const { records, response } = run(image, req, inputs);
      return { records, response: outcome(response) };
    },
    refuse: (_req, e) => outcome(e),
  };
}

/** PUT (enabled) / DELETE /v1/brokers/{id}/maintenance. */
export const BROKER_MAINTENANCE = memberOp(BrokerMaintenance, (image, req) => setMaintenance(image, req.nodeId, req.enabled));
/** PUT /v1/brokers/{id}/decommission. */
export const DECOMMISSION_BROKER = memberOp(DecommissionBroker, (image, req, inputs) => decommissionBroker(image, req.nodeId, inputs, inputs.controllerVoters));
/** PUT /v1/brokers/{id}/recommission. */
export const RECOMMISSION_BROKER = memberOp(RecommissionBroker, (image, req, inputs) => recommissionBroker(image, req.nodeId, inputs));

/** What a node that runs alone answers AddRaftVoter and RemoveRaftVoter with (UNSUPPORTED_VERSION, as a static KRaft quorum). */
export const NO_QUORUM_MESSAGE = 'This node runs alone (started without --seeds): it has no controller quorum whose voters could change.';

/** kafka-metadata-quorum.sh add-controller (KIP-853): a learner of the controller quorum becomes a voter. */
export const ADD_RAFT_VOTER: ControllerOp<RequestOf<typeof AddRaftVoter>, ResponseOf<typeof AddRaftVoter>> = {
  code: AddRaftVoter.apiKey,
  api: AddRaftVoter,
  run: () => {
    throw new Error('AddRaftVoter is a voter change, not records');
  },
  refuse: (_req, e) => ({ throttleTimeMs: 0, errorCode: e.code, errorMessage: e.message }),
  // KafkaRaftClient's AddVoterHandler: the voter must be an observer (a learner here) that is
  // caught up; its directory id and listeners are not checked (Freshet has no directory ids,
  // and a node's addresses come from its registration).
  voterChange: (req, quorum, clusterId) => {
    const wrongCluster = clusterMismatch(req.clusterId, clusterId);
    if (wrongCluster !== null) return wrongCluster;
    if (quorum.voters.includes(req.voterId)) return kafkaError(ErrorCode.DUPLICATE_VOTER, `The voter id for ReplicaKey(id=${req.voterId}) is already part of the set of voters.`);
    if (!quorum.learners.includes(req.voterId)) return kafkaError(ErrorCode.REQUEST_TIMED_OUT, `Node ${req.voterId} is not an observer of the controller quorum: start it with the same --seeds first`);
    return { type: 'promote_learner', node: req.voterId };
  },
};

/** kafka-metadata-quorum.sh remove-controller (KIP-853): a voter leaves the controller quorum. */
export const REMOVE_RAFT_VOTER: ControllerOp<RequestOf<typeof RemoveRaftVoter>, ResponseOf<typeof RemoveRaftVoter>> = {
  code: RemoveRaftVoter.apiKey,
  api: RemoveRaftVoter,
  run: () => {
    throw new Error('RemoveRaftVoter is a voter change, not records');
  },
  refuse: (_req, e) => ({ throttleTimeMs: 0, errorCode: e.code, errorMessage: e.message }),
  voterChange: (req, quorum, clusterId) => {
    const wrongCluster = clusterMismatch(req.clusterId, clusterId);
    if (wrongCluster !== null) return wrongCluster;
    if (!quorum.voters.includes(req.voterId)) return kafkaError(ErrorCode.VOTER_NOT_FOUND, `Cannot remove voter ReplicaKey(id=${req.voterId}) since it is not a voter.`);
    if (quorum.voters.length === 1) return kafkaError(ErrorCode.INVALID_REQUEST, `Node ${req.voterId} is the only voter: the quorum cannot lose it`);
    return { type: 'remove_member', node: req.voterId };
  },
};

function clusterMismatch(asked: string | null, clusterId: string): KafkaError | null {
  return asked === null || asked === clusterId ? null : kafkaError(ErrorCode.INCONSISTENT_CLUSTER_ID, `The cluster id ${asked} is not this cluster's (${clusterId})`);
}

// biome-ignore lint: a registry of operations of different request types
export const CONTROLLER_OPS: readonly ControllerOp<any, any>[] = [
  CREATE_TOPICS,
  DELETE_TOPICS,
  CREATE_PARTITIONS,
  ALTER_CONFIGS,
  INCREMENTAL_ALTER_CONFIGS,
  REGISTER_BROKER,
  BROKER_HEARTBEAT,
  ALLOCATE_PRODUCER_IDS,
  ADD_RAFT_VOTER,
  REMOVE_RAFT_VOTER,
  ALTER_PARTITION_REASSIGNMENTS,
  LIST_PARTITION_REASSIGNMENTS,
  REPORT_PARTITION_VOTERS,
  BROKER_MAINTENANCE,
  DECOMMISSION_BROKER,
  RECOMMISSION_BROKER,
];

export const OP_BY_CODE: ReadonlyMap<number, ControllerOp> = new Map(CONTROLLER_OPS.map((op) => [op.code, op]));

/** CreateTopics on the working image; the group coordinator's own topic is never refused for max.broker.partitions (kept free for it). */
function createTopicsOp(image: MetadataImage, req: RequestOf<typeof CreateTopics>, inputs: OpInputs) {
  const internal = req.topics.length === 1 && req.topics[0].name === OFFSETS_TOPIC;
  return createTopics(image, req, { ...inputs, internal });
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => !seen.has(key(t)) && seen.add(key(t)) !== undefined);
}
