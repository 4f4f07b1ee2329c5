// The operations a node hands to the controller service, each as the Kafka request it serves
// and the pure operation of src/cluster/controller it runs on the leader's working image.
//
// One definition per operation: the request and response codecs (the API's own, from
// src/protocol/messages, or a small struct for the node-to-node ones), how to run it, and the
// answer to give a client when the controller cannot be reached (`refuse`: every topic or
// resource of the request with the error, as Kafka's ForwardingManager answers a request it
// could not forward). The code on the wire is the operation's Kafka apiKey.
//
// What a cluster refuses that the pure operations would allow: partitions are not replicated
// yet (src/cluster/replica is the next step), so CreateTopics with a replication factor above
// 1, explicit or from default.replication.factor, or a manual assignment of several replicas,
// is INVALID_REPLICATION_FACTOR naming why, before the controller sees the topic.

import type { Random } from '../../base/random.ts';
import type { BrokerView } from '../../config/topic-config.ts';
import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import { AlterConfigs, CreatePartitions, CreateTopics, DeleteTopics, IncrementalAlterConfigs } from '../../protocol/messages/index.ts';
import { type ApiDef, array, type Encodable, int16, int32, int64, NO_VERSIONS, type RequestOf, type ResponseOf, string, struct } from '../../protocol/schema.ts';
import {
  allocateProducerIds,
  alterConfigs,
  type BrokerRegistrationRequest,
  type ControllerResult,
  createPartitions,
  createTopics,
  deleteTopics,
  incrementalAlterConfigs,
  intProp,
  type MetadataImage,
  type NodeId,
  OFFSETS_TOPIC,
  registerBroker,
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
}

export interface ControllerOp<Req = unknown, Res = unknown> {
  /** On the wire: the Kafka apiKey of the request it serves. */
  readonly code: number;
  readonly api: ApiDef<Req, Res>;
  run(image: MetadataImage, req: Req, inputs: OpInputs): ControllerResult<Encodable<Res>>;
  /** The client's answer when the controller did not run it: everything failed with `error`. */
  refuse(req: Req, error: KafkaError): Encodable<Res>;
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

export type RegistrationRequest = RequestOf<typeof BrokerRegistration>;

function internalApi<Req, Res>(apiKey: number, name: string, d: { request: ApiDef<Req, Res>['request']; response: ApiDef<Req, Res>['response'] }): ApiDef<Req, Res> {
  return { apiKey, name, versions: { min: 0, max: 0 }, flexible: NO_VERSIONS, ...d };
}

export const CREATE_TOPICS: ControllerOp<RequestOf<typeof CreateTopics>, ResponseOf<typeof CreateTopics>> = {
  code: CreateTopics.apiKey,
  api: CreateTopics,
  run: (image, req, inputs) => createTopicsUnreplicated(image, req, inputs),
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
};

export const ALLOCATE_PRODUCER_IDS: ControllerOp<RequestOf<typeof AllocateProducerIds>, ResponseOf<typeof AllocateProducerIds>> = {
  code: AllocateProducerIds.apiKey,
  api: AllocateProducerIds,
  run: (image, req, inputs) => allocateProducerIds(image, { brokerId: inputs.receivedBy, brokerEpoch: req.brokerEpoch }),
  refuse: (_req, e) => ({ errorCode: e.code, errorMessage: e.message, producerIdStart: -1, producerIdLen: 0 }),
};

// biome-ignore lint: a registry of operations of different request types
export const CONTROLLER_OPS: readonly ControllerOp<any, any>[] = [
  CREATE_TOPICS,
  DELETE_TOPICS,
  CREATE_PARTITIONS,
  ALTER_CONFIGS,
  INCREMENTAL_ALTER_CONFIGS,
  REGISTER_BROKER,
  ALLOCATE_PRODUCER_IDS,
];

export const OP_BY_CODE: ReadonlyMap<number, ControllerOp> = new Map(CONTROLLER_OPS.map((op) => [op.code, op]));

/** Kafka's message for a factor the cluster cannot serve yet. */
export function unreplicatedMessage(rf: number): string {
  return `Unable to replicate the partition ${rf} time(s): replication of partitions is not built yet, so a cluster takes replication factor 1 only.`;
}

/**
 * CreateTopics with every topic asking for more than one replica refused up front; the rest
 * go to the controller's createTopics, and the answers keep the request's order.
 */
function createTopicsUnreplicated(image: MetadataImage, req: RequestOf<typeof CreateTopics>, inputs: OpInputs) {
  const names = new Map<string, number>();
  for (const t of req.topics) names.set(t.name, (names.get(t.name) ?? 0) + 1);
  const refused = new Map<string, KafkaError>();
  for (const t of req.topics) {
    if (names.get(t.name)! > 1) continue; // createTopics answers duplicates
    const rf = t.assignments.length > 0 ? Math.max(...t.assignments.map((a) => a.brokerIds.length)) : t.replicationFactor === -1 ? intProp(inputs.broker, 'default.replication.factor') : t.replicationFactor;
    if (rf > 1) refused.set(t.name, kafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, unreplicatedMessage(rf)));
  }
  // The group coordinator's own topic is never refused for max.broker.partitions (kept free for it).
  const internal = req.topics.length === 1 && req.topics[0].name === OFFSETS_TOPIC;
  const result = createTopics(image, { ...req, topics: req.topics.filter((t) => !refused.has(t.name)) }, { ...inputs, internal });
  if (refused.size === 0) return result;
  const answered = new Map(result.response.topics!.map((t) => [t.name, t]));
  const topics = uniqueBy(req.topics, (t) => t.name).map((t) => {
    const e = refused.get(t.name);
    return e ? { name: t.name, errorCode: e.code, errorMessage: e.message, numPartitions: -1, replicationFactor: -1 } : answered.get(t.name)!;
  });
  return { records: result.records, response: { ...result.response, topics } };
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => !seen.has(key(t)) && seen.add(key(t)) !== undefined);
}
