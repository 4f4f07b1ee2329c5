// `freshet topic produce|consume` against a 3-node cluster: records produced through one node
// (the client routes each batch to its partition's leader) are read through another by kcat
// (librdkafka) with keys and headers intact, and by `freshet topic consume -g` as a group member;
// then the topic and the group are listed, described and deleted through the other nodes.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { FRESHET_BIN } from '../helpers/broker.ts';
import { type ClusterNodeProc, clusterInfo, partitionsVia, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { uniqueTopic } from '../helpers/names.ts';
import { describeRun, expectSuccess, kcat, KCAT_TOOL, parseJsonLines, run, type RunResult } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

const SEED_IDS = [1, 2, 3];
/** Liveness bounds, generous for a loaded 2-core machine. */
const FORM_MS_MAX = 30_000;
const CLI_TIMEOUT_MS = 30_000;

let nodes: ClusterNodeProc[] = [];

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  nodes = await startClusterNodes(SEED_IDS, s.ports, s.seeds);
}, 60_000);

afterAll(async () => {
  await stopAll(nodes);
});

function cli(args: string[], via: number, stdin?: string): Promise<RunResult> {
  return run([FRESHET_BIN, ...args, '--brokers', nodes[via].broker.bootstrap], { timeoutMs: CLI_TIMEOUT_MS, stdin });
}

function expectExit(result: RunResult, code: number): RunResult {
  expect(result.timedOut, describeRun(result)).toBe(false);
  expect(result.exitCode, describeRun(result)).toBe(code);
  return result;
}

describe('produce and consume on a 3-node cluster', () => {
  testRequiring(
    KCAT_TOOL,
    'records produced through node 1 are read through node 3 by kcat and by a group member',
    async () => {
      await waitFor(async () => ((await clusterInfo(nodes[0].broker.bootstrap))?.quorum?.leaderId ?? -1) >= 0 || null, FORM_MS_MAX, 'a controller leader');
      const topic = uniqueTopic('cli-cluster');
      expectExit(await cli(['topic', 'create', topic, '-p', '3', '-r', '3'], 0), 0);
      await waitFor(() => partitionsVia(nodes[2].broker.bootstrap, topic, 3), FORM_MS_MAX, 'leaders for every partition');
      const lines = Array.from({ length: 12 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
      expectExit(await cli(['topic', 'produce', topic, '-K', ':', '-H', 'via=node1'], 0, lines), 0);

      const read = expectSuccess(await kcat(['-b', nodes[2].broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%k=%s %h\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
      const expected = Array.from({ length: 12 }, (_, i) => `k${i}=v${i} via=node1`).sort();
      expect(read.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(expected);

      const group = uniqueTopic('cli-cluster-g');
      const consumed = parseJsonLines<{ key: string; value: string; partition: number }>(expectExit(await cli(['topic', 'consume', topic, '-g', group, '-n', '12', '--format', 'json'], 2), 0).stdout);
      expect(consumed.map((r) => `${r.key}=${r.value} via=node1`).sort()).toEqual(expected);
      expect(new Set(consumed.map((r) => r.partition)).size).toBeGreaterThan(1);

      // Topics and groups through the other nodes: the topic as created (3 partitions of 3
      // replicas), the group's commits (past every record), then both deleted.
      const listed = JSON.parse(expectExit(await cli(['topic', 'list', '--format', 'json'], 1), 0).stdout) as Array<{ name: string; partitions: number; replicationFactor: number }>;
      expect(listed.find((t) => t.name === topic)).toMatchObject({ partitions: 3, replicationFactor: 3 });
      const described = JSON.parse(expectExit(await cli(['topic', 'describe', topic, '--format', 'json'], 2), 0).stdout) as { partitions: Array<{ replicas: number[] }> };
      expect(described.partitions.map((p) => [...p.replicas].sort())).toEqual([SEED_IDS, SEED_IDS, SEED_IDS]);
      const groups = JSON.parse(expectExit(await cli(['group', 'list', '--format', 'json'], 1), 0).stdout) as Array<{ groupId: string }>;
      expect(groups.map((g) => g.groupId)).toContain(group);
      // The group committed, per partition, the offset after the last record kcat reads there
      // (offsets, not counts: Raft's control batches take offsets too).
      const kcatOffsets = expectSuccess(await kcat(['-b', nodes[1].broker.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p %o\\n'], { timeoutMs: CLI_TIMEOUT_MS }));
      const next = new Map<number, number>();
      for (const [p, o] of kcatOffsets.stdout.split('\n').filter((l) => l !== '').map((l) => l.split(' ').map(Number))) next.set(p, Math.max(next.get(p) ?? 0, o + 1));
      const offsets = (JSON.parse(expectExit(await cli(['group', 'describe', group, '--format', 'json'], 0), 0).stdout) as { offsets: Array<{ partition: number; committedOffset: number | null }> }).offsets;
      expect(offsets.filter((o) => o.committedOffset !== null).map((o) => [o.partition, o.committedOffset]).sort()).toEqual([...next].sort());
      expectExit(await cli(['group', 'delete', group], 2), 0);
      expectExit(await cli(['group', 'describe', group], 1), 1);
      expectExit(await cli(['topic', 'delete', topic], 1), 0);
      await waitFor(async () => (expectExit(await cli(['topic', 'list'], 0), 0).stdout.includes(topic) ? null : true), FORM_MS_MAX, 'the deleted topic gone from node 1');
    },
    120_000,
  );
});
