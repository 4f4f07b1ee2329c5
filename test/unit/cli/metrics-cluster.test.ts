// The Raft families of a clustered node: one node whose seeds are itself forms a one-voter
// controller quorum and elects itself (Raft paper section 5.2: a candidate in a new term, then
// leader), so its election counters move from what it did, not from our output.

import { afterAll, beforeAll, expect } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeMetrics, type NodeMetrics } from '../../../src/cli/metrics.ts';
import { systemDeps } from '../../../src/cli/node-deps.ts';
import { bindNode, openNode, type RunningNode } from '../../../src/cli/node.ts';
import { buildNodeConfig } from '../../../src/config/node-config.ts';
import { kafkaFor } from '../../helpers/kafkajs.ts';
import { freePort } from '../../helpers/ports.ts';
import { parseWithPrometheusClient, PROMETHEUS_PARSER, sampleValue } from '../../helpers/prometheus.ts';
import { testRequiring } from '../../helpers/requirements.ts';

let dir: string;
let kafkaPort: number;
let node: RunningNode;
let metrics: NodeMetrics;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-metrics-cluster-'));
  const [kafka, rpc] = [await freePort(), await freePort()];
  kafkaPort = kafka;
  const config = buildNodeConfig({ 'data-dir': dir, dev: false, 'node-id': '1', 'kafka-addr': `127.0.0.1:${kafka}`, 'rpc-addr': `127.0.0.1:${rpc}`, seeds: `1@127.0.0.1:${rpc}` });
  const deps = systemDeps({});
  node = openNode(await bindNode(config, deps), config, deps);
  metrics = nodeMetrics(node, config, deps);
});

afterAll(async () => {
  metrics?.stop();
  await node?.server.shutdown(1_000);
  await node?.cluster?.close();
  await node?.broker.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

testRequiring(PROMETHEUS_PARSER, "a one-voter quorum's election shows in the Raft counters and the controller's term", async () => {
  const deadline = Date.now() + 10_000;
  let fams = await parseWithPrometheusClient(metrics.render('all', 'openmetrics'), 'openmetrics');
  while ((sampleValue(fams, 'freshet_raft_leaderships_won_total') ?? 0) < 1 && Date.now() < deadline) {
    await Bun.sleep(100);
    fams = await parseWithPrometheusClient(metrics.render('all', 'openmetrics'), 'openmetrics');
  }
  expect(sampleValue(fams, 'freshet_raft_leaderships_won_total')).toBe(1);
  expect(sampleValue(fams, 'freshet_raft_elections_started_total')).toBe(1);
  expect(sampleValue(fams, 'freshet_raft_controller_term')).toBeGreaterThanOrEqual(1);
  expect(sampleValue(fams, 'freshet_raft_groups')).toBeGreaterThanOrEqual(1);
}, 30_000);

testRequiring(PROMETHEUS_PARSER, "a replicated partition's offsets and leadership are read from its replica", async () => {
  const kafka = kafkaFor(`127.0.0.1:${kafkaPort}`);
  const admin = kafka.admin();
  const producer = kafka.producer();
  let baseOffset = -1;
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'replicated', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await producer.connect();
    const sent = await producer.send({ topic: 'replicated', acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    baseOffset = Number(sent[0].baseOffset);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
  const fams = await parseWithPrometheusClient(metrics.render('all', 'prometheus'), 'prometheus');
  // acks=all answered: the three records are committed, so the high watermark is just past the
  // batch the client was told of (a new leader's control batch may come first: baseOffset > 0).
  expect(sampleValue(fams, 'freshet_partition_high_watermark', { topic: 'replicated', partition: '0' })).toBe(baseOffset + 3);
  expect(sampleValue(fams, 'freshet_partition_log_end_offset', { topic: 'replicated', partition: '0' })).toBe(baseOffset + 3);
  expect(sampleValue(fams, 'freshet_raft_leader_partitions')).toBeGreaterThanOrEqual(1);
  expect(sampleValue(fams, 'freshet_raft_leaderships_won_total')).toBeGreaterThanOrEqual(2); // the controller's and the partition's
}, 30_000);
