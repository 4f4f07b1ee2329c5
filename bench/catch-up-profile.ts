// Where an empty follower's catch-up time goes, in one process (run it under --cpu-prof to see
// the split): node 1 leads a 1-voter group and holds N MiB of 1 MiB batches (16 KiB records);
// node 2, a learner with an empty log, is then added and catches up over the real RPC on
// loopback and the real disk. Prints MB/s from node 2's start to its log holding the leader's
// whole log, flushed; and the frames, appends and flushes it took.
//
//   bun bench/catch-up-profile.ts [--mib N] [--record-kib K] [--records R] [--no-stream]
//   bun --cpu-prof --cpu-prof-dir <dir> bench/catch-up-profile.ts

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../src/base/clock.ts';
import { Prng } from '../src/base/prng.ts';
import { systemScheduler } from '../src/base/scheduler.ts';
import { bunNetwork } from '../src/net/bun-network.ts';
import { installAccelerators } from '../src/compression/accelerators.ts';
import { crc32c } from '../src/protocol/records/crc32c.ts';
import { buildBatch } from '../src/protocol/records/records.ts';
import { membership } from '../src/raft/core/index.ts';
import { QuorumStateJournal } from '../src/raft/quorum-state.ts';
import { RaftGroups } from '../src/raft/raft-groups.ts';
import { RpcRaftTransport } from '../src/raft/rpc-transport.ts';
import { RpcEndpoint } from '../src/rpc/index.ts';
import { NodeStorageFs } from '../src/storage/fs.ts';
import { PartitionLog } from '../src/storage/partition-log.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const MIB = arg('--mib', 200);
const RECORD_BYTES = arg('--record-kib', 16) * 1024;
const RECORDS_PER_BATCH = arg('--records', 60);
const NO_STREAM = process.argv.includes('--no-stream');
const WAIT_MS_MAX = 120_000;
const GROUP = 'bench:0';
const members = membership([1], [2]);

// As a node does at start (src/cli): the native CRC32C when there is one.
const accelerated = installAccelerators();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-catchup-'));
const disk = new NodeStorageFs();
const logDeps = { fs: disk, clock: systemClock, crc32c };

function node(id: number) {
  const rpc = new RpcEndpoint({ nodeId: id, clusterId: 'catchup', network: bunNetwork, scheduler: systemScheduler, random: new Prng(id) });
  const transport = new RpcRaftTransport(rpc);
  const journal = QuorumStateJournal.open(disk, path.join(root, `n${id}`, 'raft'));
  // --no-stream: a transport without range requests, so catch-up goes entry by entry (the core's appends).
  const carried = NO_STREAM ? { send: transport.send.bind(transport), onMessages: transport.onMessages.bind(transport) } : transport;
  const groups = new RaftGroups({ nodeId: id, scheduler: systemScheduler, random: new Prng(10 + id), transport: carried, journal, tickMs: 100 });
  const log = PartitionLog.open(path.join(root, `n${id}`, 'kafka', 'bench', '0'), {}, logDeps);
  const address = rpc.listen({ host: '127.0.0.1', port: 0 });
  return { id, rpc, groups, log, address };
}

async function until(cond: () => boolean, what: string, stepMs = 2): Promise<void> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS_MAX} ms`);
    await Bun.sleep(stepMs);
  }
}

/** Node `id`'s segment files of the partition, concatenated in offset order. */
function segmentBytes(id: number): Buffer {
  const dir = path.join(root, `n${id}`, 'kafka', 'bench', '0');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

const a = node(1);
const b = node(2);
a.rpc.setPeer(2, b.address);
b.rpc.setPeer(1, a.address);
const leader = a.groups.add(GROUP, a.log, members);
a.groups.start();
leader.campaign();
await until(() => leader.role === 'leader', 'node 1 leads');
const value = new Uint8Array(RECORD_BYTES).fill(99);
const batchBytes = RECORD_BYTES * RECORDS_PER_BATCH;
const batches = Math.ceil((MIB * 2 ** 20) / batchBytes);
for (let i = 0; i < batches; i++) {
  const r = leader.propose(buildBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, () => ({ value })) }));
  if (!r.ok) {
    await Bun.sleep(5);
    i--;
    continue;
  }
  if (i % 16 === 15) await until(() => leader.highWatermark >= r.lastIndex + 1, 'commit');
}
await until(() => leader.highWatermark === a.log.logEndOffset && a.log.flushedOffset === a.log.logEndOffset, 'the leader flushed and committed');
const leaderBytes = a.log.logEndOffset;
const sizeBytes = fs.readdirSync(path.join(root, 'n1', 'kafka', 'bench', '0')).filter((f) => f.endsWith('.log')).reduce((s, f) => s + fs.statSync(path.join(root, 'n1', 'kafka', 'bench', '0', f)).size, 0);

const t0 = performance.now();
const follower = b.groups.add(GROUP, b.log, members);
b.groups.start();
let flushes = 0;
const flush = b.log.flush.bind(b.log);
b.log.flush = () => {
  flushes++;
  return flush();
};
await until(() => b.log.flushedOffset === leaderBytes && follower.status().commit === leaderBytes - 1, 'the follower caught up', 1);
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    mib: MIB,
    crc32c: accelerated.crc32c,
    batches,
    logBytes: sizeBytes,
    ms: Math.round(ms),
    mbPerSec: Math.round(sizeBytes / 1e6 / (ms / 1000)),
    followerFramesReceived: b.rpc.stats.messagesReceived,
    followerFlushes: flushes,
    sends: b.groups.stats.sendCalls,
    streamed: b.groups.streamer?.stats,
    sameBytes: segmentBytes(1).equals(segmentBytes(2)),
  }),
);
a.groups.stop();
b.groups.stop();
a.rpc.stop();
b.rpc.stop();
fs.rmSync(root, { recursive: true, force: true });
