// Answers admin tools and clients expect from a single node without an authorizer, driven
// through the real executable by clients we did not write:
// - feature flags in ApiVersions v3/v4 (KIP-584): no installed client decodes them, so the raw
//   bytes are decoded by test/helpers/spec-decoder.ts, straight from Kafka's JSON specs;
// - authorized operations (KIP-430): confluent-kafka 2.x describe_cluster / describe_topics /
//   describe_consumer_groups (Metadata v8+, DescribeGroups v3+, ConsumerGroupDescribe);
// - ACL APIs: confluent-kafka 2.x, kafka-python and kafkajs get SECURITY_DISABLED;
// - ElectLeaders (confluent-kafka 2.x), AlterPartitionReassignments and
//   ListPartitionReassignments (kafkajs; the cancel form, which kafkajs cannot send, raw).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { AlterPartitionReassignments, ApiVersions } from '../../src/protocol/messages/index.ts';
import { type Broker, startBroker } from '../helpers/broker.ts';
import { createTopic, withAdmin } from '../helpers/kafkajs.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { PYTHON_CLIENTS, pythonJson } from '../helpers/process.ts';
import { PYPI_CLIENT, pypiJson } from '../helpers/pypi.ts';
import { KAFKA_SPECS, testRequiring } from '../helpers/requirements.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { SpecDecoder } from '../helpers/spec-decoder.ts';

setDefaultTimeout(60_000);
const RUN_TIMEOUT_MS = 45_000;


let broker: Broker;
beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.dispose();
});

