// FindCoordinator (10) v0-6. A lone node coordinates every group; on a cluster a group's
// coordinator is the node hosting its __consumer_offsets partition (created through the
// controller on first use: COORDINATOR_NOT_AVAILABLE until then, which clients retry).
// Key type 0 = group; 1 = transaction is refused until transactions exist (below); any other
// key type (2 = share groups, KIP-932) is INVALID_REQUEST, as Kafka answers an unknown type.
// v4+ batches keys (KIP-699): the single-key fields are then unused.

import { ErrorCode } from '../../protocol/errors.ts';
import { FindCoordinator } from '../../protocol/messages/index.ts';
import type { Broker } from '../broker.ts';
import { handler } from '../handler.ts';
import { groupCoordinator } from '../clustered.ts';
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

function coordinatorFor(broker: Broker, keyType: number, key: string): Answer {
  const none = (errorCode: number, errorMessage: string): Answer => ({ nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType === TRANSACTION) return none(TRANSACTIONS_UNSUPPORTED.errorCode, TRANSACTIONS_UNSUPPORTED.errorMessage);
  if (keyType !== GROUP) return none(ErrorCode.INVALID_REQUEST, `Unknown coordinator key type ${keyType}.`);
  const self = broker.config;
  if (broker.controller === null) {
    return { nodeId: self.nodeId, host: self.advertiseKafkaAddr.host, port: self.advertiseKafkaAddr.port, errorCode: ErrorCode.NONE, errorMessage: null };
  }
  const c = groupCoordinator(broker, key);
  if ('errorCode' in c) return none(c.errorCode, 'The coordinator is not available.');
  const b = broker.cluster.brokers().find((x) => x.nodeId === c.nodeId);
  if (b === undefined) return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, `node ${c.nodeId} hosts the group's offsets but is not registered now.`);
  return { nodeId: b.nodeId, host: b.host, port: b.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export default handler(FindCoordinator, (ctx, req) => {
  if (ctx.apiVersion >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: req.coordinatorKeys.map((key) => ({ key, ...coordinatorFor(ctx.broker, req.keyType, key) })),
    };
  }
  const a = coordinatorFor(ctx.broker, req.keyType, req.key);
  return { throttleTimeMs: 0, ...a };
});
