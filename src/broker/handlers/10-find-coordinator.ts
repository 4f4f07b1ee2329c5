// FindCoordinator (10) v0-6. This node coordinates every group (one node, one coordinator).
// Key type 0 = group; 1 = transaction is refused until transactions exist (below); any other
// key type (2 = share groups, KIP-932) is INVALID_REQUEST, as Kafka answers an unknown type.
// v4+ batches keys (KIP-699): the single-key fields are then unused.

import { ErrorCode } from '../../protocol/errors.ts';
import { FindCoordinator } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { TRANSACTIONS_UNSUPPORTED } from '../transactions-refused.ts';

const GROUP = 0;
const TRANSACTION = 1;

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