/** Kafka's AclOperation names for what each resource type supports (AclEntry.supportedOperations). */
const TOPIC_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CREATE', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ', 'WRITE'];
const GROUP_OPERATIONS = ['ALTER_CONFIGS', 'DELETE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'READ'];
const CLUSTER_OPERATIONS = ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'];

describe('ApiVersions feature flags (KIP-584), decoded from the Kafka spec', () => {
  // Made on first use: without the specs these tests are skipped (KAFKA_SPECS).
  let decoder: SpecDecoder | null = null;
  const finalized = [
    { Name: 'group.version', MaxVersionLevel: 1, MinVersionLevel: 1 },
    { Name: 'metadata.version', MaxVersionLevel: 25, MinVersionLevel: 25 },
  ];

  async function apiVersions(version: number): Promise<Record<string, unknown>> {
    const client = await RawClient.connect(broker.port);
    try {
      const frame = await client.sendForFrame(ApiVersions, version, { clientSoftwareName: 'freshet-test', clientSoftwareVersion: '1.0' });
      // ApiVersions always answers with response header v0: the correlation id and nothing else.
      decoder ??= new SpecDecoder('ApiVersionsResponse');
      return decoder.decode(frame.subarray(4), version);
    } finally {
      client.close();
    }
  }

  testRequiring(KAFKA_SPECS, 'v4: metadata.version 4.0-IV3, group.version 1 (KIP-848), kraft.version and transaction.version 0', async () => {
    const r = await apiVersions(4);
    expect(r.ErrorCode).toBe(0);
    expect(r.SupportedFeatures).toEqual([
      { Name: 'group.version', MinVersion: 0, MaxVersion: 1 },
      { Name: 'kraft.version', MinVersion: 0, MaxVersion: 0 },
      { Name: 'metadata.version', MinVersion: 25, MaxVersion: 25 },
      { Name: 'transaction.version', MinVersion: 0, MaxVersion: 0 },
    ]);
    // At least 0: the Java client ignores finalized features with epoch -1.
    expect(r.FinalizedFeaturesEpoch).toBe(1n);
    expect(r.FinalizedFeatures).toEqual(finalized);
  });

  testRequiring(KAFKA_SPECS, 'v3: supported features with a minimum of 0 are left out (KAFKA-17492), finalized ones stay', async () => {
    const r = await apiVersions(3);
    expect(r.SupportedFeatures).toEqual([{ Name: 'metadata.version', MinVersion: 25, MaxVersion: 25 }]);
    expect(r.FinalizedFeaturesEpoch).toBe(1n);
    expect(r.FinalizedFeatures).toEqual(finalized);
  });
});

describe('authorized operations without an authorizer (confluent-kafka 2.x)', () => {
  testRequiring(PYPI_CLIENT, 'describe_cluster, describe_topics, describe_consumer_groups (classic and KIP-848) with include_authorized_operations', async () => {
    const topic = uniqueTopic('authz');
    const r = await pypiJson('confluent2_admin.py', ['authorized-ops', broker.bootstrap, topic, uniqueTopic('authz-g')], { timeoutMs: RUN_TIMEOUT_MS });
    expect(r.cluster).toEqual(CLUSTER_OPERATIONS);
    expect(r.topic).toEqual(TOPIC_OPERATIONS);
    expect(r.classic).toEqual({ operations: GROUP_OPERATIONS, state: 'STABLE', type: 'CLASSIC' });
    expect(r.consumer).toEqual({ operations: GROUP_OPERATIONS, state: 'STABLE', type: 'CONSUMER' });
    expect(r.cluster_not_asked).toBeNull();
  });
});

describe('ACL APIs without an authorizer', () => {
  testRequiring(PYPI_CLIENT, 'confluent-kafka 2.x: create_acls and delete_acls get SECURITY_DISABLED; describe_acls is empty', async () => {
    const r = await pypiJson('confluent2_admin.py', ['acls', broker.bootstrap], { timeoutMs: RUN_TIMEOUT_MS });
    const disabled = { name: 'SECURITY_DISABLED', code: 54, message: 'No Authorizer is configured.' };
    expect(r.create).toEqual({ result: null, error: disabled });
    expect(r.delete).toEqual({ result: null, error: disabled });
    // librdkafka drops DescribeAcls' top-level error (rd_kafka_DescribeAclsResponse_parse): it
    // reports an empty list from a Kafka broker without an authorizer too.
    expect(r.describe).toEqual({ result: '[]', error: null });
  });

  testRequiring(PYTHON_CLIENTS, 'kafka-python: describe_acls raises SecurityDisabledError with Kafka\'s message; create and delete fail per entry', async () => {
    const r = await pythonJson('kafka_python_admin.py', ['acls', broker.bootstrap], { timeoutMs: RUN_TIMEOUT_MS });
    expect(r.describe.error).toBe('SecurityDisabledError');
    expect(r.describe.text).toContain("error_message='No Authorizer is configured on the broker'");
    expect(r.create_failed).toEqual(['SecurityDisabledError']);
    expect(r.delete).toEqual([{ matching: 0, error: 'SecurityDisabledError' }]);
  });

  test('kafkajs: describeAcls, createAcls and deleteAcls reject with SECURITY_DISABLED', async () => {
    const acl = {
      resourceType: 2, // TOPIC
      resourceName: 't',
      resourcePatternType: 3, // LITERAL
      principal: 'User:alice',
      host: '*',
      operation: 3, // READ
      permissionType: 3, // ALLOW
    };
    const filter = { resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 }; // ANY
    await withAdmin(broker.bootstrap, async (admin) => {
      for (const call of [
        () => admin.describeAcls(filter as never),
        () => admin.createAcls({ acl: [acl] } as never),
        () => admin.deleteAcls({ filters: [filter] } as never),
      ]) {
        const error = await call().then(
          () => null,
          (e: { type?: string }) => e,
        );
        expect(error?.type).toBe('SECURITY_DISABLED');
      }
    });
  });
});

describe('leader election and reassignments on a single node', () => {
  testRequiring(PYPI_CLIENT, 'confluent-kafka 2.x elect_leaders: ELECTION_NOT_NEEDED, UNKNOWN_TOPIC_OR_PARTITION for what does not exist', async () => {
    const topic = uniqueTopic('elect');
    await createTopic(broker.bootstrap, topic, 2);
    const r = await pypiJson('confluent2_admin.py', ['elect', broker.bootstrap, topic], { timeoutMs: RUN_TIMEOUT_MS });
    for (const kind of ['PREFERRED', 'UNCLEAN']) {
      expect(r[kind]).toEqual({
        [`${topic}:0`]: { name: 'ELECTION_NOT_NEEDED', code: 84, message: 'Leader election not needed for topic partition.' },
        [`${topic}:9`]: { name: 'UNKNOWN_TOPIC_OR_PART', code: 3, message: `No such partition as ${topic}-9` },
        [`${topic}-missing:0`]: { name: 'UNKNOWN_TOPIC_OR_PART', code: 3, message: `No such topic as ${topic}-missing` },
      });
    }
  });

  test('kafkajs: reassigning to this node succeeds, to another broker is INVALID_REPLICA_ASSIGNMENT; nothing is listed', async () => {
    const topic = uniqueTopic('reassign');
    await createTopic(broker.bootstrap, topic, 2);
    await withAdmin(broker.bootstrap, async (admin) => {
      await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [0] }] }] });
      const refused = await admin
        .alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [0, 7] }] }] })
        .then(
          () => null,
          (e: { errors?: Array<{ type?: string; topic?: string; partition?: number }> }) => e,
        );
      expect(refused?.errors?.map((e) => [e.type, e.topic, e.partition])).toEqual([['INVALID_REPLICA_ASSIGNMENT', topic, 1]]);
      expect(await admin.listPartitionReassignments({})).toEqual({ topics: [] });
      expect(await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0, 1] }] })).toEqual({ topics: [] });
    });
  });

  testRequiring(KAFKA_SPECS, 'cancelling a reassignment (null replicas, raw request): NO_REASSIGNMENT_IN_PROGRESS', async () => {
    const topic = uniqueTopic('reassign-cancel');
    await createTopic(broker.bootstrap, topic, 1);
    const client = await RawClient.connect(broker.port);
    try {
      const frame = await client.sendForFrame(AlterPartitionReassignments, 0, {
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas: null }] }],
      });
      // Flexible response header v1: correlation id, then an empty tag buffer.
      const r = new SpecDecoder('AlterPartitionReassignmentsResponse').decode(frame.subarray(5), 0);
      expect(r.ErrorCode).toBe(0);
      expect(r.Responses).toEqual([{ Name: topic, Partitions: [{ PartitionIndex: 0, ErrorCode: 85, ErrorMessage: null }] }]);
    } finally {
      client.close();
    }
  });
});
