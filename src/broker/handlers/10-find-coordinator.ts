// FindCoordinator (10) v0-6. This node coordinates every group (one node, one coordinator).
// Key type 0 = group; 1 = transaction is refused until transactions exist (below); any other
// key type (2 = share groups, KIP-932) is INVALID_REQUEST, as Kafka answers an unknown type.
// v4+ batches keys (KIP-699): the single-key fields are then unused.

import { ErrorCode } from '../../protocol/errors.ts';
import { FindCoordinator } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';

const GROUP = 0;
const TRANSACTION = 1;

/**
 * The answer to a transactional producer until transactions exist. It must be an error both
 * clients give up on at once, with the message shown:
 * - Kafka's Java producer (TransactionManager.FindCoordinatorHandler) retries a retriable error
 *   until max.block.ms (60 s), as it did with COORDINATOR_NOT_AVAILABLE; any non-retriable code
 *   other than TRANSACTIONAL_ID_AUTHORIZATION_FAILED and GROUP_AUTHORIZATION_FAILED is fatal,
 *   and initTransactions() throws "Could not find a coordinator with type TRANSACTION with key
 *   X due to unexpected error: <ErrorMessage>" (TRANSACTIONAL_ID_AUTHORIZATION_FAILED would
 *   throw Kafka's fixed text instead of ours).
 * - librdkafka (rd_kafka_txn_handle_FindCoordinator) retries every FindCoordinator error except
 *   TRANSACTIONAL_ID_AUTHORIZATION_FAILED and CLUSTER_AUTHORIZATION_FAILED, which are fatal
 *   errors carrying the ErrorMessage; its InitProducerId likewise (rd_kafka_idemp_check_error).
 * CLUSTER_AUTHORIZATION_FAILED is the one code in both sets: the cluster refuses the
 * transactional capability, as Kafka refuses an unauthorized IDEMPOTENT_WRITE.
 */
export const TRANSACTIONS_UNSUPPORTED = {
  errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  errorMessage: 'Transactions are not supported by this broker yet (Freshet has no transaction coordinator); produce without transactional.id.',
} as const;

interface Answer {
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

function coordinatorFor(broker: Broker, keyType: number): Answer {
  const none = (errorCode: number, errorMessage: string): Answer => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType === TRANSACTION) return none(TRANSACTIONS_UNSUPPORTED.errorCode, TRANSACTIONS_UNSUPPORTED.errorMessage);
  if (keyType !== GROUP) return none(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${keyType}.`);
  const self = broker.config;
  return { nodeId: self.nodeId, host: self.advertiseKafkaAddr.host, port: self.advertiseKafkaAddr.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export default handler(FindCoordinator, (ctx, req) => {
  if (ctx.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key) => ({ key, ...coordinatorFor(ctx.broker, req.keyType) })),
    };
  }
  const a = coordinatorFor(ctx.broker, req.keyType);
  return { throttleTimeMs: 0, ...a };
});
