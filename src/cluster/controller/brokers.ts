// The cluster's members on the controller: the bootstrap records, broker registration (Kafka's
// BrokerRegistration, API 62, KIP-631), unregistration (UnregisterBroker, API 64) and fencing.
// Every Freshet node is a broker; a node registers when it starts and the controller group has
// a leader, and again after each restart (a new incarnation id, a new broker epoch).
// Checks and messages after Kafka's ClusterControlManager.registerBroker:
// - the cluster id must be the image's: INCONSISTENT_CLUSTER_ID "Expected cluster ID X, but
//   got cluster ID Y" (a node of another cluster, or one whose data directory was swapped);
// - a node id whose registration still heartbeats under another incarnation:
//   DUPLICATE_BROKER_REGISTRATION "Another broker is registered with that broker id." (two
//   processes configured with one id); a restart (the old session is gone) registers again;
// - every finalized feature level must be within what the node supports: UNSUPPORTED_VERSION
//   (a node too old or too new for the cluster, KIP-584);
// - malformed values (node id, endpoints, rack) and more than BROKERS_MAX node ids:
//   INVALID_REGISTRATION.
// The broker epoch is one above the highest ever given, so it grows cluster-wide and an old
// incarnation's requests are STALE_BROKER_EPOCH.

import { ErrorCode, type KafkaError, kafkaError } from '../../protocol/errors.ts';
import type { MetadataImage } from './image.ts';
import { type ControllerResult, Proposal } from './proposal.ts';
import { recordProblem } from './record-codec.ts';
import { BROKERS_MAX, type Endpoint, type NodeId, type RegisterBrokerRecord } from './records.ts';

export interface SupportedFeature {
  readonly name: string;
  readonly minSupported: number;
  readonly maxSupported: number;
}

export interface BrokerRegistrationRequest {
  readonly nodeId: NodeId;
  readonly clusterId: string;
  readonly incarnationId: string;
  readonly kafkaEndpoint: Endpoint;
  readonly rpcEndpoint: Endpoint;
  readonly rack: string | null;
  /** The feature levels this build supports (a feature not listed: only level 0). */
  readonly features: readonly SupportedFeature[];
}

export interface BrokerRegistrationResponse {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** The new registration's epoch, -1 on an error. */
  readonly brokerEpoch: number;
}

export interface RegistrationInputs {
  /**
   * Whether a registration still has a live session: it heartbeats to the controller (KRaft's
   * BrokerHeartbeatManager.hasValidSession). The controller's shell tracks sessions in time;
   * the image holds no clock.
   */
  readonly hasLiveSession: (nodeId: NodeId, brokerEpoch: number) => boolean;
}

/**
 * The records a new cluster starts with (KRaft's bootstrap records): its id and finalized
 * feature levels. The first controller leader proposes them before anything else; nothing once
 * the image has a cluster id.
 */
