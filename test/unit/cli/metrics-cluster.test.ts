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
import { freePort } from '../../helpers/ports.ts';
import { parseWithPrometheusClient, PROMETHEUS_PARSER, sampleValue } from '../../helpers/prometheus.ts';
import { testRequiring } from '../../helpers/requirements.ts';

let dir: string;
let node: RunningNode;
let metrics: NodeMetrics;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-metrics-cluster-'));
  const [kafka, rpc] = [await freePort(), await freePort()];
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
