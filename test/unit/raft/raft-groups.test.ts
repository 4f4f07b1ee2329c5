// RaftGroups and the group driver (src/raft/raft-groups.ts, group-driver.ts): one timer per
// node; an idle tick of 1,000 groups costs one send() call per peer per turn and no fsync; an
// election storm of many groups costs one journal record and one fsync, and the votes go out
// only after it, in one call; a message for a group the node does not host, or on the wrong
// link, is dropped and counted; a leader's proposal is in its log before propose() returns.

import { describe, expect, test } from 'bun:test';
import { ManualClock } from '../../../src/base/clock.ts';
import { Prng } from '../../../src/base/prng.ts';
import { SimScheduler } from '../../../src/base/scheduler.ts';
import { buildBatch } from '../../../src/protocol/records/records.ts';
import { crc32c } from '../../../src/protocol/records/crc32c.ts';
import { membership, type Membership, type NodeId } from '../../../src/raft/core/index.ts';
import { QuorumStateJournal } from '../../../src/raft/quorum-state.ts';
import { RaftGroups } from '../../../src/raft/raft-groups.ts';
import type { GroupMessage, RaftTransport } from '../../../src/raft/transport.ts';
import { PartitionLog } from '../../../src/storage/partition-log.ts';
import { SimStorageFs } from '../../../src/storage/sim-fs.ts';
import { SimLoop } from '../../simulation/sim-loop.ts';
import { measureIdleTick } from '../../simulation/raft-shell/idle-tick.ts';

const TICK_MS = 10;

/** Node 1 alone, with a transport that records what it sends and lets the test deliver frames. */
function lonelyNode(groups: number, members: Membership = membership([1, 2, 3])) {
  const clock = new ManualClock();
  const scheduler = new SimScheduler(clock);
  const loop = new SimLoop(scheduler);
  const disk = new SimStorageFs({ scheduler, fsyncLatencyMs: { min: 2, max: 2, random: new Prng(1) } });
  const sent: Array<{ to: NodeId; messages: readonly GroupMessage[] }> = [];
  let deliver: (from: NodeId, m: readonly GroupMessage[]) => void = () => {};
  const transport: RaftTransport = {
    send: (to, messages) => sent.push({ to, messages }),
    onMessages: (h) => {
      deliver = h;
    },
  };
  const journal = QuorumStateJournal.open(disk, '/n1/raft');
  const node = new RaftGroups({ nodeId: 1, scheduler, random: new Prng(2), transport, journal, tickMs: TICK_MS });
  const ids = Array.from({ length: groups }, (_, p) => `t:${p}`);
  for (const id of ids) node.add(id, PartitionLog.open(`/n1/kafka/${id.replace(':', '/')}`, {}, { fs: disk, clock, crc32c }), members);
  return { node, disk, sent, loop, scheduler, ids, deliver: (from: NodeId, m: GroupMessage[]) => deliver(from, m) };
}

describe('turns', () => {
  test('one timer for the node, however many groups', () => {
    const n = lonelyNode(300);
    n.node.start();
    expect(n.scheduler.pending).toBe(1);
  });

  test('1,000 groups on 3 nodes: an idle tick is one send() per peer per turn, every heartbeat and answer in it, and no fsync', async () => {
    const r = await measureIdleTick(1000, 10);
    expect(r.sendCallsPerPeerPerTurnMax).toBe(1);
    // Each group's leader sends a heartbeat to each of its 2 followers and each answers: 4 per
    // group per tick over the 6 directed links between 3 nodes.
    expect(r.messagesPerPeerPerTick).toBeCloseTo((4 * 1000) / 6, 6);
    // The tick's heartbeats in one call, and the answers to a peer's heartbeats in another.
    expect(r.sendCallsPerPeerPerTick).toBe(2);
    expect(r.fsyncsPerTick).toBe(0);
    expect(r.journalRecordsPerTick).toBe(0);
    expect(r.leadersPerNode.reduce((a, b) => a + b, 0)).toBe(1000);
  }, 30_000);

  test('1,000 quiet groups on 3 nodes (quiescence): an idle tick is one empty frame per peer, not one heartbeat', async () => {
    const r = await measureIdleTick(1000, 10, true);
    expect(r.quietGroups).toBe(3000);
    expect(r.messagesPerPeerPerTick).toBe(0);
    expect(r.sendCallsPerPeerPerTick).toBe(1);
    expect(r.bytesPerPeerPerTick).toBeLessThan(16);
    expect(r.fsyncsPerTick).toBe(0);
    expect(r.leadersPerNode.reduce((a, b) => a + b, 0)).toBe(1000);
  }, 30_000);

  test('an election storm: 200 groups vote in one turn for one journal record and one fsync, and the votes go out after it, in one call', async () => {
    const n = lonelyNode(200);
    const before = n.disk.fsyncCalls;
    n.deliver(
      2,
      n.ids.map((group) => ({ group, message: { type: 'request_vote', from: 2, to: 1, term: 5, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 } })),
    );
    await n.loop.settle();
    expect(n.sent).toEqual([]); // nothing promised before the vote is durable
    await n.loop.advance(5);
    expect(n.disk.fsyncCalls - before).toBe(1);
    expect(n.node.journal.stats.records).toBe(1);
    expect(n.sent.length).toBe(1);
    expect(n.sent[0].to).toBe(2);
    expect(n.sent[0].messages.map((m) => m.message.type === 'request_vote_response' && m.message.granted)).toEqual(n.ids.map(() => true));
  });
});

