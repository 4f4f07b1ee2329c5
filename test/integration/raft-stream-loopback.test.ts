// Segment streaming (src/raft/stream) on the real network and disk, in this process: two nodes'
// RaftGroups over RpcRaftTransport on loopback, their logs in a temp directory. Node 1 leads a
// group whose learner, node 2, starts with an empty log while node 1 holds tens of MiB: node 2
// catches up by streaming (its streamer's counters), its segment files then hold node 1's bytes,
// and the leader did not also send those bytes as appends. A follower stopped mid-stream and
// reopened from its disk resumes and ends with the same bytes. Waits end on conditions, bounded
// by a deadline; nothing measures time.

import { afterEach, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../src/base/clock.ts';
import { Prng } from '../../src/base/prng.ts';
import { systemScheduler } from '../../src/base/scheduler.ts';
import { bunNetwork } from '../../src/net/bun-network.ts';
import { crc32c } from '../../src/protocol/records/crc32c.ts';
import { buildBatch } from '../../src/protocol/records/records.ts';
import { type GroupDriver } from '../../src/raft/group-driver.ts';
import { membership } from '../../src/raft/core/index.ts';
import { QuorumStateJournal } from '../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../src/raft/raft-groups.ts';
import { RpcRaftTransport } from '../../src/raft/rpc-transport.ts';
import { RpcEndpoint } from '../../src/rpc/index.ts';
import { NodeStorageFs } from '../../src/storage/fs.ts';
import { PartitionLog } from '../../src/storage/partition-log.ts';

const WAIT_MS_MAX = 60_000;
const GROUP = 'stream:0';
const MEMBERS = membership([1], [2]);
const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 256;
const disk = new NodeStorageFs();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MS_MAX;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS_MAX} ms`);
    await Bun.sleep(2);
  }
}

/** One life of a node: its endpoint, groups and the partition's log, over `dir`. */
function life(id: number, dir: string) {
  const rpc = new RpcEndpoint({ nodeId: id, clusterId: 'stream', network: bunNetwork, scheduler: systemScheduler, random: new Prng(id) });
  const transport = new RpcRaftTransport(rpc);
  const journal = QuorumStateJournal.open(disk, path.join(dir, 'raft'));
  const groups = new RaftGroups({ nodeId: id, scheduler: systemScheduler, random: new Prng(10 + id), transport, journal, tickMs: 50 });
  const log = PartitionLog.open(path.join(dir, 'kafka', 'stream', '0'), { segmentBytes: 8 * 1024 * 1024 }, { fs: disk, clock: systemClock, crc32c });
  const address = rpc.listen({ host: '127.0.0.1', port: 0 });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    groups.stop();
    rpc.stop();
    await log.close();
    journal.close();
  };
  cleanups.push(stop);
  return { id, rpc, groups, log, address, stop, segmentsDir: path.join(dir, 'kafka', 'stream', '0') };
}

function segmentBytes(dir: string): Buffer {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  return Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f))));
}

/** Node 1 leads alone and holds `mib` MiB, committed and flushed. */
async function leaderHolding(root: string, mib: number) {
  const a = life(1, path.join(root, 'n1'));
  const leader = a.groups.add(GROUP, a.log, MEMBERS);
  a.groups.start();
  leader.campaign();
  await until(() => leader.role === 'leader', 'node 1 leads');
  const value = new Uint8Array(RECORD_BYTES).fill(7);
  const batches = Math.ceil((mib * 2 ** 20) / (RECORD_BYTES * RECORDS_PER_BATCH));
  for (let i = 0; i < batches; i++) {
    const r = leader.propose(buildBatch({ records: Array.from({ length: RECORDS_PER_BATCH }, () => ({ value })) }));
    expect(r.ok).toBe(true);
    if (r.ok && i % 32 === 31) await until(() => leader.highWatermark > r.lastIndex, 'commit');
  }
  await until(() => leader.highWatermark === a.log.logEndOffset && a.log.flushedOffset === a.log.logEndOffset, 'the leader flushed and committed');
  return { a, leader };
}

function follow(root: string, a: ReturnType<typeof life>) {
  const b = life(2, path.join(root, 'n2'));
  a.rpc.setPeer(2, b.address);
  b.rpc.setPeer(1, a.address);
  const follower = b.groups.add(GROUP, b.log, MEMBERS);
  b.groups.start();
  return { b, follower };
}

const caughtUp = (leader: GroupDriver, follower: GroupDriver, log: PartitionLog, leaderLog: PartitionLog) =>
  log.flushedOffset === leaderLog.logEndOffset && follower.highWatermark === leader.highWatermark;

function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'freshet-stream-'));
  cleanups.unshift(() => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

test('an empty follower catches up by streaming: its segments end as the leader\'s, and the leader did not send the bytes twice', async () => {
  const root = tempRoot();
  const { a, leader } = await leaderHolding(root, 24);
  const { b, follower } = follow(root, a);
  await until(() => caughtUp(leader, follower, b.log, a.log), 'node 2 caught up');
  const logBytes = segmentBytes(a.segmentsDir).length;
  const stats = b.groups.streamer!.stats;
  expect(stats.sessions).toBeGreaterThanOrEqual(1);
  expect(stats.chunksRefused).toBe(0);
  // Nearly all of it streamed: the normal path carried at most the session's first append.
  expect(stats.bytes).toBeGreaterThan(0.9 * logBytes);
  // The leader appended nothing to node 2 while it streamed (progress state `stream`).
  expect(b.rpc.stats.bytesReceived).toBeLessThan(1.2 * logBytes);
  expect(segmentBytes(b.segmentsDir).equals(segmentBytes(a.segmentsDir))).toBe(true);
  // Back to the normal path: a new batch reaches node 2 as an append.
  const r = leader.propose(buildBatch({ records: [{ value: 'after' }] }));
  expect(r.ok).toBe(true);
  await until(() => caughtUp(leader, follower, b.log, a.log), 'node 2 holds the new batch');
  expect(segmentBytes(b.segmentsDir).equals(segmentBytes(a.segmentsDir))).toBe(true);
}, 120_000);

test('a follower stopped mid-stream and reopened from its disk resumes, and ends with the leader\'s bytes', async () => {
  const root = tempRoot();
  const { a, leader } = await leaderHolding(root, 24);
  const first = follow(root, a);
  await until(() => first.b.groups.streamer!.stats.chunks >= 3, 'node 2 streamed a few chunks');
  await first.b.stop();
  const heldBefore = first.b.log.logEndOffset;
  expect(heldBefore).toBeLessThan(a.log.logEndOffset);
  const { b, follower } = follow(root, a);
  expect(b.log.logEndOffset).toBeGreaterThan(0);
  await until(() => caughtUp(leader, follower, b.log, a.log), 'node 2 caught up after its restart');
  expect(b.groups.streamer!.stats.chunks).toBeGreaterThan(0);
  expect(segmentBytes(b.segmentsDir).equals(segmentBytes(a.segmentsDir))).toBe(true);
}, 120_000);