export function bootstrapCluster(image: MetadataImage, clusterId: string, features: ReadonlyMap<string, number>): ControllerResult<null> {
  const proposal = new Proposal(image);
  if (image.clusterId !== null) return proposal.result(null);
  const levels = [...features].filter(([, level]) => level > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  proposal.add({ type: 'cluster_id', clusterId }, ...levels.map(([name, level]) => ({ type: 'feature_level' as const, name, level })));
  return proposal.result(null);
}

export function registerBroker(image: MetadataImage, req: BrokerRegistrationRequest, inputs: RegistrationInputs): ControllerResult<BrokerRegistrationResponse> {
  const proposal = new Proposal(image);
  const record: RegisterBrokerRecord = {
    type: 'register_broker',
    nodeId: req.nodeId,
    incarnationId: req.incarnationId,
    brokerEpoch: image.brokerEpochHigh + 1,
    kafkaEndpoint: req.kafkaEndpoint,
    rpcEndpoint: req.rpcEndpoint,
    rack: req.rack,
  };
  const e = checkRegistration(image, req, record, inputs);
  if (e) return proposal.result({ errorCode: e.code, errorMessage: e.message, brokerEpoch: -1 });
  proposal.add(record);
  return proposal.result({ errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch: record.brokerEpoch });
}

function checkRegistration(image: MetadataImage, req: BrokerRegistrationRequest, record: RegisterBrokerRecord, inputs: RegistrationInputs): KafkaError | null {
  if (req.clusterId !== image.clusterId) {
    return kafkaError(ErrorCode.INCONSISTENT_CLUSTER_ID, `Expected cluster ID ${image.clusterId}, but got cluster ID ${req.clusterId}`);
  }
  // Redpanda's members_manager: "Preventing decommissioned node ... from joining".
  if (image.member(req.nodeId).membership === 'removed') {
    return kafkaError(ErrorCode.INVALID_REGISTRATION, `Node ${req.nodeId} was decommissioned and removed from the cluster: it cannot register again under that id.`);
  }
  const problem = recordProblem(record);
  if (problem !== null) return kafkaError(ErrorCode.INVALID_REGISTRATION, `Invalid registration of node ${req.nodeId}: ${problem}`);
  const existing = image.broker(req.nodeId);
  if (existing && existing.incarnationId !== req.incarnationId && inputs.hasLiveSession(req.nodeId, existing.brokerEpoch)) {
    return kafkaError(ErrorCode.DUPLICATE_BROKER_REGISTRATION, 'Another broker is registered with that broker id.');
  }
  for (const [name, level] of image.features()) {
    const f = req.features.find((s) => s.name === name) ?? { name, minSupported: 0, maxSupported: 0 };
    if (level < f.minSupported || level > f.maxSupported) {
      return kafkaError(
        ErrorCode.UNSUPPORTED_VERSION,
        `Unable to register because the broker does not support finalized version ${level} of ${name}. The broker wants a version between ${f.minSupported} and ${f.maxSupported}, inclusive.`,
      );
    }
  }
  const known = image.brokerHistory().some((b) => b.nodeId === req.nodeId);
  if (!known && image.brokerHistory().length >= BROKERS_MAX) {
    return kafkaError(ErrorCode.INVALID_REGISTRATION, `A cluster holds at most ${BROKERS_MAX} node ids; node ${req.nodeId} would be one more.`);
  }
  return null;
}

/** UnregisterBroker (64): the node leaves; its replicas stay assigned until moved. */
export function unregisterBroker(image: MetadataImage, nodeId: NodeId): ControllerResult<{ errorCode: number; errorMessage: string | null }> {
  const proposal = new Proposal(image);
  const b = image.broker(nodeId);
  if (!b) return proposal.result({ errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, errorMessage: `Broker ID ${nodeId} is not currently registered` });
  proposal.add({ type: 'unregister_broker', nodeId, brokerEpoch: b.brokerEpoch });
  return proposal.result({ errorCode: ErrorCode.NONE, errorMessage: null });
}

/**
 * Fences (no new replicas or leaders placed there) or unfences a registration, as the
 * controller's session tracker decides from heartbeats. Nothing to propose when it is so already.
 */
export function setBrokerFenced(image: MetadataImage, nodeId: NodeId, brokerEpoch: number, fenced: boolean): ControllerResult<KafkaError | null> {
  const proposal = new Proposal(image);
  const stale = checkBrokerEpoch(image, nodeId, brokerEpoch);
  if (stale) return proposal.result(stale);
  if (image.broker(nodeId)!.fenced !== fenced) proposal.add({ type: 'broker_registration_change', nodeId, brokerEpoch, fenced });
  return proposal.result(null);
}

/**
 * BrokerHeartbeat (63, KIP-631) from a registered broker: a fenced registration is unfenced (the
 * node is back); the answer says whether it is fenced after the records apply. A heartbeat
 * from another registration than the current one is STALE_BROKER_EPOCH (the node registers
 * again). Kafka also waits for the broker to catch up with the metadata log before it
 * unfences; a Freshet broker serves from the image it has applied, so being heard is enough.
 */
export function brokerHeartbeat(image: MetadataImage, nodeId: NodeId, brokerEpoch: number): ControllerResult<{ errorCode: number; errorMessage: string | null; isFenced: boolean }> {
  const r = setBrokerFenced(image, nodeId, brokerEpoch, false);
  const error = r.response;
  return { records: r.records, response: error === null ? { errorCode: ErrorCode.NONE, errorMessage: null, isFenced: false } : { errorCode: error.code, errorMessage: error.message, isFenced: true } };
}

/** ClusterControlManager.checkBrokerEpoch: the request comes from the current registration. */
export function checkBrokerEpoch(image: MetadataImage, nodeId: NodeId, brokerEpoch: number): KafkaError | null {
  const b = image.broker(nodeId);
  if (!b) return kafkaError(ErrorCode.STALE_BROKER_EPOCH, `No broker registration found for broker ${nodeId}`);
  if (b.brokerEpoch !== brokerEpoch) return kafkaError(ErrorCode.STALE_BROKER_EPOCH, `Expected broker epoch ${b.brokerEpoch}, but got broker epoch ${brokerEpoch}`);
  return null;
}