describe('messages that do not belong', () => {
  test('a message for a group this node does not host, or on the wrong link, is dropped and counted; the rest are handled', async () => {
    const n = lonelyNode(2);
    const vote = (group: string, from: NodeId, to: NodeId): GroupMessage => ({
      group,
      message: { type: 'request_vote', from, to, term: 5, preVote: true, transfer: false, lastIndex: -1, lastTerm: 0 },
    });
    n.deliver(2, [vote('unknown:9', 2, 1), vote('t:0', 3, 1), vote('t:0', 2, 7), vote('t:1', 2, 1)]);
    await n.loop.advance(5);
    expect(n.node.stats.unknownGroupMessages).toBe(1);
    expect(n.node.stats.misaddressedMessages).toBe(2);
    expect(n.sent.flatMap((s) => s.messages.map((m) => `${m.group} ${m.message.type}`))).toEqual(['t:1 request_vote_response']);
  });
});

describe('proposals', () => {
  test('a leader`s batch is in its log, stamped with its offsets and term, when propose() returns; below the high watermark after the flush', async () => {
    const n = lonelyNode(1, membership([1]));
    n.node.start();
    const d = n.node.get('t:0')!;
    await n.loop.until(() => d.role === 'leader' && d.status().commit === 0, 1000, 'a single voter elected');
    const batch = buildBatch({ records: [{ value: 'a' }, { value: 'b' }] });
    const r = d.propose(batch);
    expect(r).toEqual({ ok: true, firstIndex: 1, lastIndex: 2, term: d.term });
    expect(d.storage.log.logEndOffset).toBe(3);
    const stored = d.storage.entries(1, 0)[0];
    expect(stored.kind === 'data' && [...stored.payload]).toEqual([...batch]);
    expect(d.status().commit).toBe(0);
    expect(d.highWatermark).toBe(1);
    await n.loop.until(() => d.status().commit === 2, 100, 'commit after the flush');
    await n.loop.settle();
    expect(d.highWatermark).toBe(3);
  });

  test('a follower refuses with the leader it knows', () => {
    const n = lonelyNode(1);
    expect(n.node.get('t:0')!.propose(buildBatch({ records: [{ value: 'a' }] }))).toEqual({ ok: false, reason: 'not_leader', leaderId: null });
  });
});

describe('failures', () => {
  test('a log fsync that fails stops its group: it promises nothing more, and refuses proposals', async () => {
    const n = lonelyNode(2, membership([1]));
    n.node.start();
    const [a, b] = [n.node.get('t:0')!, n.node.get('t:1')!];
    await n.loop.until(() => a.role === 'leader' && b.role === 'leader' && a.status().commit === 0 && b.status().commit === 0, 1000, 'both elected');
    n.disk.failFsyncs = 1;
    a.propose(buildBatch({ records: [{ value: 'lost' }] }));
    await n.loop.advance(50);
    expect(a.stopped).toBe(true);
    expect(a.status().commit).toBe(0); // never counted as durable
    expect(a.propose(buildBatch({ records: [{ value: 'x' }] }))).toEqual({ ok: false, reason: 'group_stopped' });
    expect(n.node.stats.stoppedGroups).toBe(1);
    // The other group goes on.
    expect(b.propose(buildBatch({ records: [{ value: 'ok' }] })).ok).toBe(true);
    await n.loop.advance(50);
    expect(b.status().commit).toBe(1);
  });

  test('a journal fsync that fails stops every group of the node', async () => {
    const n = lonelyNode(3);
    n.disk.failFsyncs = 1;
    n.deliver(2, n.ids.slice(0, 1).map((group) => ({ group, message: { type: 'request_vote', from: 2, to: 1, term: 5, preVote: false, transfer: false, lastIndex: -1, lastTerm: 0 } })));
    await n.loop.advance(10);
    expect([...n.node.all()].map((d) => d.stopped)).toEqual([true, true, true]);
    expect(n.sent).toEqual([]); // the vote was never sent
  });
});
