// What an idle tick costs a node hosting many groups: 3 nodes, each a voter of every group (a
// topic of N partitions), real PartitionLogs on simulated disks, a quiet in-memory network.
// Once every group has a leader and has committed its first entry, a window of idle ticks is
// watched: the send() calls per peer and the messages in them, the bytes they would take on the
// wire (with the RPC codec, src/raft/wire.ts, when it is in the tree), and the fsyncs.
//
//   bun test/simulation/raft-shell/idle-tick.ts [--groups 1000] [--ticks 20] [--quiescence]
//
// With --quiescence the cores quiesce (src/raft/core/quiescence.ts) and RaftGroups runs
// node-level liveness: an idle tick should then cost one empty frame per peer.

import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { uuidToString, Writer } from '../../../src/protocol/primitives.ts';
import { membership, type NodeId } from '../../../src/raft/core/index.ts';
import { QuorumStateJournal } from '../../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../../src/raft/raft-groups.ts';
import type { GroupMessage, RaftTransport } from '../../../src/raft/transport.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { SimLoop } from '../sim-loop.ts';

const TICK_MS = 10;
const NODES = [1, 2, 3];
/** A topic id (Kafka's 22-character base64 UUID), as partition group ids carry it. */
const TOPIC_ID = uuidToString(new Prng(7).bytes(16), 0);

export interface IdleTickReport {
  readonly groups: number;
  readonly ticks: number;
  /** Per node and peer, per tick: send() calls, messages, and bytes (null without the codec). */
  readonly sendCallsPerPeerPerTick: number;
  readonly messagesPerPeerPerTick: number;
  readonly bytesPerPeerPerTick: number | null;
  /** The largest number of send() calls one node made to one peer within one turn. */
  readonly sendCallsPerPeerPerTurnMax: number;
  readonly fsyncsPerTick: number;
  readonly journalRecordsPerTick: number;
  /** Leaders per node once elected. */
  readonly leadersPerNode: readonly number[];
  /** Groups quiet at the end, over all nodes (groups x nodes when all are). */
  readonly quietGroups: number;
}

interface Call {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly turn: number;
  readonly messages: number;
  readonly bytes: number | null;
}

type Encode = (from: NodeId, to: NodeId, messages: readonly GroupMessage[]) => number;

/** The RPC codec's frame size, if src/raft/wire.ts is in the tree (it comes with the RPC branch). */
async function wireEncoder(): Promise<Encode | null> {
  const path = '../../../src/raft/' + 'wire.ts';
  try {
    const wire = (await import(path)) as { encodeRaftBatch(w: Writer, b: { from: number; to: number; messages: readonly GroupMessage[] }, v: number): void };
    return (from, to, messages) => {
      const w = new Writer(64 * 1024);
      wire.encodeRaftBatch(w, { from, to, messages }, 2);
      return w.length;
    };
  } catch {
    return null;
  }
}

export async function measureIdleTick(groups: number, ticks: number, quiescence = false): Promise<IdleTickReport> {
  const encode = await wireEncoder();
  const prng = new Prng(1);
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const loop = new SimLoop(scheduler);
  const calls: Call[] = [];
  const handlers = new Map<NodeId, (from: NodeId, m: readonly GroupMessage[]) => void>();
  const transport = (id: NodeId): RaftTransport => ({
    send(to, messages) {
      calls.push({ from: id, to, turn: loop.steps, messages: messages.length, bytes: encode === null ? null : encode(id, to, messages) });
      const copy = [...messages];
      scheduler.after(1, () => handlers.get(to)!(id, copy));
    },
    onMessages(h) {
      handlers.set(id, h);
    },
  });
  const disks = new Map<NodeId, SimStorageFs>();
  const nodes = new Map<NodeId, RaftGroups>();
  const ids = Array.from({ length: groups }, (_, p) => `${TOPIC_ID}:${p}`);
  for (const id of NODES) {
    const disk = new SimStorageFs({ scheduler });
    disks.set(id, disk);
    const journal = QuorumStateJournal.open(disk, `/n${id}/raft`);
    const g = new RaftGroups({ nodeId: id, scheduler, random: prng, transport: transport(id), journal, tickMs: TICK_MS, core: { quiescence } });
    for (const gid of ids) g.add(gid, PartitionLog.open(`/n${id}/kafka/${gid.replace(':', '/')}`, {}, { fs: disk, clock, crc32c }), membership(NODES));
    g.start();
    nodes.set(id, g);
  }
  // Elections, then every leader's first entry committed and applied everywhere.
  const settled = () => {
    for (const gid of ids) {
      const leader = NODES.map((n) => nodes.get(n)!.get(gid)!).find((d) => d.role === 'leader');
      if (leader === undefined) return false;
      const s = leader.status();
      if (s.commit !== s.lastIndex || NODES.some((n) => nodes.get(n)!.get(gid)!.status().applied !== s.commit)) return false;
    }
    return true;
  };
  await loop.until(settled, 60_000, 'every group elected and committed');
  await loop.advance(10 * TICK_MS); // the last commit indexes reach the followers (and idle groups quiesce)
  const fsyncsBefore = [...disks.values()].reduce((n, d) => n + d.fsyncCalls + d.fsyncDirCalls, 0);
  const recordsBefore = NODES.reduce((n, id) => n + nodes.get(id)!.journal.stats.records, 0);
  const callsBefore = calls.length;
  await loop.advance(ticks * TICK_MS);
  const window = calls.slice(callsBefore);
  const pairs = NODES.length * (NODES.length - 1);
  const perTurn = new Map<string, number>();
  for (const c of window) perTurn.set(`${c.from}>${c.to}@${c.turn}`, (perTurn.get(`${c.from}>${c.to}@${c.turn}`) ?? 0) + 1);
  const fsyncs = [...disks.values()].reduce((n, d) => n + d.fsyncCalls + d.fsyncDirCalls, 0) - fsyncsBefore;
  const records = NODES.reduce((n, id) => n + nodes.get(id)!.journal.stats.records, 0) - recordsBefore;
  const quietGroups = NODES.reduce((n, id) => n + [...nodes.get(id)!.all()].filter((d) => d.quiesced).length, 0);
  for (const g of nodes.values()) g.stop();
  return {
    groups,
    ticks,
    sendCallsPerPeerPerTick: window.length / pairs / ticks,
    messagesPerPeerPerTick: window.reduce((n, c) => n + c.messages, 0) / pairs / ticks,
    bytesPerPeerPerTick: encode === null ? null : window.reduce((n, c) => n + c.bytes!, 0) / pairs / ticks,
    sendCallsPerPeerPerTurnMax: Math.max(...perTurn.values()),
    fsyncsPerTick: fsyncs / NODES.length / ticks,
    journalRecordsPerTick: records / NODES.length / ticks,
    leadersPerNode: NODES.map((id) => [...nodes.get(id)!.all()].filter((d) => d.role === 'leader').length),
    quietGroups,
  };
}

if (import.meta.main) {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? dflt : Number(process.argv[i + 1]);
  };
  const started = performance.now();
  const r = await measureIdleTick(arg('--groups', 1000), arg('--ticks', 20), process.argv.includes('--quiescence'));
  console.log(JSON.stringify(r, null, 2));
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
