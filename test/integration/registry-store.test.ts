// The schema registry's store on a real node (dist/freshet): the `_schemas` topic it creates,
// the listener on --schema-registry-addr, Kafka served whatever the registry's state, and its
// state surviving a crash. Expected behaviour comes from Confluent's KafkaStore
// (createSchemaTopic: one partition, cleanup.policy=compact, replication factor min(3, brokers);
// verifySchemaTopic refuses a topic that is not compacted), its API reference (ids and versions
// are permanent: GET /schemas/ids/{id} answers the same schema after any restart) and Errors.java
// (50002 for a store that is not ready in time).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type Broker, FRESHET_BIN, startBroker } from '../helpers/broker.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { freePort } from '../helpers/ports.ts';
import { run } from '../helpers/process.ts';
import { avroRecord, registerSchema, registryReady, sr, SR_CONTENT_TYPE } from '../helpers/registry.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { createServer, type Server } from 'node:net';
import { REQUEST_BYTES_MAX_DEFAULT } from '../../src/registry/http/wire.ts';

setDefaultTimeout(90_000);

let node: Broker;
beforeAll(async () => {
  node = await startBroker({ registry: true, dev: false });
  await registryReady(node);
});
afterAll(async () => {
  await node?.dispose();
});

async function schemasTopic(bootstrap: string): Promise<{ partitions: number; replicas: number; cleanupPolicy: string | undefined }> {
  const admin = kafkaFor(bootstrap).admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: ['_schemas'] });
    const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: '_schemas', configNames: ['cleanup.policy'] }], includeSynonyms: false });
    const policy = cfg.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
    return { partitions: md.topics[0].partitions.length, replicas: md.topics[0].partitions[0].replicas.length, cleanupPolicy: policy };
  } finally {
    await admin.disconnect();
  }
}

describe('the _schemas topic and the listener', () => {
  test('a node creates _schemas as Confluent does: one partition, compacted, one replica on one node', async () => {
    expect(await schemasTopic(node.bootstrap)).toEqual({ partitions: 1, replicas: 1, cleanupPolicy: 'compact' });
    expect(node.logs()).toContain(`schema registry ${node.registryUrl}`);
  });

  test('the registry answers HTTP on --schema-registry-addr with Confluent\'s content type', async () => {
    const r = await sr(node.registryUrl!, 'GET', '/subjects');
    expect(r.contentType).toBe(SR_CONTENT_TYPE);
    // /v1/metadata/id names the Kafka cluster the registry stores in: this node's.
    const clusterId = /ready: .*, cluster (\S+),/.exec(node.logs())?.[1];
    const id = await sr(node.registryUrl!, 'GET', '/v1/metadata/id');
    expect((id.body as { scope: { clusters: Record<string, string> } }).scope.clusters['kafka-cluster']).toBe(clusterId!);
  });

  test('a body over the handler\'s limit is answered by the handler (413, Confluent\'s JSON), not cut by the server', async () => {
    const schema = 'x'.repeat(REQUEST_BYTES_MAX_DEFAULT + 1024);
    const r = await sr(node.registryUrl!, 'POST', '/subjects/too-big-body/versions', { schema });
    expect(r.status).toBe(413);
    expect((r.body as { error_code: number }).error_code).toBe(413);
  });

  test('a registry port another process holds is a clear startup error (exit 1) naming the flag', async () => {
    const holder: Server = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    try {
      const r = await run([FRESHET_BIN, 'start', '--data-dir', `${node.dataDir}-taken`, '--kafka-addr', `127.0.0.1:${await freePort()}`, '--schema-registry-addr', `127.0.0.1:${port}`, '--proxy-addr', 'none', '--admin-addr', 'none'], {
        timeoutMs: 15_000,
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`cannot listen for the schema registry on 127.0.0.1:${port} (--schema-registry-addr): the address is in use`);
    } finally {
      holder.close();
    }
  });

  test('--schema-registry-addr none: no registry, no _schemas topic', async () => {
    const plain = await startBroker({ dev: false });
    try {
      expect(plain.logs()).toContain('schema registry off');
      const admin = kafkaFor(plain.bootstrap).admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).not.toContain('_schemas');
      } finally {
        await admin.disconnect();
      }
    } finally {
      await plain.dispose();
    }
  });

  test('while _schemas cannot be used (not compacted), Kafka is served and the registry answers 50002', async () => {
    // A data directory whose _schemas someone created with the delete policy.
    const first = await startBroker({ dev: false });
    const admin = kafkaFor(first.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: '_schemas', numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }] });
    await admin.disconnect();
    await first.stop();
    const broken = await startBroker({ dev: false, registry: true, dataDir: first.dataDir });
    try {
      const topic = uniqueTopic('while-registry-waits');
      const kafka = kafkaFor(broken.bootstrap);
      const a = kafka.admin();
      await a.connect();
      await a.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      await a.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v' }] });
      await producer.disconnect();
      const r = await sr(broken.registryUrl!, 'GET', '/subjects');
      expect(r.status).toBe(500);
      expect((r.body as { error_code: number }).error_code).toBe(50002);
      expect(broken.logs()).toContain("Expected cleanup.policy to be 'compact' but it is delete");
    } finally {
      await broken.dispose();
    }
  });
});

