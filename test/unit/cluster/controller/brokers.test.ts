// The cluster's members on the controller: bootstrap once, registration with its refusals
// (another cluster, a live duplicate, unsupported feature levels, malformed values, too many
// ids), restarts under growing broker epochs, unregistration, fencing; and producer-id blocks
// (KIP-730), which only the current registration may take and which never overlap.

import { describe, expect, test } from 'bun:test';
import {
  allocateProducerIds,
  bootstrapCluster,
  BROKERS_MAX,
  MetadataImage,
  PRODUCER_ID_BLOCK_SIZE,
  registerBroker,
  setBrokerFenced,
  unregisterBroker,
} from '../../../../src/cluster/controller/index.ts';
import { ErrorCode } from '../../../../src/protocol/errors.ts';
import { CLUSTER_ID, cluster, FEATURES, noSessions, registration } from './harness.ts';

describe('bootstrap and registration', () => {
  test('bootstrap writes the cluster id and features once', () => {
    const image = new MetadataImage();
    expect(bootstrapCluster(image, CLUSTER_ID, FEATURES).records.map((r) => r.type)).toEqual(['cluster_id', 'feature_level', 'feature_level']);
    expect(image.featureLevel('metadata.version')).toBe(25);
    expect(bootstrapCluster(image, 'another', FEATURES).records).toEqual([]);
    expect(image.clusterId).toBe(CLUSTER_ID);
  });

  test('a registration gets an epoch above every epoch before; a restart registers again with a new one', () => {
    const { image } = cluster([]);
    const first = registerBroker(image, registration(1), noSessions);
    expect(first.response).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch: 0 });
    expect(first.records).toEqual([{ type: 'register_broker', nodeId: 1, incarnationId: registration(1).incarnationId, brokerEpoch: 0, kafkaEndpoint: registration(1).kafkaEndpoint, rpcEndpoint: registration(1).rpcEndpoint, rack: null }]);
    expect(registerBroker(image, registration(2), noSessions).response.brokerEpoch).toBe(1);
    // node 1 restarts: its old session is gone, so the new incarnation registers
    expect(registerBroker(image, registration(1, 1), noSessions).response.brokerEpoch).toBe(2);
    expect(image.broker(1)!.incarnationId).toBe(registration(1, 1).incarnationId);
  });

  test('refusals', () => {
    const { image } = cluster([1]);
    const epoch = image.broker(1)!.brokerEpoch;
    const refuse = (req: ReturnType<typeof registration>, live = false) => {
      const r = registerBroker(image, req, { hasLiveSession: (n, e) => live && n === 1 && e === epoch });
      expect(r.records).toEqual([]);
      return [r.response.errorCode, r.response.errorMessage];
    };
    expect(refuse({ ...registration(2), clusterId: 'other' })).toEqual([ErrorCode.INCONSISTENT_CLUSTER_ID, `Expected cluster ID ${CLUSTER_ID}, but got cluster ID other`]);
    expect(refuse(registration(1, 7), true)).toEqual([ErrorCode.DUPLICATE_BROKER_REGISTRATION, 'Another broker is registered with that broker id.']);
    expect(refuse({ ...registration(2), features: [{ name: 'group.version', minSupported: 0, maxSupported: 1 }, { name: 'metadata.version', minSupported: 26, maxSupported: 27 }] })).toEqual([
      ErrorCode.UNSUPPORTED_VERSION,
      'Unable to register because the broker does not support finalized version 25 of metadata.version. The broker wants a version between 26 and 27, inclusive.',
    ]);
    expect(refuse({ ...registration(2), features: [] })[0]).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(refuse({ ...registration(2), kafkaEndpoint: { host: '', port: 9092 } })).toEqual([ErrorCode.INVALID_REGISTRATION, 'Invalid registration of node 2: Kafka host of 0 characters']);
    expect(refuse({ ...registration(2), nodeId: -1 })[0]).toBe(ErrorCode.INVALID_REGISTRATION);
    expect(refuse({ ...registration(2), incarnationId: 'not a uuid' })[0]).toBe(ErrorCode.INVALID_REGISTRATION);
    // The same incarnation re-registering (a retry) is not a duplicate, even with a live session.
    expect(registerBroker(image, registration(1), { hasLiveSession: () => true }).response.errorCode).toBe(ErrorCode.NONE);
  });

  test(`at most ${BROKERS_MAX} node ids, unregistered ones included; a known id may always come back`, () => {
    const { image } = cluster([]);
    for (let id = 0; id < BROKERS_MAX; id++) registerBroker(image, registration(id), noSessions);
    unregisterBroker(image, 5);
    expect(registerBroker(image, registration(BROKERS_MAX), noSessions).response.errorCode).toBe(ErrorCode.INVALID_REGISTRATION);
    expect(registerBroker(image, registration(5, 1), noSessions).response.errorCode).toBe(ErrorCode.NONE);
  });

  test('unregistration keeps replicas assigned; an unknown node is BROKER_ID_NOT_REGISTERED', () => {
    const { image } = cluster([1, 2]);
    expect(unregisterBroker(image, 2).response).toEqual({ errorCode: ErrorCode.NONE, errorMessage: null });
    expect(image.brokers().map((b) => b.nodeId)).toEqual([1]);
    expect(unregisterBroker(image, 2).response).toEqual({ errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, errorMessage: 'Broker ID 2 is not currently registered' });
  });

  test('fencing: proposes only a change, and only for the current registration', () => {
    const { image } = cluster([1]);
    const epoch = image.broker(1)!.brokerEpoch;
    expect(setBrokerFenced(image, 1, epoch, false).records).toEqual([]);
    expect(setBrokerFenced(image, 1, epoch, true).records).toEqual([{ type: 'broker_registration_change', nodeId: 1, brokerEpoch: epoch, fenced: true }]);
    expect(image.broker(1)!.fenced).toBe(true);
    expect(setBrokerFenced(image, 1, epoch + 5, false).response).toEqual({ code: ErrorCode.STALE_BROKER_EPOCH, message: `Expected broker epoch ${epoch}, but got broker epoch ${epoch + 5}` });
    // A new registration starts unfenced.
    registerBroker(image, registration(1, 1), noSessions);
    expect(image.broker(1)!.fenced).toBe(false);
  });
});

