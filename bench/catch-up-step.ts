// The cluster phase's catch-up step alone (cluster-data.ts, measureCatchUp), repeated, next to
// the machine's append+fdatasync limit at 1 MiB commits measured in the same run and the same
// filesystem. Not part of `npm run bench` (the full cluster phase runs the step once):
//
//   npm run build && bun bench/catch-up-step.ts [--mib N] [--runs R] [--empty]
//
// --empty: instead, catch-up of an EMPTY follower: a 4th node started into the cluster (the same
// --seeds), a partition holding N MiB on [1,2,3] reassigned to [1,2,4] with an
// AlterPartitionReassignments request (KIP-455, the request Kafka's AdminClient sends): MB/s
// from the request to node 4's segment files holding the leader's bytes.
//
// After each run it reads the restarted follower's log for the streaming line
// (src/raft/stream/streamer.ts: "streamed K chunks, B bytes of segments"), so the figure says
// which path carried the bytes.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureCatchUp } from './cluster-data.ts';
import { fourthNode, joinFourth, measureEmptyFollower } from './cluster-empty-follower.ts';
import { type BenchNode, clusterFormed, createTopics, kafkaOf, newCluster, startNode, stopNode } from './cluster-nodes.ts';
import { measureAppendFsync } from './disk.ts';
import { MiB } from './stats.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const MIB_CAUGHT_UP = arg('--mib', 200);
const RUNS = arg('--runs', 3);
const EMPTY = process.argv.includes('--empty');
const BIN = path.resolve('dist/freshet');
const SETS = ['replica.lag.time.max.ms=3000'];
const STREAM_LINE_WAIT_MS = 1000;
const STREAM_LINE = /streamed (\d+) chunks, (\d+) bytes of segments/g;

/** --empty: the 4th node, started on the first run. */
let fourth: BenchNode | null = null;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-catchup-step-'));
try {
  const disk = await measureAppendFsync(root, MiB, 3);
  console.log(`append+fdatasync per 1 MiB: ${disk.mbPerS.toFixed(1)} MB/s (fsync p50 ${disk.fsyncMs.p50.toFixed(2)} ms); 70% of it: ${(0.7 * disk.mbPerS).toFixed(1)} MB/s`);
  const b = await newCluster(path.join(root, 'cluster'));
  if (EMPTY) {
    try {
      for (let run = 0; run < RUNS; run++) await emptyFollower(b.nodes, run);
    } finally {
      await Promise.all([...b.nodes, ...(fourth === null ? [] : [fourth])].map((n) => stopNode(n, 'SIGTERM')));
    }
  } else try {
    for (const n of b.nodes) startNode(BIN, n, SETS);
    const cluster = kafkaOf(b.nodes);
    await clusterFormed(cluster);
    await createTopics(cluster, [{ topic: 'catchup', numPartitions: 1, replicationFactor: 3 }]);
    for (let run = 0; run < RUNS; run++) {
      const logBytesBefore = new Map(b.nodes.map((n) => [n.id, fs.existsSync(n.logFile) ? fs.statSync(n.logFile).size : 0]));
      const f = await measureCatchUp(BIN, b.nodes, SETS, 'catchup', MIB_CAUGHT_UP);
      // The session's last line is written once its last flush is done, which may be just after the bytes were seen.
      await Bun.sleep(STREAM_LINE_WAIT_MS);
      let streamed = 'no streaming line';
      for (const n of b.nodes) {
        const text = fs.readFileSync(n.logFile, 'utf8').slice(logBytesBefore.get(n.id));
        const lines = [...text.matchAll(STREAM_LINE)];
        if (lines.length === 0) continue;
        // The session's own time, from its first line to its last (log timestamps, ms).
        const starts = [...text.matchAll(/^(\S+) INFO +raft: group \S+ on node \d+ streams segments/gm)].map((m) => Date.parse(m[1]));
        const ends = [...text.matchAll(/^(\S+) INFO +raft: group \S+ on node \d+ streamed/gm)].map((m) => Date.parse(m[1]));
        const bytes = lines.reduce((s, m) => s + Number(m[2]), 0);
        const sessionMs = starts.length > 0 && ends.length > 0 ? ends[ends.length - 1] - starts[0] : NaN;
        streamed = `node ${n.id} streamed ${bytes} bytes in ${lines.reduce((s, m) => s + Number(m[1]), 0)} chunks, ${sessionMs} ms from its first session's start to its last's end (${(bytes / 1e6 / (sessionMs / 1000)).toFixed(1)} MB/s)`;
      }
      console.log(
        `run ${run + 1}: ${(f.bytesProduced / 1e6).toFixed(1)} MB produced, ${(f.leaderLogBytes / 1e6).toFixed(1)} MB of segments: ` +
          `caught up ${Math.round(f.msToLogBytes)} ms after spawn (${f.mbPerSecLogBytes.toFixed(1)} MB/s; its port ready at ${Math.round(f.msToReady)} ms), ` +
          `back in the leader's ISR at ${Math.round(f.msToIsr)} ms with ${(f.followerBytesAtIsr / 1e6).toFixed(1)} MB there; ${streamed}`,
      );
    }
  } finally {
    await Promise.all(b.nodes.map((n) => stopNode(n, 'SIGTERM')));
    await stopNode(b.lone, 'SIGTERM');
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}

/** Run `run` of --empty: a new topic on [1,2,3] holding the MiB, reassigned to [1,2,4]. */
async function emptyFollower(seeds: BenchNode[], run: number): Promise<void> {
  if (fourth === null) {
    for (const n of seeds) startNode(BIN, n, SETS);
    await clusterFormed(kafkaOf(seeds));
    fourth = await fourthNode(seeds, path.join(root, 'cluster'));
    await joinFourth(BIN, seeds, fourth, SETS);
  }
  const f = await measureEmptyFollower(seeds, fourth, `empty-${run}`, MIB_CAUGHT_UP);
  const streamed = f.streamedChunks === 0 ? 'no streaming line' : `node 4 streamed ${f.streamedBytes} bytes in ${f.streamedChunks} chunks`;
  console.log(`empty follower run ${run + 1}: ${(f.leaderBytes / 1e6).toFixed(1)} MB of segments on the leader; node 4 held them ${Math.round(f.ms)} ms after the reassignment request (${f.mbPerSec.toFixed(1)} MB/s); ${streamed}`);
}