describe('writes the topic refuses', () => {
  test('a schema larger than the topic\'s max.message.bytes is 422 with error_code 42209, as Confluent answers', async () => {
    // The topic's limit lowered to 4 KiB (the default, 1048588, is above what a schema may be).
    // AlterConfigs replaces a topic's whole config: cleanup.policy is given again each time.
    const setLimit = async (value: string) => {
      const admin = kafkaFor(node.bootstrap).admin();
      await admin.connect();
      try {
        const configEntries = [{ name: 'max.message.bytes', value }, { name: 'cleanup.policy', value: 'compact' }];
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: '_schemas', configEntries }] });
      } finally {
        await admin.disconnect();
      }
    };
    await setLimit('4096');
    try {
      const schema = JSON.stringify({ type: 'record', name: 'Big', doc: 'x'.repeat(8_000), fields: [] });
      const r = await sr(node.registryUrl!, 'POST', '/subjects/too-large/versions', { schema });
      expect(r.status).toBe(422);
      expect(r.body).toEqual({ error_code: 42209, message: 'Write failed because schema is too large' });
      // The registry goes on: a small schema registers.
      expect(await registerSchema(node.registryUrl!, 'after-too-large', avroRecord('AfterTooLarge'))).toBeGreaterThan(0);
    } finally {
      await setLimit('1048588');
    }
  });
});

