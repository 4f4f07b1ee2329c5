// A 3-node controller quorum of real dist/freshet processes on 127.0.0.1: how long a leader
// election takes after kill -9 of the leader (from the kill to the new leader's own log line
// "controller leader is this node", median of several kills), and what 3 idle nodes cost
// (CPU over a quiet window from /proc/<pid>/stat, RSS from /proc/<pid>/status), next to a node
// without seeds idling in the same window.
//
//   bun bench/cluster.ts [--kills 7] [--idle-seconds 10] [--bin dist/freshet]
//
// Not a test: it prints figures and exits 0 unless the cluster did not form.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Subprocess } from 'bun';
import { freePort } from './broker.ts';
import { cpuSeconds, statusKiB } from './proc.ts';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const KILLS = Number(arg('--kills', '7'));
const IDLE_SECONDS = Number(arg('--idle-seconds', '10'));
const BIN = path.resolve(arg('--bin', path.join(import.meta.dir, '..', 'dist', 'freshet')));
const WAIT_MS_MAX = 30_000;
/** Between kills: the restarted node catches up and the quorum is quiet again. */
const SETTLE_MS = 3_000;

interface Node {
  id: number;
  kafkaPort: number;
  rpcPort: number;
  dataDir: string;
  logFile: string;
  proc: Subprocess | null;
}

const live = new Set<Subprocess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-bench-cluster-'));
const nodes: Node[] = [];
for (const id of [1, 2, 3]) {
  const dataDir = path.join(root, `n${id}`);
  fs.mkdirSync(dataDir);
  nodes.push({ id, kafkaPort: await freePort(), rpcPort: await freePort(), dataDir, logFile: path.join(root, `n${id}.log`), proc: null });
}
const seeds = nodes.map((n) => `${n.id}@127.0.0.1:${n.rpcPort}`).join(',');
/** A node without seeds, idle in the same window: the baseline the cluster's cost adds to. */
const lone: Node = { id: 0, kafkaPort: await freePort(), rpcPort: 0, dataDir: path.join(root, 'lone'), logFile: path.join(root, 'lone.log'), proc: null };
fs.mkdirSync(lone.dataDir);

function start(n: Node): void {
  const argv = [BIN, 'start', '--node-id', String(n.id), '--data-dir', n.dataDir, '--kafka-addr', `127.0.0.1:${n.kafkaPort}`, '--schema-registry-addr', 'none', '--proxy-addr', 'none', '--admin-addr', 'none'];
  if (n !== lone) argv.push('--seeds', seeds);
  argv.push('--set', 'storage.min.free.bytes=16777216');
  const log = fs.openSync(n.logFile, 'a');
  n.proc = Bun.spawn(argv, { stdout: log, stderr: log, stdin: 'ignore' });
  live.add(n.proc);
}

function logOf(n: Node): string {
  return fs.readFileSync(n.logFile, 'utf8');
}

/** The newest "controller leader is this node (term T)" line of any node: who, which term, when (wall ms). */
function latestLeadership(): { id: number; term: number; atMs: number } | null {
  let best: { id: number; term: number; atMs: number } | null = null;
  for (const n of nodes) {
    for (const m of logOf(n).matchAll(/^(\S+) INFO {2}cluster: controller leader is this node \(term (\d+)\)$/gm)) {
      const term = Number(m[2]);
      if (best === null || term > best.term) best = { id: n.id, term, atMs: Date.parse(m[1]) };
    }
  }
  return best;
}

async function waitFor<T>(probe: () => T | null, what: string): Promise<T> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (performance.now() < deadline) {
    const v = probe();
    if (v !== null) return v;
    await Bun.sleep(20);
  }
  throw new Error(`${what} did not happen within ${WAIT_MS_MAX} ms (logs in ${root})`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  const t0 = Date.now();
  for (const n of nodes) start(n);
  const first = await waitFor(latestLeadership, 'a first leader');
  console.log(`formation: node ${first.id} leads term ${first.term}, ${first.atMs - t0} ms after the 3 processes were spawned`);

  start(lone);
  await Bun.sleep(SETTLE_MS);
  const idle = [...nodes, lone];
  const pids = idle.map((n) => n.proc!.pid);
  const cpu0 = pids.map((p) => cpuSeconds(p)!);
  await Bun.sleep(IDLE_SECONDS * 1000);
  const cpu1 = pids.map((p) => cpuSeconds(p)!);
  const rss = pids.map((p) => statusKiB(p, 'VmRSS')!);
  idle.forEach((n, i) => {
    const pct = ((cpu1[i] - cpu0[i]) / IDLE_SECONDS) * 100;
    console.log(`idle ${n === lone ? 'lone node (no --seeds)' : `node ${n.id}`}: CPU ${pct.toFixed(2)}% of one core over ${IDLE_SECONDS} s, RSS ${(rss[i] / 1024).toFixed(1)} MiB`);
  });

  const elections: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const leader = await waitFor(latestLeadership, 'a leader');
    const victim = nodes.find((n) => n.id === leader.id)!;
    const killedAtMs = Date.now();
    victim.proc!.kill('SIGKILL');
    await victim.proc!.exited;
    const next = await waitFor(() => {
      const l = latestLeadership();
      return l !== null && l.term > leader.term ? l : null;
    }, `a new leader after kill ${k + 1}`);
    elections.push(next.atMs - killedAtMs);
    console.log(`kill -9 of node ${leader.id} (term ${leader.term}): node ${next.id} leads term ${next.term} after ${next.atMs - killedAtMs} ms`);
    start(victim);
    await Bun.sleep(SETTLE_MS);
  }
  console.log(
    `leader election after kill -9: median ${median(elections)} ms, min ${Math.min(...elections)} ms, max ${Math.max(...elections)} ms over ${elections.length} kills`,
  );
} finally {
  for (const n of [...nodes, lone]) n.proc?.kill('SIGTERM');
  await Promise.all([...nodes, lone].map((n) => n.proc?.exited));
  fs.rmSync(root, { recursive: true, force: true });
}
