// Until transactions exist a transactional producer is refused with CLUSTER_AUTHORIZATION_FAILED
// and a message, the one code on which Kafka's Java producer and librdkafka fail at once
// (src/broker/README.md); integration/java-client.test.ts and confluent-pypi.test.ts show the
// clients doing so. Here: the answers themselves, at the versions librdkafka (v0-3, one key)
// and the Java client (v4+, batched keys) use.

import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import findCoordinator from '../../../src/broker/handlers/10-find-coordinator.ts';
import initProducerId from '../../../src/broker/handlers/22-init-producer-id.ts';
import { ErrorCode } from '../../../src/protocol/errors.ts';
import { call, openBroker, type TestBroker } from './admin-harness.ts';

const GROUP = 0;
const TRANSACTION = 1;
const MESSAGE = /^Transactions are not supported by this broker yet/;

let tb: TestBroker;
beforeEach(() => {
  tb = openBroker();
});
afterEach(async () => {
  await tb.close();
});

describe('a transactional producer is refused at once', () => {
  test('FindCoordinator v3 (one key), transaction: CLUSTER_AUTHORIZATION_FAILED with the message; a group key: this node', async () => {
    const txn = await call(tb, findCoordinator, 3, { key: 'txn-1', keyType: TRANSACTION });
    expect([txn.errorCode, txn.nodeId]).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, -1]);
    expect(txn.errorMessage).toMatch(MESSAGE);
    const group = await call(tb, findCoordinator, 3, { key: 'g', keyType: GROUP });
    expect([group.errorCode, group.nodeId]).toEqual([ErrorCode.NONE, 0]);
  });

  test('FindCoordinator v4 (batched keys), transaction: the same answer for every key', async () => {
    const r = await call(tb, findCoordinator, 4, { keyType: TRANSACTION, coordinatorKeys: ['a', 'b'] });
    expect(r.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([
      ['a', ErrorCode.CLUSTER_AUTHORIZATION_FAILED, -1],
      ['b', ErrorCode.CLUSTER_AUTHORIZATION_FAILED, -1],
    ]);
    for (const c of r.coordinators) expect(c.errorMessage).toMatch(MESSAGE);
  });

  test('InitProducerId with a transactional id: CLUSTER_AUTHORIZATION_FAILED; without one: a producer id', async () => {
    const txn = await call(tb, initProducerId, 4, { transactionalId: 'txn-1', transactionTimeoutMs: 60_000 });
    expect([txn.errorCode, txn.producerId, txn.producerEpoch]).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, -1, -1]);
    const idempotent = await call(tb, initProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000 });
    expect(idempotent.errorCode).toBe(ErrorCode.NONE);
    expect(idempotent.producerId).toBeGreaterThanOrEqual(0);
  });
});