describe('surviving a crash', () => {
  test('schemas registered, then kill -9 and a restart: the same ids and versions are served', async () => {
    const subjects = ['survive-a', 'survive-b'];
    // Version 2 adds a field with a default: compatible under the default BACKWARD level.
    const schemaOf = (s: string, n: number) => avroRecord(s.replace('-', '_'), n === 1 ? [] : ['added']);
    const ids = new Map<string, number>();
    for (const s of subjects) {
      for (const n of [1, 2]) ids.set(`${s}/${n}`, await registerSchema(node.registryUrl!, s, schemaOf(s, n)));
    }
    expect(new Set(ids.values()).size).toBe(4);
    await node.kill9();
    await node.restart();
    await registryReady(node);
    for (const s of subjects) {
      const versions = await sr(node.registryUrl!, 'GET', `/subjects/${s}/versions`);
      expect(versions.body).toEqual([1, 2]);
      for (const n of [1, 2]) {
        const v = await sr(node.registryUrl!, 'GET', `/subjects/${s}/versions/${n}`);
        expect(v.status).toBe(200);
        expect((v.body as { id: number }).id).toBe(ids.get(`${s}/${n}`)!);
        const byId = await sr(node.registryUrl!, 'GET', `/schemas/ids/${ids.get(`${s}/${n}`)}`);
        expect(JSON.parse((byId.body as { schema: string }).schema)).toEqual(JSON.parse(schemaOf(s, n)));
      }
    }
    // A new registration after the restart takes a new id, never one handed out before.
    const next = await registerSchema(node.registryUrl!, 'survive-c', avroRecord('survive_c'));
    expect(next).toBeGreaterThan(Math.max(...ids.values()));
  });

  test('records Confluent wrote into _schemas are served after a restart (its record format, replayed)', async () => {
    // Literal records in the form Confluent's registry writes them (SchemaKey magic 1 and the
    // other keys magic 0; SchemaValue, a legacy ConfigValue without subject, ModeValue,
    // DeleteSubjectValue, a NOOP), ids above any this node handed out.
    const car1 = '{"type":"record","name":"Car","fields":[{"name":"model","type":"string"}]}';
    const car2 = '{"type":"record","name":"Car","fields":[{"name":"model","type":"string"},{"name":"color","type":"string","default":"blue"}]}';
    const records: Array<[string, string | null]> = [
      ['{"keytype":"SCHEMA","subject":"cf-key","version":1,"magic":1}', '{"subject":"cf-key","version":1,"id":900,"schema":"\\"string\\"","deleted":false}'],
      ['{"keytype":"SCHEMA","subject":"cf-car","version":1,"magic":1}', JSON.stringify({ subject: 'cf-car', version: 1, id: 901, schema: car1, deleted: false })],
      ['{"keytype":"SCHEMA","subject":"cf-car","version":2,"magic":1}', JSON.stringify({ subject: 'cf-car', version: 2, id: 902, schema: car2, deleted: false })],
      ['{"keytype":"CONFIG","subject":"cf-car","magic":0}', '{"compatibilityLevel":"FULL"}'],
      ['{"keytype":"MODE","subject":"cf-key","magic":0}', '{"subject":"cf-key","mode":"READONLY"}'],
      ['{"keytype":"NOOP","magic":0}', null],
      ['{"keytype":"SCHEMA","subject":"cf-gone","version":1,"magic":1}', '{"subject":"cf-gone","version":1,"id":903,"schema":"\\"int\\"","deleted":false}'],
      ['{"keytype":"DELETE_SUBJECT","subject":"cf-gone","magic":0}', '{"subject":"cf-gone","version":1}'],
    ];
    const producer = kafkaFor(node.bootstrap).producer();
    await producer.connect();
    await producer.send({ topic: '_schemas', acks: -1, messages: records.map(([key, value]) => ({ key, value })) });
    await producer.disconnect();
    await node.restart();
    await registryReady(node);
    const url = node.registryUrl!;
    expect(((await sr(url, 'GET', '/schemas/ids/900')).body as { schema: string }).schema).toBe('"string"');
    expect(((await sr(url, 'GET', '/subjects/cf-car/versions/latest')).body as { id: number; version: number })).toMatchObject({ id: 902, version: 2 });
    expect((await sr(url, 'GET', '/config/cf-car')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await sr(url, 'GET', '/mode/cf-key')).body).toEqual({ mode: 'READONLY' });
    // DELETE_SUBJECT soft-deletes: hidden, listed with deleted=true.
    const subjects = (await sr(url, 'GET', '/subjects')).body as string[];
    expect(subjects).toContain('cf-car');
    expect(subjects).not.toContain('cf-gone');
    expect((await sr(url, 'GET', '/subjects?deleted=true')).body as string[]).toContain('cf-gone');
    // The next id is one past the highest any record carried (IncrementalIdGenerator).
    expect(await registerSchema(url, 'cf-new', avroRecord('CfNew'))).toBe(904);
  });
});

describe('stopping', () => {
  test('SIGTERM with the registry serving stops cleanly: the registry first, then the broker; exit 0', async () => {
    await node.restart();
    await registryReady(node);
    await node.stop();
    expect(node.proc.exitCode).toBe(0);
    expect(node.logs()).toContain('stopped');
    expect(node.logs()).not.toContain('stop took longer');
  });
});
