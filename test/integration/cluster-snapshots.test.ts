// Controller snapshots on three real dist/freshet processes (KIP-630; src/cluster/quorum,
// metadata-snapshots.ts), each started with a tiny metadata.log.max.record.bytes.between.snapshots:
// a follower of the controller quorum is killed -9 while holding a topic; kafkajs deletes it and
// creates and deletes enough topics through node 1 to pass the threshold several times; the
// other two wrote snapshot files (at most the two newest kept) and their controller log's start
// moved (its log-start-offset file); the killed node restarted catches up through the leader's
// snapshot (its log says it fetched and installed one), `kcat -L` through it lists exactly the
// live topics, and the deleted topics' directories are gone from its data directory; a node
// restarted on its own snapshot loads it (the log line names the offset).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterNodeProc, seedsFor, startClusterNodes, stopAll, waitFor } from '../helpers/cluster.ts';
import { kafkaFor } from '../helpers/kafkajs.ts';
import { KCAT_TOOL, kcat } from '../helpers/process.ts';
import { testRequiring } from '../helpers/requirements.ts';

const SEED_IDS = [1, 2, 3];
/** A snapshot every few topic operations (a created topic is ~200 bytes of records). */
const SNAPSHOT_BYTES = 2_048;
const FORM_MS_MAX = 30_000;
const CATCH_UP_MS_MAX = 30_000;
const CHURN_ROUNDS = 12;
/** The killed node is fenced soon, so the churned topics are placed on the two live nodes (and get leaders). */
const SESSION_TIMEOUT_MS = 2_000;
const TOPICS_PER_ROUND = 5;

const nodes = new Map<number, ClusterNodeProc>();

beforeAll(async () => {
  const s = await seedsFor(SEED_IDS);
  const sets = [`metadata.log.max.record.bytes.between.snapshots=${SNAPSHOT_BYTES}`, `broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`];
  const started = await startClusterNodes(SEED_IDS, s.ports, s.seeds, sets.flatMap((kv) => ['--set', kv]));
  for (const n of started) nodes.set(n.id, n);
}, 60_000);

afterAll(async () => {
  await stopAll([...nodes.values()]);
});

const node = (id: number): ClusterNodeProc => nodes.get(id)!;
const snapshotsOf = (id: number): string[] => {
  const dir = join(node(id).broker.dataDir, 'raft', '__cluster_metadata-snapshots');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.checkpoint')).sort() : [];
};
/** The controller log's start, from its log-start-offset checkpoint (0 when never moved). */
const logStartOf = (id: number): number => {
  const file = join(node(id).broker.dataDir, 'raft', '__cluster_metadata-0', 'log-start-offset');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim().split('\n')[2]?.trim() ?? 0) : 0;
};
const topicDirsOf = (id: number): string[] => {
  const dir = join(node(id).broker.dataDir, 'kafka');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

describe('controller snapshots on a three-node cluster', () => {
  testRequiring(
    KCAT_TOOL,
    'a node killed -9 while topics come and go catches up through a snapshot, lists exactly the live topics and keeps no deleted topic on disk; a restart loads its snapshot',
    async () => {
      const admin = kafkaFor(node(1).broker.bootstrap).admin();
      await admin.connect();
      const live = new Set<string>();
      let victim = 3;
      try {
        const cluster = await waitFor(async () => {
          const c = await admin.describeCluster();
          return c.brokers.length === 3 && c.controller !== null && c.controller > 0 ? c : null;
        }, FORM_MS_MAX, 'three registered brokers and a controller');
        // A follower of the controller quorum (kafkajs sends admin requests to the controller).
        victim = SEED_IDS.filter((id) => id !== cluster.controller).at(-1)!;
        // A topic on every node, the victim included, deleted while the victim is down.
        expect(await admin.createTopics({ topics: [{ topic: 'held', numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true })).toBe(true);
        await waitFor(async () => (topicDirsOf(victim).includes('held') ? true : null), CATCH_UP_MS_MAX, `node ${victim} holding topic held`);
        await node(victim).broker.kill9();
        await admin.deleteTopics({ topics: ['held'] });
        await waitFor(async () => ((await admin.describeCluster()).brokers.length === 2 ? true : null), FORM_MS_MAX, `node ${victim} fenced`);
        // Topics created and deleted through node 1, a few kept: the metadata log passes the threshold many times.
        for (let round = 0; round < CHURN_ROUNDS; round++) {
          const names = Array.from({ length: TOPICS_PER_ROUND }, (_, i) => `churn-${round}-${i}`);
          await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 2 })) });
          const keep = names[0];
          await admin.deleteTopics({ topics: names.filter((n) => n !== keep) });
          if (round % 4 === 0) live.add(keep);
          else await admin.deleteTopics({ topics: [keep] });
        }
      } finally {
        await admin.disconnect();
      }

      // The others wrote snapshots (the two newest kept) and compacted their logs below them.
      const others = SEED_IDS.filter((id) => id !== victim);
      for (const id of others) {
        await waitFor(async () => (logStartOf(id) > 0 ? true : null), CATCH_UP_MS_MAX, `node ${id}'s controller log compacted`);
        const files = snapshotsOf(id);
        expect(files.length).toBeGreaterThanOrEqual(1);
        expect(files.length).toBeLessThanOrEqual(2);
        expect(node(id).broker.logs()).toMatch(/cluster: wrote the controller snapshot at offset \d+/);
        console.log(`node ${id}: snapshots ${files.join(' ')}; controller log starts at ${logStartOf(id)}`);
      }

      // The victim comes back behind the leader's log start: InstallSnapshot, the snapshot fetched.
      await node(victim).broker.restart();
      await waitFor(async () => (/cluster: installed the controller snapshot at offset \d+/.test(node(victim).broker.logs()) ? true : null), CATCH_UP_MS_MAX, `node ${victim} installing the leader's snapshot`);
      expect(node(victim).broker.logs()).toMatch(/cluster: fetched the controller snapshot at offset \d+ \(term \d+, \d+ bytes of state\) from node \d/);
      const listed = await waitFor(
        async () => {
          const r = await kcat(['-b', node(victim).broker.bootstrap, '-L', '-J']);
          if (r.exitCode !== 0) return null;
          const topics = (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic).sort();
          return JSON.stringify(topics) === JSON.stringify([...live].sort()) ? topics : null;
        },
        CATCH_UP_MS_MAX,
        `kcat -L through node ${victim} listing exactly ${[...live].join(',')}`,
      );
      expect(listed).toEqual([...live].sort());
      // The topic deleted while it was down, and every churned topic, are gone from its disk.
      await waitFor(async () => (topicDirsOf(victim).every((t) => live.has(t)) ? true : null), CATCH_UP_MS_MAX, `node ${victim}'s topic directories (${topicDirsOf(victim).join(' ')}) within the live topics`);
      expect(topicDirsOf(victim)).not.toContain('held');

      // A node restarted on its own snapshot loads it and replays only what follows.
      const again = others[0];
      await node(again).broker.restart();
      const loaded = await waitFor(async () => /cluster: loaded the controller snapshot at offset (\d+)/.exec(node(again).broker.logs()), CATCH_UP_MS_MAX, `node ${again} loading its snapshot`);
      expect(Number(loaded[1])).toBeGreaterThanOrEqual(logStartOf(again) - 1);
      console.log(`node ${again} restarted: loaded the snapshot at offset ${loaded[1]}`);
    },
    180_000,
  );
});
