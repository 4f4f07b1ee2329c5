// InitProducerId (22) v0-5.
// Without a transactional id this gives an idempotent producer a fresh producer id at epoch 0
// (KIP-98), even when v3+ sends its current id and epoch: Kafka's TransactionCoordinator
// does the same for idempotent producers, which bump epochs themselves (KIP-360).
// Transactions are not built yet: a transactional id is answered with the error on which both
// Kafka's Java producer (an abortable error: initTransactions() throws) and librdkafka (fatal,
// rd_kafka_idemp_check_error) fail at once; see TRANSACTIONS_UNSUPPORTED in ../transactions-refused.ts;
// FindCoordinator (10) is where clients normally stop: they look the transaction
// coordinator up first. On a cluster the ids come in blocks from the controller (KIP-730);
// none to be had now is COORDINATOR_LOAD_IN_PROGRESS, which clients retry.

import { ErrorCode } from '../../protocol/errors.ts';
import { InitProducerId } from '../../protocol/messages/index.ts';
import { initIdempotentProducer, ProducerIdsUnavailable } from '../../transactions/producer-ids.ts';
import { handler } from '../handler.ts';
import { TRANSACTIONS_UNSUPPORTED } from '../transactions-refused.ts';

export default handler(InitProducerId, async (ctx, req) => {
  if (req.transactionalId !== null) {
    return {
      throttleTimeMs: 0,
      errorCode: TRANSACTIONS_UNSUPPORTED.errorCode,
      producerId: -1,
      producerEpoch: -1,
    };
  }
  try {
    const { producerId, producerEpoch } = await initIdempotentProducer(ctx.broker.producerIds);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch };
  } catch (e) {
    if (!(e instanceof ProducerIdsUnavailable)) throw e;
    // A cluster's ids come from the controller; without one now the client retries, as from
    // Kafka's RPCProducerIdManager (CoordinatorLoadInProgressException).
    return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1, producerEpoch: -1 };
  }
});
