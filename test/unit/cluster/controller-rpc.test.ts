// The forwarded controller operations: the `cluster.controller` request and answer round-trip
// for every operation (the request and response as the API's own Kafka bytes); bad bytes are a
// DecodeError and nothing else (cut, trailing, an unknown operation, a version out of range,
// a length past the limit, 3,000 random mutations). And replication factors: up to the
// registered brokers placed, above them refused with Kafka's message.

import { describe, expect, test } from 'bun:test';
import { Prng } from '../../../src/base/prng.ts';
import { MetadataImage } from '../../../src/cluster/controller/index.ts';
import {
  ALLOCATE_PRODUCER_IDS,
  BROKER_HEARTBEAT,
  ADD_RAFT_VOTER,
  REMOVE_RAFT_VOTER,
  ALTER_CONFIGS,
  ALTER_PARTITION_REASSIGNMENTS,
  CONTROLLER_OPS,
  CREATE_PARTITIONS,
  CREATE_TOPICS,
  type ControllerOp,
  DELETE_TOPICS,
  INCREMENTAL_ALTER_CONFIGS,
  LIST_PARTITION_REASSIGNMENTS,
  REGISTER_BROKER,
  REPORT_PARTITION_VOTERS,
  BROKER_MAINTENANCE,
  DECOMMISSION_BROKER,
  RECOMMISSION_BROKER,
} from '../../../src/cluster/quorum/controller-ops.ts';
import {
  CONTROLLER_MESSAGE_BYTES_MAX,
  decodeForwardedAnswer,
  decodeForwardedRequest,
  encodeForwardedAnswer,
  encodeForwardedRequest,
} from '../../../src/cluster/quorum/controller-rpc.ts';
import { ErrorCode, kafkaError } from '../../../src/protocol/errors.ts';
import { DecodeError, Writer, ZERO_UUID } from '../../../src/protocol/primitives.ts';
import { mutate } from '../../helpers/mutate.ts';
import { brokerView, CLUSTER_ID, cluster, SUPPORTED } from './controller/harness.ts';

