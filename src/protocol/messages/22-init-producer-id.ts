// InitProducerId (22), versions 0-5; flexible from 2. We stop at 5: v6 (two-phase commit,
// KIP-939) is still marked unstable in the spec, but its fields are defined here so the
// definition matches the spec in full.
// v3 lets a producer pass its current id and epoch to resume after INVALID_PRODUCER_EPOCH
// (KIP-360); v4 adds PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE (KIP-890).

import { api, bool, int16, int32, int64, string, struct } from '../schema.ts';

export const InitProducerId = api({
  apiKey: 22,
  name: 'InitProducerId',
  versions: '0-5',
  flexible: '2+',
  request: struct({
    transactionalId: string('0+', { nullable: '0+' }),
    transactionTimeoutMs: int32(),
    producerId: int64('3+', { default: -1 }),
    producerEpoch: int16('3+', { default: -1 }),
    enable2Pc: bool('6+'),
    keepPreparedTxn: bool('6+'),
  }),
  response: struct({
    throttleTimeMs: int32(),
    errorCode: int16(),
    producerId: int64('0+', { default: -1 }),
    producerEpoch: int16(),
    ongoingTxnProducerId: int64('6+', { default: -1 }),
    ongoingTxnProducerEpoch: int16('6+', { default: -1 }),
  }),
});
