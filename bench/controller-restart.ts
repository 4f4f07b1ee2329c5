// Restart time of a node whose controller log holds many metadata records, with and without
// controller snapshots (src/cluster/quorum/metadata-snapshots.ts). Not part of `npm run bench`:
//
//   bun bench/controller-restart.ts [--records 20000] [--bin dist/freshet]
//
// For each mode, three real nodes form a cluster; IncrementalAlterConfigs through node 1 sets a
// config on RECORDS consumer groups (one metadata record each, 1,000 per request); then node 3
// is stopped (SIGTERM) and started again, and the bench reports, from its spawn: the Kafka
// listener ready, and the log line saying its metadata image caught up with the log's end at
// start (plus the time that line measures inside the process, from opening the controller log).
// "without": Kafka's 20 MiB threshold, never reached here, so the whole log is replayed;
// "with": a snapshot every 64 KiB, so the node loads its newest snapshot and replays what follows.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IncrementalAlterConfigs } from '../src/protocol/messages/index.ts';
import { RawClient } from '../test/helpers/raw-client.ts';
import { type BenchNode, clusterFormed, kafkaOf, newCluster, startNode, stopNode, until } from './cluster-nodes.ts';

const argValue = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const RECORDS = Number(argValue('--records') ?? 20_000);
const BIN = argValue('--bin') ?? path.join(import.meta.dir, '..', 'dist', 'freshet');
const GROUPS_PER_REQUEST = 1_000;
const SET = 0;

async function fill(n: BenchNode): Promise<void> {
  const client = await RawClient.connect(n.kafkaPort);
  try {
    for (let at = 0; at < RECORDS; at += GROUPS_PER_REQUEST) {
      const resources = Array.from({ length: Math.min(GROUPS_PER_REQUEST, RECORDS - at) }, (_, i) => ({
        resourceType: 32,
        resourceName: `bench-group-${at + i}`,
        configs: [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '50000' }],
      }));
      const r = await client.send(IncrementalAlterConfigs, 1, { resources, validateOnly: false });
      const bad = r.responses.find((x) => x.errorCode !== 0);
      if (bad !== undefined) throw new Error(`IncrementalAlterConfigs: ${bad.errorCode} ${bad.errorMessage}`);
    }
  } finally {
    client.close();
  }
}

const logOf = (n: BenchNode): string => fs.readFileSync(n.logFile, 'utf8');

async function measure(mode: 'without' | 'with'): Promise<Record<string, number | string>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-controller-restart-'));
  const { nodes } = await newCluster(root);
  const sets = mode === 'with' ? ['metadata.log.max.record.bytes.between.snapshots=65536'] : [];
  try {
    for (const n of nodes) startNode(BIN, n, sets);
    await clusterFormed(kafkaOf(nodes));
    await fill(nodes[0]);
    // A follower of the controller quorum, so its restart measures loading and replay, not an election.
    const admin = kafkaOf(nodes).admin();
    await admin.connect();
    const controller = (await admin.describeCluster().finally(() => admin.disconnect())).controller;
    const victim = nodes.find((n) => n.id !== controller)!;
    // The followers apply what the leader answered a moment ago.
    await Bun.sleep(3_000);
    await stopNode(victim, 'SIGTERM');
    const logDir = path.join(victim.dataDir, 'raft', '__cluster_metadata-0');
    const logBytes = fs.readdirSync(logDir).filter((f) => f.endsWith('.log')).reduce((sum, f) => sum + fs.statSync(path.join(logDir, f)).size, 0);
    fs.writeFileSync(victim.logFile, '');
    const t0 = performance.now();
    startNode(BIN, victim, sets);
    const ready = await until(async () => (/ node \d ready: /.test(logOf(victim)) ? performance.now() - t0 : null), 'the node ready', 5);
    const caught = await until(async () => {
      const m = /metadata caught up with the log's end at start \(offset (\d+)\) from (.*) in (\d+) ms/.exec(logOf(victim));
      return m === null ? null : { wallMs: performance.now() - t0, offset: Number(m[1]), from: m[2], inProcessMs: Number(m[3]) };
    }, 'the node catching up with its own log', 5);
    return { mode, node: victim.id, records: RECORDS, controllerLogBytes: logBytes, readyMs: Math.round(ready), caughtUpMs: Math.round(caught.wallMs), caughtUpInProcessMs: caught.inProcessMs, offset: caught.offset, from: caught.from };
  } catch (e) {
    for (const n of nodes) console.log(logOf(n).split('\n').filter((l) => !l.includes('rpc:')).slice(-30).join('\n'));
    throw e;
  } finally {
    for (const n of nodes) await stopNode(n, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

for (const mode of ['without', 'with'] as const) console.log(JSON.stringify(await measure(mode)));