/** One request and one successful response per operation, at a version each. */
const SAMPLES: Array<{ op: ControllerOp; version: number; request: unknown; response: unknown }> = [
  {
    op: CREATE_TOPICS as ControllerOp,
    version: 7,
    request: { topics: [{ name: 'orders', numPartitions: 3, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [2] }], configs: [{ name: 'cleanup.policy', value: 'compact' }] }], timeoutMs: 30_000, validateOnly: false },
    response: { throttleTimeMs: 0, topics: [{ name: 'orders', topicId: 'q1Sh-9_ISia_zwGINzRvyQ', errorCode: 0, errorMessage: null, topicConfigErrorCode: 0, numPartitions: 3, replicationFactor: 1, configs: [{ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false }] }] },
  },
  {
    op: DELETE_TOPICS as ControllerOp,
    version: 6,
    request: { topics: [{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, { name: null, topicId: 'q1Sh-9_ISia_zwGINzRvyQ' }], topicNames: [], timeoutMs: 1 },
    response: { throttleTimeMs: 0, responses: [{ name: 'orders', topicId: 'q1Sh-9_ISia_zwGINzRvyQ', errorCode: 0, errorMessage: null }] },
  },
  {
    op: DELETE_TOPICS as ControllerOp,
    version: 1,
    request: { topics: [], topicNames: ['a', 'b'], timeoutMs: 1 },
    response: { throttleTimeMs: 0, responses: [{ name: 'a', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', errorCode: 3, errorMessage: null }] },
  },
  {
    op: CREATE_PARTITIONS as ControllerOp,
    version: 3,
    request: { topics: [{ name: 'orders', count: 6, assignments: null }], timeoutMs: 1, validateOnly: true },
    response: { throttleTimeMs: 0, results: [{ name: 'orders', errorCode: 0, errorMessage: null }] },
  },
  {
    op: ALTER_CONFIGS as ControllerOp,
    version: 2,
    request: { resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', value: '1000' }] }], validateOnly: false },
    response: { throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }] },
  },
  {
    op: INCREMENTAL_ALTER_CONFIGS as ControllerOp,
    version: 1,
    request: { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: 0, value: '5000' }] }], validateOnly: false },
    response: { throttleTimeMs: 0, responses: [{ errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '' }] },
  },
  {
    op: REGISTER_BROKER as ControllerOp,
    version: 0,
    request: { clusterId: CLUSTER_ID, incarnationId: 'AAAAAAAAAAAAAAAAAAAAAQ', kafkaHost: 'h1', kafkaPort: 9092, rpcHost: 'h1', rpcPort: 33145, features: SUPPORTED },
    response: { errorCode: 0, errorMessage: null, brokerEpoch: 4 },
  },
  {
    op: ADD_RAFT_VOTER as ControllerOp,
    version: 0,
    request: { clusterId: CLUSTER_ID, timeoutMs: 30_000, voterId: 4, voterDirectoryId: ZERO_UUID, listeners: [{ name: 'RPC', host: 'h4', port: 33145 }] },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null },
  },
  {
    op: REMOVE_RAFT_VOTER as ControllerOp,
    version: 0,
    request: { clusterId: null, voterId: 3, voterDirectoryId: ZERO_UUID },
    response: { throttleTimeMs: 0, errorCode: 126, errorMessage: 'no' },
  },
  {
    op: BROKER_HEARTBEAT as ControllerOp,
    version: 0,
    request: { brokerEpoch: 4 },
    response: { errorCode: 0, errorMessage: null, isFenced: false },
  },
  {
    op: ALLOCATE_PRODUCER_IDS as ControllerOp,
    version: 0,
    request: { brokerEpoch: 4 },
    response: { errorCode: 0, errorMessage: null, producerIdStart: 3_000, producerIdLen: 1_000 },
  },
  {
    op: ALTER_PARTITION_REASSIGNMENTS as ControllerOp,
    version: 1,
    request: { timeoutMs: 60_000, allowReplicationFactorChange: true, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, replicas: [2, 3] }, { partitionIndex: 1, replicas: null }] }] },
    response: { throttleTimeMs: 0, allowReplicationFactorChange: true, errorCode: 0, errorMessage: null, responses: [{ name: 'orders', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null }, { partitionIndex: 1, errorCode: 85, errorMessage: null }] }] },
  },
  {
    op: LIST_PARTITION_REASSIGNMENTS as ControllerOp,
    version: 0,
    request: { timeoutMs: 60_000, topics: null },
    response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] }] },
  },
  {
    op: REPORT_PARTITION_VOTERS as ControllerOp,
    version: 0,
    request: { topicId: 'q1Sh-9_ISia_zwGINzRvyQ', partition: 2, partitionEpoch: 7, voters: [1, 2, 4] },
    response: { errorCode: 0, errorMessage: null },
  },
  { op: BROKER_MAINTENANCE as ControllerOp, version: 0, request: { nodeId: 2, enabled: true }, response: { errorCode: 0, errorMessage: null } },
  {
    op: DECOMMISSION_BROKER as ControllerOp,
    version: 0,
    request: { nodeId: 4, enabled: false },
    response: { errorCode: 42, errorMessage: 'Cannot decommission node 4: no other live, active broker can take its replica of t-0' },
  },
  { op: RECOMMISSION_BROKER as ControllerOp, version: 0, request: { nodeId: 4, enabled: false }, response: { errorCode: 102, errorMessage: 'broker with id 4 not found' } },
];

function requestBytes(op: ControllerOp, version: number, request: unknown): Uint8Array {
  const w = new Writer(256);
  encodeForwardedRequest(w, op, version, request);
  return w.bytes().slice();
}

describe('cluster.controller codec', () => {
  test('every operation has a sample; requests and answers round-trip at their version', () => {
    expect(new Set(SAMPLES.map((s) => s.op.code))).toEqual(new Set(CONTROLLER_OPS.map((o) => o.code)));
    for (const s of SAMPLES) {
      const f = decodeForwardedRequest(requestBytes(s.op, s.version, s.request));
      expect(f.op).toBe(s.op);
      expect(f.apiVersion).toBe(s.version);
      expect(f.request).toMatchObject(s.request as object);
      const ok = decodeForwardedAnswer(s.op, s.version, encodeForwardedAnswer(s.op, s.version, { ok: true, appliedIndex: 41, response: s.response as never }));
      expect(ok).toMatchObject({ ok: true, appliedIndex: 41, response: s.response as object });
      const no = decodeForwardedAnswer(s.op, s.version, encodeForwardedAnswer(s.op, s.version, { ok: false, errorCode: ErrorCode.NOT_CONTROLLER, message: 'no' }));
      expect(no).toEqual({ ok: false, errorCode: ErrorCode.NOT_CONTROLLER, message: 'no' });
    }
  });

  test('bad bytes are a DecodeError: cut, trailing, an unknown operation, a version out of range, a length past the limit', () => {
    const s = SAMPLES[0];
    const bytes = requestBytes(s.op, s.version, s.request);
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeForwardedRequest(bytes.subarray(0, cut))).toThrow(DecodeError);
    expect(() => decodeForwardedRequest(new Uint8Array([...bytes, 0]))).toThrow(DecodeError);
    const unknown = bytes.slice();
    unknown[1] = 99; // op code 99
    expect(() => decodeForwardedRequest(unknown)).toThrow(/operation 99/);
    const newer = bytes.slice();
    newer[3] = 8; // CreateTopics v8
    expect(() => decodeForwardedRequest(newer)).toThrow(/outside v2-7/);
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(4, CONTROLLER_MESSAGE_BYTES_MAX + 1);
    expect(() => decodeForwardedRequest(huge)).toThrow(DecodeError);
    const answer = encodeForwardedAnswer(s.op, s.version, { ok: true, appliedIndex: 1, response: s.response as never });
    for (let cut = 0; cut < answer.length; cut++) expect(() => decodeForwardedAnswer(s.op, s.version, answer.subarray(0, cut))).toThrow(DecodeError);
    expect(() => decodeForwardedAnswer(s.op, s.version, new Uint8Array([7]))).toThrow(/status 7/);
  });

  test('3,000 mutated requests and answers: a value or a DecodeError, nothing else', () => {
    const rng = new Prng(11);
    for (let i = 0; i < 3_000; i++) {
      const s = SAMPLES[i % SAMPLES.length];
      const req = mutate(requestBytes(s.op, s.version, s.request), rng);
      const ans = mutate(encodeForwardedAnswer(s.op, s.version, { ok: true, appliedIndex: 9, response: s.response as never }), rng);
      for (const run of [() => decodeForwardedRequest(req), () => decodeForwardedAnswer(s.op, s.version, ans)]) {
        try {
          run();
        } catch (e) {
          if (!(e instanceof DecodeError)) throw new Error(`sample ${i}: ${e}`);
        }
      }
    }
  });
});

