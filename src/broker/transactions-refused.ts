// What a transactional producer is told until transactions exist, shared by FindCoordinator (10)
// for key type 1 and by a transactional InitProducerId (22).

import { ErrorCode } from '../protocol/errors.ts';

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