describe('AllocateProducerIds (KIP-730)', () => {
  test('blocks of 1000 follow one another whichever broker asks', () => {
    const { image } = cluster([1, 2]);
    const ask = (brokerId: number) => allocateProducerIds(image, { brokerId, brokerEpoch: image.broker(brokerId)!.brokerEpoch });
    const a = ask(1);
    const b = ask(2);
    const c = ask(1);
    expect([a, b, c].map((r) => [r.response.producerIdStart, r.response.producerIdLen])).toEqual([
      [0, PRODUCER_ID_BLOCK_SIZE],
      [1000, PRODUCER_ID_BLOCK_SIZE],
      [2000, PRODUCER_ID_BLOCK_SIZE],
    ]);
    expect(c.records).toEqual([{ type: 'producer_ids', nodeId: 1, brokerEpoch: image.broker(1)!.brokerEpoch, nextProducerId: 3000 }]);
    expect(image.nextProducerId).toBe(3000);
  });

  test('an old incarnation, or an unregistered broker, is STALE_BROKER_EPOCH', () => {
    const { image } = cluster([1]);
    const old = image.broker(1)!.brokerEpoch;
    registerBroker(image, registration(1, 1), noSessions);
    expect(allocateProducerIds(image, { brokerId: 1, brokerEpoch: old }).response).toEqual({
      errorCode: ErrorCode.STALE_BROKER_EPOCH,
      errorMessage: `Expected broker epoch ${old + 1}, but got broker epoch ${old}`,
      producerIdStart: -1,
      producerIdLen: 0,
    });
    expect(allocateProducerIds(image, { brokerId: 9, brokerEpoch: 0 }).response.errorMessage).toBe('No broker registration found for broker 9');
  });

  test('ids end at Number.MAX_SAFE_INTEGER: UNKNOWN_SERVER_ERROR "Exhausted all producerIds."', () => {
    const { image } = cluster([1]);
    image.apply({ type: 'producer_ids', nodeId: 1, brokerEpoch: 0, nextProducerId: Number.MAX_SAFE_INTEGER - 10 });
    const r = allocateProducerIds(image, { brokerId: 1, brokerEpoch: image.broker(1)!.brokerEpoch });
    expect(r.response).toMatchObject({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'Exhausted all producerIds.' });
    expect(r.records).toEqual([]);
  });
});