describe('replication factors and refusals', () => {
  const topic = (name: string, replicationFactor: number, assignments: Array<{ partitionIndex: number; brokerIds: number[] }> = []) => ({
    name,
    numPartitions: assignments.length > 0 ? -1 : 2,
    replicationFactor,
    assignments,
    configs: [],
  });

  test('a replication factor up to the registered brokers (explicit, default, or a manual list) is placed; above them INVALID_REPLICATION_FACTOR with Kafka\'s message; in order', () => {
    const image: MetadataImage = cluster([1, 2, 3]).image;
    const inputs = { broker: brokerView(), random: new Prng(1), apiVersion: 7, receivedBy: 1, controllerVoters: [] };
    const req = { topics: [topic('four', 4), topic('three', 3), topic('one', 1), topic('listed', -1, [{ partitionIndex: 0, brokerIds: [1, 2] }])], timeoutMs: 0, validateOnly: false };
    const r = CREATE_TOPICS.run(image, req, inputs);
    const answers = r.response.topics!.map((t) => [t.name, t.errorCode]);
    expect(answers).toEqual([
      ['four', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['three', ErrorCode.NONE],
      ['one', ErrorCode.NONE],
      ['listed', ErrorCode.NONE],
    ]);
    expect(r.response.topics![0].errorMessage).toContain('Unable to replicate the partition 4 time(s)');
    expect(image.topic('four')).toBeUndefined();
    for (const p of image.topic('three')!.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
    expect(image.topic('listed')!.partitions[0].replicas).toEqual([1, 2]);
    // default.replication.factor (a replication factor of -1) is placed the same way.
    const props = new Map(brokerView().props);
    props.set('default.replication.factor', 3);
    const byDefault = CREATE_TOPICS.run(image, { ...req, topics: [topic('dflt', -1)] }, { ...inputs, broker: { ...brokerView(), props } });
    expect(byDefault.response.topics![0].errorCode).toBe(ErrorCode.NONE);
    for (const p of image.topic('dflt')!.partitions) expect(p.replicas.length).toBe(3);
  });

  test('refusals name every topic or resource of the request once', () => {
    const e = kafkaError(ErrorCode.NOT_CONTROLLER, 'x');
    const created = CREATE_TOPICS.refuse({ topics: [topic('a', 1), topic('a', 1), topic('b', 1)], timeoutMs: 0, validateOnly: false }, e);
    expect(created.topics!.map((t) => [t.name, t.errorCode])).toEqual([
      ['a', ErrorCode.NOT_CONTROLLER],
      ['b', ErrorCode.NOT_CONTROLLER],
    ]);
    const deleted = DELETE_TOPICS.refuse({ topics: [{ name: null, topicId: 'q1Sh-9_ISia_zwGINzRvyQ' }], topicNames: ['x'], timeoutMs: 0 }, e);
    expect(deleted.responses!.length).toBe(2);
    const altered = INCREMENTAL_ALTER_CONFIGS.refuse({ resources: [{ resourceType: 2, resourceName: 't', configs: [] }], validateOnly: false }, e);
    expect(altered.responses).toEqual([{ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: 'x', resourceType: 2, resourceName: 't' }]);
  });
});
