// The schema registry on a three-node cluster of real dist/freshet processes: one `_schemas`
// topic replicated to all three (Confluent's KafkaStore: replication factor min(3, brokers)),
// every node's registry ready, and registrations sent to different nodes at the same time
// getting unique ids that every node then serves. Confluent's API reference is the oracle: an
// id names one schema across the whole registry, and the same schema under two subjects keeps
// one id ("Schema Registry API Reference", POST /subjects/{subject}/versions).

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { type ClusterNodeProc, partitionsVia, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { avroRecord, registerSchema, registryReady, routesTest, sr } from '../helpers/registry.ts';

setDefaultTimeout(120_000);

const SEED_IDS = [1, 2, 3];
/** A cluster forms and the registries replay within this (three processes on two cores). */
const READY_MS_MAX = 60_000;
/** A record one node wrote is applied by the others' tails within this. */
const SEEN_MS_MAX = 15_000;

let nodes: ClusterNodeProc[] = [];
beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  nodes = await startClusterNodes(SEED_IDS, s.ports, s.seeds, [], { registry: true });
  await Promise.all(nodes.map((n) => registryReady(n.broker, READY_MS_MAX)));
});
afterAll(async () => {
  await stopAll(nodes);
});

const url = (n: ClusterNodeProc) => n.broker.registryUrl!;

describe('the registry on a cluster', () => {
  test('_schemas is one partition replicated to all three nodes, compacted; every node\'s registry replayed it', async () => {
    const view = await waitFor(() => partitionsVia(nodes[0].broker.bootstrap, '_schemas', 1), READY_MS_MAX, '_schemas with a leader');
    expect(view[0].replicas.length).toBe(3);
    const admin = kafkaFor(nodes[1].broker.bootstrap).admin();
    await admin.connect();
    try {
      const cfg = await admin.describeConfigs({ resources: [{ type: 2, name: '_schemas', configNames: ['cleanup.policy'] }], includeSynonyms: false });
      expect(cfg.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
    // One node created it; the others found it there.
    const created = nodes.filter((n) => n.broker.logs().includes('registry: created _schemas'));
    expect(created.length).toBe(1);
  });

  routesTest('registrations on different nodes at once get unique ids, and every node serves all of them', async () => {
    // 12 different schemas under 12 subjects, sent to the three nodes at the same time.
    const calls = Array.from({ length: 12 }, (_, i) => ({ node: nodes[i % 3], subject: `cluster-s${i}`, schema: avroRecord(`Cluster${i}`) }));
    const ids = await Promise.all(calls.map((c) => registerSchema(url(c.node), c.subject, c.schema)));
    expect(new Set(ids).size).toBe(calls.length);
    for (const n of nodes) {
      for (const [i, c] of calls.entries()) {
        const schema = await waitFor(async () => {
          const r = await sr(url(n), 'GET', `/schemas/ids/${ids[i]}`);
          return r.status === 200 ? (r.body as { schema: string }).schema : null;
        }, SEEN_MS_MAX, `node ${n.id} serving id ${ids[i]}`);
        expect(JSON.parse(schema)).toEqual(JSON.parse(c.schema));
        const v = await sr(url(n), 'GET', `/subjects/${c.subject}/versions/1`);
        expect((v.body as { id: number }).id).toBe(ids[i]);
      }
    }
  });

  routesTest('the same new schema registered on three nodes at once keeps one id', async () => {
    const schema = avroRecord('SharedAcrossNodes');
    const ids = await Promise.all(nodes.map((n, i) => registerSchema(url(n), `shared-${i}`, schema)));
    expect(new Set(ids).size).toBe(1);
  });

  routesTest('different schemas for one subject on three nodes at once: distinct versions and ids, the same on every node', async () => {
    const subject = 'contended';
    // Compatibility NONE, so every schema is accepted and only the race decides the versions.
    const cfg = await sr(url(nodes[0]), 'PUT', `/config/${subject}`, { compatibility: 'NONE' });
    expect(cfg.status).toBe(200);
    const schemas = nodes.map((_, i) => avroRecord(`Contended${i}`));
    const ids = await Promise.all(nodes.map((n, i) => registerSchema(url(n), subject, schemas[i])));
    expect(new Set(ids).size).toBe(3);
    for (const n of nodes) {
      const versions = await waitFor(async () => {
        const r = await sr(url(n), 'GET', `/subjects/${subject}/versions`);
        return r.status === 200 && (r.body as number[]).length === 3 ? (r.body as number[]) : null;
      }, SEEN_MS_MAX, `node ${n.id} listing three versions`);
      expect(versions).toEqual([1, 2, 3]);
      const held = await Promise.all(versions.map(async (v) => ((await sr(url(n), 'GET', `/subjects/${subject}/versions/${v}`)).body as { id: number }).id));
      expect([...held].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    }
  });
});
