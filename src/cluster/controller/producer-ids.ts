// AllocateProducerIds (API 67, KIP-730) on the controller: a broker asks for the next block of
// PRODUCER_ID_BLOCK_SIZE producer ids and hands them to its idempotent producers
// (transactions/producer-ids.ts allocates from blocks the same way on a single node). The block
// is the cluster's once its ProducerIdsRecord commits, so no id goes to two producers whichever
// node gives it out, and a crash can skip ids but never repeat one.
// Kafka's ProducerIdControlManager.generateNextProducerId: the request must come from the
// broker's current registration (STALE_BROKER_EPOCH), and ids end before Long.MAX_VALUE; ours
// end at Number.MAX_SAFE_INTEGER (ids are numbers, src/protocol's int64 policy), past which the
// answer is UNKNOWN_SERVER_ERROR "Exhausted all producerIds.".

import { ErrorCode } from '../../protocol/errors.ts';
import { checkBrokerEpoch } from './brokers.ts';
import type { MetadataImage } from './image.ts';
import { type ControllerResult, Proposal } from './proposal.ts';
import { type NodeId, PRODUCER_ID_BLOCK_SIZE } from './records.ts';

export interface AllocateProducerIdsRequest {
  readonly brokerId: NodeId;
  readonly brokerEpoch: number;
}

/** AllocateProducerIdsResponse's fields. */
export interface AllocateProducerIdsResponse {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** The first id of the block, -1 on an error. */
  readonly producerIdStart: number;
  readonly producerIdLen: number;
}

export function allocateProducerIds(image: MetadataImage, req: AllocateProducerIdsRequest): ControllerResult<AllocateProducerIdsResponse> {
  const proposal = new Proposal(image);
  const refuse = (errorCode: number, errorMessage: string | null) => proposal.result({ errorCode, errorMessage, producerIdStart: -1, producerIdLen: 0 });
  const stale = checkBrokerEpoch(image, req.brokerId, req.brokerEpoch);
  if (stale) return refuse(stale.code, stale.message);
  const start = image.nextProducerId;
  if (start > Number.MAX_SAFE_INTEGER - PRODUCER_ID_BLOCK_SIZE) return refuse(ErrorCode.UNKNOWN_SERVER_ERROR, 'Exhausted all producerIds.');
  proposal.add({ type: 'producer_ids', nodeId: req.brokerId, brokerEpoch: req.brokerEpoch, nextProducerId: start + PRODUCER_ID_BLOCK_SIZE });
  return proposal.result({ errorCode: ErrorCode.NONE, errorMessage: null, producerIdStart: start, producerIdLen: PRODUCER_ID_BLOCK_SIZE });
}
